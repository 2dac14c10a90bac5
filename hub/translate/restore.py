"""Putting a translated segment back: placeholders checked, spans restored, text escaped.

An engine may re-spell tags (`<x id = '3' />`, `<x id="3"></x>`), move them, re-space words or
escape entities: all fine. It may not lose, duplicate, invent or misnest a placeholder: that
raises SpanLost. Restored spans are the original's bytes, except glossary terms, which come
back as the target language's rendering: in capitals if the source wrote them so, with a
capital where they start a sentence or where the source capitalised them mid-sentence, and
with the article before them agreeing (hub.translate.agreement). A space is kept between a
span and a word an engine glued to it when gluing would change what the span is (a longer
link, another address, another hashtag).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from hub.translate.agreement import agree

PLACEHOLDER = re.compile(
    r"<\s*x\s+id\s*=\s*[\"']?(\d+)[\"']?\s*/?\s*>(?:<\s*/\s*x\s*>)?"
    r"|<\s*g\s+id\s*=\s*[\"']?(\d+)[\"']?\s*>"
    r"|(<\s*/\s*g\s*>)"
    # HTML engines read <x …/> as an open element and may close it later: noise, no content.
    r"|(<\s*/\s*x\s*>)"
    r"|<[A-Za-z/][^<>]*>"
)


class SpanLost(ValueError):
    """A translation lost, duplicated or broke a protected span; it must not be delivered."""


@dataclass(frozen=True)
class Rendered:
    """A glossary term's span: its rendering and what decides its case and its article."""

    text: str  # as the glossary writes it
    language: str
    gender: str | None = None
    plural: bool = False
    # upper: the source wrote it in capitals; capital: capitalised mid-sentence (a name);
    # plain: a capital only where the translation starts a sentence with it.
    case: Literal["upper", "capital", "plain"] = "plain"

    def cased(self, sentence_start: bool) -> str:
        if self.case == "upper":
            return self.text.upper()
        if self.case == "capital" or sentence_start:
            return self.text[:1].upper() + self.text[1:]
        return self.text


def escape_inline(text: str) -> str:
    """Text as canonical inline markup that reads back as exactly that text."""
    return "".join("\\" + c if c in "\\`*_~[]<" else c for c in text)


def restore_segment(
    xml: str,
    spans: Mapping[int, str],
    pairs: Mapping[int, tuple[str, str]],
    guards: Mapping[int, str],
    expected_spans: frozenset[int],
    expected_pairs: frozenset[int],
    rendered: Mapping[int, Rendered] | None = None,
) -> str:
    """One translated segment back to canonical inline markup, or SpanLost."""
    out: list[str | _Span] = []
    stack: list[tuple[int, int]] = []
    seen_spans: set[int] = set()
    seen_pairs: set[int] = set()
    position = 0
    for found in PLACEHOLDER.finditer(xml):
        _text(out, xml[position : found.start()])
        position = found.end()
        span, pair, close = found.group(1), found.group(2), found.group(3)
        if found.group(4) is not None:
            continue
        if span is not None:
            number = int(span)
            if number not in expected_spans or number in seen_spans:
                raise SpanLost(f"placeholder {number} duplicated or foreign")
            seen_spans.add(number)
            term = rendered.get(number) if rendered else None
            out.append(_Span(spans[number], guards.get(number), term))
        elif pair is not None:
            number = int(pair)
            if number not in expected_pairs or number in seen_pairs:
                raise SpanLost(f"pair {number} duplicated or foreign")
            seen_pairs.add(number)
            stack.append((number, len(out)))
        elif close is not None:
            if not stack:
                raise SpanLost("a closing tag without its opening")
            number, start = stack.pop()
            _wrap(out, start, *pairs[number])
        else:
            raise SpanLost(f"unexpected tag {found.group(0)[:40]!r}")
    _text(out, xml[position:])
    if stack or seen_spans != expected_spans or seen_pairs != expected_pairs:
        raise SpanLost("a placeholder did not come back")
    _render_terms(out)
    return _join(out).strip(" ")


@dataclass(frozen=True)
class _Span:
    """A restored span; `guard` says what must not touch it: "url", "word" or nothing."""

    text: str
    guard: str | None = None
    term: Rendered | None = None


def _str(token: str | _Span) -> str:
    return token.text if isinstance(token, _Span) else token


def _text(out: list[str | _Span], xml_text: str) -> None:
    if not xml_text:
        return
    # A newline an engine adds must not split the paragraph or start a list.
    text = re.sub(r"\s*\n\s*", " ", html.unescape(xml_text))
    escaped = escape_inline(text)
    if (not out or _str(out[-1]) == "\n") and escaped[:1] in ("-", ">", "#", "+"):
        escaped = "\\" + escaped
    out.append(escaped)


_OPENERS = " \t*_~[\\\"'«“‘(¡¿"


def _render_terms(out: list[str | _Span]) -> None:
    """Glossary terms as the target writes them, their article agreeing."""
    for index, token in enumerate(out):
        if not isinstance(token, _Span) or token.term is None:
            continue
        term = token.term
        before = out[index - 1] if index else None
        if isinstance(before, str):
            out[index - 1] = agree(before, term.text, term.language, term.gender, term.plural)
        preceding = "".join(_str(t) for t in out[:index]).rstrip(_OPENERS)
        start = not preceding or preceding[-1] in ".!?…\n"
        out[index] = _Span(escape_inline(term.cased(start)), token.guard)


def _wrap(out: list[str | _Span], start: int, opening: str, closing: str) -> None:
    inner = out[start:]
    if not "".join(map(_str, inner)).strip():
        # An emptied pair: its delimiters alone would be stray markup, but a link's address
        # is a span like any other and stays, bare.
        if opening == "[" and closing.startswith("](") and closing.endswith(")"):
            out.append(_Span(closing[2:-1], "url"))
        return
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
