"""Reminders of the demo's assembly over the four sandboxes, with the clock set by the test:
each reminder reaches Slack and WhatsApp once, at its instant, in each place's language and
time zone, under the announcement; a restart between the two sends makes neither twice;
moving the event moves its reminders."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.app import Hub
from hub.demo.runner import settle
from hub.demo.story import members_join, schedule_entry
from hub.demo.world import CHANNEL, World, hub_settings, sandboxes
from hub.sandbox.whatsapp import Sent
from hub.scheduler import REMIND_JOB, driving

pytestmark = pytest.mark.slow

DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)


@contextlib.asynccontextmanager
async def hub_on(world: World, folder: Path) -> AsyncIterator[Hub]:
    """A hub on the demo's settings and store in `folder`, webhooks pointed at it."""
    async with Hub.start(hub_settings(world, folder)) as hub:
        world.connect(hub.url)
        yield hub


def slack_reminders(world: World) -> list[dict[str, Any]]:
    return [m for m in world.slack.messages(CHANNEL)
            if m.get("bot_id") == world.slack.bot_id and "Reminder" in _slack_text(m)]


def _slack_text(message: dict[str, Any]) -> str:
    return str(message.get("text", "")) + str(message.get("blocks", ""))


def whatsapp_reminders(world: World) -> list[Sent]:
    return [s for s in world.whatsapp.sent if "Lembrete" in str(s.body)]


def the_entry(world: World) -> dict[str, Any]:
    [entry] = [r for r in world.basecamp.recordings.values() if r["type"] == "Schedule::Entry"]
    return entry


async def test_each_reminder_once_at_its_instant_in_each_place(tmp_path: Path) -> None:
    async with sandboxes() as world:
        async with hub_on(world, tmp_path) as hub:
            await members_join(world)
            await schedule_entry(world)
            await settle(hub, world)
            starts = datetime.fromisoformat(the_entry(world)["starts_at"])
            # A minute early, nothing is due; at the day-before instant, one reminder is.
            assert await hub.remind(starts - DAY - MINUTE) == 0
            assert await hub.remind(starts - DAY) == 1
            await settle(hub, world)
            [slack] = slack_reminders(world)
            sent = whatsapp_reminders(world)
        announcement = next(m for m in world.slack.messages(CHANNEL)
                            if "Assembly" in _slack_text(m) and m is not slack)
        assert slack["thread_ts"] == announcement["ts"]  # under the announcement
        text = _slack_text(slack)
        assert "Reminder: Assembly of the cities, in 1 day" in text
        # Slack reads London time (at 15:00 UTC in winter, 3 PM there); WhatsApp, Lisbon's.
        assert "3:00" in text and "Greenwich Mean Time" in text
        assert {s.to for s in sent} == {world.people.ana, world.people.bea}
        assert all("em 1 dia" in str(s.body) for s in sent)

        # The hub stops between the two reminders and another starts on the same store.
        async with hub_on(world, tmp_path) as hub:
            assert await hub.remind(starts - DAY + MINUTE) == 0  # made already: not again
            assert await hub.remind(starts - HOUR) == 1
            await settle(hub, world)
            assert await hub.remind(starts - HOUR + MINUTE) == 0
            await settle(hub, world)
        second = slack_reminders(world)
        assert len(second) == 2 and "in 1 hour" in _slack_text(second[1])
        assert len(whatsapp_reminders(world)) == 2 * len(sent)


async def test_a_moved_event_is_reminded_of_its_new_start_only(tmp_path: Path) -> None:
    async with sandboxes() as world, hub_on(world, tmp_path) as hub:
        await members_join(world)
        await schedule_entry(world)
        await settle(hub, world)
        entry = the_entry(world)
        old = datetime.fromisoformat(entry["starts_at"])
        new = old + 2 * HOUR
        entry["starts_at"] = new.isoformat()
        entry["ends_at"] = (new + 90 * MINUTE).isoformat()
        entry["updated_at"] = world.basecamp.now()
        # Basecamp names an edit's webhook `<type>_<field>_changed`.
        await world.basecamp.notify(entry, "schedule_entry_starts_at_changed",
                                    world.people.camille)
        await settle(hub, world)
        assert await hub.remind(old - HOUR) == 0  # the old start is reminded of no more
        assert await hub.remind(new - HOUR) == 1
        await settle(hub, world)
        [reminder] = slack_reminders(world)
        assert hub.reminders is not None
        assert "5:00\u2009–\u20096:30\u202fPM" in _slack_text(reminder)  # London, 17:00 UTC
        assert await hub.reminders.next_due(new - HOUR) is None  # nothing more before it

        # Cancelled: nothing is due any more, at any time.
        await world.basecamp.trash(entry["id"], world.people.camille)
        await settle(hub, world)
        assert await hub.reminders.next_due(old - 2 * DAY) is None
        assert await hub.remind(new - DAY) == 0


async def test_the_running_hub_sets_its_timer_on_the_next_reminder(tmp_path: Path) -> None:
    async with sandboxes() as world, hub_on(world, tmp_path) as hub:
        await schedule_entry(world)
        await settle(hub, world)
        starts = datetime.fromisoformat(the_entry(world)["starts_at"])
        async with driving(hub) as scheduler:
            job = None
            for _ in range(200):  # the timer is set as the hub starts: wait for it, bounded
                if (job := scheduler.get_job(REMIND_JOB)) is not None:
                    break
                await asyncio.sleep(0.05)
            assert job is not None
            assert job.next_run_time == starts - DAY
