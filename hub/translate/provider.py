"""The Translator base class every translation provider extends.

A provider receives segments of XML-like text (see hub.translate.protect): words to translate,
empty placeholders `<x id="n"/>` and paired tags `<g id="n">…</g>` it must keep, and `&amp;`,
`&lt;`, `&gt;` entities. It returns one text per segment, in order. It raises only the hub's
errors: TransientError (429, 5xx, timeouts), AuthError (bad key), PermanentError (refused),
and QuotaExhausted when the provider says the account's quota is spent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import httpx

from hub.errors import TransientError
from hub.translate.glossary import Terms
from hub.translate.languages import normalize, primary
from hub.translate.settings import ProviderSettings


class QuotaExhausted(TransientError):
    """The provider's own quota is spent (DeepL 456, Azure 403001): no use trying this month
    or hour again; the chain moves on to the next provider."""


class Translator(ABC):
    """One translation engine. Built once per service with its settings and the shared,
    injected httpx client (never its own)."""

    name: ClassVar[str]
    settings_model: ClassVar[type[ProviderSettings]] = ProviderSettings
    # Whether it can translate without being told the source language.
    auto_detects: ClassVar[bool] = True

    def __init__(self, settings: ProviderSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http

    @abstractmethod
    async def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """Translate every segment from `source` (None: let the engine detect) to `target`.

        Returns exactly one text per segment, in order; raises the hub's errors on failure.
        """

    async def pairs(self) -> frozenset[tuple[str, str]] | None:
        """The (source, target) pairs it serves directly, BCP-47; None when it does not say
        and any pair may be tried (the engine refuses those it cannot do)."""
        return None

    async def supports(self, source: str | None, target: str) -> bool:
        """Whether it can translate from `source` to `target`, directly or through a pivot."""
        if source is None:
            return self.auto_detects
        pairs = await self.pairs()
        if pairs is None:
            return True
        return any(
            primary(a) == primary(source) and primary(b) == primary(target) for a, b in pairs
        )

    async def renders_glossary(self, terms: Terms, source: str, target: str) -> bool:
        """Whether it applies the pair's glossary terms itself (`terms.pairs()`: source form,
        rendering), as DeepL's glossaries do; then it receives them as words. By default, and
        whenever it answers False, the hub sends them as placeholders and puts the renderings
        back itself."""
        return False

    async def aclose(self) -> None:  # noqa: B027 (most providers hold nothing)
        """Release what it holds (the httpx client belongs to the caller and stays open)."""


def bcp47(tag: str) -> str:
    """Shorthand for providers: the hub's spelling of a language code."""
    return normalize(tag)
