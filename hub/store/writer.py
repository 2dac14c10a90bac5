"""The store's calls off the event loop, committed together when they queue up.

SQLite has one writer, and with `synchronous=FULL` every commit waits for the disk. Calls that
arrive while the writer is busy (a webhook's events, finished deliveries, a status report) are
run together in one transaction when it is free, each in its own savepoint, and share one
commit: each caller still returns only once its work is on disk, and one call's failure rolls
back that call alone. PostgreSQL takes concurrent writers, so there each call runs on its own.

Either way the writer records what becomes of its calls (hub/store/health.py).

A SQLite write that fails for a full disk or an I/O error is followed by attempts to
checkpoint the WAL and empty its file, until one succeeds, and from then on the WAL is kept
small. On a disk the WAL has filled, the automatic checkpoint (at 1000 pages, about 4 MB) may
never come: the WAL, never started over, would take again whatever space is freed, and the
store would stay full until a restart.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, Engine, event

from hub.errors import StoreError
from hub.store.engine import checkpoint_wal, keep_wal_small
from hub.store.health import WriteHealth, WriteRecord, sqlite_code

log = logging.getLogger(__name__)

MAX_BATCH = 64  # calls in one transaction at most, so none waits long behind the others

# SQLite's primary codes after which the WAL is checkpointed: the disk is full or failing.
_DISK_TROUBLE = frozenset({10, 13})  # SQLITE_IOERR, SQLITE_FULL

Call = tuple[Callable[[], Any], "Future[Any]", int]  # the call, its caller's future, its ticket


class Writer:
    """Runs store calls on its threads; batches them when `batched` (SQLite's single writer)."""

    def __init__(self, engine: Engine, *, threads: int, batched: bool,
                 record: WriteRecord | None = None) -> None:
        self._engine = engine
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="store")
        self._batched = batched
        self._record = record or WriteRecord(engine.dialect.loaded_dbapi)
        self._queue: collections.deque[Call] = collections.deque()
        self._guard = threading.Lock()
        self._draining = False
        self._closed = False
        self._local = threading.local()
        self._connection: Connection | None = None
        self._checkpoint_due = False
        self._disk_was_full = False
        if not batched:
            # A batch counts its changes at the driver; a call on its own notes its statements.
            event.listen(engine, "after_cursor_execute", self._note_statement)

    def health(self) -> WriteHealth:
        """The write path now: never waits for a call."""
        return self._record.health()

    def submit(self, call: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        with self._guard:
            if self._closed:
                future.set_exception(StoreError("the store is closed"))
                return future
            ticket = self._record.enter()
            if not self._batched:
                self._executor.submit(self._run_alone, (call, future, ticket))
                return future
            self._queue.append((call, future, ticket))
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
            connection = self._engine.connect()
            if self._disk_was_full:
                keep_wal_small(connection.connection.dbapi_connection)
            self._connection = connection
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

    def _note_statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip()[:6].upper().startswith("SELECT"):
            self._local.wrote = True

    def _run_alone(self, item: Call) -> None:
        call, future, ticket = item
        if not future.set_running_or_notify_cancel():  # its caller gave up before it started
            self._record.leave([ticket])
            return
        self._local.wrote = False
        try:
            value = call()
        except Exception as exc:
            # Recorded before the caller hears: what it reads of health next includes it.
            self._record.leave([ticket], failure=exc)
            future.set_exception(exc)
            return
        self._record.leave([ticket], wrote=self._local.wrote)
        future.set_result(value)

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
            batch = []
            for item in taken:
                if item[1].set_running_or_notify_cancel():
                    batch.append(item)
                else:
                    self._record.leave([item[2]])
            if batch:
                self._run(batch)
            if self._checkpoint_due:
                self._checkpoint()

    def _run(self, batch: list[Call]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        tickets = [ticket for _, _, ticket in batch]
        try:
            connection = self._batch_connection()
            driver = connection.connection.dbapi_connection
            assert driver is not None
            changes = driver.total_changes
            with connection.begin():
                self._local.connection = connection
                try:
                    if len(batch) == 1:  # alone in its transaction: no savepoint to pay for
                        outcomes.append((True, batch[0][0]()))
                    else:
                        outcomes.extend(_in_savepoint(connection, call) for call, _, _ in batch)
                finally:
                    self._local.connection = None
        except Exception as exc:  # nothing of the batch is on disk; each caller learns why
            # A broken connection is not kept; a sound one costs only a reconnect.
            self._drop_batch_connection()
            self._failed(exc)
            self._record.leave(tickets, failure=exc)
            for _, future, _ in batch:
                future.set_exception(exc)
            return
        wrote = driver.total_changes != changes
        failures = [value for succeeded, value in outcomes if not succeeded]
        for failure in failures:
            self._failed(failure)
        # A commit that wrote shows the disk takes writes again, unless a call failed on it.
        fault = next((f for f in failures if self._record.fault(f) is not None), None)
        self._record.leave(tickets, failure=fault, wrote=wrote)
        for (succeeded, value), (_, future, _) in zip(outcomes, batch, strict=True):
            if succeeded:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _failed(self, error: BaseException) -> None:
        if sqlite_code(error) in _DISK_TROUBLE:
            self._checkpoint_due = True
            if not self._disk_was_full:
                self._disk_was_full = True
                self._drop_batch_connection()  # the next one keeps the WAL small

    def _checkpoint(self) -> None:
        """Try to empty the WAL, after a full disk: until it is emptied, the WAL only grows."""
        try:
            driver = self._batch_connection().connection.dbapi_connection
            done = checkpoint_wal(driver)
        except Exception as exc:  # still no room, or no connection: tried after the next batch
            log.debug("the WAL could not be checkpointed yet: %s", type(exc).__name__)
            self._drop_batch_connection()
            return
        if done:
            self._checkpoint_due = False
            log.info("the WAL is checkpointed and emptied after a failed write")


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
