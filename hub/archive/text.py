"""Words as the archive indexes and matches them, and the snippets that show where they are.

Pure functions. A text's words are lower-cased, stemmed with the Snowball stemmer of its
language (through PyStemmer, the Snowball project's own C binding: the same algorithms as
PostgreSQL's configurations), then stripped of diacritics, so "qualité", "Qualite" and
"qualités" are one term, as are "cidade" and "Cidades". Function words of the network's
languages are left out: a query need not carry the same "de" or "do" as the text it finds.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import Stemmer

# Snowball's algorithm for each primary language subtag; Galician reads best as Portuguese.
# PostgreSQL's text search configurations bear the same names (hub/store/search_index.py).
_ALGORITHMS = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish",
    "fr": "french", "ga": "irish", "gl": "portuguese", "hu": "hungarian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "nl": "dutch", "no": "norwegian", "nb": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish",
    "tr": "turkish",
}

# The commonest function words, written without diacritics (they are compared folded).
_FUNCTION_WORDS = {
    "en": "a an and are as at be by for from has have in is it its of on or that the this to "
          "was we were will with our you your i",
    "fr": "a au aux avec ce ces d dans de des du elle en est et il ils je l la le les leur "
          "mais ne nous on ou par pas pour qu que qui sa se ses son sur un une vous y notre",
    "pt": "a ao aos as com da das de do dos e em es et na nas no nos o os ou para pela pelo "
          "por que se sua seu um uma nossa nosso",
    "es": "a al con de del el en es la las lo los o para por que se su sus un una y nuestra "
          "nuestro",
    "ca": "a al amb de del el els en es i la les per que un una la nostra",
    "gl": "a ao as co coa da das de do dos e en na nas no nos o os ou para por que un unha",
    "it": "a al alla con da dei del della di e il in la le lo nel per un una che",
    "de": "der die das den dem des ein eine einer und oder in im mit von zu fur auf ist",
}

_WORD = re.compile(r"\w+", re.UNICODE)


def primary(language: str | None) -> str | None:
    """`pt-BR` → `pt`: the subtag the archive keeps and compares."""
    if not language:
        return None
    return language.replace("_", "-").split("-", 1)[0].lower() or None


def fold(text: str) -> str:
    """Lower case without diacritics: `Qualité` → `qualite`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def snowball(language: str | None) -> str | None:
    """The Snowball algorithm that stems `language` (a primary subtag), if any."""
    return _ALGORITHMS.get(language or "")


@functools.cache
def _stemmer(language: str | None) -> Stemmer.Stemmer | None:
    algorithm = snowball(language)
    return Stemmer.Stemmer(algorithm) if algorithm else None


@functools.cache
def _skipped(language: str | None) -> frozenset[str]:
    return frozenset(_FUNCTION_WORDS.get(language or "", "").split())


def words(text: str) -> list[str]:
    """The words of `text`, as written."""
    return _WORD.findall(text)


def terms(text: str, language: str | None) -> list[str]:
    """The index terms of `text` written in `language` (a primary subtag, or None for a
    language without a stemmer: words are then only folded)."""
    stemmer = _stemmer(language)
    skipped = _skipped(language)
    lowered = [word.casefold() for word in words(text)]
    kept = [word for word in lowered if fold(word) not in skipped]
    stems = stemmer.stemWords(kept) if stemmer is not None else kept
    return [fold(stem) for stem in stems]


@dataclass(frozen=True)
class Snippet:
    """A passage of a text around what matched; `marks` are (start, end) offsets into `text`
    of the matching words."""

    text: str
    marks: tuple[tuple[int, int], ...]

    def marked(self, before: str = "[", after: str = "]") -> str:
        """The passage with each match wrapped, as a terminal shows it."""
        out, at = [], 0
        for start, end in self.marks:
            out += [self.text[at:start], before, self.text[start:end], after]
            at = end
        out.append(self.text[at:])
        return "".join(out)


def snippet(text: str, wanted: Iterable[str], language: str | None,
            width: int = 180) -> Snippet:
    """The passage of `text` (at most about `width` characters) holding the most of the
    `wanted` terms, with every word that matches one marked."""
    wanted_terms = set(wanted)
    stemmer = _stemmer(language)
    found: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        word = match.group().casefold()
        stem = stemmer.stemWord(word) if stemmer is not None else word
        if fold(stem) in wanted_terms:
            found.append(match.span())
    start, end = _window(text, found, width)
    marks = tuple((s - start, e - start) for s, e in found if s >= start and e <= end)
    passage = text[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shifted = tuple((s + len(prefix), e + len(prefix)) for s, e in marks)
    return Snippet(prefix + passage + suffix, shifted)


def _window(text: str, found: Sequence[tuple[int, int]], width: int) -> tuple[int, int]:
    """Where the passage starts and ends: around the densest run of matches, cut at spaces."""
    if len(text) <= width:
        return 0, len(text)
    best = 0
    if found:
        best_count = 0
        for index, (start, _) in enumerate(found):
            count = sum(1 for s, _ in found[index:] if s < start + width)
            if count > best_count:
                best, best_count = start, count
        best = max(0, best - width // 4)
    start = text.rfind(" ", 0, best) + 1 if best else 0
    end = min(len(text), start + width)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    return start, end
