"""Translation inside a running hub: two fake platforms, the web app on loopback, a real store.

The localiser is what delivery calls for every copy; these tests show a translated copy, a
copy delivered untranslated when every provider fails, and the failure in the store's status.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from hub.app import Hub
from hub.router import Bridge, BridgeEndpoint
from hub.settings import HubSettings
from hub.translate.detect import Detector
from hub.translate.localise import body_localiser
from hub.translate.service import NOTE_FAILED, STATE, TranslationService
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


def start(
    network: Network, settings: HubSettings, localise: LateLocaliser
) -> AbstractAsyncContextManager[Hub]:
    return Hub.start(settings, extra_plugins=PLUGINS,
                     transport=httpx.MockTransport(network.router.async_handler),
                     localise=localise)


class LateLocaliser:
    """The service needs the hub's store and client, which exist once the hub has started."""

    def __init__(self) -> None:
        self.service: TranslationService | None = None

    async def __call__(self, body: str, source: str | None, bridge: Bridge,
                       member: BridgeEndpoint) -> str:
        assert self.service is not None
        detector = Detector(["fr", "en"], 0.5)
        return await body_localiser(self.service, detector)(body, source, bridge, member)


async def test_a_french_message_reaches_english_readers_translated(
    network: Network, fire: Any
) -> None:
    fake = counting("fake")
    settings = translated_settings(network)
    localise = LateLocaliser()

    async with start(network, settings, localise) as hub:
        localise.service = TranslationService(settings.translation, {"fake": fake},
                                              hub.store, hub.http)
        await fire(hub, "east", network.east.add("general", "La réunion est demain matin"))
        await hub.settle()
    [copy] = network.west.items.values()
    assert copy["text"] == "LA RÉUNION EST DEMAIN MATIN\n\n_🌐 Translated from French_"
    assert [call[1:] for call in fake.calls] == [("fr", "en")]


async def test_every_call_failing_still_delivers_every_message(
    network: Network, fire: Any
) -> None:
    broken = failing("fake")
    settings = translated_settings(network)
    localise = LateLocaliser()

    async with start(network, settings, localise) as hub:
        localise.service = TranslationService(settings.translation, {"fake": broken},
                                              hub.store, hub.http)
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
