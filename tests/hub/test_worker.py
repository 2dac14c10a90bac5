"""The delivery worker's group commit, against a real store: completions that wait together are
answered together, whatever one of their attempts does meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from hub.delivery import DeliveryWorker
from hub.limits import RetryPolicy
from hub.network import Network
from hub.store import Delivery, Store
from hub.store.statebox import holding_writes
from hub.testing.store_contract import make_event, to
from tests.hub.store.holding import Hold


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    yield store
    store.close()


async def test_an_attempt_giving_up_while_its_completion_waits_stops_no_other(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    async def ingest(_: object) -> None:
        return None

    store.append([make_event(str(n)) for n in range(1, 5)])
    store.route("router", to("west/chat/lobby", key=lambda seq: "odd" if seq % 2 else "even"))
    first, second = store.claim(time.time(), 10, 300)
    worker = DeliveryWorker(store, cast(Network, SimpleNamespace(connectors={})), RetryPolicy(),
                            ingest=ingest)
    started: list[Delivery] = []
    monkeypatch.setattr(worker, "_start", started.extend)  # the successors, not delivered here
    hold = Hold()
    holding = asyncio.ensure_future(store.run(hold))
    await hold.started()

    async def finish(delivery: Delivery) -> None:
        with holding_writes():
            await worker._complete(delivery, None, ())

    gives_up, waits = asyncio.create_task(finish(first)), asyncio.create_task(finish(second))
    await asyncio.sleep(0.05)
    gives_up.cancel()  # its attempt's time ran out while the commit was queued
    hold.release()
    await holding
    await asyncio.wait_for(waits, 5)
    assert sorted(d.event_seq for d in started) == [3, 4]  # both conversations move on
    assert [d.event_seq for d in store.deliveries("done")] == [1, 2]
