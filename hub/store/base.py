"""What every part of the store shares: the engine, transactions, and the writer thread.

Methods are synchronous and each is one transaction; async code calls them through
`StoreBase.run`, which uses one thread for SQLite (its single writer, committing calls that
queue up together: hub/store/writer.py) and a few for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar, cast

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from hub.errors import StoreError
from hub.store import schema as t
from hub.store.cipher import Cipher
from hub.store.health import WriteHealth, describe
from hub.store.migrations import migrate
from hub.store.records import StateWrite
from hub.store.writer import Writer

_STATE_DELETE = t.connection_state.delete().where(
    t.connection_state.c.connection == bindparam("c"), t.connection_state.c.key == bindparam("k"))

P = ParamSpec("P")
R = TypeVar("R")

PENDING, DONE, DEAD = "pending", "done", "dead"


class StoreBase:
    """The engine and the plumbing; the event log, outbox and memories build on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        # The writer sends some statements straight to the driver (hub/store/writer.py): their
        # failures are the driver's own exceptions, not SQLAlchemy's.
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        # SQLite: one writer, batching what queues (not for a memory database, whose one
        # connection cannot serve a read beside an open batch).
        self._writer = Writer(engine, threads=4 if self.is_postgres else 1,
                              batched=not self.is_postgres
                              and not isinstance(engine.pool, StaticPool))
        self._lock_guard = threading.Lock()
        self._lock_connection: Connection | None = None
        with self._tx() as conn:
            migrate(conn)

    def close(self) -> None:
        self._writer.shutdown()
        if self._lock_connection is not None:
            self._lock_connection.close()
        self.engine.dispose()

    async def run(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a store method off the event loop. A database failure comes back as StoreError
        naming only its kind and code ("OperationalError (SQLITE_FULL)"): the driver's text
        may quote message bodies."""
        try:
            return cast(R, await asyncio.wrap_future(
                self._writer.submit(functools.partial(fn, *args, **kwargs))))
        except (SQLAlchemyError, self._driver_error) as exc:
            raise StoreError(f"the store failed: {describe(exc)}") from exc

    def health(self) -> WriteHealth:
        """How writes are going: the last failure (until a write succeeds) and the calls
        waiting. Cheap, and never waits for the writer: call it from the event loop."""
        return self._writer.health()

    def _tx(self) -> contextlib.AbstractContextManager[Connection]:
        """One transaction for one store method (within a batch: the batch's)."""
        return self._writer.transaction()

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self.is_postgres else sqlite.insert)(table)

    def _put(self, conn: Connection, table: Any, keys: Sequence[str], key_values: Sequence[Any],
             values: dict[str, Any]) -> None:
        statement = self._insert(table).values(**dict(zip(keys, key_values, strict=True)), **values)
        conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=values))

    @functools.cached_property
    def cipher(self) -> Cipher:
        """What encrypts `connection_state` values: hub.store.opening sets the configured
        one; a store opened past it keeps them as they are."""
        return Cipher(())

    def _write_state(self, conn: Connection, writes: Sequence[StateWrite]) -> None:
        """Connections' StateBox values, put or (when None) deleted, in the caller's
        transaction, encrypted (hub/store/cipher.py); the last write of a key wins."""
        last = {(w.connection, w.key): w.value for w in writes}
        # In key order: two transactions writing the same keys take their row locks in the
        # same order (PostgreSQL), so neither waits for the other in a deadlock.
        for (connection, key), value in sorted(last.items()):
            if value is None:
                conn.execute(_STATE_DELETE, {"c": connection, "k": key})
            else:
                conn.execute(self._state_upsert, {
                    "connection": connection, "key": key,
                    "value": self.cipher.encrypt(value), "updated_at": time.time()})

    @functools.cached_property
    def _state_upsert(self) -> Any:
        insert = self._insert(t.connection_state)
        return insert.on_conflict_do_update(
            index_elements=["connection", "key"],
            set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at})

    @functools.cached_property
    def _link_insert(self) -> Any:
        return self._insert(t.links).on_conflict_do_nothing()

    def try_lock(self, key: str) -> bool:
        """Take a named lock shared by every process on this database, if it is free.

        PostgreSQL: a session advisory lock, so one poll of an endpoint runs at a time across
        `passerelle run` processes. SQLite has one process: always granted.
        """
        if not self.is_postgres:
            return True
        with self._lock_guard:
            if self._lock_connection is None:
                self._lock_connection = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT")
            try:
                return bool(self._lock_connection.execute(
                    text("SELECT pg_try_advisory_lock(hashtext(:key))"), {"key": key}).scalar())
            except DBAPIError:
                # A dropped connection took its locks with it; the next call opens a new one.
                self._forget_lock_connection()
                raise

    def unlock(self, key: str) -> None:
        if not self.is_postgres or self._lock_connection is None:
            return
        with self._lock_guard:
            try:
                self._lock_connection.execute(
                    text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": key})
            except DBAPIError:
                self._forget_lock_connection()
                raise

    def _forget_lock_connection(self) -> None:
        connection, self._lock_connection = self._lock_connection, None
        if connection is not None:
            with contextlib.suppress(DBAPIError):
                connection.close()

    def ping(self) -> None:
        with self._tx() as conn:
            conn.execute(text("SELECT 1"))

