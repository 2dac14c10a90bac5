"""The canonical event: one shape for everything that happens on any platform.

Field names are the public contract: they are also the JSON of `passerelle normalize` and of
the event stream API. Models are frozen so an event cannot change after it is stored.
"""

from __future__ import annotations

import os
import time
import uuid
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, NonNegativeInt


class Kind(StrEnum):
    """What happened, as `noun.past_tense_verb`."""

    MESSAGE_CREATED = "message.created"
    MESSAGE_UPDATED = "message.updated"
    MESSAGE_DELETED = "message.deleted"
    EVENT_CREATED = "event.created"
    EVENT_UPDATED = "event.updated"
    EVENT_CANCELLED = "event.cancelled"
    FILE_CREATED = "file.created"
    FILE_DELETED = "file.deleted"
    REACTION_ADDED = "reaction.added"
    REACTION_REMOVED = "reaction.removed"

    @property
    def noun(self) -> str:
        """`message`, `event`, `file` or `reaction`."""
        return self.value.split(".", 1)[0]

    @property
    def removes(self) -> bool:
        """True for kinds that take something away (deleted, cancelled, removed)."""
        return self.value.rsplit(".", 1)[1] in {"deleted", "cancelled", "removed"}

    @property
    def changes(self) -> bool:
        """True for kinds that modify something that exists already."""
        return self.value.endswith(".updated")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Ref(_Frozen):
    """Where something lives: a platform item on one endpoint of one connection."""

    platform: str
    connection: str
    endpoint: str
    native_id: str


class Actor(_Frozen):
    """Who did it, as the platform knows them."""

    platform: str
    native_id: str
    name: str
    email: str | None = None
    avatar_url: str | None = None


class Attachment(_Frozen):
    """A file carried by an event; `url` is where the source connector can download it."""

    name: str
    mime_type: str = "application/octet-stream"
    size: NonNegativeInt | None = None
    url: str | None = None
    native_id: str | None = None


class Schedule(_Frozen):
    """When and where a calendar event takes place."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    all_day: bool = False
    timezone: str | None = None
    location: str | None = None
    join_url: str | None = None


def new_event_id(now_ms: int | None = None) -> str:
    """A UUIDv7 string: time-ordered, so ids sort like the events they name (RFC 9562 §5.7)."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (rand >> 68) << 64  # 12 bits of rand_a
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


class Event(_Frozen):
    """Something that happened on a platform, normalised.

    `revision` is an empty string, never null, where the platform has no revision marker:
    the store's unique key (connection, native_id, kind, revision) must see it.
    """

    id: str = Field(default_factory=new_event_id)
    kind: Kind
    source: Ref
    parent: Ref | None = None
    actor: Actor
    occurred_at: AwareDatetime
    title: str | None = None
    body: str = ""
    language: str | None = None
    attachments: tuple[Attachment, ...] = ()
    schedule: Schedule | None = None
    revision: str = ""
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @property
    def dedupe_key(self) -> tuple[str, str, str, str]:
        """The identity the store refuses to see twice."""
        return (self.source.connection, self.source.native_id, self.kind.value, self.revision)
