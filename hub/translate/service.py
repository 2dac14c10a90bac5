"""The translation service: one call per distinct text, never a reason not to deliver.

For a body, a source and a target it skips what needs no translation (same language, nothing
but names, links, code or emoji, a hub-made translation), protects spans (the glossary's names
and terms among them), then tries the configured providers in order: cache first (key: sha256
of text, source, target, provider and glossary version), then the monthly budget, then the
provider under a time limit, then the proof that every protected span came back. A provider
with glossaries of its own gets the pair's terms as words with their renderings instead. Any
failure moves on to the next provider; when none succeeds the original comes back with a note
a reader can understand. Provider failures are recorded for `passerelle status` under the
store state of "translation".
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from hub.errors import ConfigError, HubError
from hub.store import Store
from hub.translate.glossary import Terms
from hub.translate.languages import normalize, primary, same_language
from hub.translate.protect import Protected, SpanLost, protect_with
from hub.translate.provider import QuotaExhausted, Translator
from hub.translate.render import carries_translation
from hub.translate.settings import TranslationSettings

log = logging.getLogger(__name__)
STATE = "translation"  # the store's connection_state "connection" holding provider status
WARN_SHARE = 0.8

NOTE_FAILED = "translation unavailable: the translation service did not answer"
NOTE_BUDGET = "translation unavailable: this month's translation budget is spent"
NOTE_PROTECTED = "translation unavailable: it would have altered names, links or code"
NOTE_UNSUPPORTED = "translation unavailable: no translator for this pair of languages"


@dataclass(frozen=True)
class Outcome:
    """What became of one body for one target language."""

    text: str  # the translated canonical markup, or the original
    translated: bool
    provider: str | None
    source: str | None
    note: str | None = None  # why it was not translated, when a reader should know


def cache_key(body: str, source: str | None, target: str, provider: str, glossary: str) -> str:
    """The cache key: equal inputs translate once, whatever the fan-out or the retries."""
    parts = [body, normalize(source) if source else "auto", normalize(target), provider, glossary]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass
class _Flight:
    lock: asyncio.Lock
    users: int = 0


def check_providers(settings: TranslationSettings,
                    translators: Mapping[str, type[Translator]]) -> None:
    """Refuse a chain naming a provider no installed plugin provides."""
    known = ", ".join(sorted(translators)) or "none"
    missing = [name for name in settings.providers if name not in translators]
    if missing:
        raise ConfigError([f'[translation].providers names "{name}", which no installed plugin '
                           f"provides (installed: {known}); remove it or install its plugin"
                           for name in missing])


class TranslationService:
    """Translates canonical bodies through the configured chain of providers."""

    def __init__(
        self,
        settings: TranslationSettings,
        translators: Mapping[str, type[Translator]],
        store: Store,
        http: httpx.AsyncClient,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._clock = clock or (lambda: datetime.now(UTC))
        self.glossary = settings.load_glossary()
        self._terms: dict[tuple[str | None, str], Terms] = {}
        self.chain: list[Translator] = []
        check_providers(settings, translators)
        for name in settings.providers:
            cls = translators[name]
            options = settings.provider_settings(name, cls.settings_model)
            self.chain.append(cls(options, http))
        self._flights: dict[str, _Flight] = {}
        self._failing: set[str] = set()
        self._exhausted: dict[str, str] = {}  # provider -> month its own quota ran out

    async def aclose(self) -> None:
        """Release the providers (the httpx client and the store belong to the caller)."""
        for translator in self.chain:
            await translator.aclose()

    async def translate(self, body: str, source: str | None, target: str) -> Outcome:
        """`body` (canonical markup) in `target`, or the original with a note. Never raises
        for a provider's failure; a store failure does raise (the delivery is retried)."""

        def untouched(note: str | None = None) -> Outcome:
            return Outcome(body, False, None, source, note)

        if not self.settings.enabled or not body.strip():
            return untouched()
        if source is not None and same_language(source, target):
            return untouched()
        if carries_translation(body):
            return untouched()  # made by the hub: translating it again would stack notes
        terms = self.terms(source, target)
        protected = protect_with(body, terms)
        if not protected.to_translate:
            if protected.rendered:  # nothing but glossary terms: the glossary translates
                return Outcome(protected.restore([]), True, "glossary", source)
            return untouched()
        kept_only: Protected | None = None
        note: str | None = None
        for translator in self.chain:
            try:
                async with asyncio.timeout(translator.settings.timeout_seconds):
                    usable = await translator.supports(source, target)
                    own = bool(usable and protected.rendered and source is not None
                               and await translator.renders_glossary(terms, source, target))
            except Exception as exc:  # a provider's failure never stops the message
                await self._failed(translator.name, exc, translator.settings.timeout_seconds)
                note = note or NOTE_FAILED
                continue
            if not usable:
                continue
            sent = protected
            if own:
                kept_only = kept_only or protect_with(body, terms.kept_only())
                sent = kept_only
            key = cache_key(body, source, target, translator.name, self.glossary.version)
            async with self._flight(key):
                cached = await self.store.run(self.store.translation_get, key)
                if cached is not None:
                    return Outcome(cached, True, translator.name, source)
                text, why = await self._attempt(translator, sent, source, target)
                if text is not None:
                    await self.store.run(
                        self.store.translation_put, key, translator.name,
                        normalize(source) if source else "auto", normalize(target), text,
                    )
                    return Outcome(text, True, translator.name, source)
            note = note or why
        return untouched(note or NOTE_UNSUPPORTED)

    def terms(self, source: str | None, target: str) -> Terms:
        """The glossary for one direction, worked out once."""
        key = (primary(source) if source else None, normalize(target))
        if key not in self._terms:
            self._terms[key] = self.glossary.for_pair(source, target)
        return self._terms[key]

    @asynccontextmanager
    async def _flight(self, key: str) -> AsyncIterator[None]:
        # Five deliveries of one text to one language at once wait for the first call.
        flight = self._flights.setdefault(key, _Flight(asyncio.Lock()))
        flight.users += 1
        try:
            async with flight.lock:
                yield
        finally:
            flight.users -= 1
            if flight.users == 0:
                del self._flights[key]

    async def _attempt(
        self, translator: Translator, protected: Protected, source: str | None, target: str
    ) -> tuple[str | None, str]:
        name = translator.name
        month = self._clock().strftime("%Y-%m")
        if self._exhausted.get(name) == month:
            return None, NOTE_BUDGET
        texts = protected.texts()
        characters = sum(len(text) for text in texts)
        if not await self._reserve(translator, month, characters):
            return None, NOTE_BUDGET
        timeout = translator.settings.timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                translated = await translator.translate(texts, source, target)
        except Exception as exc:  # a provider's failure never stops the message
            await self.store.run(self.store.add_usage, name, month, -characters)
            if isinstance(exc, QuotaExhausted):
                self._exhausted[name] = month
            await self._failed(name, exc, timeout)
            return None, NOTE_BUDGET if isinstance(exc, QuotaExhausted) else NOTE_FAILED
        await self._recovered(name)
        try:
            return protected.restore(translated), ""
        except SpanLost as exc:
            log.warning("translation by %s dropped: %s; the original is delivered", name, exc)
            return None, NOTE_PROTECTED

    async def _reserve(self, translator: Translator, month: str, characters: int) -> bool:
        """Count the characters before the call, so concurrent calls never pass the budget."""
        name = translator.name
        budget = translator.settings.monthly_budget
        total = await self.store.run(self.store.add_usage, name, month, characters)
        if budget is None:
            return True
        if total > budget:
            await self.store.run(self.store.add_usage, name, month, -characters)
            message = (
                f"{month}: monthly budget of {budget} characters reached; translations by "
                f"{name} stop until next month; raise [translation.{name}].monthly_budget "
                "to resume"
            )
            await self._state(name, "budget", message, level=logging.WARNING)
            return False
        if total >= WARN_SHARE * budget > total - characters:
            message = f"{month}: {total} of {budget} characters used (80 % of the budget)"
            await self._state(name, "budget", message, level=logging.WARNING)
        return True

    async def _state(self, name: str, what: str, message: str, *, level: int) -> None:
        key = f"{name}.{what}"
        if await self.store.run(self.store.state_get, STATE, key) != message:
            log.log(level, "translation provider %s: %s", name, message)
            await self.store.run(self.store.state_set, STATE, key, message)

    async def _failed(self, name: str, exc: BaseException, limit: float) -> None:
        if isinstance(exc, TimeoutError):
            reason = f"no answer within {limit:g} s"
        elif isinstance(exc, HubError):
            reason = str(exc)
        else:
            reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        when = self._clock().astimezone(UTC).isoformat(timespec="seconds")
        if name not in self._failing:
            # Logged once when failures start and once when they stop, not per message.
            self._failing.add(name)
            log.warning("translation provider %s failing: %s", name, reason)
        await self.store.run(self.store.state_set, STATE, f"{name}.last_error", f"{when} {reason}")

    async def _recovered(self, name: str) -> None:
        if name in self._failing:
            self._failing.discard(name)
            log.info("translation provider %s works again", name)
        if await self.store.run(self.store.state_get, STATE, f"{name}.last_error"):
            await self.store.run(self.store.state_set, STATE, f"{name}.last_error", "")
