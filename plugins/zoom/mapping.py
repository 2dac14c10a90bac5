"""Zoom payloads → canonical events. Pure: no I/O, no clock.

Zoom webhooks are `{event, event_ts, payload: {account_id, operator?, operator_id?, object,
old_object?}}`. Meetings live on `calendar/<host id>`, their recordings on `files/<host id>`
(each file a `file.created` whose parent is the meeting), Team Chat messages on
`chat/<channel id>` (their text through `chattext`). Calendar events going the other way, to
meetings, are in `outbound`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hub import markup
from hub.errors import NotAnEvent
from hub.events import Actor, Attachment, Event, Kind, Ref, Schedule
from plugins.zoom.chattext import to_canonical
from plugins.zoom.outbound import interpretation_languages
from plugins.zoom.settings import PLATFORM

MIME_TYPES = {
    "MP4": "video/mp4", "M4A": "audio/mp4", "TRANSCRIPT": "text/vtt", "VTT": "text/vtt",
    "CC": "text/vtt", "CHAT": "text/plain", "TXT": "text/plain", "CSV": "text/csv",
    "JSON": "application/json", "TIMELINE": "application/json", "SUMMARY": "application/json",
}


Handler = Callable[[Mapping[str, Any], str, "Collection[str] | None"], list[Event]]


class NotAZoomEvent(ValueError):
    """A payload that is not something Zoom sends; the message says what it looks like."""


def parse_payload(payload: Any, connection: str,
                  recording_types: Collection[str] | None = None) -> list[Event]:
    """Events of one Zoom payload: a webhook, or a meeting as the API returns it.

    Handshakes and events the hub does not mirror give no event; what Zoom never sends is a
    `NotAZoomEvent` saying what the payload looks like instead. `recording_types` (MP4,
    TRANSCRIPT…) limits which recording files are mirrored; None mirrors them all.
    """
    if not isinstance(payload, Mapping):
        raise NotAZoomEvent(f"a Zoom payload is a JSON object, not {type(payload).__name__}")
    name = payload.get("event")
    if name is None:
        if "plainToken" in payload:
            raise NotAnEvent("this is the answer to an endpoint.url_validation handshake "
                                "(plainToken, encryptedToken), not something Zoom sends")
        if "topic" in payload:
            return [_bare_meeting(payload, connection)]
        raise NotAZoomEvent('not a Zoom webhook: it has no "event" field')
    handler = _HANDLERS.get(str(name))
    return handler(payload, connection, recording_types) if handler is not None else []


def _bare_meeting(meeting: Mapping[str, Any], connection: str) -> Event:
    if "id" not in meeting:
        raise NotAnEvent("a meeting without an id: this is a create-meeting request body "
                            "(what would be made), not a meeting that exists")
    when = _iso(meeting.get("created_at")) or _iso(meeting.get("start_time"))
    if when is None:
        raise NotAZoomEvent(f"meeting {meeting['id']} has neither created_at nor start_time")
    return meeting_event(meeting, connection, Kind.EVENT_CREATED, when, host_actor(meeting),
                         raw=dict(meeting))


def _envelope(payload: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    inner = payload.get("payload")
    obj = inner.get("object") if isinstance(inner, Mapping) else None
    if not isinstance(inner, Mapping) or not isinstance(obj, Mapping):
        raise NotAZoomEvent(f'{payload.get("event")}: no payload.object in the webhook')
    return inner, obj


def _meeting_webhook(kind: Kind) -> Handler:
    def parse(payload: Mapping[str, Any], connection: str,
              types: Collection[str] | None = None) -> list[Event]:
        inner, obj = _envelope(payload)
        meeting: Mapping[str, Any] = obj
        revision = ""
        if kind is Kind.EVENT_UPDATED:
            # `object` holds only what changed; the connector re-fetches the meeting, and a
            # payload read alone falls back on the previous state for the rest.
            old = inner.get("old_object")
            meeting = {**(old if isinstance(old, Mapping) else {}), **obj}
            revision = str(payload.get("event_ts") or inner.get("time_stamp") or "")
        when = occurred_at(payload, obj)
        return [meeting_event(meeting, connection, kind, when, operator_actor(inner, meeting),
                              revision=revision, raw=dict(payload))]

    return parse


def _meeting_moment(moment: str) -> Handler:
    """meeting.started / meeting.ended: a short reply under the meeting, not a change of it."""

    def parse(payload: Mapping[str, Any], connection: str,
              types: Collection[str] | None = None) -> list[Event]:
        inner, obj = _envelope(payload)
        meeting_id = _meeting_id(obj)
        topic = str(obj.get("topic") or meeting_id)
        # Older payloads have no delivery stamp; the meeting's own end time says more then.
        ended = _iso(obj.get("end_time")) if moment == "ended" else None
        when = _ms(payload.get("event_ts")) or ended or occurred_at(payload, obj)
        host = str(obj.get("host_id") or "")
        return [Event(
            kind=Kind.MESSAGE_CREATED,
            source=Ref(platform=PLATFORM, connection=connection, endpoint=f"calendar/{host}",
                       native_id=f"{meeting_id}/{moment}/{obj.get('uuid') or ''}"),
            parent=Ref(platform=PLATFORM, connection=connection, endpoint=f"calendar/{host}",
                       native_id=meeting_id),
            actor=operator_actor(inner, obj), occurred_at=when,
            body=f"{markup.escape(topic)}: the meeting has {moment}.", raw=dict(payload),
        )]

    return parse


def meeting_event(meeting: Mapping[str, Any], connection: str, kind: Kind, when: datetime,
                  actor: Actor, *, revision: str = "", raw: dict[str, Any] | None = None
                  ) -> Event:
    """A calendar event for a Zoom meeting (webhook object, API resource or list item)."""
    host = str(meeting.get("host_id") or actor.native_id)
    return Event(
        kind=kind,
        source=Ref(platform=PLATFORM, connection=connection, endpoint=f"calendar/{host}",
                   native_id=_meeting_id(meeting)),
        actor=actor, occurred_at=when,
        title=str(meeting.get("topic") or "") or None,
        body=markup.escape(str(meeting.get("agenda") or "")),
        schedule=schedule_of(meeting), revision=revision, raw=raw or {},
    )


def schedule_of(meeting: Mapping[str, Any]) -> Schedule | None:
    """When a meeting takes place; None for instant and no-fixed-time recurring meetings."""
    start = _iso(meeting.get("start_time"))
    if start is None:
        return None
    duration = meeting.get("duration")
    ends = start + timedelta(minutes=duration) if isinstance(duration, int) else None
    return Schedule(starts_at=start, ends_at=ends, timezone=meeting.get("timezone") or None,
                    join_url=meeting.get("join_url") or None,
                    interpretation=interpretation_languages(meeting))


def meeting_fingerprint(meeting: Mapping[str, Any]) -> str:
    """What a poll compares to notice that a meeting changed (the list has no updated_at)."""
    keys = ("topic", "start_time", "duration", "timezone", "agenda", "join_url")
    text = json.dumps([meeting.get(key) for key in keys], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _recordings(kind: Kind) -> Handler:
    def parse(payload: Mapping[str, Any], connection: str,
              types: Collection[str] | None = None) -> list[Event]:
        inner, obj = _envelope(payload)
        # The download token is a credential: it goes to the connector's state, not the log.
        raw = {key: value for key, value in payload.items() if key != "download_token"}
        return recording_events(obj, connection, kind, occurred_at(payload, obj),
                                operator_actor(inner, obj), raw=raw, types=types)

    return parse


def recording_events(meeting: Mapping[str, Any], connection: str, kind: Kind, when: datetime,
                     actor: Actor, *, raw: dict[str, Any] | None = None,
                     types: Collection[str] | None = None) -> list[Event]:
    """One file event per finished recording file of the wanted `types` (all if None), each
    under its meeting."""
    wanted = None if types is None else {name.upper() for name in types}
    meeting_id = _meeting_id(meeting)
    host = str(meeting.get("host_id") or actor.native_id)
    parent = Ref(platform=PLATFORM, connection=connection, endpoint=f"calendar/{host}",
                 native_id=meeting_id)
    topic = str(meeting.get("topic") or meeting_id)
    events = []
    for item in meeting.get("recording_files") or ():
        if not isinstance(item, Mapping) or not item.get("download_url"):
            continue
        if wanted is not None and str(item.get("file_type") or "").upper() not in wanted:
            continue
        if kind is Kind.FILE_CREATED and item.get("status", "completed") != "completed":
            continue  # still processing: a later recording.completed or poll brings it
        file_id = recording_file_id(meeting, item)
        attachment = Attachment(
            name=recording_file_name(topic, item),
            mime_type=MIME_TYPES.get(str(item.get("file_type") or "").upper(),
                                     "application/octet-stream"),
            size=item.get("file_size") if isinstance(item.get("file_size"), int) else None,
            url=str(item["download_url"]), native_id=file_id,
        )
        events.append(Event(
            kind=kind,
            source=Ref(platform=PLATFORM, connection=connection, endpoint=f"files/{host}",
                       native_id=file_id),
            parent=parent, actor=actor,
            occurred_at=when,
            title=topic, attachments=(attachment,), raw=raw or dict(item),
        ))
    return events


def recording_file_id(meeting: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    """A file's id; older payloads leave it out of some files (TIMELINE)."""
    if item.get("id"):
        return str(item["id"])
    return f"{meeting.get('uuid') or _meeting_id(meeting)}/{item.get('file_type')}"


