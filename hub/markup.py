"""The canonical body: a small CommonMark subset every connector reads and writes.

Blocks: paragraphs (separated by a blank line), `> ` quotes, `- ` list items and fenced
code blocks. Inline: `**bold**`, `_italic_`, `~~strike~~`, `` `code` ``, `[text](url)`, bare
URLs, line breaks, and mentions written `<@platform:native_id>`, or `<@platform:native_id|Name>`
to keep the person's name beside the id so every platform can show it. A backslash makes the
next punctuation character literal. Connectors turn this tree into their own markup and back;
`escape` makes a person's plain text safe to embed so nothing they wrote is lost or doubled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

ESCAPABLE = set("\\`*_~[]()<>#>-!|")
MENTION = re.compile(r"<@([a-z0-9_-]+):([^>\s|]+)(?:\|([^>\n]*))?>")
URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")
FENCE = re.compile(r"^```([\w+-]*)\s*$")


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Styled:
    """Bold, italic or strike text around other inlines."""

    style: str  # bold, italic, strike
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Code:
    text: str


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    children: tuple[Inline, ...]  # empty for a bare URL


@dataclass(frozen=True, slots=True)
class Mention:
    platform: str
    native_id: str
    name: str = ""

    @property
    def shown(self) -> str:
        """How the mention reads where it cannot be a platform's own: `@Hugo Bernard`."""
        return f"@{self.name or self.native_id}"


@dataclass(frozen=True, slots=True)
class Break:
    pass


Inline = Text | Styled | Code | Link | Mention | Break


@dataclass(frozen=True, slots=True)
class Paragraph:
    inlines: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    text: str
    language: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class ListItems:
    items: tuple[tuple[Inline, ...], ...]


Block = Paragraph | CodeBlock | Quote | ListItems


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)


def escape(text: str) -> str:
    """Plain text as canonical markup that renders back to exactly that text.

    Bare URLs stay verbatim: they become links as they are, and a backslash inside one would
    change the address.
    """
    out = []
    index = 0
    while index < len(text):
        found = URL.match(text, index)
        if found and (index == 0 or not text[index - 1].isalnum()):
            out.append(found.group(0))
            index = found.end()
            continue
        char = text[index]
        at_line_start = index == 0 or text[index - 1] == "\n"
        if char in "\\`*_~[]<" or (char in ">-#" and at_line_start):
            out.append("\\")
        out.append(char)
        index += 1
    return "".join(out)


def mention(platform: str, native_id: str, name: str = "") -> str:
    """A mention token; the name travels with it so other platforms can show who it is."""
    clean = " ".join(name.replace("<", "").replace(">", "").replace("|", "").split())
    return f"<@{platform}:{native_id}|{clean}>" if clean else f"<@{platform}:{native_id}>"


def parse(body: str) -> list[Block]:
    """The block tree of a canonical body."""
    lines = body.replace("\r\n", "\n").split("\n")
    return list(_blocks(lines))


def _blocks(lines: list[str]) -> Iterator[Block]:
    index = 0
    paragraph: list[str] = []

    def flush() -> Iterator[Block]:
        if paragraph:
            yield Paragraph(parse_inline("\n".join(paragraph)))
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        if fence:
            yield from flush()
            end = index + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            yield CodeBlock("\n".join(lines[index + 1 : end]), fence.group(1))
            index = end + 1
        elif line.startswith(">"):
            yield from flush()
            quoted = []
            while index < len(lines) and lines[index].startswith(">"):
                quoted.append(lines[index][1:].removeprefix(" "))
                index += 1
            yield Quote(tuple(_blocks(quoted)))
        elif line.startswith(("- ", "* ")):
            yield from flush()
            items = []
            while index < len(lines) and lines[index].startswith(("- ", "* ")):
                items.append(parse_inline(lines[index][2:]))
                index += 1
            yield ListItems(tuple(items))
        elif not line.strip():
            yield from flush()
            index += 1
        else:
            paragraph.append(line)
            index += 1
    yield from flush()


