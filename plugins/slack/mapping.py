"""Pure Slack mapping: Events API payloads and Web API messages to canonical events, and
reactions by name. No I/O and no clock: data in, data out (mrkdwn lives in `mrkdwn`).

Native ids are `<channel>/<ts>` (a message's `ts` is unique only inside its channel), so the
same string names a message whether it came from an event, a history page or a receipt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from datetime import UTC, datetime
from typing import Any

from hub import markup
from hub.calendar.answers import Reply, button_id
from hub.connector import Outgoing
from hub.events import Actor, Attachment, Event, Kind, Ref
from hub.rendering.original import Original
from plugins.slack.mrkdwn import PLATFORM, canonical_to_mrkdwn, escape_mrkdwn, mrkdwn_to_canonical

# Subtypes that carry something a person wrote; the rest (joins, topic changes…) are noise.
CONTENT_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "bot_message", "me_message"})


class PayloadError(ValueError):
    """A payload that is not a Slack event this connector understands; says what is missing."""


def native_id(channel: str, ts: str) -> str:
    return f"{channel}/{ts}"


def split_native_id(value: str) -> tuple[str, str]:
    """`C123/1663966382.046509` → (`C123`, `1663966382.046509`)."""
    channel, sep, ts = value.partition("/")
    if not sep or not channel or not ts:
        raise PayloadError(f'"{value}" is not a Slack message id ("<channel>/<ts>")')
    return channel, ts


def ts_to_datetime(ts: str) -> datetime:
    """A Slack `ts` ("seconds.micros", a string, never a float) as an aware UTC datetime."""
    seconds, _, fraction = str(ts).partition(".")
    try:
        moment = datetime.fromtimestamp(int(seconds), UTC)
        return moment.replace(microsecond=int((fraction or "0")[:6].ljust(6, "0")))
    except ValueError as exc:
        raise PayloadError(f'"{ts}" is not a Slack timestamp') from exc


def metadata_key(item: Mapping[str, Any], event_type: str) -> str | None:
    """The hub's idempotency key from a message's `metadata`, when the hub posted it."""
    metadata = item.get("metadata")
    if isinstance(metadata, Mapping) and metadata.get("event_type") == event_type:
        payload = metadata.get("event_payload")
        if isinstance(payload, Mapping) and isinstance(payload.get("idempotency_key"), str):
            return str(payload["idempotency_key"])
        return ""
    return None


def is_own(item: Mapping[str, Any], own: Set[str], event_type: str) -> bool:
    """True for an item the hub made: its user, bot or app is ours, or it carries our marker."""
    if any(item.get(key) in own for key in ("user", "bot_id", "app_id")):
        return True
    return metadata_key(item, event_type) is not None


def envelope_identities(payload: Mapping[str, Any]) -> set[str]:
    """The receiving app and its bot user, as the Events API envelope names them."""
    found = {str(payload["api_app_id"])} if payload.get("api_app_id") else set()
    for auth in payload.get("authorizations") or ():
        # A user-token install authorises a person: their messages are not the hub's.
        if isinstance(auth, Mapping) and auth.get("is_bot") and auth.get("user_id"):
            found.add(str(auth["user_id"]))
    return found


def parse_payload(payload: Any, connection: str, own: Set[str],
                  event_type: str = "passerelle_mirror") -> list[Event]:
    """One Events API body (or one bare event) to canonical events; handshakes give none."""
    if not isinstance(payload, Mapping):
        raise PayloadError("a Slack payload is a JSON object")
    kind = payload.get("type")
    if kind in ("url_verification", "app_rate_limited"):
        return []
    if kind == "event_callback":
        event = payload.get("event")
        if not isinstance(event, Mapping):
            raise PayloadError("event_callback without an `event` object")
        return parse_event(event, connection, set(own) | envelope_identities(payload), event_type)
    if kind in ("message", "reaction_added", "reaction_removed"):
        return parse_event(payload, connection, own, event_type)
    raise PayloadError(f"unknown Slack payload type {kind!r}; expected event_callback, "
                       "url_verification or a message event")


def parse_event(event: Mapping[str, Any], connection: str, own: Set[str],
                event_type: str, channel: str | None = None) -> list[Event]:
    """One inner event (or a history message, given its `channel`) to canonical events."""
    kind = event.get("type")
    if kind in ("reaction_added", "reaction_removed"):
        return _reaction(event, connection, own, event_type)
    if kind != "message":
        return []
    channel = str(event.get("channel") or channel or "")
    if not channel:
        raise PayloadError("message event without a channel")
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return _changed(event, channel, connection, own, event_type)
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        if is_own(previous, own, event_type) or "deleted_ts" not in event:
            return []
        return [Event(
            kind=Kind.MESSAGE_DELETED,
            source=_ref(connection, channel, str(event["deleted_ts"])),
            parent=_parent(previous, channel, connection),
            actor=actor_of(previous),
            occurred_at=ts_to_datetime(event.get("event_ts") or event["ts"]),
            raw=dict(event),
        )]
    if subtype not in CONTENT_SUBTYPES or is_own(event, own, event_type):
        return []
    return [message_event(event, channel, connection, Kind.MESSAGE_CREATED)]


def message_event(message: Mapping[str, Any], channel: str, connection: str, kind: Kind,
                  *, revision: str = "", occurred: str | None = None) -> Event:
    """A Slack message object as a created or updated message."""
    if "ts" not in message:
        raise PayloadError("message without a ts")
    ts = str(message["ts"])
    return Event(
        kind=kind,
        source=_ref(connection, channel, ts),
        parent=_parent(message, channel, connection),
        actor=actor_of(message),
        occurred_at=ts_to_datetime(occurred or ts),
        body=mrkdwn_to_canonical(str(message.get("text") or "")),
        attachments=tuple(attachments_of(message)),
        revision=revision,
        raw=dict(message),
    )


def _changed(event: Mapping[str, Any], channel: str, connection: str, own: Set[str],
             event_type: str) -> list[Event]:
    message = event.get("message") or {}
    previous = event.get("previous_message") or {}
    if is_own(message, own, event_type) or is_own(previous, own, event_type):
        return []
    if message.get("subtype") == "tombstone":
        # A thread root deleted while it has replies stays as a tombstone: a delete.
        return [Event(
            kind=Kind.MESSAGE_DELETED,
            source=_ref(connection, channel, str(message["ts"])),
            actor=actor_of(previous or message),
            occurred_at=ts_to_datetime(str(event.get("event_ts") or event.get("ts")
                                           or message["ts"])),
            raw=dict(event),
        )]
    # Unfurls and attachment changes arrive as message_changed with the same words: no edit.
    if _content(message) == _content(previous):
        return []
    edited = message.get("edited") or {}
    revision = str(edited.get("ts") or event.get("event_ts") or event.get("ts") or "")
    return [message_event(message, channel, connection, Kind.MESSAGE_UPDATED,
                          revision=revision, occurred=revision or None)]


def _content(message: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    files = tuple(str(f.get("id")) for f in message.get("files") or () if isinstance(f, Mapping))
    return str(message.get("text") or ""), files


def _reaction(event: Mapping[str, Any], connection: str, own: Set[str],
              event_type: str) -> list[Event]:
    item = event.get("item") or {}
    if item.get("type") != "message" or is_own(event, own, event_type):
        return []
    channel, ts, name = str(item["channel"]), str(item["ts"]), str(event.get("reaction"))
    user = str(event.get("user") or "")
    # Added and removed share one id so a removal finds the copy its addition made.
    return [Event(
        kind=Kind.REACTION_ADDED if event["type"] == "reaction_added" else Kind.REACTION_REMOVED,
        source=_ref(connection, channel, f"{ts}/:{name}:/{user}"),
        parent=_ref(connection, channel, ts),
        actor=Actor(platform=PLATFORM, native_id=user, name=user),
        occurred_at=ts_to_datetime(str(event.get("event_ts") or ts)),
        body=f":{name}:",
        revision=str(event.get("event_ts") or ""),
        raw=dict(event),
    )]


def _ref(connection: str, channel: str, ts: str) -> Ref:
    return Ref(platform=PLATFORM, connection=connection, endpoint=f"chat/{channel}",
               native_id=native_id(channel, ts))


def _parent(message: Mapping[str, Any], channel: str, connection: str) -> Ref | None:
    thread_ts, ts = message.get("thread_ts"), message.get("ts")
    if thread_ts and str(thread_ts) != str(ts):
        return _ref(connection, channel, str(thread_ts))
    return None


def actor_of(message: Mapping[str, Any]) -> Actor:
    """The author as the message itself names them (the connector may add names later)."""
    profile = message.get("user_profile") or {}
    if message.get("user"):
        user = str(message["user"])
        name = profile.get("display_name") or profile.get("real_name") or user
        return Actor(platform=PLATFORM, native_id=user, name=str(name),
                     avatar_url=profile.get("image_72"))
    bot = message.get("bot_profile") or {}
    bot_id = str(message.get("bot_id") or bot.get("id") or "unknown")
    icons = message.get("icons") or bot.get("icons") or {}
    avatar = icons.get("image_72") or icons.get("image_48") or icons.get("image_36")
    name = message.get("username") or bot.get("name") or bot_id
    return Actor(platform=PLATFORM, native_id=bot_id, name=str(name), avatar_url=avatar)


def attachments_of(message: Mapping[str, Any]) -> list[Attachment]:
    """Files shared with a message that can still be downloaded (not hidden or deleted)."""
    found = []
    for file in message.get("files") or ():
        if not isinstance(file, Mapping):
            continue
        url = file.get("url_private_download") or file.get("url_private")
        if not url or file.get("mode") in ("tombstone", "hidden_by_limit"):
            continue
        found.append(Attachment(
            name=str(file.get("name") or file.get("title") or file.get("id")),
            mime_type=str(file.get("mimetype") or "application/octet-stream"),
            size=file.get("size") if isinstance(file.get("size"), int) else None,
            url=str(url), native_id=str(file["id"]) if file.get("id") else None))
    return found


# --- reactions ----------------------------------------------------------------------------

_EMOJI_NAMES = {"👍": "+1", "👎": "-1", "❤️": "heart", "❤": "heart", "😂": "joy",
                "🎉": "tada", "👀": "eyes", "🙏": "pray", "😮": "open_mouth", "😢": "cry",
                "🔥": "fire", "✅": "white_check_mark", "👏": "clap", "😀": "grinning"}
_SHORTCODE = re.compile(r":?([a-z0-9_+'-]+)(?:::skin-tone-\d)?:?")


def reaction_name(body: str) -> str | None:
    """Slack's emoji name for a reaction given as `:name:` or as a common emoji character."""
    text = markup.plain_text(body).strip()
    if text in _EMOJI_NAMES:
        return _EMOJI_NAMES[text]
    found = _SHORTCODE.fullmatch(text)
    return found.group(1) if found else None


