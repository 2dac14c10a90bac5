"""Pure mapping: Cloud API webhook deliveries → canonical events, and canonical markup ⇄
WhatsApp text formatting. No I/O and no clock: everything comes in as arguments.

A 1:1 message lands on the endpoint `member/<id>` (the conversation with that person); the
connector moves it onto the member's circle, which needs its durable memory. A group message
lands on `group/<group_id>`.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from hub import markup
from hub.connector import DeliveryStatus
from hub.events import Actor, Attachment, Event, Kind, Ref, problems, storable
from plugins.whatsapp.answers import Press, press_of
from plugins.whatsapp.formatting import CAPTION_LIMIT, TEXT_LIMIT, clip, from_whatsapp, to_whatsapp

PLATFORM = "whatsapp"
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
#: The longest member id (a phone number or BSUID) read: it names the member's StateBox rows
#: (`member:<id>`, `alias:<id>`), which hold 200 characters; real ones are under 40.
MAX_MEMBER_ID = 128
#: The longest status word kept (`delivered`, `read`…): the store keeps 40 characters of it.
MAX_STATE = 40


class PayloadError(ValueError):
    """The payload is not a WhatsApp Cloud API webhook delivery."""


@dataclass(frozen=True, slots=True)
class Sender:
    """A WhatsApp user: `key` is the phone number (wa_id) or, without one, the BSUID."""

    key: str
    name: str
    wa_id: str | None = None
    user_id: str | None = None
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Received:
    """One message of a delivery: its event (None when it carries no content) and context."""

    event: Event | None
    sender: Sender
    text: str  # what the person typed, for keywords; "" for anything but plain text
    group_id: str | None
    at: datetime
    moved_to: str | None = None  # `user_changed_number`: the member's new number
    pressed: Press | None = None  # a reply button pressed: an answer, not content to mirror


@dataclass(frozen=True, slots=True)
class Report:
    """One `statuses[]` entry: the platform's report on a message the hub sent."""

    status: DeliveryStatus
    recipient: str | None
    error_code: int | None
    callback: str | None = None  # the `biz_opaque_callback_data` the send carried


@dataclass(frozen=True, slots=True)
class Delivery:
    received: tuple[Received, ...] = ()
    reports: tuple[Report, ...] = ()
    problems: tuple[str, ...] = ()  # `errors[]` and skipped messages, worth a log line


def is_handshake_rendering(payload: Any) -> bool:
    """A GET verification request written down as JSON: it carries no events."""
    return (isinstance(payload, Mapping) and payload.get("method") == "GET"
            and isinstance(payload.get("query"), Mapping) and "hub.mode" in payload["query"])


def read_delivery(payload: Any, *, connection: str, phone_number_id: str | None) -> Delivery:
    """Every message and status of every entry and change that belongs to our number."""
    if not isinstance(payload, Mapping) or payload.get("object") != "whatsapp_business_account":
        raise PayloadError(
            'expected a WhatsApp webhook delivery ({"object": "whatsapp_business_account", '
            '"entry": [...]}); check that the file or request comes from the Cloud API'
        )
    received: list[Received] = []
    reports: list[Report] = []
    found: list[str] = []  # problems worth a log line
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, Mapping):
                continue
            metadata = _dict(value.get("metadata"))
            if phone_number_id and str(metadata.get("phone_number_id")) != phone_number_id:
                continue
            contacts = _list(value.get("contacts"))
            for message in _list(value.get("messages")):
                # One unreadable message must not cost the rest of the delivery (Meta would
                # retry the whole batch for days, whatever the answer but 200): it is named in
                # `problems` instead.
                try:
                    received.append(_received(message, contacts, metadata, connection))
                except (PayloadError, ValueError, TypeError, AttributeError,
                        ArithmeticError) as exc:
                    # AttributeError: a field that should be an object is a string or a number.
                    found.append(f"message {_shown(message.get('id'))} skipped: {_reason(exc)}")
            for status in _list(value.get("statuses")):
                try:
                    reports.append(_report(status))
                except PayloadError as exc:
                    found.append(f"status {_shown(status.get('id'))} skipped: {exc}")
            found.extend(_describe_error(error) for error in _list(value.get("errors")))
    return Delivery(tuple(received), tuple(reports), tuple(found))


