"""Which reminders are due when: pure, on made-up events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.calendar.marks import is_reminder, minutes_before
from hub.calendar.reminders import Reminder, reminders, worth_sending
from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.store.calendar import CalendarEntry

START = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


def entry(kind: Kind = Kind.EVENT_CREATED, starts: datetime = START,
          native_id: str = "7001") -> CalendarEntry:
    event = Event(kind=kind, occurred_at=START - 7 * DAY, title="Assemblée des villes",
                  source=Ref(platform="basecamp", connection="bc", endpoint="calendar/1",
                             native_id=native_id),
                  actor=Actor(platform="basecamp", native_id="1", name="Camille"),
                  language="fr",
                  schedule=Schedule(starts_at=starts, ends_at=starts + 90 * timedelta(minutes=1),
                                    timezone="Europe/Paris", interpretation=("en", "pt")))
    return CalendarEntry(event, 1)


def test_each_event_still_on_is_reminded_at_each_offset_soonest_first() -> None:
    found = reminders([entry(native_id="b", starts=START + DAY), entry(native_id="a"),
                       entry(Kind.EVENT_CANCELLED, native_id="gone")], [DAY, HOUR])
    assert [(r.event.source.native_id, r.due_at) for r in found] == [
        ("a", START - DAY), ("a", START - HOUR), ("b", START), ("b", START + DAY - HOUR)]


def test_a_reminder_is_named_by_its_event_offset_and_start() -> None:
    [day_before] = reminders([entry()], [DAY])
    [moved] = reminders([entry(starts=START + 2 * HOUR)], [DAY])
    assert day_before.native_id() == f"reminder/7001/1440m/{int(START.timestamp())}"
    assert moved.native_id() != day_before.native_id()
    made = day_before.as_event(START - DAY)
    again = day_before.as_event(START - DAY + HOUR)
    assert made.dedupe_key == again.dedupe_key  # the store keeps it once
    assert made.parent == day_before.event.source  # under the event's announcement
    assert made.schedule == day_before.event.schedule and made.language == "fr"
    assert is_reminder(made) and minutes_before(made) == 24 * 60
    assert not is_reminder(day_before.event)


def test_worth_sending_from_its_instant_to_half_its_offset_late_never_after_the_start() -> None:
    day_before = Reminder(entry().event, DAY, START - DAY)
    hour_before = Reminder(entry().event, HOUR, START - HOUR)
    assert not worth_sending(day_before, START - DAY - timedelta(seconds=1))
    assert worth_sending(day_before, START - DAY)
    assert worth_sending(day_before, START - 12 * HOUR)
    assert not worth_sending(day_before, START - 12 * HOUR + timedelta(seconds=1))
    assert worth_sending(hour_before, START - timedelta(minutes=30))
    assert not worth_sending(hour_before, START - timedelta(minutes=29))
    assert not worth_sending(Reminder(entry().event, 3 * DAY, START - 3 * DAY), START)
