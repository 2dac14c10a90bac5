"""Language detection at ingest: lingua, restricted to the network's languages."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from hub import markup
from hub.errors import ConfigError
from hub.settings import HubSettings
from hub.translate.languages import normalize, primary
from hub.translate.spans import span_pattern

# Below this many letters (once names, links and emoji are gone) nobody can tell: "ok", "👍".
MIN_LETTERS = 3


def _language(code: str) -> Any:
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(primary(code)))
    except (ValueError, AttributeError):
        raise ConfigError(
            f'language "{code}" is not one the language detector knows; use a two-letter '
            "BCP-47 code such as fr, en, es or pt in the bridges' `language`"
        ) from None


def network_languages(settings: HubSettings) -> list[str]:
    """The languages the bridges' and the groups' endpoints declare: the only ones worth
    telling apart."""
    endpoints = [e for bridge in settings.bridges.values() for e in bridge.endpoints]
    endpoints += [e for group in settings.groups.values() for e in group.endpoints]
    return sorted({endpoint.language for endpoint in endpoints if endpoint.language})


class Detector:
    """Names the language of a text among `languages`, or admits it cannot.

    Text too short or too ambiguous (top confidence below `min_confidence`) gets `fallback`,
    usually the language declared for the endpoint it was written on.
    """

    def __init__(self, languages: Sequence[str], min_confidence: float) -> None:
        self.languages: dict[str, str] = {}
        for code in languages:
            self.languages.setdefault(primary(code), normalize(code))
        self.min_confidence = min_confidence
        self._lingua = {_language(code): tag for code, tag in self.languages.items()}
        self._detector: Any = None
        self._lock = threading.Lock()
        self._pattern = span_pattern()

    @classmethod
    def for_network(cls, settings: HubSettings) -> Detector:
        """The detector for ingest: the bridges' languages, the configured confidence."""
        return cls(network_languages(settings), settings.translation.min_confidence)

    def _built(self) -> Any:
        # Loading the models takes a moment and memory: only when first needed, only once.
        with self._lock:
            if self._detector is None:
                self._detector = LanguageDetectorBuilder.from_languages(*self._lingua).build()
            return self._detector

    def words(self, body: str) -> str:
        """What a person wrote in words: no mentions, links, code, emoji or handles."""
        parts: list[str] = []

        def walk(nodes: Sequence[markup.Inline]) -> None:
            for node in nodes:
                if isinstance(node, markup.Text):
                    parts.append(self._pattern.sub(" ", node.text))
                elif isinstance(node, markup.Styled | markup.Link):
                    walk(node.children)
                else:
                    parts.append(" ")

        def blocks(items: Sequence[markup.Block]) -> None:
            for block in items:
                if isinstance(block, markup.Paragraph):
                    walk(block.inlines)
                elif isinstance(block, markup.Quote):
                    blocks(block.blocks)
                elif isinstance(block, markup.ListItems):
                    for item in block.items:
                        walk(item)
                parts.append("\n")

        blocks(markup.parse(body))
        return " ".join("".join(parts).split())

    def detect(self, text: str, fallback: str | None) -> str | None:
        """The BCP-47 code of `text`'s language (as configured, e.g. "pt-BR"), or `fallback`."""
        words = self.words(text)
        if sum(char.isalpha() for char in words) < MIN_LETTERS or not self._lingua:
            return fallback
        if len(self._lingua) == 1:
            return next(iter(self.languages.values()))
        values = self._built().compute_language_confidence_values(words)
        if not values or values[0].value < self.min_confidence:
            return fallback
        return self._lingua.get(values[0].language, fallback)
