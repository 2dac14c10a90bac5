"""Hook implementations of the built-in translation providers and the `translate` command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub import hookimpl

if TYPE_CHECKING:
    import typer

    from hub.translate.provider import Translator


@hookimpl
def hub_register_translators() -> list[type[Translator]]:
    from hub.translate.providers.apertium import ApertiumTranslator
    from hub.translate.providers.azure import AzureTranslator
    from hub.translate.providers.deepl import DeepLTranslator
    from hub.translate.providers.google import GoogleTranslator
    from hub.translate.providers.libretranslate import LibreTranslateTranslator
    from hub.translate.providers.llm import LLMTranslator

    return [
        ApertiumTranslator,
        LibreTranslateTranslator,
        DeepLTranslator,
        GoogleTranslator,
        AzureTranslator,
        LLMTranslator,
    ]


@hookimpl
def hub_register_commands(app: typer.Typer) -> None:
    from hub.translate.command import translate

    app.command("translate")(translate)
