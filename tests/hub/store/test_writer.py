"""SQLite's writer: calls that queue up share one transaction and one commit, each in its own
savepoint, and each caller returns only once its work is on disk."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from hub.errors import StoreError
from hub.store import Store
from hub.store.records import StateWrite


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    yield store
    store.close()


def count_commits(store: Store) -> list[int]:
    commits = [0]

    def committed(_: Any) -> None:
        commits[0] += 1
    event.listen(store.engine, "commit", committed)
    return commits


async def test_calls_that_queue_up_share_one_commit(store: Store) -> None:
    commits = count_commits(store)
    busy, release = threading.Event(), threading.Event()

    def first() -> None:
        store.state_write([StateWrite("west", "first", "1")])
        busy.set()
        release.wait(10)

    running = asyncio.ensure_future(store.run(first))
    await asyncio.to_thread(busy.wait, 10)
    waiting = [asyncio.ensure_future(store.run(store.state_write,
                                               [StateWrite("west", f"k{n}", str(n))]))
               for n in range(5)]
    await asyncio.sleep(0.05)
    assert not any(call.done() for call in waiting)  # not on disk yet: not answered yet
    release.set()
    await asyncio.gather(running, *waiting)
    assert commits[0] == 2  # the first call's, then the five that waited, together
    assert len(store.states()["west"]) == 6


async def test_a_failing_call_rolls_back_alone(store: Store) -> None:
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(10)

    def half_then_fail() -> None:
        store.state_write([StateWrite("west", "half", "written")])
        raise RuntimeError("a fault half-way")

    holding = asyncio.ensure_future(store.run(hold))
    await asyncio.to_thread(busy.wait, 10)
    failing = asyncio.ensure_future(store.run(half_then_fail))
    kept = asyncio.ensure_future(store.run(store.state_write,
                                           [StateWrite("west", "kept", "yes")]))
    release.set()
    await holding
    with pytest.raises(RuntimeError, match="half-way"):
        await failing
    await kept
    assert store.states() == {"west": {"kept": "yes"}}


async def test_a_database_failure_names_only_its_kind(store: Store) -> None:
    def broken() -> None:
        with store._tx() as conn:
            conn.exec_driver_sql("SELECT * FROM no_such_table_with_a_secret_name")

    with pytest.raises(StoreError) as caught:
        await store.run(broken)
    assert "secret" not in str(caught.value)


async def test_a_caller_giving_up_never_stops_the_writer(store: Store) -> None:
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(10)

    holding = asyncio.ensure_future(store.run(hold))  # cancelled while it runs
    await asyncio.to_thread(busy.wait, 10)
    queued = asyncio.ensure_future(store.run(store.state_write,  # cancelled before it runs
                                             [StateWrite("west", "never", "x")]))
    await asyncio.sleep(0.01)
    holding.cancel()
    queued.cancel()
    # A cancellation reaches the store's own future from the event loop's next turn: let it
    # before the writer is freed, or the queued call would have started by then.
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holding, queued, return_exceptions=True)
    await asyncio.wait_for(store.run(store.state_write, [StateWrite("west", "later", "y")]), 5)
    assert await asyncio.wait_for(store.run(store.state_get, "west", "later"), 5) == "y"
    assert store.state_get("west", "never") is None


async def test_a_database_locked_by_another_program_is_a_store_error(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    store.engine.dispose()  # the writer's next connection waits 0.2 s for a lock, not 30

    @event.listens_for(store.engine, "connect")
    def impatient(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    other = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a backup tool, say, holding the write lock
    try:
        with pytest.raises(StoreError, match="OperationalError"):
            await store.run(store.state_write, [StateWrite("west", "k", "v")])
        other.rollback()
        await store.run(store.state_write, [StateWrite("west", "k", "v")])  # it recovers
        assert store.state_get("west", "k") == "v"
    finally:
        other.close()
        store.close()


async def test_a_call_that_ends_the_whole_transaction_fails_its_batch(store: Store) -> None:
    # SQLite itself ends the transaction on a full disk or an I/O error; OR ROLLBACK on a
    # conflict does the same on demand. The calls before it in the batch are undone too:
    # none of their callers may be told their work is on disk.
    store.state_write([StateWrite("west", "taken", "1")])
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(10)

    def conflicting() -> None:
        with store._tx() as conn:
            conn.execute(text("INSERT OR ROLLBACK INTO connection_state (connection, key, "
                              "value, updated_at) VALUES ('west', 'taken', '2', 0)"))

    holding = asyncio.ensure_future(store.run(hold))
    await asyncio.to_thread(busy.wait, 10)
    before = asyncio.ensure_future(store.run(store.state_write,
                                             [StateWrite("west", "before", "1")]))
    failing = asyncio.ensure_future(store.run(conflicting))
    # Both are queued behind `hold` before it ends, so the writer takes them as one batch (on
    # a loaded machine it could otherwise take `before` alone, and commit it).
    await asyncio.sleep(0)  # each hands its call to the writer on its first step
    assert store.health().backlog == 3  # hold, before and failing
    release.set()
    await holding
    outcomes = await asyncio.gather(before, failing, return_exceptions=True)
    assert all(isinstance(o, StoreError) and "IntegrityError" in str(o) for o in outcomes)
    assert store.states() == {"west": {"taken": "1"}}
    await store.run(store.state_write, [StateWrite("west", "after", "1")])  # it goes on
    assert store.state_get("west", "after") == "1"


async def test_a_closed_store_refuses_calls_clearly(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        await asyncio.wait_for(store.run(store.state_write, [StateWrite("west", "k", "v")]), 5)
