"""The delivery worker against a real store: completions that wait together are answered
together, whatever one of their attempts does meanwhile; an update is told against the revision
before it; each delivery reads its own bridge."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import httpx
import pytest
from pydantic import SecretStr

from hub.connector import Address, MemoryStateBox, Outgoing, Receipt, Shape, Target
from hub.delivery import DeliveryWorker
from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.limits import RetryPolicy
from hub.network import Network
from hub.rendering.announcement import Status
from hub.router import Bridge, BridgeEndpoint, plan
from hub.store import Delivery, PlannedDelivery, Store, StoredEvent
from hub.store.records import Known
from hub.store.statebox import holding_writes
from hub.testing.store_contract import make_event, to
from tests.hub.fakes import FakeConnector, FakeSettings
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


class Recorder(FakeConnector):
    """A chat platform that keeps what it is handed instead of posting it."""

    name = "recorder"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.handed: list[Outgoing] = []

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        self.handed.append(outgoing)
        return Receipt(native_id=f"made-{len(self.handed)}")

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        self.handed.append(outgoing)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def recorders(http: httpx.AsyncClient, *names: str) -> dict[str, Recorder]:
    return {name: Recorder(name, FakeSettings(type="recorder", token=SecretStr("t")), http,
                           MemoryStateBox()) for name in names}


def member(at: str, language: str | None = None) -> BridgeEndpoint:
    return BridgeEndpoint(Address.parse(at), Shape.CHAT, language=language,
                          timezone="America/New_York")


async def deliver_all(store: Store, network: Network, worker: DeliveryWorker) -> None:
    def planner(batch: Sequence[StoredEvent], known: Known
                ) -> Sequence[PlannedDelivery]:
        return plan(batch, network.bridges, known.copies, network.own_identities)

    store.route("router", planner)
    while await worker.pump():
        await worker.drain()


async def no_ingest(_: object) -> None:
    return None


def calendar_event(kind: Kind, starts_at: datetime, revision: str = "") -> Event:
    return Event(kind=kind, source=Ref(platform="recorder", connection="bc",
                                       endpoint="chat/calendar", native_id="900"),
                 actor=Actor(platform="recorder", native_id="1", name="Camille Martin"),
                 occurred_at=datetime(2026, 12, 1, 9, tzinfo=UTC), title="Assembly",
                 body="Agenda: Lisbon.", revision=revision,
                 schedule=Schedule(starts_at=starts_at, ends_at=starts_at.replace(hour=16),
                                   timezone="Europe/Paris"))


async def test_an_update_reaching_a_chat_says_it_moved_from_the_revision_before(
        store: Store, http: httpx.AsyncClient) -> None:
    connectors = recorders(http, "bc", "slack")
    network = Network(dict(connectors), (Bridge("assemblies", (
        member("bc/chat/calendar"), member("slack/chat/C1", "en"))),))
    worker = DeliveryWorker(store, network, RetryPolicy(), ingest=no_ingest)
    store.append([calendar_event(Kind.EVENT_CREATED, datetime(2026, 12, 8, 15, tzinfo=UTC))])
    await deliver_all(store, network, worker)
    store.append([calendar_event(Kind.EVENT_UPDATED, datetime(2026, 12, 9, 15, tzinfo=UTC),
                                 revision="2")])
    await deliver_all(store, network, worker)
    first, update = connectors["slack"].handed
    assert first.announcement is not None and first.announcement.status is Status.ANNOUNCED
    assert update.announcement is not None and update.announcement.status is Status.MOVED
    markup = update.announcement.markup().replace("\u2009", " ").replace("\u202f", " ")
    assert markup.startswith(
        "**Moved to Wednesday, December 9, 2026, 10:00 – 11:00 AM (Eastern Standard Time)**\n"
        "🗓 ~~Tuesday, December 8, 2026, 10:00 – 11:00 AM (Eastern Standard Time)~~"), markup
    assert update.body == ""  # the agenda is as it was


async def test_a_delivery_reads_its_own_bridge_where_its_target_is_in_two(
        store: Store, http: httpx.AsyncClient) -> None:
    async def shout(text: str, source: str | None, bridge: Bridge, member: BridgeEndpoint
                    ) -> str:
        return text.upper()

    connectors = recorders(http, "east", "slack")
    shared = member("slack/chat/C1", "en")
    network = Network(dict(connectors), (
        Bridge("quiet", (member("east/chat/one"), shared), translate=False),
        Bridge("loud", (member("east/chat/two"), shared), translate=True)))
    worker = DeliveryWorker(store, network, RetryPolicy(), localise=shout, ingest=no_ingest)
    store.append([make_event(n).model_copy(update={"source": Ref(
        platform="recorder", connection="east", endpoint=at, native_id=n)})
        for n, at in (("1", "chat/one"), ("2", "chat/two"))])
    await deliver_all(store, network, worker)
    assert sorted(o.body for o in connectors["slack"].handed) == ["TEXT OF 2", "text of 1"]