def _reason(exc: Exception) -> str:
    return problems(exc) if isinstance(exc, ValidationError) else str(exc)


def _shown(value: Any) -> str:
    """An id as a log line shows it: quoted, and cut short when it is long."""
    text = repr(storable(str(value)))
    return text if len(text) <= 60 else text[:50] + f"…' ({len(str(value))} characters)"


def _member_id(value: Any, what: str) -> str:
    """A phone number or BSUID, refused when it cannot name a member's StateBox row."""
    text = str(value)
    if len(text) > MAX_MEMBER_ID or not text.isprintable():
        raise PayloadError(f"{what} {_shown(text)} is no WhatsApp id: over {MAX_MEMBER_ID} "
                           "characters, or holding control characters")
    return text


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _describe_error(error: Mapping[str, Any]) -> str:
    details = _dict(error.get("error_data")).get("details") or error.get("message") or ""
    return f"{error.get('code')}: {error.get('title', '')} {details}".strip()


def _report(status: Mapping[str, Any]) -> Report:
    errors = _list(status.get("errors"))
    code = errors[0].get("code") if errors else None
    native_id, state = str(status.get("id", "")), str(status.get("status", ""))
    callback = status.get("biz_opaque_callback_data")
    recipient = status.get("recipient_id") or status.get("recipient_user_id")
    # Each of these is looked up in the store, and the state kept there: text PostgreSQL
    # cannot take (a NUL) or a state longer than its column would fail there on every retry.
    if not (native_id.isprintable() and state.isprintable() and len(state) <= MAX_STATE
            and str(callback or "").isprintable()):
        raise PayloadError("its id, status or callback data is not plain text, or its status "
                           f"is over {MAX_STATE} characters")
    return Report(
        DeliveryStatus(
            native_id=native_id,
            state=state,
            error=storable("; ".join(_describe_error(error) for error in errors)) or None,
        ),
        recipient=_member_id(recipient, "recipient") if recipient else None,
        error_code=code if isinstance(code, int) else None,
        callback=str(callback) if callback else None,
    )


def sender_of(message: Mapping[str, Any], contacts: list[Mapping[str, Any]]) -> Sender:
    """Who sent a message: wa_id when WhatsApp shares it, else the business-scoped user id."""
    wa_id = message.get("from") or None
    user_id = message.get("from_user_id") or None
    contact = next((c for c in contacts if (wa_id and c.get("wa_id") == wa_id)
                    or (user_id and c.get("user_id") == user_id)), None)
    if contact is None and not wa_id and not user_id and len(contacts) == 1:
        contact = contacts[0]
    profile = _dict((contact or {}).get("profile"))
    wa_id = wa_id or (contact or {}).get("wa_id")
    user_id = user_id or (contact or {}).get("user_id")
    key = wa_id or user_id
    if not key:
        raise PayloadError(f"message {message.get('id')!r} names no sender (no from, no user_id)")
    username = profile.get("username")
    name = profile.get("name") or username or (f"+{wa_id}" if wa_id else key)
    return Sender(_member_id(key, "sender"), str(name),
                  _member_id(wa_id, "sender") if wa_id else None,
                  _member_id(user_id, "sender's user_id") if user_id else None, username)


