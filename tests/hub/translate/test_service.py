"""The service's economy and resilience, counted on fake providers over a real SQLite store."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import pytest

from hub.errors import ConfigError
from hub.settings import Render
from hub.store import Store
from hub.translate.provider import QuotaExhausted, Translator
from hub.translate.render import render
from hub.translate.service import (
    NOTE_BUDGET,
    NOTE_FAILED,
    NOTE_UNSUPPORTED,
    STATE,
    Outcome,
    TranslationService,
)
from hub.translate.settings import TranslationSettings

from .fakes import Counting, counting, failing

FRENCH = "La réunion du réseau aura lieu demain à Kigali."


def service(
    store: Store,
    http: httpx.AsyncClient,
    *classes: type[Translator],
    clock: datetime | None = None,
    **settings: Any,
) -> TranslationService:
    settings.setdefault("default_glossary", False)  # the shipped glossary has its own tests
    options = TranslationSettings(providers=[cls.name for cls in classes], **settings)
    return TranslationService(
        options, {cls.name: cls for cls in classes}, store, http,
        clock=(lambda: clock) if clock else None,
    )


async def test_translates_and_names_the_provider(store: Store, http: httpx.AsyncClient) -> None:
    fake = counting("fake")
    outcome = await service(store, http, fake).translate(FRENCH, "fr", "en")
    assert outcome == Outcome(FRENCH.upper(), True, "fake", "fr", None)
    assert fake.calls == [((FRENCH,), "fr", "en")]


@pytest.mark.parametrize(
    ("body", "source", "target"),
    [
        ("Good morning everyone", "en", "en"),
        ("Bom dia a todos", "pt-BR", "pt"),  # a regional variant is the same language
        ("👍🎉", "fr", "en"),
        ("<@slack:U024BE7LH> https://example.org/agenda", "fr", "en"),
        ("`make test` :tada: 10:30", "fr", "en"),
        ("```\nprint('bonjour')\n```", "fr", "en"),
        ("ana.silva@kigali.rw #climat @joao", "fr", "en"),
        ("   ", "fr", "en"),
        ("Le compte rendu\n\n_🌐 Translated from French_", "fr", "en"),  # hub-made
    ],
)
async def test_no_call_when_nothing_needs_translating(
    store: Store, http: httpx.AsyncClient, body: str, source: str, target: str
) -> None:
    fake = counting("fake")
    outcome = await service(store, http, fake).translate(body, source, target)
    assert fake.calls == []
    assert outcome == Outcome(body, False, None, source, None)


async def test_fan_out_to_five_endpoints_makes_one_call(
    store: Store, http: httpx.AsyncClient
) -> None:
    fake = counting("fake", delay=0.05)
    hub = service(store, http, fake)
    outcomes = await asyncio.gather(*(hub.translate(FRENCH, "fr", "en") for _ in range(5)))
    assert len(fake.calls) == 1
    assert {o.text for o in outcomes} == {FRENCH.upper()}
    # Retries later, and a restarted hub, still read the cache.
    await hub.translate(FRENCH, "fr", "en")
    await service(store, http, fake).translate(FRENCH, "fr", "en")
    assert len(fake.calls) == 1


async def test_cache_is_keyed_by_target_provider_glossary_and_text(
    store: Store, http: httpx.AsyncClient
) -> None:
    fake = counting("fake")
    await service(store, http, fake).translate(FRENCH, "fr", "en")
    await service(store, http, fake).translate(FRENCH, "fr", "pt")
    await service(store, http, fake, glossary=["Kigali"]).translate(FRENCH, "fr", "en")
    edited = FRENCH.replace("demain", "lundi")  # an edit is translated again
    await service(store, http, fake).translate(edited, "fr", "en")
    assert len(fake.calls) == 4
    assert fake.calls[2][0] == ('La réunion du réseau aura lieu demain à <x id="1"/>.',)


async def test_budget_is_never_exceeded_and_messages_still_pass(
    store: Store, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake = counting("fake")
    now = datetime(2026, 11, 5, tzinfo=UTC)
    budget = 10 * len(FRENCH) + 5
    hub = service(
        store, http, fake, clock=now, other={"fake": {"monthly_budget": budget}}
    )
    outcomes = [await hub.translate(f"{FRENCH} ({n})", "fr", "en") for n in range(20)]
    used = store.usage("fake", "2026-11")
    assert used <= budget
    assert sum(len(texts[0]) for texts, _, _ in fake.calls) == used
    translated = [o for o in outcomes if o.translated]
    stopped = [o for o in outcomes if not o.translated]
    assert translated and stopped
    assert all(o.note == NOTE_BUDGET and o.text.startswith(FRENCH) for o in stopped)
    assert "monthly budget" in (store.state_get(STATE, "fake.budget") or "")
    assert any("80 %" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    # The next month starts afresh.
    later = service(store, http, fake, clock=datetime(2026, 12, 1, tzinfo=UTC),
                    other={"fake": {"monthly_budget": budget}})
    assert (await later.translate(FRENCH + " !", "fr", "en")).translated


async def test_concurrent_messages_never_overspend(store: Store, http: httpx.AsyncClient) -> None:
    fake = counting("fake", delay=0.01)
    hub = service(store, http, fake, other={"fake": {"monthly_budget": 500}})
    await asyncio.gather(*(hub.translate(f"{FRENCH} {n}", "fr", "en") for n in range(40)))
    month = datetime.now(UTC).strftime("%Y-%m")
    assert 0 < store.usage("fake", month) <= 500


async def test_a_provider_failing_every_call_lets_every_message_through(
    store: Store, http: httpx.AsyncClient
) -> None:
    broken = failing("broken")
    hub = service(store, http, broken)
    bodies = [f"{FRENCH} {n}" for n in range(10)]
    outcomes = [await hub.translate(body, "fr", "en") for body in bodies]
    assert [o.text for o in outcomes] == bodies
    assert all(not o.translated and o.note == NOTE_FAILED for o in outcomes)
    status = store.state_get(STATE, "broken.last_error") or ""
    assert "503 from the fake" in status
    # Nothing was billed for calls that failed.
    assert store.usage("broken", datetime.now(UTC).strftime("%Y-%m")) == 0
    rendered = render(bodies[0], outcomes[0], Render.TRANSLATED, "en")
    assert rendered.startswith(bodies[0]) and NOTE_FAILED in rendered
    # Recovery clears the status.
    broken.error = None
    assert (await hub.translate(FRENCH, "fr", "en")).translated
    assert store.state_get(STATE, "broken.last_error") == ""


async def test_a_slow_provider_times_out_and_the_next_one_answers(
    store: Store, http: httpx.AsyncClient
) -> None:
    slow = counting("slow", delay=5.0)
    spare = counting("spare")
    hub = service(store, http, slow, spare, other={"slow": {"timeout_seconds": 0.05}})
    outcome = await hub.translate(FRENCH, "fr", "en")
    assert (outcome.translated, outcome.provider) == (True, "spare")
    assert "no answer within 0.05 s" in (store.state_get(STATE, "slow.last_error") or "")


async def test_quota_exhausted_skips_the_provider_for_the_month(
    store: Store, http: httpx.AsyncClient
) -> None:
    spent = counting("spent", error=QuotaExhausted("456", connection="spent"))
    spare = counting("spare")
    hub = service(store, http, spent, spare)
    for n in range(3):
        assert (await hub.translate(f"{FRENCH} {n}", "fr", "en")).provider == "spare"
    assert len(spent.calls) == 1
    only = service(store, http, spent)
    assert (await only.translate(FRENCH, "fr", "en")).note == NOTE_BUDGET


async def test_unsupported_pair_and_unknown_source(store: Store, http: httpx.AsyncClient) -> None:
    class Picky(Counting):
        name = "picky"
        calls: ClassVar[list[tuple[tuple[str, ...], str | None, str]]] = []
        auto_detects = False

        async def pairs(self) -> frozenset[tuple[str, str]] | None:
            return frozenset({("es", "en")})

    hub = service(store, http, Picky)
    assert (await hub.translate(FRENCH, "fr", "en")).note == NOTE_UNSUPPORTED
    assert (await hub.translate(FRENCH, None, "en")).note == NOTE_UNSUPPORTED
    assert (await hub.translate("Hola a todos", "es", "en")).translated
    assert len(Picky.calls) == 1


async def test_disabled_translation_returns_the_original(
    store: Store, http: httpx.AsyncClient
) -> None:
    fake = counting("fake")
    outcome = await service(store, http, fake, enabled=False).translate(FRENCH, "fr", "en")
    assert (outcome.translated, outcome.note, fake.calls) == (False, None, [])


def test_configuration_errors_name_the_fix(store: Store, http: httpx.AsyncClient) -> None:
    with pytest.raises(ConfigError, match=r'"nope".*no installed plugin'):
        TranslationService(TranslationSettings(providers=["nope"]), {}, store, http)
    from hub.translate.providers.deepl import DeepLTranslator

    with pytest.raises(ConfigError, match=r"\[translation.deepl\] is missing"):
        TranslationService(
            TranslationSettings(providers=["deepl"]), {"deepl": DeepLTranslator}, store, http
        )
