"""The canonical event: one shape for everything that happens on any platform.

Field names are the public contract: they are also the JSON of `passerelle normalize` and of
the event stream API. Models are frozen so an event cannot change after it is stored.

Whatever a platform sends, a valid event can be stored, on SQLite and PostgreSQL alike: each
NUL (which PostgreSQL's text cannot hold) and each lone UTF-16 surrogate (which no encoding can,
and which JSON may carry as `"\\ud800"`) in any text, `raw` included, becomes U+FFFD; what is
stored in a column of its own is refused when longer than that column. Validation does it, so
it holds for webhooks and polls alike: build a changed model from outside data with
`model_validate`, since `model_copy(update=...)` validates nothing.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

# The store's columns for these (hub/store/schema.py); tests/hub/test_events.py keeps them equal.
MAX_CONNECTION = 200
MAX_ENDPOINT = 500
MAX_NATIVE_ID = 500
MAX_REVISION = 200

REPLACEMENT = "\ufffd"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTAINERS = (dict, list, tuple)


def without_lone_surrogates(value: Any) -> Any:
    """`value` (JSON-like) with each lone UTF-16 surrogate in its strings and keys replaced by
    U+FFFD: JSON may escape one (`"\\ud800"`), but no text encoding can hold it."""
    return _replaced(value, _LONE_SURROGATE)


def storable(value: Any) -> Any:
    """`value` (JSON-like) with each NUL and lone surrogate in its strings and keys replaced by
    U+FFFD: what every store can hold. Returned as it is when there is nothing to replace."""
    return _replaced(value, _UNSTORABLE)


def _replaced(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REPLACEMENT, value) if pattern.search(value) else value
    if not isinstance(value, _CONTAINERS) or not _holds(value, pattern):
        return value
    # Rebuilt without recursion: a payload may nest as deep as the JSON decoder allowed.
    root: dict[Any, Any] | list[Any] = {} if isinstance(value, dict) else []
    todo: list[tuple[Any, dict[Any, Any] | list[Any]]] = [(value, root)]
    while todo:
        source, target = todo.pop()
        for key, item in source.items() if isinstance(source, dict) else enumerate(source):
            if isinstance(item, _CONTAINERS):
                copy: dict[Any, Any] | list[Any] = {} if isinstance(item, dict) else []
                todo.append((item, copy))
                item = copy
            elif isinstance(item, str):
                item = pattern.sub(REPLACEMENT, item)
            if isinstance(target, dict):
                target[pattern.sub(REPLACEMENT, key) if isinstance(key, str) else key] = item
            else:
                target.append(item)
    return root


def _holds(value: Any, pattern: re.Pattern[str]) -> bool:
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            if pattern.search(item):
                return True
        elif isinstance(item, dict):
            todo.extend(item)
            todo.extend(item.values())
        elif isinstance(item, (list, tuple)):
            todo.extend(item)
    return False


def _fits(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > limit:
            raise PydanticCustomError(
                "too_long_to_store", "{length} characters, more than the {limit} the store can "
                "hold", {"length": len(value), "limit": limit})
        return value
    return AfterValidator(check)


Text = Annotated[str, BeforeValidator(storable)]
"""Text as every store can hold it (NUL and lone surrogates replaced)."""


def _storable_raw(value: Any, info: ValidationInfo) -> Any:
    # JSON text is an event the hub serialised (a store's row): made storable on its way in,
    # it is not walked again each time a worker reads it.
    return value if info.mode == "json" else storable(value)


def problems(exc: ValidationError) -> str:
    """A validation failure on one line, each field named: `Ref.native_id: 600 characters, more
    than the 500 the store can hold`."""
    return "; ".join(f"{'.'.join([exc.title, *map(str, error['loc'])])}: {error['msg']}"
                     for error in exc.errors(include_url=False, include_input=False))


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

    platform: Text
    connection: Annotated[Text, _fits(MAX_CONNECTION)]
    endpoint: Annotated[Text, _fits(MAX_ENDPOINT)]
    native_id: Annotated[Text, _fits(MAX_NATIVE_ID)]


class Actor(_Frozen):
    """Who did it, as the platform knows them."""

    platform: Text
    native_id: Text
    name: Text
    email: Text | None = None
    avatar_url: Text | None = None


class Attachment(_Frozen):
    """A file carried by an event; `url` is where the source connector can download it."""

    name: Text
    mime_type: Text = "application/octet-stream"
    size: NonNegativeInt | None = None
    url: Text | None = None
    native_id: Text | None = None


class Schedule(_Frozen):
    """When and where a calendar event takes place."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    all_day: bool = False
    timezone: Text | None = None
    location: Text | None = None
    join_url: Text | None = None
    # BCP-47 languages the event is interpreted into (Zoom's language interpretation).
    interpretation: tuple[Text, ...] = ()


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
    title: Text | None = None
    body: Text = ""
    language: Text | None = None
    attachments: tuple[Attachment, ...] = ()
    schedule: Schedule | None = None
    revision: Annotated[Text, _fits(MAX_REVISION)] = ""
    raw: Annotated[dict[str, Any], BeforeValidator(_storable_raw)] = Field(
        default_factory=dict, repr=False)

    @property
    def dedupe_key(self) -> tuple[str, str, str, str]:
        """The identity the store refuses to see twice."""
        return (self.source.connection, self.source.native_id, self.kind.value, self.revision)
