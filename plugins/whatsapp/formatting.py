"""WhatsApp text formatting ⇄ canonical markup (hub.markup), both ways; pure.

WhatsApp marks `*bold*`, `_italic_`, `~strike~`, `` `code` `` and ```` ```monospace``` ````,
`> ` quotes and `- ` / `* ` lists. It has no escape character, so literal asterisks a person
types in a canonical body reach WhatsApp as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hub import markup

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_URL = re.compile(r"https?://[^\s<>]+[^\s<>.,;:!?'\")\]]")
_STYLES = {"*": "**", "_": "_", "~": "~~"}
_LIST = re.compile(r"^[-*•] ")


def from_whatsapp(text: str) -> str:
    """WhatsApp formatting as canonical markup; everything else stays literal."""
    out: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```") and "```" not in line[3:]:
            end = next((j for j in range(index + 1, len(lines)) if "```" in lines[j]), None)
            if end is not None:
                inner = [line[3:], *lines[index + 1 : end], lines[end].split("```", 1)[0]]
                out += ["```", "\n".join(part for part in inner if part), "```"]
                index = end + 1
                continue
        if line.startswith("> "):
            out.append("> " + _inline(line[2:]))
        elif _LIST.match(line):
            out.append("- " + _inline(line[2:]))
        else:
            out.append(_inline(line))
        index += 1
    return "\n".join(out)


def _inline(text: str) -> str:
    return "".join(_inline_parts(text))


def _inline_parts(text: str) -> Iterator[str]:
    i = 0
    while i < len(text):
        char = text[i]
        boundary = i == 0 or not text[i - 1].isalnum()
        if char == "h" and boundary and (url := _URL.match(text, i)):
            yield url.group(0)
            i = url.end()
            continue
        if text.startswith("```", i) and (end := text.find("```", i + 3)) > i + 3:
            yield "`" + text[i + 3 : end].replace("`", "'") + "`"
            i = end + 3
            continue
        if char == "`" and (end := text.find("`", i + 1)) > i + 1:
            yield text[i : end + 1]
            i = end + 1
            continue
        if char in _STYLES and boundary and (end := _closing(text, i)) > 0:
            yield _STYLES[char] + _inline(text[i + 1 : end]) + _STYLES[char]
            i = end + 1
            continue
        escaped = char in "\\`*_~[]<" or (i == 0 and char in ">-#")
        yield "\\" + char if escaped else char
        i += 1


def _closing(text: str, start: int) -> int:
    delim = text[start]
    if start + 1 >= len(text) or text[start + 1].isspace():
        return -1
    end = text.find(delim, start + 2)
    while end > 0:
        after = end + 1 >= len(text) or not text[end + 1].isalnum()
        if not text[end - 1].isspace() and after:
            return end
        end = text.find(delim, end + 1)
    return -1


def to_whatsapp(body: str) -> str:
    """Canonical markup as WhatsApp text: `*bold*`, `_italic_`, `~strike~`, monospace."""
    return "\n\n".join(_block(block) for block in markup.parse(body))


def _block(block: markup.Block) -> str:
    if isinstance(block, markup.Paragraph):
        return _render(block.inlines)
    if isinstance(block, markup.CodeBlock):
        return f"```{block.text}```"
    if isinstance(block, markup.Quote):
        inner = "\n\n".join(_block(b) for b in block.blocks)
        return "\n".join("> " + line for line in inner.split("\n"))
    return "\n".join("- " + _render(item) for item in block.items)


_MARKS = {"bold": "*", "italic": "_", "strike": "~"}


def _render(inlines: tuple[markup.Inline, ...]) -> str:
    out: list[str] = []
    for node in inlines:
        if isinstance(node, markup.Text):
            out.append(node.text)
        elif isinstance(node, markup.Styled):
            mark = _MARKS[node.style]
            out.append(mark + _render(node.children) + mark)
        elif isinstance(node, markup.Code):
            out.append(f"`{node.text}`")
        elif isinstance(node, markup.Link):
            label = _render(node.children)
            out.append(f"{label} ({node.url})" if label and label != node.url else node.url)
        elif isinstance(node, markup.Mention):
            out.append(node.shown)
        else:
            out.append("\n")
    return "".join(out)


def clip(text: str, limit: int) -> str:
    """Text cut to a platform limit, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
