"""Pure Slack mapping: Events API payloads and Web API messages ⇄ canonical events, and
mrkdwn ⇄ the canonical body. No I/O and no clock: data in, data out.

Native ids are `<channel>/<ts>` (a message's `ts` is unique only inside its channel), so the
same string names a message whether it came from an event, a history page or a receipt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub import markup
from hub.events import Actor, Attachment, Event, Kind, Ref

PLATFORM = "slack"
# Subtypes that carry something a person wrote; the rest (joins, topic changes…) are noise.
CONTENT_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "bot_message", "me_message"})
BROADCASTS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


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
    if is_own(message, own, event_type) or message.get("subtype") == "tombstone":
        return []
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


# --- mrkdwn → canonical -------------------------------------------------------------------

_INLINE = re.compile(
    r"<(?P<special>[^<>\n]+)>"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?<![\w*])\*(?P<bold>[^*\s](?:[^*\n]*[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>[^_\s](?:[^_\n]*[^_\s])?)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>[^~\s](?:[^~\n]*[^~\s])?)~(?![\w~])"
)


def unescape(text: str) -> str:
    """Slack's three entities back to characters (`&amp;` last, so `&amp;lt;` stays `&lt;`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mrkdwn_to_canonical(text: str) -> str:
    """Slack mrkdwn as canonical markup; `<!here>`-style broadcasts become plain words."""
    blocks: list[str] = []
    for index, part in enumerate(text.split("```")):
        if index % 2:
            code = unescape(part.strip("\n"))
            blocks.append(f"```\n{code}\n```")
        elif part.strip():
            blocks.append(_lines_to_canonical(part.strip("\n")))
    if text.count("```") % 2:  # an unclosed fence is literal text, as Slack shows it
        return _lines_to_canonical(text)
    return "\n\n".join(blocks)


def _lines_to_canonical(text: str) -> str:
    out = []
    quote_rest = False  # `>>>` quotes everything after it
    for line in text.split("\n"):
        quoted = quote_rest
        if line.startswith("&gt;&gt;&gt;"):
            quote_rest = quoted = True
            line = line[12:].lstrip()
        elif line.startswith("&gt;"):
            quoted = True
            line = line[4:].lstrip()
        if line.startswith(("• ", "◦ ", "▪ ")):
            line = "- " + inline_to_canonical(line[2:])
        else:
            line = inline_to_canonical(line)
        out.append(("> " + line).rstrip() if quoted else line)
    return "\n".join(out)


def inline_to_canonical(text: str) -> str:
    """One line of mrkdwn as canonical inline markup."""
    out: list[str] = []
    position = 0
    for found in _INLINE.finditer(text):
        out.append(markup.escape(unescape(text[position:found.start()])))
        position = found.end()
        if found.group("special") is not None:
            out.append(_special(found.group("special")))
        elif found.group("code") is not None:
            out.append(f"`{unescape(found.group('code'))}`")
        elif found.group("bold") is not None:
            out.append(f"**{inline_to_canonical(found.group('bold'))}**")
        elif found.group("italic") is not None:
            out.append(f"_{inline_to_canonical(found.group('italic'))}_")
        else:
            out.append(f"~~{inline_to_canonical(found.group('strike'))}~~")
    out.append(markup.escape(unescape(text[position:])))
    return "".join(out)


