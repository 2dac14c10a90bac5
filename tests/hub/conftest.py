from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from hub.app import Hub
from hub.settings import HubSettings
from tests.hub.fakes import PLUGINS, FakePlatform


class Network:
    """Two fake platforms behind one respx router, and a way to start a hub over them."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.east = FakePlatform("east.test")
        self.west = FakePlatform("west.test")
        self.board = FakePlatform("board.test")
        self.router = respx.Router(assert_all_mocked=True)
        for platform in (self.east, self.west, self.board):
            platform.mount(self.router)

    def settings(self, **overrides: Any) -> HubSettings:
        data: dict[str, Any] = {
            "store": {"url": f"sqlite:///{self.tmp_path}/hub.db"},
            "web": {"port": 0},
            "delivery": {"backoff_base_seconds": 0.05, "backoff_cap_seconds": 0.2,
                         "max_attempts": 3},
            "connections": {
                "east": {"type": "pigeon", "token": "good-token", "base_url": "https://east.test"},
                "west": {"type": "pigeon", "token": "good-token", "base_url": "https://west.test"},
            },
            "bridges": {"general": {"translate": False, "endpoints": [
                {"at": "east/chat/general"}, {"at": "west/chat/lobby"}]}},
        }
        data.update(overrides)
        return HubSettings(**data)

    def beside(self, kind: str, address: str, peer: str = "east/chat/general") -> HubSettings:
        """One bridge: `peer` (a pigeon) and `address` on a `kind` connection served by the
        board platform, whatever that kind makes of it."""
        connection = address.split("/", 1)[0]
        peer_connection = peer.split("/", 1)[0]
        return self.settings(
            connections={
                peer_connection: {"type": "pigeon", "token": "good-token",
                                  "base_url": f"https://{peer_connection}.test"},
                connection: {"type": kind, "token": "good-token",
                             "base_url": "https://board.test"},
            },
            bridges={"b": {"translate": False, "endpoints": [{"at": peer}, {"at": address}]}},
        )

    def start(self, settings: HubSettings | None = None) -> AbstractAsyncContextManager[Hub]:
        return Hub.start(settings or self.settings(), extra_plugins=PLUGINS,
                         transport=httpx.MockTransport(self.router.async_handler))


@pytest.fixture
def network(tmp_path: Path) -> Network:
    return Network(tmp_path)


@pytest.fixture
async def fire() -> AsyncIterator[Callable[..., Any]]:
    """POST a webhook to a running hub, as a platform would."""
    async with httpx.AsyncClient() as client:
        async def send(hub: Hub, connection: str, item: dict[str, Any],
                       kind: str = "message.created", rev: str = "",
                       token: str = "good-token",  # noqa: S107 - the fake's token
                       ) -> httpx.Response:
            return await client.post(f"{hub.url}/webhooks/{connection}",
                                     json={"item": dict(item), "kind": kind, "rev": rev},
                                     headers={"x-fake-token": token})
        yield send
