"""Protected spans: what a translation engine must never touch, and the proof it did not.

A canonical body becomes a list of *segments* (one per paragraph or list item; code blocks are
never sent). Each segment is XML-like text: mentions, links' addresses, e-mail addresses,
`@handles`, `#hashtags`, inline code, emoji, `:shortcodes:`, line breaks and the glossary's
names and terms become empty placeholders `<x id="7"/>`; bold, italic, strike and link labels
become paired `<g id="3">…</g>` so their words are translated in context. After translation
every placeholder must come back exactly once and every pair must still nest; anything else
raises `SpanLost` and the caller delivers the original. Restored spans are the original's own
bytes, but for glossary terms, which come back as the target's rendering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hub import markup
from hub.markup import Block, CodeBlock, Inline, ListItems, Paragraph, Quote
from hub.translate.glossary import Rendering, Terms
from hub.translate.restore import Rendered, SpanLost, escape_inline, restore_segment
from hub.translate.spans import EMOJI

__all__ = ["Protected", "SpanLost", "protect", "protect_with"]

_STYLE = {"bold": ("**", "**"), "italic": ("*", "*"), "strike": ("~~", "~~")}


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class _Segment:
    xml: str
    spans: frozenset[int]
    pairs: frozenset[int]
    has_words: bool


_Template = tuple[str, object]


@dataclass
class Protected:
    """A body split into segments to translate, with everything needed to put it back."""

    template: list[_Template]
    segments: list[_Segment]
    spans: dict[int, str] = field(default_factory=dict)
    pairs: dict[int, tuple[str, str]] = field(default_factory=dict)
    guards: dict[int, str] = field(default_factory=dict)
    rendered: dict[int, Rendered] = field(default_factory=dict)  # glossary terms

    @property
    def to_translate(self) -> list[int]:
        """Indexes of the segments that hold words; the rest are kept as they are."""
        return [i for i, segment in enumerate(self.segments) if segment.has_words]

    def texts(self) -> list[str]:
        """The XML texts of the segments that hold words, in order."""
        return [self.segments[i].xml for i in self.to_translate]

    def restore(self, translations: Sequence[str]) -> str:
        """The canonical body with `translations` (one per `texts()` item) in place.

        Raises SpanLost when a placeholder is missing, duplicated, unknown or misnested.
        """
        wanted = self.to_translate
        if len(translations) != len(wanted):
            raise SpanLost(f"{len(wanted)} segments sent, {len(translations)} came back")
        xml = [segment.xml for segment in self.segments]
        for index, text in zip(wanted, translations, strict=True):
            xml[index] = text
        inline = [self._segment(i, text) for i, text in enumerate(xml)]
        return _render(self.template, inline)

    def _segment(self, index: int, xml: str) -> str:
        segment = self.segments[index]
        return restore_segment(
            xml, self.spans, self.pairs, self.guards, segment.spans, segment.pairs,
            self.rendered,
        )


class _Builder:
    def __init__(self, terms: Terms) -> None:
        self.terms = terms
        self.pattern = terms.pattern
        self.spans: dict[int, str] = {}
        self.guards: dict[int, str] = {}
        self.rendered: dict[int, Rendered] = {}
        self._written = ""  # the segment's text so far, to tell where a sentence starts
        self.pairs: dict[int, tuple[str, str]] = {}
        self.segments: list[_Segment] = []
        self._ids: set[int] = set()
        self._pair_ids: set[int] = set()
        self._words = False

    def segment(self, inlines: tuple[Inline, ...]) -> int:
        self._ids, self._pair_ids, self._words = set(), set(), False
        self._written = ""
        xml = "".join(self.inline(node) for node in inlines)
        self.segments.append(
            _Segment(xml, frozenset(self._ids), frozenset(self._pair_ids), self._words)
        )
        return len(self.segments) - 1

    def span(self, canonical: str, guard: str | None = None) -> str:
        number = len(self.spans) + len(self.pairs) + 1
        self.spans[number] = canonical
        if guard:
            self.guards[number] = guard
        self._ids.add(number)
        self._written += canonical if canonical == "\n" else "x"
        return f'<x id="{number}"/>'

    def term(self, found: str, rendering: Rendering) -> str:
        letters = [char for char in found if char.isalpha()]
        before = self._written.rstrip(" *_~[\"'«“(¡¿")
        case: Literal["upper", "capital", "plain"] = "plain"
        if len(letters) > 1 and all(char.isupper() for char in letters):
            case = "upper"
        elif (found[:1].isupper() and not rendering.written[:1].isupper()
              and before and before[-1] not in ".!?…\n"):
            case = "capital"  # capitalised mid-sentence: used as a name
        placeholder = self.span(escape_inline(rendering.text), "word")
        self.rendered[len(self.spans) + len(self.pairs)] = Rendered(
            rendering.text, rendering.language, rendering.gender, rendering.plural, case
        )
        return placeholder

    def pair(self, opening: str, closing: str, children: tuple[Inline, ...]) -> str:
        number = len(self.spans) + len(self.pairs) + 1
        self.pairs[number] = (opening, closing)
        self._pair_ids.add(number)
        inner = "".join(self.inline(node) for node in children)
        return f'<g id="{number}">{inner}</g>'

    def inline(self, node: Inline) -> str:
        if isinstance(node, markup.Text):
            return self.text(node.text)
        if isinstance(node, markup.Styled):
            opening, closing = _STYLE.get(node.style, ("", ""))
            return self.pair(opening, closing, node.children)
        if isinstance(node, markup.Code):
            return self.span(f"`{node.text}`")
        if isinstance(node, markup.Link):
            if not node.children:
                return self.span(node.url, "url")
            return self.pair("[", f"]({node.url})", node.children)
        if isinstance(node, markup.Mention):
            return self.span(markup.mention(node.platform, node.native_id, node.name))
        return self.span("\n")

    def text(self, text: str) -> str:
        out: list[str] = []
        position = 0
        for found in self.pattern.finditer(text):
            out.append(self.words(text[position : found.start()]))
            matched = found.group(0)
            rendering = self.terms.rendering(matched)
            if rendering is not None:
                out.append(self.term(matched, rendering))
            else:
                guard = None if re.fullmatch(EMOJI, matched) else "word"
                out.append(self.span(escape_inline(matched), guard))
            position = found.end()
        out.append(self.words(text[position:]))
        return "".join(out)

    def words(self, text: str) -> str:
        if any(char.isalpha() for char in text):
            self._words = True
        self._written += text
        return _xml(text)

    def blocks(self, blocks: Iterable[Block]) -> list[_Template]:
        result: list[_Template] = []
        for block in blocks:
            if isinstance(block, Paragraph):
                result.append(("p", self.segment(block.inlines)))
            elif isinstance(block, CodeBlock):
                result.append(("code", (block.language, block.text)))
            elif isinstance(block, Quote):
                result.append(("quote", self.blocks(block.blocks)))
            elif isinstance(block, ListItems):
                result.append(("list", [self.segment(item) for item in block.items]))
        return result


def protect(body: str, glossary: Iterable[str] = ()) -> Protected:
    """Split a canonical body into segments with its protected spans as placeholders, the
    names in `glossary` among them."""
    return protect_with(body, Terms(tuple(glossary)))


def protect_with(body: str, terms: Terms) -> Protected:
    """`protect` with a pair's glossary (`Glossary.for_pair`; the service keeps one a pair)."""
    builder = _Builder(terms)
    template = builder.blocks(markup.parse(body))
    return Protected(template, builder.segments, builder.spans, builder.pairs, builder.guards,
                     builder.rendered)


def _render(template: Sequence[_Template], inline: Sequence[str]) -> str:
    parts: list[str] = []
    for kind, value in template:
        if kind == "p":
            assert isinstance(value, int)
            parts.append(inline[value])
        elif kind == "code":
            assert isinstance(value, tuple)
            language, text = value
            parts.append(f"```{language}\n{text}\n```")
        elif kind == "quote":
            assert isinstance(value, list)
            inner = _render(value, inline)
            parts.append("\n".join(f"> {line}" if line else ">" for line in inner.split("\n")))
        else:
            assert isinstance(value, list)
            parts.append("\n".join(f"- {inline[i]}" for i in value))
    return "\n\n".join(parts)
