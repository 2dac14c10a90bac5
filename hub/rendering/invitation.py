"""An event as calendars read it (RFC 5545, written by the `icalendar` library): the VEVENT
shared by an invitation (the .ics attached to an announcement) and a bridge's calendar feed
(hub/calendar/feed.py), so a calendar that holds both sees one event.

Its UID names the event's item, so every copy (one per endpoint, one per revision) is the same
event to a calendar, and a later revision replaces the earlier one (a higher SEQUENCE); a
cancellation is STATUS:CANCELLED (and an invitation's METHOD:CANCEL). Times are written in the
zone the event was planned in, with its VTIMEZONE, so a calendar shows the organiser's zone and
keeps the instant across daylight-saving changes; an event of no known zone is in UTC. An
all-day event is its dates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from hub.events import Event, Kind, Schedule
from hub.files import safe_filename
from hub.rendering.when import event_dates, reading_zone

MIME_TYPE = "text/calendar"
PRODUCT = "-//Passerelle//Passerelle hub//EN"
MARGIN = timedelta(days=366)


def uid(event: Event) -> str:
    """The same for every revision and every copy of one item."""
    source = event.source
    digest = hashlib.sha256(f"{source.connection}\0{source.native_id}".encode()).hexdigest()
    return f"{digest[:32]}@passerelle"


def sequence(event: Event) -> int:
    """The revision number calendars compare: each revision must outnumber the one before,
    and the time it was made does. An invitation and the feed both count this way, so
    neither looks older to a calendar that holds the other."""
    return 0 if event.kind is Kind.EVENT_CREATED else int(event.occurred_at.timestamp())


def calendar_event(event: Event, schedule: Schedule, title: str | None,
                   description: str) -> CalendarEvent:
    """The VEVENT of `event` at `schedule`, its summary and description as given (plain
    text); the join link follows the description."""
    entry = CalendarEvent()
    entry.add("uid", uid(event))
    entry.add("dtstamp", event.occurred_at.astimezone(UTC))
    entry.add("sequence", sequence(event))
    if schedule.all_day:
        first, last = event_dates(schedule)
        entry.add("dtstart", first)
        entry.add("dtend", last + timedelta(days=1))  # the day after the last: RFC 5545
    else:
        zone = reading_zone(schedule, None)
        entry.add("dtstart", schedule.starts_at.astimezone(zone))
        if schedule.ends_at is not None and schedule.ends_at > schedule.starts_at:
            entry.add("dtend", schedule.ends_at.astimezone(zone))
    entry.add("summary", title or event.title or "Event")
    text = "\n\n".join(part for part in (description.strip(), schedule.join_url or "") if part)
    if text:
        entry.add("description", text)
    if schedule.location or schedule.join_url:
        entry.add("location", schedule.location or schedule.join_url)
    if schedule.join_url:
        entry.add("url", schedule.join_url)
    entry.add("status", "CANCELLED" if event.kind is Kind.EVENT_CANCELLED else "CONFIRMED")
    return entry


def calendar_of(entries: Iterable[CalendarEvent], method: str,
                name: str | None = None) -> Calendar:
    """A VCALENDAR holding `entries` and the VTIMEZONE of each zone they name, covering
    their dates with a year to spare on each side (only the offsets at their times matter,
    and the library's default span, 1970 to 2038, writes forty years of them)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name is not None:
        calendar.add("x-wr-calname", name)
    days: list[date] = []
    for entry in entries:
        calendar.add_component(entry)
        days.extend(_day(entry.decoded(key)) for key in ("dtstart", "dtend") if key in entry)
    if days:
        calendar.add_missing_timezones(first_date=min(days) - MARGIN,
                                       last_date=max(days) + MARGIN)
    return calendar


def _day(value: date) -> date:
    # A datetime is a date too: its own day, not the datetime itself, bounds the span.
    return value if type(value) is date else date(value.year, value.month, value.day)


def invitation(event: Event, schedule: Schedule, title: str | None, description: str) -> bytes:
    """The .ics of `event` at `schedule`, its summary and description as the reader reads
    them (plain text)."""
    cancelled = event.kind is Kind.EVENT_CANCELLED
    entry = calendar_event(event, schedule, title, description)
    return bytes(calendar_of([entry], "CANCEL" if cancelled else "PUBLISH").to_ical())


def file_name(title: str | None) -> str:
    """What the attachment is called: its title, as a safe file name."""
    return safe_filename(f"{(title or 'event').strip()[:80]}.ics")