def recording_file_name(topic: str, item: Mapping[str, Any]) -> str:
    extension = str(item.get("file_extension") or item.get("file_type") or "bin").lower()
    label = str(item.get("recording_type") or item.get("file_type") or "recording")
    return f"{topic} - {label}.{extension}"


def _chat_webhook(kind: Kind) -> Handler:
    def parse(payload: Mapping[str, Any], connection: str,
              types: Collection[str] | None = None) -> list[Event]:
        inner, obj = _envelope(payload)
        if obj.get("type") not in (None, "to_channel") or not obj.get("channel_id"):
            return []  # direct messages are not bridged
        revision = ""
        if kind is Kind.MESSAGE_UPDATED:
            revision = str(payload.get("event_ts") or obj.get("timestamp") or "")
        return [chat_event(
            obj, connection, kind, occurred_at(payload, obj),
            # The member id is what channel history names senders by: one identity for both.
            Actor(platform=PLATFORM,
                  native_id=str(inner.get("operator_member_id") or inner.get("operator_id")
                                or inner.get("operator") or "unknown"),
                  name=str(obj.get("sender_display_name") or inner.get("operator") or "Zoom user"),
                  email=_email(inner.get("operator"))),
            revision=revision, raw=dict(payload),
        )]

    return parse


def chat_event(message: Mapping[str, Any], connection: str, kind: Kind, when: datetime,
               actor: Actor, *, channel: str | None = None, revision: str = "",
               raw: dict[str, Any] | None = None) -> Event:
    """A Team Chat channel message (webhook object or history item) as a canonical message."""
    native_id = str(message.get("message_id") or message.get("id") or "")
    if not native_id:
        raise NotAZoomEvent("a Team Chat message without message_id")
    channel_id = str(channel or message.get("channel_id"))
    endpoint = f"chat/{channel_id}"
    main = message.get("reply_main_message_id")
    parent = (Ref(platform=PLATFORM, connection=connection, endpoint=endpoint,
                  native_id=str(main)) if main and str(main) != native_id else None)
    files = [f for f in message.get("files") or () if isinstance(f, Mapping)]
    attachments = tuple(
        Attachment(name=str(f.get("file_name") or f.get("file_id")),
                   size=f.get("file_size") if isinstance(f.get("file_size"), int) else None,
                   url=str(f["download_url"]), native_id=str(f.get("file_id") or ""))
        for f in files if f.get("download_url")
    )
    body = ""
    if kind is not Kind.MESSAGE_DELETED:
        body = to_canonical(str(message.get("message") or ""), message.get("rich_text"),
                            message.get("at_items"))
        # A file whose link Zoom did not give cannot travel: its name at least does.
        names = [str(f.get("file_name") or f.get("file_id")) for f in files
                 if not f.get("download_url")]
        if names:
            listed = "\n".join(f"📎 {markup.escape(name)}" for name in names)
            body = f"{body}\n\n{listed}" if body else listed
    return Event(kind=kind, source=Ref(platform=PLATFORM, connection=connection,
                                       endpoint=endpoint, native_id=native_id),
                 parent=parent, actor=actor, occurred_at=when, body=body, attachments=attachments,
                 revision=revision, raw=raw or dict(message))


