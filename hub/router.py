"""Routing: which stored event goes to which endpoint, in which form. Pure: no I/O, no clock.

The conversion table of DESIGN §4 lives here and only here, so `passerelle check` and the
delivery worker can never disagree about what a combination does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from hub.connector import Action, Address, Form, Shape
from hub.events import Event, Kind, Ref
from hub.people.groups import group_bridge, hashtags, reminded_group
from hub.settings import Direction, Render, ShowOriginal
from hub.store.records import PlannedDelivery, StoredEvent


@dataclass(frozen=True)
class BridgeEndpoint:
    """One endpoint's membership of one bridge."""

    address: Address
    shape: Shape
    direction: Direction = Direction.BOTH
    kinds: frozenset[Kind] | None = None
    language: str | None = None
    render: Render = Render.TRANSLATED
    options: Mapping[str, Any] = field(default_factory=dict)
    timezone: str | None = None  # IANA; None: calendar events read in their own zone
    # A direct notice to one person (a group's member who asked to be told): their
    # identities, so they are never told of what they wrote themselves. Empty: a place.
    notice_for: frozenset[tuple[str, str]] = frozenset()

    def passes(self, kind: Kind) -> bool:
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class Bridge:
    """A named set of endpoints mirrored among each other."""

    name: str
    endpoints: tuple[BridgeEndpoint, ...]
    translate: bool = True
    show_original: ShowOriginal = ShowOriginal.NONE
    # An expertise group's (`group:mobility`): the hashtags, as compared, that send an item
    # to its endpoints, which only receive. Empty: an ordinary bridge, routed by membership.
    hashtags: frozenset[str] = frozenset()

    def member(self, connection: str, endpoint: str) -> BridgeEndpoint | None:
        return next(
            (e for e in self.endpoints
             if e.address.connection == connection and e.address.endpoint == endpoint),
            None,
        )

    @property
    def languages(self) -> list[str]:
        return sorted({e.language for e in self.endpoints if e.language})


_ACTION = {"created": Action.CREATE, "added": Action.CREATE, "updated": Action.UPDATE}


def _action(kind: Kind) -> Action:
    return _ACTION.get(kind.value.rsplit(".", 1)[1], Action.DELETE)


def conversion(kind: Kind, has_parent: bool, has_files: bool, target: Shape
               ) -> tuple[Form, Action] | None:
    """How an item of `kind` appears on an endpoint of shape `target`; None: it does not."""
    action = _action(kind)
    noun = kind.noun
    if noun == "message":
        if target is Shape.CHAT:
            return (Form.REPLY if has_parent else Form.MESSAGE), action
        if target is Shape.BOARD:
            return (Form.COMMENT if has_parent else Form.POST), action
        if target is Shape.FILES and has_files and action is Action.CREATE:
            return Form.FILE, action
        return None
    if noun == "event":
        if target is Shape.CALENDAR:
            return Form.CALENDAR, action
        if target is Shape.CHAT:
            # An announcement; later changes are told as replies under it.
            if action is Action.CREATE:
                return Form.MESSAGE, action
            return Form.REPLY, Action.CREATE
        if target is Shape.BOARD:
            if action is Action.DELETE:
                return Form.COMMENT, Action.CREATE
            return Form.POST, action
        return None
    if noun == "file":
        return None if target is Shape.CALENDAR else (Form.FILE, action)
    # Reactions only make sense where people react to messages.
    return (Form.REACTION, action) if target is Shape.CHAT else None


def kinds_received(endpoint: BridgeEndpoint) -> set[Kind]:
    """Every kind that can reach this endpoint in some form (for `passerelle check`)."""
    return {
        kind for kind in Kind if endpoint.passes(kind)
        and any(conversion(kind, parent, True, endpoint.shape) for parent in (False, True))
    }


