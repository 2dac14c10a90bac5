from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.access import admin_access
from hub.app import Hub
from hub.demo.runner import staged
from hub.demo.world import World
from tests.console.browser import browser, chromium  # noqa: F401 - fixtures


@dataclass
class Demo:
    """The demo's four sandboxes and a hub serving its console, signed in by token."""

    world: World
    hub: Hub
    token: str

    @property
    def console(self) -> str:
        return f"{self.hub.url}/admin"


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    async with staged(tmp_path) as (world, hub):
        yield Demo(world, hub, admin_access(hub.settings).token.get_secret_value())
