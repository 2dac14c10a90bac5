"""`passerelle translate`: run the configured chain on one text, for an admin."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from hub.errors import ConfigError, HubError
from hub.http import make_client
from hub.plugins import Registry, make_plugin_manager
from hub.settings import HubSettings, config_path, load_settings
from hub.store.opening import open_store
from hub.translate.detect import Detector, network_languages
from hub.translate.service import NOTE_UNSUPPORTED, TranslationService

# Candidates for detection when no bridge declares a language.
DEFAULT_LANGUAGES = ("en", "fr", "es", "pt")


def translate(
    text: Annotated[str, typer.Argument(help="the text to translate (canonical markup)")],
    to: Annotated[str, typer.Option("--to", help="target language, e.g. en")],
    source: Annotated[
        str | None, typer.Option("--from", help="source language; detected when omitted")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="settings file (TOML)")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print JSON on stdout: text, provider, languages, note")
    ] = False,
) -> None:
    """Translate TEXT with the configured providers (Apertium when nothing is configured)."""
    try:
        settings = load_settings(config)
        # Without a config file, nothing is written: the cache and budget live in memory.
        url = settings.store.url if config_path(config) is not None else "sqlite://"
        outcome = asyncio.run(_run(settings, url, text, source, to))
    except (ConfigError, HubError) as exc:
        typer.echo(f"passerelle translate: {exc}", err=True)
        raise typer.Exit(2) from None
    translated, provider, language, note = outcome
    if as_json:
        typer.echo(json.dumps({"text": translated, "provider": provider, "source": language,
                               "target": to, "note": note}, ensure_ascii=False))
        raise typer.Exit(1 if note else 0)
    typer.echo(translated)
    if note:
        typer.echo(f"({note})", err=True)
        raise typer.Exit(1)
    typer.echo(f"({provider}: {language or '?'} → {to})", err=True)


async def _run(
    settings: HubSettings, url: str, text: str, source: str | None, target: str
) -> tuple[str, str | None, str | None, str | None]:
    pm = make_plugin_manager(allow=settings.plugins.allow, block=settings.plugins.block)
    registry = Registry.collect(pm)
    store = open_store(settings.store.model_copy(update={"url": url}))
    try:
        async with make_client() as http:
            service = TranslationService(settings.translation.for_a_few_texts(),
                                         registry.translators, store, http)
            try:
                if source is None:
                    languages = set(network_languages(settings)) or set(DEFAULT_LANGUAGES)
                    detector = Detector(
                        sorted(languages | {target}), settings.translation.min_confidence
                    )
                    source = detector.detect(text, None)
                outcome = await service.translate(text, source, target)
                note = outcome.note
                if note == NOTE_UNSUPPORTED:
                    note += await _why_unsupported(service, source)
            finally:
                await service.aclose()
    finally:
        store.close()
    return outcome.text, outcome.provider, outcome.source, note


async def _why_unsupported(service: TranslationService, source: str | None) -> str:
    """What an admin can do about a pair no provider serves."""
    if source is None:
        return "; the source language could not be detected: pass --from"
    hints = []
    for translator in service.chain:
        if await translator.pairs() == frozenset():
            hints.append(f"{translator.name} serves no pair here")
    if any(t.name == "apertium" for t in service.chain):
        hints.append("Apertium needs apt-get install apertium and the pairs of its routes "
                     "(hub/translate/providers/routes.toml), such as apertium-eng-spa "
                     "apertium-fr-es apertium-es-pt apertium-fra-cat (see apertium -l)")
    return "; " + "; ".join(hints) if hints else ""
