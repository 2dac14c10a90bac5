"""StateBox writes: held with a delivery attempt and committed with its end, or at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store import Store
from hub.store.statebox import HeldWrites, StoreStateBox, holding_writes


def end_attempt(store: Store, held: HeldWrites) -> None:
    """What the worker does when an attempt ends: commit its writes, then let go of them."""
    store.state_write(held.seal())
    held.committed()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    yield store
    store.close()


async def test_outside_an_attempt_a_write_is_on_disk_when_it_returns(store: Store) -> None:
    box = StoreStateBox(store, "west")
    await box.set("token", "t-1")
    assert store.state_get("west", "token") == "t-1"
    await box.delete("token")
    assert store.state_get("west", "token") is None


async def test_in_an_attempt_writes_wait_for_its_end_and_are_seen_meanwhile(store: Store
                                                                            ) -> None:
    box = StoreStateBox(store, "west")
    with holding_writes() as held:
        await box.set("journal", "step 1")
        await box.set("journal", "step 2")
        await box.set("roster", "ana")
        await box.delete("roster")
        assert await box.get("journal") == "step 2"
        assert await box.get("roster") is None
        assert store.states() == {}
    end_attempt(store, held)
    assert store.states() == {"west": {"journal": "step 2"}}
    assert await box.get("journal") == "step 2"


async def test_now_writes_at_once_even_in_an_attempt(store: Store) -> None:
    box = StoreStateBox(store, "west")
    with holding_writes():
        await box.set("sending", "part:0", now=True)
        assert store.state_get("west", "sending") == "part:0"


async def test_an_abandoned_attempt_leaves_the_stores_values(store: Store) -> None:
    box = StoreStateBox(store, "west")
    await box.set("journal", "before")
    with holding_writes() as held:
        await box.set("journal", "lost with the attempt")
        held.seal()
    held.abandoned()
    assert await box.get("journal") == "before"


async def test_a_held_key_keeps_the_last_value_whichever_attempt_ends_first(store: Store
                                                                            ) -> None:
    box = StoreStateBox(store, "west")
    first_wrote, second_done = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        with holding_writes() as held:
            await box.set("roster", "ana")
            first_wrote.set()
            await second_done.wait()
            assert await box.get("roster") == "ana, bea"
            end_attempt(store, held)

    async def second() -> None:
        await first_wrote.wait()
        with holding_writes() as held:
            await box.set("roster", "ana, bea")  # both attempts now hold the latest value
            end_attempt(store, held)
        assert store.state_get("west", "roster") == "ana, bea"  # on disk with the second
        second_done.set()

    await asyncio.gather(first(), second())
    assert store.state_get("west", "roster") == "ana, bea"


async def test_an_attempt_that_never_ends_loses_no_other_attempts_write(store: Store) -> None:
    box = StoreStateBox(store, "west")
    with holding_writes():  # the hub dies before this one ends
        await box.set("roster", "ana")
        with holding_writes() as second:
            await box.set("roster", "ana, bea")
            end_attempt(store, second)
    assert store.state_get("west", "roster") == "ana, bea"


async def test_a_write_waits_for_a_commit_under_way_so_the_older_never_lands_last(
        store: Store) -> None:
    box = StoreStateBox(store, "west")
    with holding_writes() as first:
        await box.set("roster", "ana")
        writes = first.seal()  # its commit is on its way
    with holding_writes() as second:
        later = asyncio.ensure_future(box.set("roster", "ana, bea"))
        await asyncio.sleep(0.01)
        assert not later.done()  # waits for the first commit
        assert await box.get("roster") == "ana"
        store.state_write(writes)
        first.committed()
        await later
        assert await box.get("roster") == "ana, bea"
    end_attempt(store, second)
    assert store.state_get("west", "roster") == "ana, bea"


async def test_an_attempt_ends_once(store: Store) -> None:
    box = StoreStateBox(store, "west")
    with holding_writes() as held:
        await box.set("journal", "old")
        assert held.seal()
    held.abandoned()  # its commit failed
    await box.set("journal", "new")
    assert held.seal() == ()  # ending it again (as a failure) commits nothing stale
    held.committed()
    assert await box.get("journal") == "new"


async def test_a_write_from_outside_lands_at_once_and_in_the_holders_commit(store: Store
                                                                           ) -> None:
    box = StoreStateBox(store, "west")
    with holding_writes() as held:
        await box.set("member", "opted in")
    await box.set("member", "opted out")  # a STOP arriving by webhook: durable at once
    assert store.state_get("west", "member") == "opted out"
    end_attempt(store, held)
    assert store.state_get("west", "member") == "opted out"
