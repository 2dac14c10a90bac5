"""Basecamp payloads to canonical events. Pure: no I/O, no clock.

Endpoints are addressed by project (bucket) id, which every payload carries: `board/<project>`
(message board), `todos/<project>` (the to-do lists and their to-dos), `chat/<project>`
(Campfire), `calendar/<project>` (schedule) and `files/<project>` (Docs & Files: uploads and
documents). A comment lives on the endpoint of what it comments on, and hangs under it.

Webhook kinds are read as `<type prefix>_<change>`: the documented `_updated` and the observed
`_changed` spellings both mean an edit, and so do a to-do's `todo_completed` and
`todo_uncompleted`; only created, edited and trashed items are mirrored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from hub.errors import NotAnEvent
from hub.events import Actor, Attachment, Event, Kind, Ref, Schedule
from plugins.basecamp import richtext, todos

PLATFORM = "basecamp"


class PayloadError(ValueError):
    """A payload that is not a Basecamp webhook or recording the hub can read."""


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    TRASHED = "trashed"


# Recording type -> (webhook kind prefix, endpoint kind it lives on).
RECORDING_TYPES: Mapping[str, tuple[str, str]] = {
    "Message": ("message_", "board"),
    "Comment": ("comment_", ""),  # the endpoint of what it comments on
    "Todo": ("todo_", "todos"),
    "Todolist": ("todolist_", "todos"),
    "Schedule::Entry": ("schedule_entry_", "calendar"),
    "Upload": ("upload_", "files"),
    "Document": ("document_", "files"),
}
CHAT_LINE_PREFIX = "Chat::Lines::"
# What a comment can hang under: every mirrored recording but a Campfire line.
_COMMENTABLE = {rtype: kind for rtype, (_, kind) in RECORDING_TYPES.items() if kind}
# What each recording becomes: a calendar event, a file, or (all others) a message.
_NOUNS = {"Schedule::Entry": "event", "Upload": "file"}
_KINDS: Mapping[tuple[str, Change], Kind] = {
    ("message", Change.CREATED): Kind.MESSAGE_CREATED,
    ("message", Change.UPDATED): Kind.MESSAGE_UPDATED,
    ("message", Change.TRASHED): Kind.MESSAGE_DELETED,
    ("event", Change.CREATED): Kind.EVENT_CREATED,
    ("event", Change.UPDATED): Kind.EVENT_UPDATED,
    ("event", Change.TRASHED): Kind.EVENT_CANCELLED,
    ("file", Change.CREATED): Kind.FILE_CREATED,
    ("file", Change.TRASHED): Kind.FILE_DELETED,
}
_CREATED = {"created", "active"}
# A to-do's completion and reopening change what it says: edits too.
_STATE_CHANGES = {"completed", "uncompleted"}
_TRASHED = {"trashed", "deleted"}
# Edits of who follows an item, not of what it says.
_NOT_EDITS = {"subscribers_changed"}


def classify(kind: str, recording_type: str) -> Change | None:
    """What a webhook `kind` means for a recording of `recording_type`; None: not mirrored."""
    known = RECORDING_TYPES.get(recording_type)
    if known is None or not kind.startswith(known[0]):
        return None
    suffix = kind[len(known[0]):]
    if suffix in _CREATED:
        return Change.CREATED
    if suffix in _TRASHED:
        return Change.TRASHED
    if suffix in _STATE_CHANGES and recording_type == "Todo":
        return Change.UPDATED
    if suffix.endswith(("_updated", "_changed")) and suffix not in _NOT_EDITS:
        return Change.UPDATED
    return None


def parse_time(value: Any) -> datetime:
    """A Basecamp timestamp (ISO 8601 with an offset) in UTC."""
    if not isinstance(value, str):
        raise PayloadError(f"expected a timestamp, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"timestamp {value!r} is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise PayloadError(f"timestamp {value!r} has no offset")
    return parsed.astimezone(UTC)


def _bucket(recording: Mapping[str, Any]) -> str:
    bucket = recording.get("bucket")
    if not isinstance(bucket, Mapping) or "id" not in bucket:
        raise PayloadError(f"recording {recording.get('id')} has no bucket (project)")
    return str(bucket["id"])


def endpoint_of(recording: Mapping[str, Any]) -> str | None:
    """`<shape>/<project id>` of a recording; None for recordings the hub does not mirror."""
    rtype = str(recording.get("type", ""))
    if rtype.startswith(CHAT_LINE_PREFIX):
        return f"chat/{_bucket(recording)}"
    if rtype == "Comment":
        parent = recording.get("parent")
        shape = _COMMENTABLE.get(str(parent.get("type"))) if isinstance(parent, Mapping) else None
    else:
        shape = RECORDING_TYPES.get(rtype, ("", ""))[1] or None
    return f"{shape}/{_bucket(recording)}" if shape else None


def actor_of(person: Any) -> Actor:
    if not isinstance(person, Mapping) or "id" not in person:
        raise PayloadError("payload has no creator")
    return Actor(
        platform=PLATFORM,
        native_id=str(person["id"]),
        name=str(person.get("name") or person.get("email_address") or person["id"]),
        email=person.get("email_address") or None,
        avatar_url=person.get("avatar_url") or None,
    )


def _files(recording: Mapping[str, Any], field: str, found: Iterable[Attachment]
           ) -> tuple[Attachment, ...]:
    # `*_attachments` lists downloadable files without parsing HTML; older payloads lack it.
    listed = recording.get(f"{field}_attachments")
    if not isinstance(listed, list):
        return tuple(found)
    return tuple(
        Attachment(
            name=str(item.get("filename") or "file"),
            mime_type=str(item.get("content_type") or "application/octet-stream"),
            size=item.get("byte_size") if isinstance(item.get("byte_size"), int) else None,
            url=item.get("download_url"),
            native_id=str(item["id"]) if item.get("id") is not None else None,
        )
        for item in listed if isinstance(item, Mapping)
    )


def _content(recording: Mapping[str, Any], state: todos.State
             ) -> tuple[str | None, str, tuple[Attachment, ...]]:
    """Title, canonical body and files of any mirrored recording."""
    rtype = str(recording.get("type", ""))
    if rtype in (todos.TODO, todos.TODOLIST):
        # A webhook's generic block has the to-do's text as `content` and no description.
        described = recording.get("description")
        if described is None and rtype == todos.TODOLIST:
            described = recording.get("content")
        rich = richtext.to_canonical(described)
        body = "\n\n".join([*todos.lead(recording, state), rich.body]).strip()
        return todos.title_of(recording), body, _files(recording, "description", rich.files)
    if rtype == "Chat::Lines::Text":
        return None, richtext.plain_to_canonical(recording.get("content")), ()
    if rtype.startswith(CHAT_LINE_PREFIX):
        rich = richtext.to_canonical(recording.get("content"))
        files = tuple(
            Attachment(name=str(a.get("filename") or "file"),
                       mime_type=str(a.get("content_type") or "application/octet-stream"),
                       size=a.get("byte_size") if isinstance(a.get("byte_size"), int) else None,
                       url=a.get("download_url"))
            for a in recording.get("attachments") or [] if isinstance(a, Mapping)
        )
        return None, rich.body, files + rich.files
    if rtype == "Upload":
        rich = richtext.to_canonical(recording.get("description"))
        upload = Attachment(
            name=str(recording.get("filename") or recording.get("title") or "file"),
            mime_type=str(recording.get("content_type") or "application/octet-stream"),
            size=recording.get("byte_size") if isinstance(recording.get("byte_size"), int)
            else None,
            url=recording.get("download_url"),
            native_id=str(recording["id"]),
        )
        return str(recording.get("title") or upload.name), rich.body, (upload,)
    if rtype == "Schedule::Entry":
        rich = richtext.to_canonical(recording.get("description"))
        title = recording.get("summary") or recording.get("title")
        return title, rich.body, _files(recording, "description", rich.files)
    rich = richtext.to_canonical(recording.get("content"))
    titled = rtype in ("Message", "Document")
    title = recording.get("subject") or recording.get("title") if titled else None
    return title, rich.body, _files(recording, "content", rich.files)


def _schedule(recording: Mapping[str, Any]) -> Schedule | None:
    if recording.get("starts_at") is None:
        return None  # a webhook's generic recording block carries no times
    ends = recording.get("ends_at")
    return Schedule(
        starts_at=parse_time(recording["starts_at"]),
        ends_at=parse_time(ends) if ends else None,
        all_day=bool(recording.get("all_day")),
    )


def app_url(raw: Mapping[str, Any]) -> str | None:
    """Where people open the recording `raw` carries (a webhook's, or the recording itself),
    on Basecamp's web app; None when it names none."""
    hook = raw.get("recording")
    url = (hook if isinstance(hook, Mapping) else raw).get("app_url")
    return url if isinstance(url, str) and url.startswith("https://") else None


def content_digest(title: str | None, body: str, attachments: Iterable[Attachment],
                   mark: str = "") -> str:
    """The revision of an edit: what the item says, not when it was touched.

    `updated_at` also moves when subscribers change or comments arrive; a digest makes the
    webhook and the poll agree on one edit and keeps those touches from looking like edits.
    `mark` tells apart states that read the same (a to-do's second completion, see todos).
    """
    digest = hashlib.sha256()
    # Files by name and size: their URLs are not part of what a person changed.
    marks = (mark,) if mark else ()
    for part in (title or "", body, *(f"{a.name}\0{a.size}" for a in attachments), *marks):
        digest.update(part.encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:20]


def _when(schedule: Schedule | None) -> str:
    if schedule is None:
        return ""
    ends = schedule.ends_at.isoformat() if schedule.ends_at else ""
    return f"{schedule.starts_at.isoformat()}/{ends}/{schedule.all_day}/{schedule.location or ''}"


def recording_event(
    recording: Mapping[str, Any],
    change: Change,
    connection: str,
    *,
    actor: Actor | None = None,
    occurred_at: datetime | None = None,
    raw: Mapping[str, Any] | None = None,
    state: todos.State | None = None,
) -> Event | None:
    """The event of one change to one recording; None when the hub does not mirror it.

    `state` is a to-do's, when more than the recording tells it (see `todos.state_of`).
    """
    if "id" not in recording:
        raise PayloadError("recording has no id")
    endpoint = endpoint_of(recording)
    if endpoint is None:
        return None
    rtype = str(recording.get("type", ""))
    if rtype.startswith(CHAT_LINE_PREFIX):
        kind = Kind.MESSAGE_CREATED if change is Change.CREATED else None
    else:
        kind = _KINDS.get((_NOUNS.get(rtype, "message"), change))
    if kind is None:
        return None
    state = state or todos.state_of(recording)
    title, body, files = _content(recording, state)
    parent = None
    if recording.get("type") == "Comment":
        parent_block = recording["parent"]
        parent = Ref(platform=PLATFORM, connection=connection, endpoint=endpoint,
                     native_id=str(parent_block["id"]))
        title = None
    when = occurred_at or parse_time(
        recording.get("created_at") if change is Change.CREATED else recording.get("updated_at"))
    schedule = _schedule(recording) if kind.noun == "event" and not kind.removes else None
    try:
        return Event(
            kind=kind,
            source=Ref(platform=PLATFORM, connection=connection, endpoint=endpoint,
                       native_id=str(recording["id"])),
            parent=parent,
            actor=actor or actor_of(recording.get("creator")),
            occurred_at=when,
            title=title if change is not Change.TRASHED else None,
            body=body if change is not Change.TRASHED else "",
            attachments=files if change is not Change.TRASHED else (),
            schedule=schedule,
            # A schedule entry moved to another time says the same: its time is part of it.
            revision=content_digest(title, body, files, state.mark + _when(schedule))
            if change is Change.UPDATED else "",
            raw=dict(raw if raw is not None else recording),
        )
    except ValidationError as exc:
        raise PayloadError(f"recording {recording['id']}: {exc.error_count()} invalid field(s): "
                           + "; ".join(e["msg"] for e in exc.errors(include_input=False))) from None


def webhook_events(payload: Mapping[str, Any], connection: str,
                   recording: Mapping[str, Any] | None = None, *,
                   last_completed: str | None = None) -> list[Event]:
    """The events of one webhook delivery.

    `recording` is the item as fetched from the API after the hook arrived (the payload is
    only a hint); without it the payload's own recording block is used. `last_completed` is
    an open to-do's newest completion (`todos.last_completion` of its events).
    """
    hint = payload.get("recording")
    if not isinstance(hint, Mapping) or not isinstance(payload.get("kind"), str):
        raise PayloadError("a webhook payload has a kind and a recording")
    change = classify(payload["kind"], str(hint.get("type", "")))
    if change is None:
        return []
    current = recording if recording is not None else hint
    # Who made the change: for an edit or a trashing, that is not the item's author.
    actor = actor_of(payload["creator"]) if change is not Change.CREATED and isinstance(
        payload.get("creator"), Mapping) else None
    occurred_at = parse_time(payload["created_at"]) if change is Change.TRASHED and (
        payload.get("created_at")) else None
    state = todos.state_of(current, last_completed, payload["kind"])
    event = recording_event(current, change, connection, actor=actor, occurred_at=occurred_at,
                            raw={**payload, "recording": dict(current)}, state=state)
    return [event] if event is not None else []


def polled_events(recording: Mapping[str, Any], connection: str, since: datetime, *,
                  last_completed: str | None = None) -> list[Event]:
    """The events a poll reads from one recording changed at or after `since`.

    Active: created (when it was created in the window) and its current edit when it changed
    after creation; trashed: deleted. The store keeps only what it has not seen. A done to-do's
    edit is told as its completer's; `last_completed` is as for `webhook_events`.
    """
    status = recording.get("status")
    if status == "trashed":
        event = recording_event(recording, Change.TRASHED, connection)
        return [event] if event else []
    if status != "active":
        return []
    events = []
    created = parse_time(recording.get("created_at"))
    updated = parse_time(recording.get("updated_at", recording.get("created_at")))
    if created >= since:
        event = recording_event(recording, Change.CREATED, connection)
        if event is not None:
            events.append(event)
    if updated > created and updated >= since:
        completion = recording.get("completion") if recording.get("completed") else None
        completer = completion.get("creator") if isinstance(completion, Mapping) else None
        event = recording_event(
            recording, Change.UPDATED, connection,
            actor=actor_of(completer) if isinstance(completer, Mapping) else None,
            state=todos.state_of(recording, last_completed))
        if event is not None:
            events.append(event)
    return events


def parse_payload(payload: Any, connection: str) -> list[Event]:
    """Any Basecamp payload the hub reads, as events: a webhook delivery, a recording, a list
    of recordings, or a webhook with its `recent_deliveries`."""
    if isinstance(payload, list):
        return sorted((e for item in payload for e in parse_payload(item, connection)),
                      key=lambda e: e.occurred_at)
    if not isinstance(payload, Mapping):
        raise PayloadError(f"expected a JSON object or array, got {type(payload).__name__}")
    if isinstance(payload.get("recent_deliveries"), list):
        bodies = [d.get("request", {}).get("body") for d in payload["recent_deliveries"]
                  if isinstance(d, Mapping)]
        return parse_payload([b for b in bodies if isinstance(b, Mapping)], connection)
    if "kind" in payload and "recording" in payload:
        return webhook_events(payload, connection)
    if "command" in payload and "callback_url" in payload:
        raise NotAnEvent("this is a chatbot command (POSTed to a chatbot's command_url), not "
                           "a Campfire line; the hub reads Campfire lines by polling "
                           "/chats/<id>/lines.json")
    if "attachable_sgid" in payload and "type" not in payload:
        raise NotAnEvent("this is an attachment upload receipt (POST /attachments.json), "
                           "not a recording; it becomes one once embedded or made an upload")
    if "recording_id" in payload and "action" in payload:
        raise NotAnEvent("this is one of a recording's events (GET /recordings/<id>/events.json)"
                         ", not the recording; the hub reads them only to tell a reopened to-do")
    rtype = payload.get("type")
    if not isinstance(rtype, str):
        raise PayloadError("not a Basecamp webhook or recording: it has neither `kind` nor "
                           "`type`")
    if rtype not in RECORDING_TYPES and not rtype.startswith(CHAT_LINE_PREFIX):
        return []
    change = Change.TRASHED if payload.get("status") == "trashed" else Change.CREATED
    event = recording_event(payload, change, connection)
    return [event] if event is not None else []