def history_event(message: Mapping[str, Any], channel: str, connection: str) -> Event:
    """A message of a channel's history (GET /chat/users/{userId}/messages)."""
    sender = message.get("sender")
    actor = Actor(platform=PLATFORM,
                  native_id=str(message.get("sender_member_id") or sender or "unknown"),
                  name=str(message.get("sender_display_name") or sender or "Zoom user"),
                  email=_email(sender))
    return chat_event(message, connection, Kind.MESSAGE_CREATED, occurred_at({}, message), actor,
                      channel=channel)


_HANDLERS: dict[str, Handler] = {
    "meeting.created": _meeting_webhook(Kind.EVENT_CREATED),
    "meeting.updated": _meeting_webhook(Kind.EVENT_UPDATED),
    "meeting.deleted": _meeting_webhook(Kind.EVENT_CANCELLED),
    "meeting.started": _meeting_moment("started"),
    "meeting.ended": _meeting_moment("ended"),
    "recording.completed": _recordings(Kind.FILE_CREATED),
    "recording.transcript_completed": _recordings(Kind.FILE_CREATED),
    "recording.deleted": _recordings(Kind.FILE_DELETED),
    "recording.trashed": _recordings(Kind.FILE_DELETED),
    "team_chat.channel_message_posted": _chat_webhook(Kind.MESSAGE_CREATED),
    "team_chat.channel_message_updated": _chat_webhook(Kind.MESSAGE_UPDATED),
    "team_chat.channel_message_deleted": _chat_webhook(Kind.MESSAGE_DELETED),
    # The older chat_message.* events carry the same object, with `id` for `message_id`.
    "chat_message.sent": _chat_webhook(Kind.MESSAGE_CREATED),
    "chat_message.replied": _chat_webhook(Kind.MESSAGE_CREATED),
    "chat_message.updated": _chat_webhook(Kind.MESSAGE_UPDATED),
    "chat_message.deleted": _chat_webhook(Kind.MESSAGE_DELETED),
}