_DELIMS = (("**", "bold"), ("~~", "strike"), ("_", "italic"), ("*", "italic"))


def parse_inline(text: str) -> tuple[Inline, ...]:
    """The inline tree of one paragraph's text."""
    nodes: list[Inline] = []
    buffer: list[str] = []
    i = 0

    def push(node: Inline) -> None:
        if buffer:
            nodes.append(Text("".join(buffer)))
            buffer.clear()
        nodes.append(node)

    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPABLE:
            buffer.append(text[i + 1])
            i += 2
            continue
        if char == "\n":
            push(Break())
            i += 1
            continue
        if char == "`":
            end = text.find("`", i + 1)
            if end > i:
                push(Code(text[i + 1 : end]))
                i = end + 1
                continue
        if char == "<":
            found = MENTION.match(text, i)
            if found:
                push(Mention(found.group(1), found.group(2), found.group(3) or ""))
                i = found.end()
                continue
        if char == "[":
            link = _link_at(text, i)
            if link:
                push(link[0])
                i = link[1]
                continue
        if char in "h" and (found := URL.match(text, i)) and (i == 0 or not text[i - 1].isalnum()):
            push(Link(found.group(0), ()))
            i = found.end()
            continue
        styled = _styled_at(text, i)
        if styled:
            push(styled[0])
            i = styled[1]
            continue
        buffer.append(char)
        i += 1
    if buffer:
        nodes.append(Text("".join(buffer)))
    return tuple(nodes)


def _link_at(text: str, start: int) -> tuple[Link, int] | None:
    close = _find_unescaped(text, "]", start + 1)
    if close < 0 or not text.startswith("(", close + 1):
        return None
    end = text.find(")", close + 2)
    if end < 0:
        return None
    url = text[close + 2 : end].strip()
    if not url or any(c.isspace() for c in url):
        return None
    return Link(url, parse_inline(text[start + 1 : close])), end + 1


def _styled_at(text: str, start: int) -> tuple[Styled, int] | None:
    for delim, style in _DELIMS:
        if not text.startswith(delim, start):
            continue
        inner_start = start + len(delim)
        if inner_start >= len(text) or text[inner_start].isspace():
            return None
        # An underscore inside a word (snake_case) is not emphasis.
        if delim == "_" and start > 0 and text[start - 1].isalnum():
            return None
        close = _find_unescaped(text, delim, inner_start + 1)
        while close > 0 and delim == "*" and text.startswith("**", close):
            close = _find_unescaped(text, delim, close + 2)
        if close < 0 or text[close - 1].isspace():
            return None
        if delim == "_" and close + 1 < len(text) and text[close + 1].isalnum():
            return None
        return Styled(style, parse_inline(text[inner_start:close])), close + len(delim)
    return None


def _find_unescaped(text: str, needle: str, start: int) -> int:
    index = text.find(needle, start)
    while index > 0 and text[index - 1] == "\\":
        index = text.find(needle, index + 1)
    return index


def plain_text(body: str) -> str:
    """What a person reads, without markup: for previews, subjects and translation checks."""
    return "\n\n".join(_plain_block(block) for block in parse(body))


def _plain_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return plain_inline(block.inlines)
    if isinstance(block, CodeBlock):
        return block.text
    if isinstance(block, Quote):
        return "\n".join("> " + line for b in block.blocks for line in _plain_block(b).split("\n"))
    return "\n".join("- " + plain_inline(item) for item in block.items)


def plain_inline(inlines: tuple[Inline, ...]) -> str:
    out = []
    for node in inlines:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Styled):
            out.append(plain_inline(node.children))
        elif isinstance(node, Code):
            out.append(node.text)
        elif isinstance(node, Link):
            label = plain_inline(node.children)
            out.append(f"{label} ({node.url})" if label and label != node.url else node.url)
        elif isinstance(node, Mention):
            out.append(node.shown)
        else:
            out.append("\n")
    return "".join(out)


def first_line(body: str, limit: int = 120) -> str:
    """A subject made from a body's first line (a chat message becoming a board post)."""
    text = plain_text(body).strip().split("\n", 1)[0].strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
