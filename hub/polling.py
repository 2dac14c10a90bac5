"""One poll of one endpoint: fetch from the cursor, store, move the cursor, in one step.

A failing poll is logged once when it starts failing and once when it recovers, never on
every tick, so an outage reads as two lines, not thousands.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from hub.activity import Activity
from hub.connector import Address, Connector
from hub.errors import HubError
from hub.events import Event
from hub.store import StoredEvent

log = logging.getLogger(__name__)

Ingest = Callable[[Sequence[Event], tuple[str, str, str] | None], Awaitable[list[StoredEvent]]]


def poll_interval(connector: Connector, hub_default: float) -> float:
    """Seconds between two polls of the connector's endpoints: its own setting, else the
    hub's ([scheduler] poll_interval_seconds)."""
    return connector.settings.poll_interval_seconds or hub_default


class Poller:
    """Polls endpoints and remembers which ones are failing."""

    def __init__(self, ingest: Ingest, activity: Activity | None = None) -> None:
        self._ingest = ingest
        self.activity = activity or Activity()
        self.failing: dict[str, str] = {}  # address -> the first error of the outage

    async def poll(self, connector: Connector, address: Address, cursor: str | None) -> int:
        """Poll once; return how many new events were stored. Errors are logged, not raised."""
        key = str(address)
        try:
            result = await connector.poll(address, cursor)
            moved = (address.connection, address.endpoint, result.cursor) if result.cursor else None
            stored = await self._ingest(result.events, moved)
        except Exception as exc:  # a poll must never take the scheduler down
            self.activity.polled(address.connection, key, exc)
            if key not in self.failing:
                self.failing[key] = str(exc)
                # A hub error explains itself; anything else is a fault of ours: show where.
                log.warning("poll of %s is failing: %s", key, exc,
                            exc_info=not isinstance(exc, HubError))
            return -1
        self.activity.polled(address.connection, key)
        if key in self.failing:
            del self.failing[key]
            log.warning("poll of %s recovered", key)
        return len(stored)
