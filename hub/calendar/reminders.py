"""Reminders of the network's events: before each event a bridge carries, a reminder to every
place of the bridge, in the announcement's thread, in its readers' language and time zone.

A reminder is an event of the canonical stream, made by the hub when it falls due: a reply
under the calendar event, written by no one, carrying the event's schedule. From there it is
routed and delivered like any item (translated, in order after the announcement, retried,
exactly once through a crash). Its identity names the event, the offset and the start it
reminds of, so the store's dedupe makes it once whoever makes it: a restart, a second hub on
the same PostgreSQL, or a late timer. A moved event is reminded of its new start only (the
identity of a reminder of the old start is never made again once the store holds the move);
a cancelled one is not reminded at all.

The timers are APScheduler date jobs (hub/scheduler.py), rebuilt from the store at start and
after every change of a calendar event. Each is only a wake-up call: what falls due is read
from the store when it rings (`Reminders.due`), so a timer that outlived a move reminds of
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.calendar.marks import REMINDER
from hub.connector import Shape
from hub.events import Actor, Event, Kind, Ref
from hub.network import Network
from hub.store import Store
from hub.store.calendar import CalendarEntry

PASSERELLE = "Passerelle"


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder of one event, due at `due_at`."""

    event: Event  # the calendar event as it stands
    before: timedelta  # how long before the start
    due_at: datetime

    @property
    def starts_at(self) -> datetime:
        assert self.event.schedule is not None
        return self.event.schedule.starts_at

    def native_id(self) -> str:
        """Names the event, the offset and the start: the same reminder has the same id
        wherever and however often it is made; another start makes another."""
        minutes = int(self.before.total_seconds() // 60)
        start = int(self.starts_at.timestamp())
        return f"{REMINDER}/{self.event.source.native_id}/{minutes}m/{start}"

    def as_event(self, now: datetime) -> Event:
        """The reminder as the stream carries it: a reply under the calendar event."""
        calendar = self.event
        return Event(
            kind=Kind.MESSAGE_CREATED,
            source=Ref(platform=calendar.source.platform,
                       connection=calendar.source.connection,
                       endpoint=calendar.source.endpoint, native_id=self.native_id()),
            parent=calendar.source,
            actor=Actor(platform=calendar.source.platform, native_id=REMINDER,
                        name=PASSERELLE),
            occurred_at=now, title=calendar.title, body="", language=calendar.language,
            schedule=calendar.schedule,
            raw={REMINDER: {"minutes_before": int(self.before.total_seconds() // 60)}})


def reminders(entries: Iterable[CalendarEntry], offsets: Sequence[timedelta]
              ) -> list[Reminder]:
    """Every reminder of the events that are still on (not cancelled, timed), soonest due
    first. All-day events are reminded of their day's start in their own zone."""
    found = []
    for entry in entries:
        event = entry.event
        if event.kind is Kind.EVENT_CANCELLED or event.schedule is None:
            continue
        for before in offsets:
            found.append(Reminder(event, before, event.schedule.starts_at - before))
    return sorted(found, key=lambda r: (r.due_at, r.event.source.native_id))


def worth_sending(reminder: Reminder, now: datetime) -> bool:
    """Due, the event not begun, and not so late that it means something else: a reminder
    missed while the hub was down is still sent within half its offset (a day-before
    reminder until twelve hours late, an hour-before one until half an hour late)."""
    return reminder.due_at <= now < reminder.starts_at and \
        now - reminder.due_at <= reminder.before / 2


class Reminders:
    """The reminders of every event on the bridges, read from the store."""

    def __init__(self, store: Store, network: Network, offsets: Sequence[timedelta]) -> None:
        self.store = store
        self.network = network
        self.offsets = tuple(offsets)

    def endpoints(self) -> list[tuple[str, str]]:
        """The places whose calendar events the bridges carry: their feeding endpoints that
        are calendars."""
        return sorted({(m.address.connection, m.address.endpoint)
                       for bridge in self.network.bridges for m in bridge.endpoints
                       if m.direction.feeds and m.shape is Shape.CALENDAR})

    async def pending(self) -> list[Reminder]:
        """Every reminder of the events on the bridges, as the store now has them."""
        entries = await self.store.run(self.store.calendar_entries, self.endpoints())
        return reminders(entries, self.offsets)

    async def due(self, now: datetime) -> list[Event]:
        """The reminders worth sending at `now`, as events to take in (the store keeps each
        once: taking one in again is nothing)."""
        return [r.as_event(now) for r in await self.pending() if worth_sending(r, now)]

    async def next_due(self, now: datetime) -> datetime | None:
        """When the next reminder falls due after `now`: when the timer should ring."""
        return min((r.due_at for r in await self.pending() if r.due_at > now), default=None)
