"""A bridge's calendar feed: every calendar event written on its feeding endpoints, from every
platform, as one iCalendar file (RFC 5545) that members subscribe to from Outlook, Google
Calendar or their phone. Pure: entries and the time in, bytes out.

Each event is the VEVENT an invitation carries (hub/rendering/invitation.py): the same UID and
SEQUENCE, so a calendar holding an invitation and the feed sees one event. It reads as it was
written (the feed serves every language of the bridge at once), the interpretation named in
the event's own language. A cancelled event stays in the feed as STATUS:CANCELLED, so
calendars that hold it take it off rather than keeping a stale copy. Events that ended more
than `WINDOW` ago are left out: a feed is fetched every few minutes by every subscriber.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.events import Event, Schedule
from hub.markup import plain_text
from hub.rendering.announcement import language_list
from hub.rendering.invitation import calendar_event, calendar_of
from hub.rendering.words import words

MIME_TYPE = "text/calendar; charset=utf-8"
WINDOW = timedelta(days=180)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One calendar event as the feed shows it: its latest revision, and where and what it
    is (a cancellation says neither, so they come from the revision before it)."""

    event: Event
    schedule: Schedule
    title: str | None


def feed(name: str, entries: Sequence[FeedEntry], now: datetime) -> bytes:
    """The iCalendar file of the bridge `name`: its entries that had not ended `WINDOW`
    before `now`, with the VTIMEZONE of every zone they are written in."""
    since = now - WINDOW
    shown = [calendar_event(entry.event, entry.schedule, entry.title, description(entry))
             for entry in entries if _end(entry.schedule) >= since]
    return bytes(calendar_of(shown, "PUBLISH", name=name).to_ical())


def description(entry: FeedEntry) -> str:
    """The event's words as plain text, then its interpretation, in the language they were
    written in (the join link follows, from the VEVENT itself)."""
    event = entry.event
    parts = [plain_text(event.body).strip()]
    if entry.schedule.interpretation:
        said = words(event.language)["interpretation"]
        parts.append(said.format(languages=language_list(entry.schedule.interpretation,
                                                         event.language)))
    return "\n\n".join(part for part in parts if part)


def etag(content: bytes) -> str:
    """A strong validator of the feed's bytes: a calendar that has them asks again cheaply."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _end(schedule: Schedule) -> datetime:
    return max(schedule.starts_at, schedule.ends_at or schedule.starts_at)
