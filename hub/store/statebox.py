"""A connection's durable memory, as the StateBox a connector is handed."""

from __future__ import annotations

from hub.store.store import Store


class StoreStateBox:
    """Keys of one connection in the store's `connection_state` table."""

    def __init__(self, store: Store, connection: str) -> None:
        self._store = store
        self._connection = connection

    async def get(self, key: str) -> str | None:
        return await self._store.run(self._store.state_get, self._connection, key)

    async def set(self, key: str, value: str) -> None:
        await self._store.run(self._store.state_set, self._connection, key, value)

    async def delete(self, key: str) -> None:
        await self._store.run(self._store.state_delete, self._connection, key)