def _received(message: Mapping[str, Any], contacts: list[Mapping[str, Any]],
              metadata: Mapping[str, Any], connection: str) -> Received:
    sender = sender_of(message, contacts)
    native_id = message.get("id")
    if not native_id:
        raise PayloadError("a message without an id cannot be deduplicated; refusing it")
    at = datetime.fromtimestamp(int(message.get("timestamp", 0)), UTC)
    group_id = message.get("group_id")
    endpoint = f"group/{group_id}" if group_id else f"member/{sender.key}"
    actor = Actor(platform=PLATFORM, native_id=sender.key, name=sender.name)
    contact = [c for c in contacts if c.get("wa_id") == sender.wa_id] or contacts[:1]
    raw = {"metadata": dict(metadata), "contacts": contact, "messages": [dict(message)]}

    def ref(item_id: str) -> Ref:
        return Ref(platform=PLATFORM, connection=connection, endpoint=endpoint, native_id=item_id)

    kind, target, revision = Kind.MESSAGE_CREATED, str(native_id), ""
    content: Mapping[str, Any] = message
    kind_name = str(message.get("type", ""))
    parent = None
    if kind_name == "edit":
        edit = message.get("edit") or {}
        kind, target, revision = Kind.MESSAGE_UPDATED, str(edit.get("original_message_id")), target
        content = edit.get("message") or {}
    elif kind_name == "revoke":
        original = str((message.get("revoke") or {}).get("original_message_id"))
        event = Event(kind=Kind.MESSAGE_DELETED, source=ref(original), actor=actor,
                      occurred_at=at, revision=target, raw=raw)
        return Received(event, sender, "", group_id, at)
    elif kind_name == "reaction":
        reaction = message.get("reaction") or {}
        emoji = str(reaction.get("emoji") or "")
        event = Event(kind=Kind.REACTION_ADDED if emoji else Kind.REACTION_REMOVED,
                      source=ref(target), parent=ref(str(reaction.get("message_id"))),
                      actor=actor, occurred_at=at, body=markup.escape(emoji), raw=raw)
        return Received(event, sender, "", group_id, at)
    elif kind_name == "system":
        system = message.get("system") or {}
        moved = system.get("wa_id") if system.get("type") == "user_changed_number" else None
        return Received(None, sender, "", group_id, at,
                        _member_id(moved, "new number") if moved else None)
    elif kind_name == "request_welcome":
        return Received(None, sender, "", group_id, at)
    context = content.get("context") or message.get("context") or {}
    if context.get("id"):
        parent = ref(str(context["id"]))
    body, attachments = content_of(content)
    if context.get("forwarded") or context.get("frequently_forwarded"):
        body = "_Forwarded_" + ("\n" + body if body else "")
    text = str((content.get("text") or {}).get("body", "")) if content.get("type") == "text" else ""
    event = Event(kind=kind, source=ref(target), parent=parent, actor=actor, occurred_at=at,
                  body=body, attachments=attachments, revision=revision, raw=raw)
    return Received(event, sender, text if kind is Kind.MESSAGE_CREATED else "", group_id, at,
                    pressed=press_of(message))


