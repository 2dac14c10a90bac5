"""Team Chat text ⇄ canonical markup. Pure.

Team Chat messages are plain text with formatting given apart: `rich_text` spans (Bold,
Italic, Strikethrough, AddLink…) and `at_items` mentions, at character positions, end
excluded. The canonical body is markup, so each direction rebuilds one from the other.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hub import markup
from plugins.zoom.settings import PLATFORM

MESSAGE_LIMIT = 1024  # Team Chat refuses longer messages
_STYLES = {"Bold": "bold", "Italic": "italic", "Strikethrough": "strike"}
_FORMATS = {style: name for name, style in _STYLES.items()}


def to_canonical(text: str, rich_text: Any = None, at_items: Any = None) -> str:
    """Team Chat text with its spans and mentions as canonical markup; nothing is lost."""
    spans: list[tuple[int, int, str, str]] = []
    for item in rich_text or ():
        if isinstance(item, Mapping) and item.get("format_type") in (*_STYLES, "AddLink"):
            spans.append(_span(item, len(text), str(item["format_type"]),
                               str(item.get("format_attr") or "")))
    mentions: dict[int, tuple[int, str]] = {}
    for item in at_items or ():
        contact = isinstance(item, Mapping) and _contact(item)
        if isinstance(item, Mapping) and item.get("at_type") == 1 and contact:
            start, end, _, _ = _span(item, len(text), "", "")
            if end > start:
                # The mention's own text names who it is for readers elsewhere: `@Hugo`.
                name = text[start:end].strip().removeprefix("@").strip()
                if not name and "@" in contact:
                    name = contact.split("@")[0]  # an address is never shown elsewhere
                mentions[start] = (end, markup.mention(PLATFORM, str(contact),
                                                       "" if name == contact else name))
    cuts = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans),
                   *mentions, *(end for end, _ in mentions.values())})
    out: list[str] = []
    group: list[str] = []
    group_styles: tuple[tuple[str, str], ...] = ()
    skip_until = 0
    for start, end in itertools.pairwise(cuts):
        if start < skip_until:
            continue
        if start in mentions:
            out.append(_wrap("".join(group), group_styles))
            group, group_styles = [], ()
            skip_until, token = mentions[start]
            out.append(token)
            continue
        styles = tuple(sorted({(kind, attr) for s, e, kind, attr in spans if s <= start < e}))
        if styles != group_styles:
            out.append(_wrap("".join(group), group_styles))
            group, group_styles = [], styles
        group.append(text[start:end])
    out.append(_wrap("".join(group), group_styles))
    return "".join(out)


def _contact(item: Mapping[str, Any]) -> str:
    """Who a mention is for: their e-mail address where Zoom gives it (a webhook's
    `at_contact`), which is how the people's directory knows Zoom users
    (plugins/zoom/people.py); else their member id, else their user id."""
    given = item.get("at_contact")
    if isinstance(given, str) and "@" in given:
        return given.strip().lower()
    return str(item.get("at_contact_member_id") or item.get("at_contact_user_id")
               or given or "")


def _span(item: Mapping[str, Any], size: int, kind: str, attr: str) -> tuple[int, int, str, str]:
    start = item.get("start_position")
    end = item.get("end_position")
    lo = min(max(start if isinstance(start, int) else 0, 0), size)
    hi = min(max(end if isinstance(end, int) else lo, lo), size)
    return lo, hi, kind, attr


def _wrap(text: str, styles: Sequence[tuple[str, str]]) -> str:
    core = text.strip()
    if not core or not styles:
        return markup.escape(text)
    # Emphasis cannot open or close on a space: spaces stay outside the markers.
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    out = markup.escape(core)
    for kind, _ in styles:
        if kind in _STYLES:
            marker = {"bold": "**", "italic": "*", "strike": "~~"}[_STYLES[kind]]
            out = f"{marker}{out}{marker}"
    link = next((attr for kind, attr in styles if kind == "AddLink" and attr), None)
    if link:
        out = f"[{out}]({link})"
    return markup.escape(lead) + out + markup.escape(trail)


@dataclass
class ChatText:
    """A Team Chat message body: text, its formatting spans and its mentions."""

    message: str = ""
    rich_text: list[dict[str, Any]] = field(default_factory=list)
    at_items: list[dict[str, Any]] = field(default_factory=list)

    def request(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.rich_text:
            body["rich_text"] = self.rich_text
        if self.at_items:
            body["at_items"] = self.at_items
        return body


def to_zoom_text(body: str) -> ChatText:
    """Canonical markup as Team Chat text with `rich_text` spans and `at_items` mentions."""
    out = ChatText()
    for index, block in enumerate(markup.parse(body)):
        if index:
            out.message += "\n\n"
        if isinstance(block, markup.Paragraph):
            _inline(out, block.inlines)
        elif isinstance(block, markup.CodeBlock):
            out.message += block.text
        elif isinstance(block, markup.Quote):
            out.message += "\n".join("> " + line for line in _plain(block).split("\n"))
        else:
            for number, item in enumerate(block.items):
                out.message += ("\n" if number else "") + "- "
                _inline(out, item)
    return out


def _plain(block: markup.Block) -> str:
    if isinstance(block, markup.Paragraph):
        return markup.plain_inline(block.inlines)
    if isinstance(block, markup.CodeBlock):
        return block.text
    if isinstance(block, markup.Quote):
        return "\n".join("> " + line for b in block.blocks for line in _plain(b).split("\n"))
    return "\n".join("- " + markup.plain_inline(item) for item in block.items)


def _inline(out: ChatText, nodes: Iterable[markup.Inline]) -> None:
    for node in nodes:
        start = len(out.message)
        if isinstance(node, markup.Text | markup.Code):
            out.message += node.text
        elif isinstance(node, markup.Break):
            out.message += "\n"
        elif isinstance(node, markup.Styled):
            _inline(out, node.children)
            out.rich_text.append({"start_position": start, "end_position": len(out.message),
                                  "format_type": _FORMATS[node.style]})
        elif isinstance(node, markup.Link):
            if node.children:
                _inline(out, node.children)
                out.rich_text.append({"start_position": start, "end_position": len(out.message),
                                      "format_type": "AddLink", "format_attr": node.url})
            else:
                out.message += node.url
        elif isinstance(node, markup.Mention):
            out.message += node.shown
            if node.platform == PLATFORM:
                out.at_items.append({"at_contact": node.native_id, "at_type": 1,
                                     "start_position": start, "end_position": len(out.message)})


def split_message(text: ChatText, limit: int = MESSAGE_LIMIT) -> list[ChatText]:
    """Messages Team Chat accepts: one if it fits, else plain chunks cut at line or word ends."""
    if len(text.message) <= limit:
        return [text]
    chunks: list[ChatText] = []
    rest = text.message
    while rest:
        if len(rest) <= limit:
            chunks.append(ChatText(rest))
            break
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        chunks.append(ChatText(rest[:cut].rstrip()))
        rest = rest[cut:].lstrip()
    return chunks