# --- outgoing --------------------------------------------------------------------------------

def render(outgoing: Outgoing, *, prefix: bool) -> str:
    """The mrkdwn text of a post: bold title, a calendar event's time and place, body, and
    the author line when `prefix`."""
    text = canonical_to_mrkdwn(outgoing.body)
    if outgoing.announcement is not None:
        told = canonical_to_mrkdwn(outgoing.announcement.markup())
        text = f"{told}\n\n{text}".rstrip("\n") if text.strip() else told
    if outgoing.title:
        text = f"*{escape_mrkdwn(outgoing.title)}*\n{text}".rstrip("\n")
    if prefix:
        lead = f"*{escape_mrkdwn(outgoing.author)}:*"
        text = f"{lead}\n{text}" if text.startswith(("```", ">", "•")) else f"{lead} {text}"
    return text.strip()


def mirror_metadata(outgoing: Outgoing, event_type: str) -> dict[str, Any]:
    """Message metadata that marks a post as the hub's, with the delivery's idempotency key."""
    return {"event_type": event_type,
            "event_payload": {"idempotency_key": outgoing.idempotency_key,
                              "origin_platform": outgoing.event.source.platform}}


SECTION_LIMIT = 3000  # characters of a section block's text (and of a context element's)


def blocks(outgoing: Outgoing, text: str, buttons: Mapping[Reply, str] | None = None
           ) -> list[dict[str, Any]] | None:
    """Block Kit for a post that shows its original or asks for answers: the text in
    sections, the original in a context block under it (small and grey, as Slack shows
    asides), then the answer `buttons` (their words by reply). None: text alone."""
    if outgoing.original is None and not buttons:
        return None
    shown: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
                                   for chunk in _chunks(text, SECTION_LIMIT)]
    if outgoing.original is not None:
        shown.append(context(outgoing.original))
    if buttons:
        shown.append(answer_buttons(buttons))
    return shown


