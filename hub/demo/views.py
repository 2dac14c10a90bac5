"""What each sandbox platform now shows of the hub's work, read from the emulators' state.

Only items the hub made count: Basecamp recordings by the hub's own user, Slack messages by
the app's bot, what the WhatsApp business number sent, the Zoom meetings created through the
API. Each becomes a one-line `Item` a person can read.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.demo.world import CHANNEL, CIRCLE, World
from hub.rendering.announcement import WHEN
from hub.sandbox.whatsapp import Sent
from hub.translate.render import LABELS, MARK

# How a translation line starts in any reader's language ("Translated from", "Traduit de"…).
_TRANSLATED = tuple(f"{MARK} {prefix}" for labels in LABELS.values() for prefix in (
    labels["from"].split("{")[0].strip(), labels["auto"], labels["original"].split("(")[0].strip()))
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</div>|</p>|</li>|</h1>", re.I)
_PREFIX = re.compile(r"^\*([^*\n]+?):?\*:?\s*")  # "*Name (Platform):* text"
_EMPHASIS = re.compile(r"^[*_~]+|[*_~]+$")
_SLACK_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]+))?>")  # <url|label>, <url>
_FILENAME = re.compile(r'<bc-attachment\b[^>]*\bfilename="([^"]+)"')
NAMES = {"basecamp": "Basecamp", "slack": "Slack", "whatsapp": "WhatsApp", "zoom": "Zoom"}


@dataclass(frozen=True)
class Item:
    """One thing a platform shows that the hub put there."""

    kind: str  # post, comment, upload, message, reply, file, meeting…
    text: str
    author: str = ""
    translated: bool = False
    detail: str = ""


@dataclass
class View:
    """One platform: where to look, what it shows, and its figures."""

    platform: str
    where: str
    items: list[Item] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return NAMES.get(self.platform, self.platform)

    @property
    def received(self) -> int:
        return len(self.items)

    @property
    def translated(self) -> int:
        return sum(item.translated for item in self.items)

    def figures(self) -> dict[str, int]:
        return {"received": self.received, "translated": self.translated, **self.counts}


def is_translated(text: str) -> bool:
    """Whether a platform's text carries the hub's line naming the language it came from."""
    return any(marker in text for marker in _TRANSLATED)


def _lines(text: str) -> list[str]:
    """The lines a reader sees, without emphasis marks, the translation line, a calendar
    event's facts (see `_when`) or blanks."""
    kept = []
    for line in text.splitlines():
        line = _EMPHASIS.sub("", line.strip()).strip()
        if line and not line.startswith(MARK) and not line.startswith(_FACTS):
            kept.append(line)
    return kept


_FACTS = ("🗓", "📍", "🔗", "🎧")  # a calendar event's lines (hub.rendering.announcement)


def _when(text: str) -> str:
    """A calendar event's time as the platform shows it, with CLDR's thin spaces made plain."""
    for line in text.splitlines():
        if line.strip().startswith(WHEN):
            when = _EMPHASIS.sub("", line.strip().removeprefix(WHEN).strip())
            return when.replace("\u2009", " ").replace("\u202f", " ")
    return ""


def _detail(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _plain_html(content: str) -> str:
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content)))


def basecamp_view(world: World) -> View:
    bc = world.basecamp
    view = View("basecamp", f'project "{bc.projects[world.project]["name"]}" at {bc.base_url}')
    kinds = {"Message": "post", "Comment": "comment", "Upload": "upload"}
    for record in bc.recordings.values():
        kind = kinds.get(record["type"])
        if kind is None or record["creator"]["id"] != bc.me["id"] or record["status"] != "active":
            continue
        content = str(record.get("content") or record.get("description") or "")
        body = _plain_html(content)
        lines = _lines(body)
        author, rest = (lines[0], lines[1:]) if lines else ("", [])
        files = [html.unescape(name) for name in _FILENAME.findall(content)]
        detail = f"with {', '.join(files)}" if files else ""
        if kind == "upload":
            text = record["filename"]
            detail = f'in Docs & Files, {record["byte_size"]:,} bytes'
        elif kind == "post":
            text = record["subject"]
        else:
            text = rest[0] if rest else ""
        view.items.append(Item(kind, text, author, is_translated(body), detail))
    for kind in kinds.values():
        view.counts[f"{kind}s"] = sum(item.kind == kind for item in view.items)
    return view


