"""Basecamp rich text (an HTML subset with `<bc-attachment>`) to and from the canonical body.

Pure functions over a real HTML parser (the standard library's): entities are decoded exactly
once on the way in and escaped exactly once on the way out, so nothing a person wrote is lost
or doubled. Basecamp keeps only `div h1 br strong em strike a pre ol ul li blockquote` and
`bc-attachment`; whatever else arrives (its own expanded `<figure>` markup, pasted HTML) is
read for its text.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

from hub import markup
from hub.events import Attachment

MENTION_TYPE = "application/vnd.basecamp.mention"
PLATFORM = "basecamp"
_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area"}
_BLOCK = {"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "ul", "ol", "li", "blockquote",
          "figure", "figcaption", "table", "thead", "tbody", "tr", "td", "th", "details",
          "summary", "section", "article", "hr"}
_STYLE = {"strong": "**", "b": "**", "em": "_", "i": "_", "strike": "~~", "s": "~~", "del": "~~"}
_SPACE = re.compile(r"[ \t\r\n\f]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_PERSON_GID = re.compile(rb"gid://bc3/Person/(\d+)")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving DOM: unclosed tags close with their parent, stray end tags are ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


@dataclass(frozen=True)
class Rich:
    """A rich-text field read: its canonical body, the files it embeds and who it mentions."""

    body: str
    files: tuple[Attachment, ...] = ()
    mentions: Mapping[str, str] = field(default_factory=dict)  # person id -> shown name


def person_id_from_sgid(sgid: str) -> str | None:
    """The person id inside a person's `attachable_sgid`, when it can be read.

    An sgid is a signed global id: base64 of a small serialised record naming
    `gid://bc3/Person/<id>`, then `--` and a signature. Reading it needs no key.
    """
    encoded = sgid.split("--", 1)[0]
    try:
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_")
    except (binascii.Error, ValueError):
        return None
    found = _PERSON_GID.search(raw)
    return found.group(1).decode() if found else None


def to_canonical(text: str | None) -> Rich:
    """Basecamp rich text as the canonical body, with its embedded files and mentions."""
    reader = _Reader()
    blocks = reader.blocks(parse_html(text or "").children)
    body = _BLANK_LINES.sub("\n\n", "\n\n".join(b for b in blocks if b.strip())).strip()
    return Rich(body, tuple(reader.files), dict(reader.mentions))


def plain_to_canonical(text: str | None) -> str:
    """A plain-text field (a Campfire text line) as the canonical body."""
    return markup.escape((text or "").strip())


class _Reader:
    def __init__(self) -> None:
        self.files: list[Attachment] = []
        self.mentions: dict[str, str] = {}

    def blocks(self, children: list[Node | str]) -> list[str]:
        out: list[str] = []
        inline: list[str] = []
        for child in children:
            if isinstance(child, Node) and child.tag in _BLOCK:
                out.extend(_paragraphs(inline))
                inline = []
                out.extend(self.block(child))
            else:
                inline.append(self.inline(child))
        out.extend(_paragraphs(inline))
        return out

    def block(self, node: Node) -> list[str]:
        if node.tag == "pre":
            code = _text_of(node).strip("\n")
            return [f"```\n{code}\n```"] if code.strip() else []
        if node.tag in ("ul", "ol"):
            items = [self.item(child) for child in node.children
                     if isinstance(child, Node) and child.tag == "li"]
            items = [item for item in items if item]
            if node.tag == "ul":
                return ["\n".join(f"- {item}" for item in items)] if items else []
            # The canonical body has no numbered lists: the numbers become text, kept as written.
            return ["\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))] if items else []
        if node.tag == "blockquote":
            inner = "\n\n".join(self.blocks(node.children))
            return ["\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))]
        if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return [f"**{p}**" for p in self.blocks(node.children)]
        if node.tag == "hr":
            return []
        return self.blocks(node.children)

    def item(self, node: Node) -> str:
        # One line per item: nested blocks inside an item are joined by spaces.
        parts = self.blocks(node.children)
        return " ".join(" ".join(part.split("\n")) for part in parts).strip()

    def inline(self, child: Node | str) -> str:
        if isinstance(child, str):
            return markup.escape(_SPACE.sub(" ", child))
        tag = child.tag
        if tag == "br":
            return "\n"
        if tag == "bc-attachment":
            return self.attachment(child)
        if tag == "img":
            src = child.attrs.get("src", "")
            return f" {_safe_url(src)} " if src.startswith(("http://", "https://")) else ""
        inner = "".join(self.inline(c) for c in child.children)
        if tag in _STYLE:
            return _wrap(inner, _STYLE[tag])
        if tag == "a":
            return _link(child.attrs.get("href", ""), inner)
        if tag == "code":
            code = _text_of(child)
            return f"`{code}`" if code and "`" not in code else inner
        return inner

    def attachment(self, node: Node) -> str:
        attrs = node.attrs
        sgid = attrs.get("sgid", "")
        caption = _SPACE.sub(" ", _text_of(node)).strip()
        if attrs.get("content-type") == MENTION_TYPE:
            person = person_id_from_sgid(sgid)
            if person is None:
                return markup.escape(f"@{caption}") if caption else ""
            self.mentions[person] = caption
            return markup.mention(PLATFORM, person)
        href = attrs.get("href") or attrs.get("url") or ""
        if not href and not attrs.get("filename"):
            return ""  # an embed Basecamp did not expand: nothing to show or fetch
        size = attrs.get("filesize", "")
        self.files.append(Attachment(
            name=attrs.get("filename") or caption or "file",
            mime_type=attrs.get("content-type") or "application/octet-stream",
            size=int(size) if size.isdigit() else None,
            url=href or None,
        ))
        given = attrs.get("caption", "").strip()
        return markup.escape(given) if given and given != attrs.get("filename") else ""


def _text_of(node: Node) -> str:
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag == "br":
            parts.append("\n")
        else:
            parts.append(_text_of(child))
    return "".join(parts)


def _paragraphs(inline: list[str]) -> list[str]:
    text = "".join(inline)
    lines = [line.strip(" ") for line in text.split("\n")]
    paragraphs = "\n".join(lines).strip("\n").split("\n\n")
    return [p.strip("\n") for p in paragraphs if p.strip()]


def _wrap(inner: str, delim: str) -> str:
    core = inner.strip()
    if not core:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()):]
    return f"{lead}{delim}{core}{delim}{trail}"


def _safe_url(url: str) -> str:
    # The canonical link syntax ends at whitespace and ")": encode them, the URL means the same.
    return url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _link(href: str, inner: str) -> str:
    href = href.strip()
    if not href.startswith(("http://", "https://", "mailto:")):
        return inner
    url = _safe_url(href)
    shown = inner.strip()
    if not shown or markup.plain_inline(markup.parse_inline(shown)) == href:
        return f" {url} " if inner.startswith(" ") or inner.endswith(" ") else url
    return f"[{shown}]({url})"


# -- canonical -> Basecamp ---------------------------------------------------------------------


def to_html(body: str, *, mention_sgids: Mapping[str, str] | None = None) -> str:
    """The canonical body as Basecamp rich text.

    `mention_sgids` maps Basecamp person ids to their `attachable_sgid`, so a mention of a
    Basecamp person becomes a real mention (and notifies them); any other mention is shown as
    `@id` text.
    """
    sgids = mention_sgids or {}
    out: list[str] = []
    paragraphs: list[str] = []

    def flush() -> None:
        if paragraphs:
            out.append("<div>" + "<br><br>".join(paragraphs) + "</div>")
            paragraphs.clear()

    for block in markup.parse(body):
        if isinstance(block, markup.Paragraph):
            paragraphs.append(_inline_html(block.inlines, sgids))
            continue
        flush()
        out.append(_block_html(block, sgids))
    flush()
    return "".join(out)


def _block_html(block: markup.Block, sgids: Mapping[str, str]) -> str:
    if isinstance(block, markup.Paragraph):
        return "<div>" + _inline_html(block.inlines, sgids) + "</div>"
    if isinstance(block, markup.CodeBlock):
        return "<pre>" + html.escape(block.text, quote=False) + "</pre>"
    if isinstance(block, markup.Quote):
        inner = "".join(_block_html(b, sgids) for b in block.blocks)
        return f"<blockquote>{inner}</blockquote>"
    items = "".join(f"<li>{_inline_html(item, sgids)}</li>" for item in block.items)
    return f"<ul>{items}</ul>"


_TAGS = {"bold": "strong", "italic": "em", "strike": "strike"}


def _inline_html(nodes: tuple[markup.Inline, ...], sgids: Mapping[str, str]) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, markup.Text):
            out.append(html.escape(node.text, quote=False))
        elif isinstance(node, markup.Break):
            out.append("<br>")
        elif isinstance(node, markup.Styled):
            tag = _TAGS[node.style]
            out.append(f"<{tag}>{_inline_html(node.children, sgids)}</{tag}>")
        elif isinstance(node, markup.Code):
            # Basecamp has no inline code tag and strips unknown ones: the text stays.
            out.append(html.escape(node.text, quote=False))
        elif isinstance(node, markup.Link):
            label = _inline_html(node.children, sgids) if node.children else html.escape(
                node.url, quote=False)
            out.append(f'<a href="{html.escape(node.url, quote=True)}">{label}</a>')
        elif isinstance(node, markup.Mention):
            sgid = sgids.get(node.native_id) if node.platform == PLATFORM else None
            if sgid:
                out.append(f'<bc-attachment sgid="{html.escape(sgid, quote=True)}">'
                           "</bc-attachment>")
            else:
                out.append(html.escape(node.shown, quote=False))
    return "".join(out)


def attachment_tag(sgid: str, caption: str | None = None) -> str:
    """The tag that embeds an uploaded attachment (by its `attachable_sgid`) in rich text."""
    extra = f' caption="{html.escape(caption, quote=True)}"' if caption else ""
    return f'<bc-attachment sgid="{html.escape(sgid, quote=True)}"{extra}></bc-attachment>'


def file_sgids(text: str | None) -> list[str]:
    """The sgids of the files (not mentions) embedded in rich text, in order.

    An edit rewrites the whole content: these are put back so no attachment is dropped.
    """
    found: list[str] = []

    def walk(node: Node) -> None:
        for child in node.children:
            if isinstance(child, Node):
                if child.tag == "bc-attachment":
                    sgid = child.attrs.get("sgid", "")
                    if sgid and child.attrs.get("content-type") != MENTION_TYPE:
                        found.append(sgid)
                else:
                    walk(child)

    walk(parse_html(text or ""))
    return found
