"""The write path's health: the last failure until a write succeeds, and the calls waiting.

`/healthz` reads it from the event loop: a full disk or a write lock held by another program
fails every webhook while reads (`ping`) still succeed, so a read alone cannot say it.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from hub.errors import StoreError
from hub.store import Store
from hub.store.engine import BUSY_TIMEOUT_SECONDS, open_engine
from hub.store.health import STALLED_AFTER_SECONDS, WriteHealth, WriteRecord
from hub.store.records import StateWrite
from hub.store.writer import Writer
from tests.hub.store.engines import empty_postgres_schema
from tests.hub.store.holding import Hold

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL")
WEST = [StateWrite("west", "k", "v")]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    yield store
    store.close()


def impatient(store: Store) -> None:
    """The store's next connections fail at once on a lock, not after the busy timeout."""
    store.engine.dispose()

    @event.listens_for(store.engine, "connect")
    def no_wait(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")


def lock(path: Path) -> sqlite3.Connection:
    """Another program (a backup, `sqlite3` in a shell) holding the write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_fresh_store_is_healthy(store: Store) -> None:
    health = store.health()
    assert health == WriteHealth(last_failure=None, failed_at=None, backlog=0,
                                 oldest_wait_seconds=0.0)
    assert health.ok
    assert health.as_dict() == {"ok": True, "last_failure": None, "failed_at": None,
                                "backlog": 0, "oldest_wait_seconds": 0.0}


def test_sqlite_waits_for_another_programs_lock_less_than_a_platform_waits(
        store: Store) -> None:
    # Slack gives up on a webhook after 3 s; a locked store must answer 503 before that.
    assert BUSY_TIMEOUT_SECONDS < 3
    with store.engine.connect() as conn:
        waits_ms = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert waits_ms == round(BUSY_TIMEOUT_SECONDS * 1000)


async def test_a_locked_database_fails_writes_and_health_says_so(tmp_path: Path) -> None:
    # The store as configured, busy timeout and all: the bound below only guards a hang.
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    other = lock(tmp_path / "store.db")
    try:
        with pytest.raises(StoreError, match=r"OperationalError \(SQLITE_BUSY\)"):
            await asyncio.wait_for(store.run(store.state_write, WEST), 60)
        health = store.health()
        assert not health.ok
        assert health.last_failure == "OperationalError (SQLITE_BUSY)"
        assert health.failed_at is not None and health.failed_at.tzinfo is UTC
        assert health.as_dict()["failed_at"] == health.failed_at.isoformat()
        assert health.backlog == 0
        other.rollback()
        await asyncio.wait_for(store.run(store.state_write, WEST), 60)
        assert store.health() == WriteHealth(None, None, 0, 0.0)
    finally:
        other.close()
        store.close()


async def test_a_read_does_not_clear_a_write_failure(tmp_path: Path, store: Store) -> None:
    impatient(store)
    other = lock(tmp_path / "store.db")
    try:
        with pytest.raises(StoreError):
            await store.run(store.state_write, WEST)
    finally:
        other.rollback()
        other.close()
    await store.run(store.ping)  # /healthz's own read: it must not hide what writes met
    await store.run(store.state_get, "west", "k")
    assert store.health().last_failure == "OperationalError (SQLITE_BUSY)"
    await store.run(store.state_write, WEST)
    assert store.health().ok


async def test_a_callers_own_errors_leave_the_store_healthy(store: Store) -> None:
    store.state_write([StateWrite("west", "taken", "1")])

    def conflicting() -> None:
        with store._tx() as conn:
            conn.execute(text("INSERT INTO connection_state (connection, key, value, "
                              "updated_at) VALUES ('west', 'taken', '2', 0)"))

    def mistaken() -> None:
        with store._tx() as conn:
            conn.exec_driver_sql("SELECT * FROM no_such_table")

    def buggy() -> None:
        raise RuntimeError("a bug in the caller")

    for call, error in ((conflicting, StoreError), (mistaken, StoreError),
                        (buggy, RuntimeError)):
        with pytest.raises(error):
            await store.run(call)
        assert store.health().ok, call.__name__


def test_the_kinds_of_failure_health_records() -> None:
    record = WriteRecord(sqlite3)  # type: ignore[arg-type]  # sqlite3 is a DB-API module
    examples: list[tuple[BaseException, str | None]] = []
    db = sqlite3.connect(":memory:")
    for statement in ("SELECT * FROM nowhere", "SELEC 1",
                      "CREATE TABLE t (k PRIMARY KEY)", "INSERT INTO t VALUES (1)",
                      "INSERT INTO t VALUES (1)"):
        try:
            db.execute(statement)
        except sqlite3.Error as exc:
            examples.append((exc, None))  # no such table, syntax, conflict: the call's own
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode, full.sqlite_errorname = 13, "SQLITE_FULL"
    examples += [(full, "OperationalError (SQLITE_FULL)"),
                 (sqlite3.OperationalError("unable to open database file"), "OperationalError"),
                 (sqlite3.DatabaseError("file is not a database"), "DatabaseError"),
                 (ValueError("not the store's"), None)]
    assert len(examples) == 7
    for error, kind in examples:
        assert record.fault(error) == kind, error


async def test_the_backlog_counts_calls_waiting_or_running(store: Store) -> None:
    hold = Hold()
    holding = asyncio.ensure_future(store.run(hold))
    await hold.started()
    waiting = [asyncio.ensure_future(store.run(store.state_write, WEST)) for _ in range(3)]
    await asyncio.sleep(0)
    assert store.health().backlog == 4
    hold.release()
    await asyncio.gather(holding, *waiting)
    assert store.health().backlog == 0  # answered: health knew before the callers did


async def test_a_writer_stuck_that_long_is_not_healthy(tmp_path: Path) -> None:
    now = [100.0]
    engine = open_engine(f"sqlite:///{tmp_path}/store.db")
    writer = Writer(engine, threads=1, batched=True,
                    record=WriteRecord(engine.dialect.loaded_dbapi, clock=lambda: now[0]))
    hold = Hold()
    try:
        running = asyncio.wrap_future(writer.submit(hold))
        await hold.started()
        now[0] += 1
        queued = asyncio.wrap_future(writer.submit(lambda: None))
        now[0] += STALLED_AFTER_SECONDS - 2
        assert writer.health().ok  # busy, not stuck yet
        assert writer.health().oldest_wait_seconds == STALLED_AFTER_SECONDS - 1
        now[0] += 1
        stuck = writer.health()
        assert (stuck.backlog, stuck.oldest_wait_seconds) == (2, STALLED_AFTER_SECONDS)
        assert not stuck.ok and stuck.last_failure is None
        hold.release()
        await asyncio.gather(running, queued)
        assert writer.health() == WriteHealth(None, None, 0, 0.0)
    finally:
        hold.release()
        writer.shutdown()
        engine.dispose()


async def test_calls_given_up_before_they_ran_leave_no_backlog(store: Store) -> None:
    hold = Hold()
    holding = asyncio.ensure_future(store.run(hold))
    await hold.started()
    queued = asyncio.ensure_future(store.run(store.state_write, WEST))
    await asyncio.sleep(0)
    queued.cancel()
    await asyncio.sleep(0)  # the cancellation reaches the store's future on the next turn
    hold.release()
    await asyncio.gather(holding, queued, return_exceptions=True)
    await store.run(store.ping)  # after the skipped call, in the writer's order
    assert store.health().backlog == 0


def test_a_failure_is_stamped_in_utc() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    record = WriteRecord(sqlite3, now=lambda: at)  # type: ignore[arg-type]
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode, busy.sqlite_errorname = 5, "SQLITE_BUSY"
    record.leave([record.enter()], failure=busy)
    assert record.health().as_dict() == {
        "ok": False, "last_failure": "OperationalError (SQLITE_BUSY)",
        "failed_at": "2026-03-01T12:00:00+00:00", "backlog": 0, "oldest_wait_seconds": 0.0}
    record.leave([record.enter()], wrote=False)  # a read: proves nothing about writes
    assert not record.health().ok
    record.leave([record.enter()], wrote=True)
    assert record.health().ok


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")
async def test_postgres_records_a_failure_until_a_write_succeeds() -> None:
    with empty_postgres_schema() as url:
        store = Store.open(url)
        try:
            def cut_off() -> None:  # what a server restart does to the hub's connections
                with store._tx() as conn:
                    conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

            with pytest.raises(StoreError, match="57P01"):
                await store.run(cut_off)
            assert store.health().last_failure == "AdminShutdown (57P01)"
            await store.run(store.ping)
            assert not store.health().ok
            await store.run(store.state_write, WEST)
            assert store.health().ok
        finally:
            store.close()