def slack_view(world: World) -> View:
    slack = world.slack
    view = View("slack", f"channel {CHANNEL} at {slack.base_url}")
    mine = [m for m in slack.messages(CHANNEL) if m.get("bot_id") == slack.bot_id]
    # An announcement with answer buttons has its invitation shared in its thread: one item.
    invitations = {str(m.get("thread_ts")): m for m in mine if m.get("thread_ts")
                   and any(str(f.get("name", "")).endswith(".ics") for f in m.get("files") or [])}
    for message in mine:
        if message.get("thread_ts") and invitations.get(str(message["thread_ts"])) is message:
            continue
        text = html.unescape(_SLACK_LINK.sub(lambda m: m.group(2) or m.group(1),
                                             str(message.get("text") or "")))
        author = str(message.get("username") or "")
        if not author and (prefixed := _PREFIX.match(text)):
            author, text = prefixed.group(1), text[prefixed.end():]
        reply = bool(message.get("thread_ts")) and message.get("thread_ts") != message["ts"]
        files = [str(f["name"]) for f in [*(message.get("files") or []),
                                          *(invitations.get(message["ts"], {}).get("files")
                                            or [])]]
        lines, when = _lines(text), _when(text)
        kind = "reply" if reply else "event" if when else "message"
        view.items.append(Item(kind, lines[0] if lines else "", author, is_translated(text),
                               _detail(when, f"with {', '.join(files)}" if files else "")))
        view.counts["files"] = view.counts.get("files", 0) + bool(files)
    view.counts["thread_replies"] = sum(item.kind == "reply" for item in view.items)
    view.counts.setdefault("files", 0)
    view.counts["events"] = sum(item.kind == "event" for item in view.items)
    return view


def _sent_text(sent: Sent) -> str:
    if sent.type == "text":
        return str(sent.body.get("body") or "")
    if sent.type == "template":
        parameters = [str(p.get("text")) for component in sent.body.get("components", [])
                      for p in component.get("parameters", [])]
        return f"(template {sent.body.get('name')}) " + " | ".join(parameters)
    return str(sent.body.get("caption") or "")


def whatsapp_view(world: World) -> View:
    wa = world.whatsapp
    names = {user.wa_id: user.name for user in wa.users.values()}
    # A circle send is one item in each member's chat: group the copies.
    copies: dict[str, list[Sent]] = {}
    for sent in wa.sent:
        if sent.type == "interactive":
            continue  # the answer buttons after an announcement: part of that item
        key = json.dumps([sent.type, sent.body], sort_keys=True)
        copies.setdefault(key, []).append(sent)
    view = View("whatsapp", f'circle "{CIRCLE}" of number {wa.display_phone_number} at '
                            f"{wa.base_url}")
    for group in copies.values():
        first = group[0]
        text = _sent_text(first)
        lines, when = _lines(text), _when(text)
        author, rest = (lines[0], lines[1:]) if len(lines) > 1 else ("", lines)
        kind = "reply" if first.context else "event" if when else {
            "image": "photo", "text": "message"}.get(first.type, first.type)
        members = ", ".join(names.get(s.to, s.to) for s in group)
        filename = str(first.body.get("filename") or "") if first.type == "document" else ""
        view.items.append(Item(kind, rest[0] if rest else "", author, is_translated(text),
                               _detail(when, f"with {filename}" if filename else "",
                                       f"to {members}")))
    view.counts["events"] = sum(item.kind == "event" for item in view.items)
    view.counts["messages_on_phones"] = len(wa.sent)
    view.counts["answer_buttons"] = sum(s.type == "interactive" for s in wa.sent)
    view.counts["members"] = len({s.to for s in wa.sent})
    return view


def _interpretation(meeting: Mapping[str, Any]) -> str:
    interpreters = (meeting.get("settings") or {}).get("language_interpretation") or {}
    pairs = [str(i.get("interpreter_languages", "")).replace(",", " ⇄ ")
             for i in interpreters.get("interpreters") or []]
    return "interpretation " + ", ".join(pairs) if pairs else "no interpretation"


def zoom_view(world: World) -> View:
    zoom = world.zoom
    view = View("zoom", f"meetings of {zoom.account.host_email} at {zoom.base_url}")
    for meeting in zoom.meetings.values():
        agenda = str(meeting.get("agenda") or "")
        when = str(meeting.get("start_time", "")).replace("T", " ").replace(":00Z", " UTC")
        view.items.append(Item(
            "meeting", str(meeting.get("topic") or ""), "", is_translated(agenda),
            f"{when}, {meeting.get('duration')} min, {_interpretation(meeting)}; "
            f"join {meeting.get('join_url')}"))
    view.counts["with_interpretation"] = sum(
        "no interpretation" not in item.detail for item in view.items)
    return view


def views(world: World) -> list[View]:
    """Every platform, in the order the report prints them."""
    return [basecamp_view(world), slack_view(world), whatsapp_view(world), zoom_view(world)]