def content_of(message: Mapping[str, Any]) -> tuple[str, tuple[Attachment, ...]]:
    """The canonical body and attachments of one message, whatever its type."""
    kind = str(message.get("type", ""))
    part = message.get(kind) or {}
    if kind == "text":
        return from_whatsapp(str(part.get("body", ""))), ()
    if kind in MEDIA_TYPES:
        caption = from_whatsapp(str(part.get("caption", "")))
        return caption, (media_attachment(kind, part),)
    if kind == "location":
        lines = [markup.escape(str(part[key])) for key in ("name", "address") if part.get(key)]
        lat, lon = part.get("latitude"), part.get("longitude")
        lines.append(str(part.get("url") or
                         f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}"))
        return "📍 " + "\n".join(lines), ()
    if kind == "contacts":
        return "\n".join(_contact_line(contact) for contact in _list(part)), ()
    if kind == "interactive":
        reply = part.get(part.get("type", "")) or {}
        words = [str(reply[key]) for key in ("title", "description", "body") if reply.get(key)]
        return markup.escape("\n".join(words)), ()
    if kind == "button":
        return markup.escape(str(part.get("text", ""))), ()
    if kind == "order":
        items = _list(part.get("product_items"))
        lines = [f"{i.get('quantity')} × {i.get('product_retailer_id')}" for i in items]
        summary = "\n".join(["🛒 Order", *lines, str(part.get("text") or "")]).strip()
        return markup.escape(summary), ()
    shown = str(part.get("type") or kind or "unknown") if isinstance(part, Mapping) else kind
    note = f"A WhatsApp {shown} message the hub cannot show"
    return f"_{markup.escape(note)}_", ()


def _contact_line(contact: Mapping[str, Any]) -> str:
    name = (contact.get("name") or {}).get("formatted_name") or "Contact"
    phones = [str(p.get("phone")) for p in _list(contact.get("phones")) if p.get("phone")]
    return markup.escape(f"👤 {name}" + (": " + ", ".join(phones) if phones else ""))


def media_attachment(kind: str, part: Mapping[str, Any]) -> Attachment:
    """An attachment whose `native_id` is the media id (download goes through GET /{id})."""
    mime = str(part.get("mime_type") or "application/octet-stream").split(";")[0].strip()
    media_id = str(part.get("id", ""))
    name = part.get("filename") or f"{kind}-{media_id}{mimetypes.guess_extension(mime) or ''}"
    return Attachment(name=str(name), mime_type=mime, url=part.get("url"), native_id=media_id)


# -- outbound messages (the body of POST /{phone-number-id}/messages, without recipient) -----

#: Meta's per-type size limits; anything else travels as a document (up to 100 MB).
MEDIA_LIMITS = {"image": 5 * 2**20, "video": 16 * 2**20, "audio": 16 * 2**20,
                "document": 100 * 2**20}
_MEDIA_MIMES = {
    "image": {"image/jpeg", "image/png"},
    "video": {"video/mp4", "video/3gpp"},
    "audio": {"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"},
}


def media_kind(mime_type: str, size: int) -> str | None:
    """The message type a file travels as, or None when WhatsApp cannot carry it at all."""
    for kind, mimes in _MEDIA_MIMES.items():
        if mime_type in mimes and size <= MEDIA_LIMITS[kind]:
            return kind
    return "document" if size <= MEDIA_LIMITS["document"] else None


def compose_text(author: str, title: str | None, body: str, *, announcement: str = "",
                 original: str = "") -> str:
    """The text a WhatsApp member reads: the author in bold, the title, a calendar event's
    time and place, the body, then the original quoted under a translation (canonical
    markup, each of them)."""
    head = [f"*{author}*"] + ([f"*{title.strip()}*"] if title and title.strip() else [])
    told = to_whatsapp(announcement).strip()
    rendered = to_whatsapp(body).strip()
    # The facts apart from the words about them.
    content = "\n\n".join(part for part in (told, rendered) if part)
    text = "\n".join([*head, content] if content else head)
    quoted = to_whatsapp(original).strip()
    return f"{text}\n\n{quoted}" if quoted else text


# What WhatsApp accepts as a document is a short list; an invitation travels as the text it is,
# its .ics name telling the phone to open it with the calendar.
_UPLOAD_TYPES = {"text/calendar": "text/plain"}


def upload_type(mime_type: str) -> str:
    """The type a file is uploaded to WhatsApp as."""
    return _UPLOAD_TYPES.get(mime_type, mime_type)


def text_message(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": clip(text, TEXT_LIMIT), "preview_url": False}}


def media_message(kind: str, media_id: str, *, caption: str = "", filename: str = ""
                  ) -> dict[str, Any]:
    content: dict[str, Any] = {"id": media_id}
    if caption and kind in ("image", "video", "document"):
        content["caption"] = clip(caption, CAPTION_LIMIT)
    if filename and kind == "document":
        content["filename"] = filename
    return {"type": kind, kind: content}


def reaction_message(message_id: str, emoji: str) -> dict[str, Any]:
    """A reaction; an empty emoji takes the reaction back."""
    return {"type": "reaction", "reaction": {"message_id": message_id, "emoji": emoji}}


def template_message(name: str, language: str, parameters: list[str] | dict[str, str],
                     values: Mapping[str, str]) -> dict[str, Any]:
    """An approved template whose body parameters quote the item (positional or named)."""

    def text(pattern: str) -> str:
        filled = pattern.format_map({key: values.get(key, "") for key in _FIELDS})
        # Meta refuses parameters with new lines, tabs or runs of spaces.
        return clip(" ".join(filled.split()) or "-", CAPTION_LIMIT)

    if isinstance(parameters, dict):
        params = [{"type": "text", "parameter_name": key, "text": text(value)}
                  for key, value in parameters.items()]
    else:
        params = [{"type": "text", "text": text(value)} for value in parameters]
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if params:
        template["components"] = [{"type": "body", "parameters": params}]
    return {"type": "template", "template": template}


_FIELDS = ("author", "preview", "title", "circle", "platform", "when")
