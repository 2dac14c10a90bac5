"""The hub's small memories: connection state, the translation cache and budget."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlalchemy import select

from hub.store import schema as t
from hub.store.base import StoreBase
from hub.store.records import StateWrite


class Memories(StoreBase):
    def state_get(self, connection: str, key: str) -> str | None:
        c = t.connection_state.c
        with self._tx() as conn:
            stored = conn.execute(
                select(c.value).where(c.connection == connection, c.key == key)
            ).scalar_one_or_none()
        return self.cipher.decrypt(stored) if stored is not None else None

    def state_set(self, connection: str, key: str, value: str) -> None:
        self.state_write([StateWrite(connection, key, value)])

    def state_delete(self, connection: str, key: str) -> None:
        self.state_write([StateWrite(connection, key, None)])

    def state_write(self, writes: Sequence[StateWrite]) -> None:
        """Several StateBox values put or deleted in one transaction."""
        with self._tx() as conn:
            self._write_state(conn, writes)

    def states(self) -> dict[str, dict[str, str]]:
        """Every connection's memory, for `passerelle status` (callers hide secrets)."""
        result: dict[str, dict[str, str]] = {}
        with self._tx() as conn:
            rows = conn.execute(select(t.connection_state)).all()
        for row in rows:
            result.setdefault(row.connection, {})[row.key] = self.cipher.decrypt(row.value)
        return result

    def reencrypt_states(self) -> int:
        """Encrypt every value again with the first key, in one transaction (after a key was
        added: see hub/store/cipher.py); how many values."""
        with self._tx() as conn:
            writes = [StateWrite(row.connection, row.key, self.cipher.decrypt(row.value))
                      for row in conn.execute(select(t.connection_state))]
            self._write_state(conn, writes)
        return len(writes)

    def translation_get(self, key: str) -> str | None:
        with self._tx() as conn:
            return conn.execute(
                select(t.translations.c.text).where(t.translations.c.key == key)
            ).scalar_one_or_none()

    def translation_put(self, key: str, provider: str, source: str, target: str,
                        translated: str) -> None:
        with self._tx() as conn:
            conn.execute(
                self._insert(t.translations)
                .values(key=key, provider=provider, source=source, target=target,
                        text=translated, created_at=time.time())
                .on_conflict_do_nothing()
            )

    def usage(self, provider: str, month: str) -> int:
        c = t.translation_usage.c
        with self._tx() as conn:
            value = conn.execute(
                select(c.characters).where(c.provider == provider, c.month == month)
            ).scalar_one_or_none()
        return int(value or 0)

    def add_usage(self, provider: str, month: str, characters: int) -> int:
        """Add to a provider's monthly character count; returns the new total."""
        c = t.translation_usage.c
        with self._tx() as conn:
            conn.execute(
                self._insert(t.translation_usage)
                .values(provider=provider, month=month, characters=characters)
                .on_conflict_do_update(index_elements=["provider", "month"],
                                       set_={"characters": c.characters + characters})
            )
            return int(conn.execute(
                select(c.characters).where(c.provider == provider, c.month == month)
            ).scalar_one())