def _meeting_id(obj: Mapping[str, Any]) -> str:
    # A number in meeting.created, a string in meeting.started: one spelling for both.
    try:
        return str(int(obj["id"]))
    except (KeyError, TypeError, ValueError):
        raise NotAZoomEvent(f"meeting id {obj.get('id')!r} is not a number") from None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def _ms(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str) and value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    return None


def occurred_at(payload: Mapping[str, Any], obj: Mapping[str, Any]) -> datetime:
    """When it happened: the delivery stamp, else the object's own times (older payloads)."""
    inner = payload.get("payload")
    stamp = inner.get("time_stamp") if isinstance(inner, Mapping) else None
    found = (_ms(payload.get("event_ts")) or _ms(stamp) or _ms(obj.get("timestamp"))
             or _iso(obj.get("date_time")) or _iso(obj.get("created_at"))
             or _iso(obj.get("start_time")))
    if found is None:
        raise NotAZoomEvent(f"{payload.get('event')}: no time in the payload")
    return found


def _email(value: Any) -> str | None:
    return value if isinstance(value, str) and "@" in value else None


def operator_actor(inner: Mapping[str, Any], obj: Mapping[str, Any]) -> Actor:
    """Who did it: the operator when Zoom names one, else the meeting's host."""
    native = inner.get("operator_id") or obj.get("host_id") or inner.get("account_id")
    name = inner.get("operator") or obj.get("host_email") or native
    email = _email(inner.get("operator")) or _email(obj.get("host_email"))
    return Actor(platform=PLATFORM, native_id=str(native or "unknown"),
                 name=str(name or "Zoom"), email=email)


def host_actor(meeting: Mapping[str, Any]) -> Actor:
    return operator_actor({}, meeting)
