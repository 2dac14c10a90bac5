"""What the console tests make happen on the demo's platforms, and how they wait for it."""

from __future__ import annotations

from hub.app import Hub
from hub.sandbox.base import Fault
from hub.store.tracing import Copy
from hub.testing.waiting import BOUND as BOUND
from hub.testing.waiting import until as until


async def dead_letters(hub: Hub) -> list[Copy]:
    return await hub.store.run(hub.store.dead_letters)


def channel_not_found() -> Fault:
    """Slack refusing a post for good, as it does for a channel the app is not in."""
    return Fault(status=200, body={"ok": False, "error": "channel_not_found"})
