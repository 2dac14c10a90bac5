"""Plain records that go in and out of the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.connector import Action, Form
from hub.events import Event


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event with its position in the log."""

    seq: int
    event: Event


@dataclass(frozen=True, slots=True)
class Known:
    """What the store knows that routing a batch needs: which of its items are the hub's own
    copies, and which expertise groups (their bridge names) took the items its events hang
    under or change, by `(connection, native_id)` (a copy's key names its original's)."""

    copies: set[tuple[str, str]] = field(default_factory=set)
    grouped: Mapping[tuple[str, str], set[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    """What the router decides: this event goes to that endpoint, in this form."""

    event_seq: int
    bridge: str
    target: str  # an Address, as text
    form: Form
    action: Action
    ordering_key: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """A row of the outbox."""

    id: int
    event_seq: int
    bridge: str
    target: str
    form: Form
    action: Action
    ordering_key: str
    status: str
    attempts: int
    created_at: float
    age_from: float
    next_attempt_at: float
    last_error: str | None
    native_id: str | None
    # An earlier attempt died half-way or failed (perhaps after the platform acted, its answer
    # lost): the item may exist already, made no earlier than `attempted_at`.
    uncertain: bool = False
    attempted_at: float | None = None
    # Read with the claim: what the delivery carries, and where its item stands on the target
    # (None outside a claim, or when the event is gone; a creation's `here.pending` is never
    # looked at, and is False).
    event: Event | None = None
    here: Whereabouts | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A native item the hub made (`connection`, `endpoint`, `native_id`) for an origin item."""

    origin_connection: str
    origin_endpoint: str
    origin_native_id: str
    connection: str
    endpoint: str
    native_id: str
    role: str = "copy"  # copy: the mirror itself; part: more of it; notice: a reply about it


@dataclass(frozen=True, slots=True)
class StateWrite:
    """A value a connector put in its StateBox (None: deleted), to commit with the attempt
    that wrote it."""

    connection: str
    key: str
    value: str | None


@dataclass(frozen=True, slots=True)
class Completion:
    """A delivery done: what it made (its native id), the links that say so, the state its
    attempt wrote, and the order whose next item may now go (None: leave it to the pump)."""

    delivery_id: int
    native_id: str | None
    links: tuple[Link, ...] = ()
    state: tuple[StateWrite, ...] = ()
    ordering_key: str | None = None


@dataclass(frozen=True, slots=True)
class Whereabouts:
    """Where an item stands with regard to one target endpoint, read in one go."""

    origin: tuple[str, str, str]  # (connection, endpoint, native_id) of the item it mirrors
    made_by_hub: bool  # the item itself is a copy the hub made
    on_target: str | None  # the native id of the item (or of its origin's copy) on the target
    pending: bool  # a delivery of its origin to the target is still on its way
