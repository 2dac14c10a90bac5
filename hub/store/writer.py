"""The store's calls off the event loop, committed together when they queue up.

SQLite has one writer, and with `synchronous=FULL` every commit waits for the disk. Calls that
arrive while the writer is busy (a webhook's events, finished deliveries, a status report) are
run together in one transaction when it is free, each in its own savepoint, and share one
commit: each caller still returns only once its work is on disk, and one call's failure rolls
back that call alone. PostgreSQL takes concurrent writers, so there each call runs on its own.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, Engine

from hub.errors import StoreError

MAX_BATCH = 64  # calls in one transaction at most, so none waits long behind the others

Call = tuple[Callable[[], Any], "Future[Any]"]


class Writer:
    """Runs store calls on its threads; batches them when `batched` (SQLite's single writer)."""

    def __init__(self, engine: Engine, *, threads: int, batched: bool) -> None:
        self._engine = engine
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="store")
        self._batched = batched
        self._queue: collections.deque[Call] = collections.deque()
        self._guard = threading.Lock()
        self._draining = False
        self._closed = False
        self._local = threading.local()
        self._connection: Connection | None = None

    def submit(self, call: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        with self._guard:
            if self._closed:
                future.set_exception(StoreError("the store is closed"))
                return future
            if not self._batched:
                return self._executor.submit(call)
            self._queue.append((call, future))
            if not self._draining:
                self._draining = True
                self._executor.submit(self._drain)
        return future

    def shutdown(self) -> None:
        """Finish what is queued, then refuse more."""
        with self._guard:
            self._closed = True
        self._executor.shutdown(wait=True)
        self._drop_batch_connection()

    def _batch_connection(self) -> Connection:
        """The connection batches run on: kept open, as one thread runs them all (checking a
        connection out of the pool for each batch cost as much as a statement)."""
        if self._connection is None:
            self._connection = self._engine.connect()
        return self._connection

    def _drop_batch_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """The caller's transaction: the batch's (its savepoint is already open), or its own."""
        shared: Connection | None = getattr(self._local, "connection", None)
        if shared is not None:
            yield shared
            return
        with self._engine.begin() as connection:
            yield connection

    def _drain(self) -> None:
        while True:
            with self._guard:
                if not self._queue:
                    # Under the guard: a call queued from now on starts a drain of its own.
                    self._draining = False
                    return
                taken = [self._queue.popleft() for _ in range(min(MAX_BATCH, len(self._queue)))]
            # A caller that gave up (cancelled) before its call started is skipped; one that
            # gives up later cannot cancel it any more, and its result is dropped.
            batch = [(call, future) for call, future in taken
                     if future.set_running_or_notify_cancel()]
            if batch:
                self._run(batch)

    def _run(self, batch: list[Call]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            connection = self._batch_connection()
            with connection.begin():
                self._local.connection = connection
                try:
                    if len(batch) == 1:  # alone in its transaction: no savepoint to pay for
                        outcomes.append((True, batch[0][0]()))
                    else:
                        outcomes.extend(_in_savepoint(connection, call) for call, _ in batch)
                finally:
                    self._local.connection = None
        except Exception as exc:  # nothing of the batch is on disk; each caller learns why
            # A broken connection is not kept; a sound one costs only a reconnect.
            self._drop_batch_connection()
            for _, future in batch:
                future.set_exception(exc)
            return
        for (succeeded, value), (_, future) in zip(outcomes, batch, strict=True):
            if succeeded:
                future.set_result(value)
            else:
                future.set_exception(value)


def _in_savepoint(connection: Connection, call: Callable[[], Any]) -> tuple[bool, Any]:
    # Straight to the driver: SQLAlchemy's nested transactions compile and track each
    # savepoint, which costs more than the call it guards. Batches are SQLite's alone.
    driver = connection.connection.dbapi_connection
    assert driver is not None
    driver.execute("SAVEPOINT call")
    try:
        value = call()
    except Exception as exc:  # this call's work is rolled back; its caller gets the error
        if not driver.in_transaction:
            # SQLite ended the whole transaction (a full disk, an I/O error, OR ROLLBACK):
            # the batch's earlier calls are undone too, and each caller learns why.
            raise
        driver.execute("ROLLBACK TO SAVEPOINT call")
        driver.execute("RELEASE SAVEPOINT call")
        return False, exc
    driver.execute("RELEASE SAVEPOINT call")
    return True, value