def answer_buttons(said: Mapping[Reply, str]) -> dict[str, Any]:
    """An actions block of one button per reply, its value the reply's button id, which the
    block_actions payload carries back (plugins/slack/interactivity)."""
    return {"type": "actions", "elements": [
        {"type": "button", "action_id": f"answer_{reply.value}",
         "text": {"type": "plain_text", "text": words, "emoji": True},
         "value": button_id(reply), **({"style": "primary"} if reply is Reply.YES else {})}
        for reply, words in said.items()]}


def context(original: Original) -> dict[str, Any]:
    """The original as a context block: a link to it, or its words under its label."""
    label = escape_mrkdwn(original.label)
    if original.url:
        text = f"🌐 <{original.url}|{label}>"
    else:
        words = "\n".join(part for part in (
            f"*{escape_mrkdwn(original.title)}*" if original.title else "",
            canonical_to_mrkdwn(original.body)) if part.strip())
        text = f"🌐 _{label}:_\n{words}" if words else f"🌐 _{label}_"
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "…"
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _chunks(text: str, limit: int) -> list[str]:
    """Text cut into pieces of at most `limit` characters, at line ends where it can be."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    return [*pieces, rest] if rest else pieces


def permalink(workspace_url: str, channel: str, ts: str, thread_ts: str | None = None) -> str:
    """A message's address as chat.getPermalink gives it: the workspace, the channel, `p`
    and the ts without its dot; a thread reply names its thread."""
    link = f"{workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
    return f"{link}?thread_ts={thread_ts}&cid={channel}" if thread_ts else link