def anchor(event: Event, form: Form) -> Ref | None:
    """What a reply, comment or reaction hangs under: the parent, or for a calendar event's
    change, the announcement of the event itself."""
    if form is Form.REACTION:
        return event.parent
    if form not in (Form.REPLY, Form.COMMENT):
        return None
    return event.source if event.kind.noun == "event" else event.parent


def plan(
    batch: Sequence[StoredEvent],
    bridges: Sequence[Bridge],
    copies: Set[tuple[str, str]],
    own_identities: Mapping[str, Set[str]],
    grouped: Mapping[tuple[str, str], Set[str]] | None = None,
) -> list[PlannedDelivery]:
    """Deliveries for a batch of stored events.

    Never routed again: items the hub made itself (`copies`, from the links) and items whose
    author is one of the hub's own identities on that connection. An event reaches each target
    endpoint once even when two bridges share both ends, or a bridge and a group.

    An expertise group (a bridge with hashtags) takes an item that carries one of them, and
    what follows an item it took: its replies, reactions, edits and deletion. `grouped` says
    which groups took an earlier item, `(connection, native_id)` -> bridge names, for the
    items the batch's events hang under or change (a copy's key names its original's groups).
    """
    planned: list[PlannedDelivery] = []
    places = [bridge for bridge in bridges if not bridge.hashtags]
    groups = [bridge for bridge in bridges if bridge.hashtags]
    for stored in batch:
        event = stored.event
        source = event.source
        if (source.connection, source.native_id) in copies:
            continue
        if event.actor.native_id in own_identities.get(source.connection, ()):
            continue
        seen: set[str] = set()
        reminded = reminded_group(event)
        for bridge in places if reminded is None else ():
            member = bridge.member(source.connection, source.endpoint)
            if member is None or not member.direction.feeds or not member.passes(event.kind):
                continue
            planned.extend(_to(stored, bridge, bridge.endpoints, seen, skip=member))
        tags = hashtags(event) if groups else frozenset()
        followed = _followed(event, grouped or {})
        for group in groups:
            if reminded is not None:
                if group.name != group_bridge(reminded):
                    continue
                targets = group.endpoints
            elif group.hashtags & tags:
                targets = tuple(t for t in group.endpoints
                                if (source.connection, event.actor.native_id) not in t.notice_for)
            elif group.name in followed:
                targets = tuple(t for t in group.endpoints if not t.notice_for)
            else:
                continue
            planned.extend(_to(stored, group, targets, seen,
                               skip=group.member(source.connection, source.endpoint)))
    return planned


def _followed(event: Event, grouped: Mapping[tuple[str, str], Set[str]]) -> Set[str]:
    """The groups that took the item `event` hangs under (a reply, a reaction) or changes
    (an edit, a deletion)."""
    found = set(grouped.get((event.source.connection, event.source.native_id), ()))
    if event.parent is not None:
        found |= grouped.get((event.parent.connection, event.parent.native_id), set())
    return found


def _to(stored: StoredEvent, bridge: Bridge, targets: Sequence[BridgeEndpoint],
        seen: set[str], skip: BridgeEndpoint | None) -> Iterator[PlannedDelivery]:
    """`stored` to each of `targets` of `bridge` that receives it in some form, except `skip`
    (where it came from) and what `seen` holds (reached already); `seen` grows."""
    event = stored.event
    source = event.source
    for target in targets:
        target_text = str(target.address)
        if target is skip or target_text in seen or not target.direction.receives:
            continue
        if target.address.connection == source.connection and \
                target.address.endpoint == source.endpoint:
            continue  # never back where it was written
        if not target.passes(event.kind):
            continue
        converted = conversion(event.kind, event.parent is not None, bool(event.attachments),
                               target.shape)
        if converted is None:
            continue
        seen.add(target_text)
        form, action = converted
        yield PlannedDelivery(
            event_seq=stored.seq, bridge=bridge.name, target=target_text, form=form,
            action=action, ordering_key=f"{source.connection}/{source.endpoint}>{target_text}")
