"""Searching the archive in any of the network's languages.

A query is asked once per language the archive holds texts in: as written for its own
language, and translated (through the hub's translation service, so each translation is made
once and cached) for every other. Each of those probes matches only texts of its language,
stemmed as that language stems, so a French query finds the Portuguese message through its
Portuguese words, or through the French translation the hub made of it when there is one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from hub.archive.records import ArchivedItem, Filters, Found, ItemText, Probe
from hub.archive.text import Snippet, primary, snippet, terms
from hub.errors import StoreError
from hub.store import Store
from hub.translate.detect import Detector
from hub.translate.service import TranslationService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    """One item found, as its reader sees it: the text in their language where the hub made
    one (else the original), with the passage that matched."""

    item: ArchivedItem
    score: float
    shown: ItemText
    snippet: Snippet


@dataclass(frozen=True)
class Results:
    query: str
    language: str | None  # the query's own, as given or told apart
    probes: tuple[Probe, ...]
    hits: tuple[Hit, ...]


class Searcher:
    def __init__(self, store: Store, languages: Sequence[str], *,
                 detector: Detector | None = None,
                 translation: TranslationService | None = None) -> None:
        self.store = store
        self.languages = sorted({code for language in languages
                                 if (code := primary(language))})
        self.detector = detector
        self.translation = translation

    async def search(self, query: str, filters: Filters | None = None, *,
                     language: str | None = None, reader: str | None = None,
                     limit: int = 20) -> Results:
        """The items matching `query`, best first. `language` is the query's (told apart
        among the network's when not given); `reader` is whose language the snippets are in
        (the query's when not given)."""
        written_in = primary(language) or self._told_apart(query)
        probes = await self.probes(query, written_in)
        found = await self.store.run(self.store.archive_search, probes, filters, limit)
        reading = primary(reader) or written_in
        return Results(query, written_in, tuple(probes),
                       tuple(_hit(f, probes, reading) for f in found))

    async def probes(self, query: str, language: str | None) -> list[Probe]:
        """The query in each language the archive can match: as written for its own (and
        for every language when its own is unknown), translated for the others, and as
        written for texts nobody could tell the language of."""
        if language is None:
            return [Probe(code, query) for code in self.languages] + [Probe("", query)]
        probes = [Probe(language, query)]
        for target in self.languages:
            if target != language:
                probes.append(Probe(target, await self._translated(query, language, target)))
        return [*probes, Probe("", query)]

    def _told_apart(self, query: str) -> str | None:
        if self.detector is None:
            return None
        return primary(self.detector.detect(query, None))

    async def _translated(self, query: str, source: str, target: str) -> str:
        """The query in `target`; as written where it cannot be translated (names and
        places often match as they are)."""
        if self.translation is None:
            return query
        try:
            return (await self.translation.translate(query, source, target)).text
        except StoreError as exc:
            log.warning("the query could not be translated into %s: %s", target, exc)
            return query


def _hit(found: Found, probes: Sequence[Probe], reader: str | None) -> Hit:
    texts = found.item.texts
    shown = (next((t for t in texts if reader and t.language == reader), None)
             or next((t for t in texts if t.language == found.language), found.item.original()))
    probe = next((p for p in probes if p.language == shown.language), None)
    wanted = terms(probe.query, shown.language or None) if probe else []
    body = shown.body if shown.body.strip() else (shown.title or "")
    return Hit(found.item, found.score, shown, snippet(body, wanted, shown.language or None))
