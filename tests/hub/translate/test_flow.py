"""Translation inside a running hub: two fake platforms, the web app on loopback, a real store.

The hub builds its translation chain from the registered providers; these tests show a
translated copy, a copy delivered untranslated when every provider fails, and the failure in
the store's status.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from hub import hookimpl
from hub.app import Hub
from hub.settings import HubSettings
from hub.translate.provider import Translator
from hub.translate.service import NOTE_FAILED, STATE
from tests.hub.conftest import Network
from tests.hub.fakes import PLUGINS

from .fakes import counting, failing


def translated_settings(network: Network, **translation: Any) -> HubSettings:
    return network.settings(
        translation={"providers": ["fake"], **translation},
        bridges={"general": {"translate": True, "endpoints": [
            {"at": "east/chat/general", "language": "fr"},
            {"at": "west/chat/lobby", "language": "en"},
        ]}},
    )


def start(network: Network, settings: HubSettings, translator: type[Translator]
          ) -> AbstractAsyncContextManager[Hub]:
    """A hub whose translation chain is the given fake, registered as a plugin would."""

    class Provides:
        @hookimpl
        def hub_register_translators(self) -> list[type[Translator]]:
            return [translator]

    return Hub.start(settings, extra_plugins={**PLUGINS, "fake-translator": Provides()},
                     transport=httpx.MockTransport(network.router.async_handler))


async def test_a_french_message_reaches_english_readers_translated(
    network: Network, fire: Any
) -> None:
    fake = counting("fake")
    settings = translated_settings(network)

    async with start(network, settings, fake) as hub:
        await fire(hub, "east", network.east.add("general", "La réunion est demain matin"))
        await hub.settle()
        [stored] = hub.store.events_after(0)
        assert stored.event.language == "fr"  # named at ingest
    [copy] = network.west.items.values()
    assert copy["text"] == "LA RÉUNION EST DEMAIN MATIN\n\n_🌐 Translated from French_"
    assert [call[1:] for call in fake.calls] == [("fr", "en")]


async def test_every_call_failing_still_delivers_every_message(
    network: Network, fire: Any
) -> None:
    broken = failing("fake")
    settings = translated_settings(network)

    async with start(network, settings, broken) as hub:
        for text in ("La réunion est demain matin", "Merci pour le compte rendu"):
            await fire(hub, "east", network.east.add("general", text))
        await hub.settle()
        status = await hub.store.run(hub.store.state_get, STATE, "fake.last_error")
    texts = sorted(item["text"] for item in network.west.items.values())
    assert texts == [
        f"La réunion est demain matin\n\n_🌐 {NOTE_FAILED}_",
        f"Merci pour le compte rendu\n\n_🌐 {NOTE_FAILED}_",
    ]
    assert status and "503 from the fake" in status
