"""`passerelle translate`: run the configured chain on one text, for an admin."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from hub.errors import ConfigError, HubError
from hub.http import make_client
from hub.plugins import Registry, make_plugin_manager
from hub.settings import HubSettings, config_path, load_settings
from hub.store import Store
from hub.translate.detect import Detector
from hub.translate.service import TranslationService

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
    store = Store.open(url)
    try:
        async with make_client() as http:
            service = TranslationService(settings.translation, registry.translators, store, http)
            try:
                if source is None:
                    languages = {
                        endpoint.language
                        for bridge in settings.bridges.values()
                        for endpoint in bridge.endpoints
                        if endpoint.language
                    } or set(DEFAULT_LANGUAGES)
                    detector = Detector(
                        sorted(languages | {target}), settings.translation.min_confidence
                    )
                    source = detector.detect(text, None)
                outcome = await service.translate(text, source, target)
            finally:
                await service.aclose()
    finally:
        store.close()
    return outcome.text, outcome.provider, outcome.source, outcome.note
