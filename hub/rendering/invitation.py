"""An event's invitation: the .ics a reader opens to add it to their own calendar (RFC 5545,
written by the `icalendar` library).

Its UID names the event's item, so every copy (one per endpoint, one per revision) is the same
event to a calendar, and a later revision replaces the earlier one (a higher SEQUENCE); a
cancellation is a CANCEL. Times are written in UTC, which every calendar converts to its
owner's zone; an all-day event is its dates.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from hub.events import Event, Kind, Schedule
from hub.files import safe_filename
from hub.rendering.when import event_dates

MIME_TYPE = "text/calendar"
PRODUCT = "-//Passerelle//Passerelle hub//EN"


def uid(event: Event) -> str:
    """The same for every revision and every copy of one item."""
    source = event.source
    digest = hashlib.sha256(f"{source.connection}\0{source.native_id}".encode()).hexdigest()
    return f"{digest[:32]}@passerelle"


def invitation(event: Event, schedule: Schedule, title: str | None, description: str) -> bytes:
    """The .ics of `event` at `schedule`, its summary and description as the reader reads
    them (plain text)."""
    cancelled = event.kind is Kind.EVENT_CANCELLED
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", uid(event))
    entry.add("dtstamp", event.occurred_at.astimezone(UTC))
    # Each revision must outnumber the one before: the time it was made does.
    entry.add("sequence", 0 if event.kind is Kind.EVENT_CREATED
              else int(event.occurred_at.timestamp()))
    if schedule.all_day:
        first, last = event_dates(schedule)
        entry.add("dtstart", first)
        entry.add("dtend", last + timedelta(days=1))  # the day after the last: RFC 5545
    else:
        entry.add("dtstart", schedule.starts_at.astimezone(UTC))
        if schedule.ends_at is not None and schedule.ends_at > schedule.starts_at:
            entry.add("dtend", schedule.ends_at.astimezone(UTC))
    entry.add("summary", title or event.title or "Event")
    text = "\n\n".join(part for part in (description.strip(), schedule.join_url or "") if part)
    if text:
        entry.add("description", text)
    if schedule.location or schedule.join_url:
        entry.add("location", schedule.location or schedule.join_url)
    if schedule.join_url:
        entry.add("url", schedule.join_url)
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(entry)
    return bytes(calendar.to_ical())


def file_name(title: str | None) -> str:
    """What the attachment is called: its title, as a safe file name."""
    return safe_filename(f"{(title or 'event').strip()[:80]}.ics")
