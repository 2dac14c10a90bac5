"""APScheduler wiring, and nothing else: the jobs call the hub, which holds the logic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hub.app import Hub
from hub.connector import Address
from hub.people.questions import Questions
from hub.polling import poll_interval

log = logging.getLogger(__name__)
# How often the archive looks for events other processes stored; this process's own wake it.
ARCHIVE_INTERVAL = 5.0
# How often reminders are planned again for calendar events other processes took in.
CALENDAR_INTERVAL = 60.0
REMIND_JOB = "remind"
# How often the groups' open questions are looked at: a reminder is at most this late.
QUESTIONS_INTERVAL = 60.0
QUESTIONS_JOB = "questions"


def make_scheduler(hub: Hub) -> AsyncIOScheduler:
    """One poll job per polled endpoint, one job that routes and delivers, and the people's:
    member lists read, the groups' open questions reminded (each routing keeps the groups'
    direct notices matched to the directory: Hub.route)."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    settings = hub.settings.scheduler
    for address in hub.network.polled_endpoints():
        connector = hub.network.connector(address.connection)
        interval = poll_interval(connector, settings.poll_interval_seconds)
        scheduler.add_job(
            _poll, "interval", args=[hub, address], seconds=interval,
            jitter=settings.poll_jitter_seconds, id=f"poll:{address}", name=f"poll {address}",
            max_instances=1, coalesce=True, misfire_grace_time=max(1, int(interval)),
            replace_existing=True,
        )
    scheduler.add_job(
        hub.heartbeat, "interval", seconds=settings.delivery_interval_seconds, id="deliver",
        name="route and deliver", max_instances=1, coalesce=True, misfire_grace_time=5,
        replace_existing=True,
    )
    if hub.members is not None:
        scheduler.add_job(
            hub.members.refresh, "interval", minutes=hub.settings.people.refresh_minutes,
            next_run_time=datetime.now(UTC), id="people", name="read the member lists",
            max_instances=1, coalesce=True, misfire_grace_time=60, replace_existing=True,
        )
    questions = Questions(hub.store, hub.settings.groups)
    if questions.groups:
        scheduler.add_job(
            remind_questions, "interval", args=[hub, questions], seconds=QUESTIONS_INTERVAL,
            next_run_time=datetime.now(UTC), id=QUESTIONS_JOB,
            name="remind the questions nobody answered", max_instances=1, coalesce=True,
            misfire_grace_time=None, replace_existing=True,
        )
    return scheduler


async def remind_questions(hub: Hub, questions: Questions, now: datetime | None = None
                           ) -> int:
    """Take in the reminders of the groups' questions due at `now` (default: now); returns
    how many were new (one made already, here or by another hub, is nothing new)."""
    return len(await hub.ingest(await questions.due(now or datetime.now(UTC))))


@contextlib.asynccontextmanager
async def driving(hub: Hub) -> AsyncIterator[AsyncIOScheduler]:
    """The hub at work, as `passerelle run` has it: the scheduler's polls and delivery
    heartbeat, plus a pump woken at once by new events and finished deliveries."""
    scheduler = make_scheduler(hub)
    scheduler.start()
    pump = asyncio.create_task(hub.run_pump(hub.settings.scheduler.delivery_interval_seconds),
                               name="pump")
    indexing = asyncio.create_task(hub.run_indexer(ARCHIVE_INTERVAL), name="archive")
    reminding = asyncio.create_task(_watch_calendar(scheduler, hub), name="reminders")
    try:
        yield scheduler
    finally:
        hub.stop_claiming()  # first: nothing new starts while the rest winds down
        # A tick under way ends before its task can be cancelled: cut in the middle of a
        # claim, it would leave rows leased and never started, held until their lease lapses.
        await hub.stop_ticking()
        scheduler.shutdown(wait=False)  # cancels the polls under way (see _poll)
        for task in (pump, indexing, reminding):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _watch_calendar(scheduler: AsyncIOScheduler, hub: Hub) -> None:
    """Keep the reminders' timer on the next one due: at start, whenever a calendar event
    comes in, and every CALENDAR_INTERVAL seconds for what other processes took in."""
    if hub.reminders is None:
        return
    while True:
        hub.calendar_changed.clear()
        try:
            await _plan_reminders(scheduler, hub)
        except Exception:  # the next change or interval plans again
            log.exception("planning the reminders failed this time; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hub.calendar_changed.wait(), timeout=CALENDAR_INTERVAL)


async def _plan_reminders(scheduler: AsyncIOScheduler, hub: Hub) -> None:
    """Send what is due now, then set one date job for the next reminder due."""
    assert hub.reminders is not None
    await hub.remind()
    when = await hub.reminders.next_due(datetime.now(UTC))
    if when is None:
        if scheduler.get_job(REMIND_JOB) is not None:
            scheduler.remove_job(REMIND_JOB)
        return
    scheduler.add_job(_plan_reminders, "date", run_date=when, args=[scheduler, hub],
                      id=REMIND_JOB, name="send the reminders due", replace_existing=True,
                      misfire_grace_time=None)  # a late ring still sends (within reason)


async def _poll(hub: Hub, address: Address) -> None:
    """A poll job. One cut short by the stop is no failure: events and the cursor are written
    in one transaction, so the next start polls again from where the store says."""
    try:
        await hub.poll(address)
    except asyncio.CancelledError:
        log.info("poll of %s cut short by the stop; the next start polls it again", address)
