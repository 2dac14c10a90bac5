"""Protected spans: what a translation engine must never touch, and the proof it did not.

A canonical body becomes a list of *segments* (one per paragraph or list item; code blocks are
never sent). Each segment is XML-like text: mentions, links' addresses, e-mail addresses,
`@handles`, `#hashtags`, inline code, emoji, `:shortcodes:`, line breaks and glossary terms
become empty placeholders `<x id="7"/>`; bold, italic, strike and link labels become paired
`<g id="3">…</g>` so their words are translated in context. After translation every
placeholder must come back exactly once and every pair must still nest; anything else raises
`SpanLost` and the caller delivers the original. Restored spans are the original's own bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hub import markup
from hub.markup import Block, CodeBlock, Inline, ListItems, Paragraph, Quote

EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
HANDLE = r"(?<![\w@])@[A-Za-z0-9_][A-Za-z0-9_.-]*(?<![.-])"
HASHTAG = r"(?<![\w#&])#\w+"
SHORTCODE = r"(?<![\w:]):[a-z0-9_+-]*[a-z_][a-z0-9_+-]*:(?![\w:])"
_EMOJI_BASE = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2300-\u23ff\u2b00-\u2bff\u25a0-\u25ff"
    "\u2194-\u2199\u21a9\u21aa\u2934\u2935\u3030\u303d\u3297\u3299"
    "\u00a9\u00ae\u203c\u2049\u2122\u2139"
)
_EMOJI_JOIN = "\ufe0f\ufe0e\u200d\u20e3\U000e0020-\U000e007f"
EMOJI = rf"(?:[0-9#*]\ufe0f?\u20e3|[{_EMOJI_BASE}])(?:[{_EMOJI_JOIN}{_EMOJI_BASE}])*"
_FIXED = [EMAIL, SHORTCODE, EMOJI, HASHTAG, HANDLE]

PLACEHOLDER = re.compile(
    r"<\s*x\s+id\s*=\s*[\"']?(\d+)[\"']?\s*/?\s*>(?:<\s*/\s*x\s*>)?"
    r"|<\s*g\s+id\s*=\s*[\"']?(\d+)[\"']?\s*>"
    r"|(<\s*/\s*g\s*>)"
    r"|<[A-Za-z/][^<>]*>"
)
_STYLE = {"bold": ("**", "**"), "italic": ("*", "*"), "strike": ("~~", "~~")}


class SpanLost(ValueError):
    """A translation lost, duplicated or broke a protected span; it must not be delivered."""


def span_pattern(glossary: Iterable[str] = ()) -> re.Pattern[str]:
    """One pattern matching every protected span inside plain text, glossary terms first."""
    terms = sorted({term for term in glossary if term.strip()}, key=len, reverse=True)
    parts = list(_FIXED)
    if terms:
        parts.insert(0, r"(?<!\w)(?:" + "|".join(map(re.escape, terms)) + r")(?!\w)")
    return re.compile("|".join(parts))


def _escape_inline(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_~[]<" else c for c in text)


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
        expected = self.segments[index]
        out: list[str | _Span] = []
        stack: list[tuple[int, int]] = []
        seen_spans: set[int] = set()
        seen_pairs: set[int] = set()
        position = 0
        for found in PLACEHOLDER.finditer(xml):
            _text(out, xml[position : found.start()])
            position = found.end()
            span, pair, close = found.group(1), found.group(2), found.group(3)
            if span is not None:
                number = int(span)
                if number not in expected.spans or number in seen_spans:
                    raise SpanLost(f"placeholder {number} duplicated or foreign")
                seen_spans.add(number)
                out.append(_Span(self.spans[number], self.guards.get(number)))
            elif pair is not None:
                number = int(pair)
                if number not in expected.pairs or number in seen_pairs:
                    raise SpanLost(f"pair {number} duplicated or foreign")
                seen_pairs.add(number)
                stack.append((number, len(out)))
            elif close is not None:
                if not stack:
                    raise SpanLost("a closing tag without its opening")
                number, start = stack.pop()
                _wrap(out, start, *self.pairs[number])
            else:
                raise SpanLost(f"unexpected tag {found.group(0)[:40]!r}")
        _text(out, xml[position:])
        if stack or seen_spans != expected.spans or seen_pairs != expected.pairs:
            raise SpanLost("a placeholder did not come back")
        return _join(out).strip(" ")


@dataclass(frozen=True)
class _Span:
    """A restored span; `guard` says what must not touch it: "url", "word" or nothing."""

    text: str
    guard: str | None = None


def _str(token: str | _Span) -> str:
    return token.text if isinstance(token, _Span) else token


def _text(out: list[str | _Span], xml_text: str) -> None:
    if not xml_text:
        return
    # A newline an engine adds must not split the paragraph or start a list.
    text = re.sub(r"\s*\n\s*", " ", html.unescape(xml_text))
    escaped = _escape_inline(text)
    if (not out or _str(out[-1]) == "\n") and escaped[:1] in ("-", ">", "#", "+"):
        escaped = "\\" + escaped
    out.append(escaped)


def _wrap(out: list[str | _Span], start: int, opening: str, closing: str) -> None:
    inner = out[start:]
    if not "".join(map(_str, inner)).strip():
        return  # an emptied pair: its delimiters alone would be stray markup
    lead: list[str | _Span] = []
    trail: list[str | _Span] = []
    while not _str(inner[0]).strip():
        lead.append(inner.pop(0))
    while not _str(inner[-1]).strip():
        trail.insert(0, inner.pop())
    first = inner[0]
    if isinstance(first, str) and first != first.lstrip():
        lead.append(first[: len(first) - len(first.lstrip())])
        inner[0] = first.lstrip()
    last = inner[-1]
    if isinstance(last, str) and last != last.rstrip():
        trail.insert(0, last[len(last.rstrip()) :])
        inner[-1] = last.rstrip()
    if (not out[:start] or _str(out[start - 1])[-1:].isspace()) and all(
        isinstance(t, str) for t in lead
    ):
        lead = []  # the space moved out of the pair is already there
    out[start:] = [*lead, opening, *inner, closing, *trail]


_WORDISH_BEFORE = re.compile(r"[\w.%+\-@#&]$")
_WORDISH_AFTER = re.compile(r"[\w@:]|[.\-]\w")
_URL_END = re.compile(r"[\s()<>\[\]]|[.,;:!?'\"]+(?:[\s)\]]|$)")


def _join(tokens: list[str | _Span]) -> str:
    """Join restored tokens, keeping a space where an engine glued a word to a link, an
    address, a hashtag or a glossary term (the span would otherwise change meaning)."""
    texts = [_str(token) for token in tokens]
    out: list[str] = []
    for index, token in enumerate(tokens):
        text = texts[index]
        glued = out and _WORDISH_BEFORE.search(out[-1][-1:])
        if isinstance(token, _Span) and token.guard and glued:
            out.append(" ")
        out.append(text)
        if isinstance(token, _Span) and token.guard:
            rest = "".join(texts[index + 1 :])
            if not rest:
                continue
            apart = (
                _URL_END.match(rest) if token.guard == "url" else not _WORDISH_AFTER.match(rest)
            )
            if not apart:
                out.append(" ")
    return "".join(out)


class _Builder:
    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.spans: dict[int, str] = {}
        self.guards: dict[int, str] = {}
        self.pairs: dict[int, tuple[str, str]] = {}
        self.segments: list[_Segment] = []
        self._ids: set[int] = set()
        self._pair_ids: set[int] = set()
        self._words = False

    def segment(self, inlines: tuple[Inline, ...]) -> int:
        self._ids, self._pair_ids, self._words = set(), set(), False
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
        return f'<x id="{number}"/>'

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
            return self.span(markup.mention(node.platform, node.native_id))
        return self.span("\n")

    def text(self, text: str) -> str:
        out: list[str] = []
        position = 0
        for found in self.pattern.finditer(text):
            out.append(self.words(text[position : found.start()]))
            matched = found.group(0)
            guard = None if re.fullmatch(EMOJI, matched) else "word"
            out.append(self.span(_escape_inline(matched), guard))
            position = found.end()
        out.append(self.words(text[position:]))
        return "".join(out)

    def words(self, text: str) -> str:
        if any(char.isalpha() for char in text):
            self._words = True
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
    """Split a canonical body into segments with its protected spans as placeholders."""
    return protect_with(body, span_pattern(glossary))


def protect_with(body: str, pattern: re.Pattern[str]) -> Protected:
    """`protect` with a pattern built once by `span_pattern` (the service keeps one)."""
    builder = _Builder(pattern)
    template = builder.blocks(markup.parse(body))
    return Protected(template, builder.segments, builder.spans, builder.pairs, builder.guards)


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
