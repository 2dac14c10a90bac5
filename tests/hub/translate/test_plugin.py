"""The built-in providers register like any plugin's, and their settings keep secrets."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from hub.connector import Address, Shape
from hub.errors import ConfigError
from hub.plugins import Registry, make_plugin_manager
from hub.router import Bridge, BridgeEndpoint
from hub.settings import HubSettings, Render
from hub.store import Store
from hub.translate.localise import body_localiser, title_localiser
from hub.translate.provider import Translator
from hub.translate.providers.deepl import DeepLTranslator
from hub.translate.service import TranslationService
from hub.translate.settings import ProviderSettings, TranslationSettings

from .fakes import counting


def test_the_six_providers_are_registered() -> None:
    registry = Registry.collect(make_plugin_manager(allow=["translate"]))
    assert sorted(registry.translators) == ["apertium", "azure", "deepl", "google",
                                            "libretranslate", "llm"]
    for name, cls in registry.translators.items():
        assert issubclass(cls, Translator) and cls.name == name
        assert issubclass(cls.settings_model, ProviderSettings)
        assert cls.translate.__doc__ and cls.__doc__


def test_secrets_stay_out_of_reprs_and_dumps() -> None:
    settings = HubSettings(translation={
        "providers": ["deepl", "google", "azure", "libretranslate"],
        "deepl": {"auth_key": "deepl-secret-1:fx"},
        "google": {"api_key": "google-secret-2"},
        "azure": {"key": "azure-secret-3", "region": "westeurope"},
        "libretranslate": {"api_key": "libre-secret-4"},
        "other": {"mine": {"token": "other-secret-5"}},
    })
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in ("deepl-secret-1", "google-secret-2", "azure-secret-3", "libre-secret-4",
                   "other-secret-5"):
        assert secret not in shown


def test_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TRANSLATION__DEEPL__AUTH_KEY", "from-env:fx")
    settings = HubSettings(translation={"providers": ["deepl"]})
    assert settings.translation.deepl is not None
    assert settings.translation.deepl.auth_key.get_secret_value() == "from-env:fx"


def test_glossary_version_follows_the_terms() -> None:
    a = TranslationSettings(glossary=["Kigali", "Lisboa"]).glossary_version
    assert a == TranslationSettings(glossary=["Lisboa", "Kigali", "Kigali"]).glossary_version
    assert a != TranslationSettings(glossary=["Kigali"]).glossary_version


def test_bad_provider_tables_are_refused() -> None:
    with pytest.raises(ValidationError):
        TranslationSettings.model_validate({"deepl": {"auth_key": "k", "formality": "very"}})
    settings = TranslationSettings(providers=["mine"], other={"mine": {"monthly_budget": -1}})
    with pytest.raises(ConfigError, match=r"\[translation.other.mine\].*monthly_budget"):
        settings.provider_settings("mine", ProviderSettings)


def test_deepl_host_follows_the_key() -> None:
    from hub.translate.settings import DeepLSettings

    client = httpx.AsyncClient()
    assert DeepLTranslator(DeepLSettings(auth_key="deepl-free-key:fx"), client).base == (
        "https://api-free.deepl.com"
    )
    assert DeepLTranslator(DeepLSettings(auth_key="deepl-pro-key-0001"), client).base == "https://api.deepl.com"


async def test_localisers_follow_each_endpoints_choice(
    store: Store, http: httpx.AsyncClient
) -> None:
    fake = counting("fake")
    settings = TranslationSettings(providers=["fake"], default_glossary=False)
    service = TranslationService(settings, {"fake": fake}, store, http)

    def member(language: str | None, render: Render) -> BridgeEndpoint:
        return BridgeEndpoint(Address("c", "chat", "1"), Shape.CHAT, language=language,
                              render=render)

    bridge = Bridge("general", ())
    body = body_localiser(service)
    title = title_localiser(service)
    assert await body("Bonjour", "fr", bridge, member("en", Render.TRANSLATED)) == (
        "BONJOUR\n\n_🌐 Translated from French_"
    )
    assert await body("Bonjour", "fr", bridge, member("en", Render.ORIGINAL)) == "Bonjour"
    assert await body("Bonjour", "fr", bridge, member(None, Render.BOTH)) == "Bonjour"
    assert await body("Bonjour", "fr", Bridge("g", (), translate=False),
                      member("en", Render.BOTH)) == "Bonjour"
    assert await title("Ordre du jour", "fr", bridge, member("en", Render.BOTH)) == "ORDRE DU JOUR"
    assert len(fake.calls) == 2
