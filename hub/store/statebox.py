"""A connection's durable memory, as the StateBox a connector is handed."""

from __future__ import annotations

import time

from hub.store.store import Store

# How long a value read or written here is trusted without asking the store again. Another
# process may write meanwhile (`passerelle check --online` renewing a token), so not forever.
FRESH_SECONDS = 5.0
MAX_KNOWN = 10_000


class StoreStateBox:
    """Keys of one connection in the store's `connection_state` table, with a short memory so
    a burst of deliveries does not read the same key from the store for each of them."""

    def __init__(self, store: Store, connection: str) -> None:
        self._store = store
        self._connection = connection
        self._known: dict[str, tuple[float, str | None]] = {}

    async def get(self, key: str) -> str | None:
        known = self._known.get(key)
        if known is not None and time.monotonic() - known[0] < FRESH_SECONDS:
            return known[1]
        value = await self._store.run(self._store.state_get, self._connection, key)
        if len(self._known) > MAX_KNOWN:
            self._known.clear()
        self._known[key] = (time.monotonic(), value)
        return value

    async def set(self, key: str, value: str) -> None:
        await self._store.run(self._store.state_set, self._connection, key, value)
        self._known[key] = (time.monotonic(), value)

    async def delete(self, key: str) -> None:
        await self._store.run(self._store.state_delete, self._connection, key)
        self._known[key] = (time.monotonic(), None)
