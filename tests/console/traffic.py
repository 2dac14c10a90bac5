"""What the console tests make happen on the demo's platforms, and how they wait for it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from hub.app import Hub
from hub.sandbox.base import Fault
from hub.store.tracing import Copy

BOUND = 60.0  # seconds: a bound on a loaded machine, not an expectation


async def until(condition: Callable[[], Awaitable[bool]], within: float = BOUND) -> None:
    """Wait for `condition` (asked again and again, never timed), or fail after `within`."""
    async with asyncio.timeout(within):
        while not await condition():  # noqa: ASYNC110 - the hub's state: no event to await
            await asyncio.sleep(0.05)


async def dead_letters(hub: Hub) -> list[Copy]:
    return await hub.store.run(hub.store.dead_letters)


def channel_not_found() -> Fault:
    """Slack refusing a post for good, as it does for a channel the app is not in."""
    return Fault(status=200, body={"ok": False, "error": "channel_not_found"})