def _special(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return markup.mention(PLATFORM, target[1:])
    if target.startswith("#"):
        return markup.escape("#" + (label or target[1:]))
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        # A broadcast keeps its word but never its power: it must not ping a channel elsewhere.
        return markup.escape(BROADCASTS.get(name) or unescape(label) or f"@{name}")
    url = unescape(target)
    if not label or unescape(label) == url:
        return url if markup.URL.fullmatch(url) else f"[{markup.escape(url)}]({url})"
    return f"[{markup.escape(unescape(label))}]({url})"


# --- canonical → mrkdwn -------------------------------------------------------------------

def escape_mrkdwn(text: str) -> str:
    """Plain text made safe for Slack: only `&`, `<` and `>` are escaped (Slack's rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def canonical_to_mrkdwn(body: str) -> str:
    """A canonical body as Slack mrkdwn. Text that looks like `<!channel>` is escaped, so
    nothing arriving from another platform can ping a whole channel."""
    return "\n\n".join(_block(block) for block in markup.parse(body))


def _block(block: markup.Block) -> str:
    if isinstance(block, markup.Paragraph):
        return _inlines(block.inlines)
    if isinstance(block, markup.CodeBlock):
        return f"```\n{escape_mrkdwn(block.text)}\n```"
    if isinstance(block, markup.Quote):
        inner = "\n\n".join(_block(b) for b in block.blocks)
        return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
    return "\n".join("• " + _inlines(item) for item in block.items)


_STYLE = {"bold": "*", "italic": "_", "strike": "~"}


def _inlines(nodes: tuple[markup.Inline, ...]) -> str:
    out = []
    for node in nodes:
        if isinstance(node, markup.Text):
            out.append(escape_mrkdwn(node.text))
        elif isinstance(node, markup.Styled):
            mark = _STYLE[node.style]
            out.append(f"{mark}{_inlines(node.children)}{mark}")
        elif isinstance(node, markup.Code):
            out.append(f"`{escape_mrkdwn(node.text)}`")
        elif isinstance(node, markup.Link):
            url = node.url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
            label = markup.plain_inline(node.children)
            out.append(f"<{url}|{escape_mrkdwn(label)}>" if label and label != node.url
                       else f"<{url}>")
        elif isinstance(node, markup.Mention):
            out.append(f"<@{node.native_id}>" if node.platform == PLATFORM
                       else escape_mrkdwn(f"@{node.native_id}"))
        else:
            out.append("\n")
    return "".join(out)


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


# --- catch-up cursor ----------------------------------------------------------------------

def ts_key(ts: str) -> Decimal:
    try:
        return Decimal(ts)
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True)
class HistoryCursor:
    """Where a channel's catch-up stands: everything after `oldest` is being read.

    A catch-up reads history pages (newest first, `page` is Slack's next_cursor), then the
    threads with new replies; only when all are read does `oldest` move to the newest
    channel message seen (`high`). Thread replies are never used for `high`: a channel
    message posted while threads were read could be older than a reply.
    """

    oldest: str
    page: str | None = None
    history_done: bool = False
    high: str = ""
    threads: tuple[str, ...] = ()

    @classmethod
    def load(cls, text: str | None) -> HistoryCursor | None:
        if not text:
            return None
        if not text.startswith("{"):
            return cls(oldest=text)
        data = json.loads(text)
        return cls(oldest=str(data["oldest"]), page=data.get("page"),
                   history_done=bool(data.get("history_done")), high=str(data.get("high", "")),
                   threads=tuple(str(t) for t in data.get("threads", ())))

    def dump(self) -> str:
        if self.page is None and not self.history_done and not self.threads and not self.high:
            return self.oldest
        return json.dumps({"oldest": self.oldest, "page": self.page,
                           "history_done": self.history_done, "high": self.high,
                           "threads": list(self.threads)}, separators=(",", ":"))

    def page_read(self, messages: Iterable[Mapping[str, Any]], next_page: str | None
                  ) -> HistoryCursor:
        """After one history page: its newest ts, its threads with replies after `oldest`."""
        threads = list(self.threads)
        high = self.high
        for message in messages:
            ts = str(message.get("ts", ""))
            if ts_key(ts) > ts_key(high or self.oldest):
                high = ts
            latest = str(message.get("latest_reply") or "")
            if message.get("reply_count") and ts_key(latest) > ts_key(self.oldest) \
                    and ts not in threads:
                threads.append(ts)
        return replace(self, page=next_page, history_done=next_page is None, high=high,
                       threads=tuple(threads))

    def thread_done(self, thread: str) -> HistoryCursor:
        return replace(self, threads=tuple(t for t in self.threads if t != thread))

    def settled(self) -> HistoryCursor:
        """The cursor to store: moved forward once history and threads are all read."""
        if self.history_done and not self.threads:
            return HistoryCursor(oldest=max(self.oldest, self.high or self.oldest, key=ts_key))
        return self
