"""Polls: cursors, and a failure logged when it starts and when it ends, not on every tick."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest

from hub.scheduler import driving, make_scheduler
from tests.hub.conftest import Network


async def test_a_failing_poll_logs_twice_per_outage(network: Network,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    network.east.failures.extend(httpx.Response(503) for _ in range(3))
    async with network.start() as hub:
        [east, _] = hub.network.polled_endpoints()
        with caplog.at_level(logging.WARNING, logger="hub.polling"):
            for _ in range(3):
                assert await hub.poll(east) == -1
            failed = hub.activity.of("east").polls[str(east)]
            network.east.add("general", "back")
            assert await hub.poll(east) == 1
            assert await hub.poll(east) == 0
            worked = hub.activity.of("east").polls[str(east)]
    # What the console's overview shows of it.
    assert not failed.ok and "503" in failed.error and failed.last_success is None
    assert worked.ok and worked.last_success == worked.at
    messages = [r.getMessage() for r in caplog.records if r.name == "hub.polling"]
    assert len(messages) == 2
    assert messages[0].startswith("poll of east/chat/general is failing: ")
    assert messages[1] == "poll of east/chat/general recovered"


async def test_the_scheduler_has_a_job_per_polled_endpoint_a_delivery_and_a_people_job(
        network: Network) -> None:
    settings = network.settings(connections={
        "east": {"type": "pigeon", "token": "good-token", "base_url": "https://east.test",
                 "poll_interval_seconds": 15},
        "west": {"type": "pigeon", "token": "good-token", "base_url": "https://west.test"},
    })
    async with network.start(settings) as hub:
        scheduler = make_scheduler(hub)
        jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"poll:east/chat/general", "poll:west/chat/lobby", "deliver", "people"}
    assert jobs["poll:east/chat/general"].trigger.interval.total_seconds() == 15
    assert jobs["poll:west/chat/lobby"].trigger.interval.total_seconds() == 60
    assert jobs["deliver"].max_instances == 1
    assert jobs["people"].trigger.interval.total_seconds() == 60 * 60  # [people] refresh


async def test_the_scheduler_runs_polls_and_deliveries(network: Network) -> None:
    settings = network.settings(scheduler={"poll_interval_seconds": 0.1,
                                           "poll_jitter_seconds": 0,
                                           "delivery_interval_seconds": 0.05})
    network.east.add("general", "found by the scheduler")
    async with network.start(settings) as hub:
        scheduler = make_scheduler(hub)
        scheduler.start()
        try:
            for _ in range(100):
                if network.west.items:
                    break
                await asyncio.sleep(0.05)
        finally:
            scheduler.shutdown(wait=False)
    assert [i["text"] for i in network.west.items.values()] == ["found by the scheduler"]


async def test_new_events_wake_the_pump_without_waiting_for_the_heartbeat(
        network: Network, fire: Any) -> None:
    # A heartbeat far away: only the wake-up on ingest and on finished deliveries can move these.
    settings = network.settings(scheduler={"delivery_interval_seconds": 600,
                                           "poll_interval_seconds": 600})
    async with network.start(settings) as hub, driving(hub):
        root = network.east.add("general", "first")
        await fire(hub, "east", root)
        await fire(hub, "east", network.east.add("general", "second", thread=root["id"]))
        for _ in range(200):
            if len(network.west.items) == 2:
                break
            await asyncio.sleep(0.02)
    texts = [i["text"] for i in network.west.items.values()]
    assert texts == ["first", "second"]
