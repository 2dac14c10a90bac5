"""A calendar event told in a place with no calendar of its own (a chat, a board): what
changed, when, where, how to join and which interpretation there is, each line already in the
reader's language and time zone. Connectors show it in their idiom, through `markup()` or line
by line.

An update says what changed when the revision the hub saw before is known (`previous`): a new
time is "moved to …" with the old one struck through, a new place or link is shown beside the
old one; without it, the update shows the event as it now is, marked changed. A cancellation
strikes the time through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Literal

from babel.dates import format_timedelta
from babel.lists import format_list

from hub import markup
from hub.events import Event, Kind, Schedule
from hub.rendering.when import locale, when
from hub.rendering.words import words

WHEN, WHERE, JOIN, INTERPRETATION = "🗓", "📍", "🔗", "🎧"


class Status(StrEnum):
    """What the announcement tells about the event."""

    ANNOUNCED = "announced"
    CHANGED = "changed"
    MOVED = "moved"
    CANCELLED = "cancelled"
    REMINDED = "reminded"


@dataclass(frozen=True, slots=True)
class Line:
    """One fact: the symbol a reader scans for, its text, a link, or what it said before
    (`struck`: shown crossed out)."""

    symbol: str
    text: str
    url: str | None = None
    struck: bool = False

    def markup(self) -> str:
        """The line as canonical markup (hub.markup)."""
        text = markup.escape(self.text)
        if self.url:
            text = f"[{text}]({self.url})"
        elif self.struck:
            text = f"~~{text}~~"
        return f"{self.symbol} {text}"


@dataclass(frozen=True, slots=True)
class Announcement:
    """A calendar event as the readers of one endpoint read it."""

    status: Status
    headline: str | None  # "Moved to …", "Cancelled", "Changed"; None for a first announcement
    lines: tuple[Line, ...]
    when: str | None  # the event's time as the reader reads it (previews, templates)

    def markup(self) -> str:
        """The headline in bold, then one line per fact, as canonical markup."""
        head = [f"**{markup.escape(self.headline)}**"] if self.headline else []
        return "\n".join(head + [line.markup() for line in self.lines])


def announce(event: Event, language: str | None, zone: str | None = None, *,
             previous: Schedule | None = None, interpretation: Sequence[str] = ()
             ) -> Announcement:
    """The announcement of `event` for readers of `language` in `zone` (None: the event's own).

    `previous` is the schedule of the revision the hub saw before this one, when known;
    `interpretation` the BCP-47 languages the event is interpreted into.
    """
    said = words(language)
    schedule = event.schedule
    if event.kind is Kind.EVENT_CANCELLED:
        gone = schedule or previous
        if gone is None:
            return Announcement(Status.CANCELLED, said["cancelled"], (), None)
        was = when(gone, language, zone)
        return Announcement(Status.CANCELLED, said["cancelled"], (Line(WHEN, was, struck=True),),
                            was)
    if schedule is None:  # a change that says nothing of its time: the item's words only
        status = Status.CHANGED if event.kind.changes else Status.ANNOUNCED
        return Announcement(status, said["changed"] if event.kind.changes else None, (), None)
    now = when(schedule, language, zone)
    lines: list[Line] = []
    status, headline = Status.ANNOUNCED, None
    if event.kind.changes:
        status, headline = Status.CHANGED, said["changed"]
        before = when(previous, language, zone) if previous is not None else None
        if before is not None and before != now:
            status, headline = Status.MOVED, said["moved"].format(when=now)
            lines.append(Line(WHEN, before, struck=True))
        else:
            lines.append(Line(WHEN, now))
    else:
        lines.append(Line(WHEN, now))
    if schedule.location:
        lines.append(Line(WHERE, schedule.location))
    if previous is not None and previous.location and previous.location != schedule.location:
        lines.append(Line(WHERE, previous.location, struck=True))
    if schedule.join_url:
        lines.append(Line(JOIN, said["join"], url=schedule.join_url))
    if interpretation:
        lines.append(Line(INTERPRETATION, said["interpretation"].format(
            languages=language_list(interpretation, language))))
    return Announcement(status, headline, tuple(lines), now)


def remind(event: Event, language: str | None, zone: str | None, *, title: str | None,
           before: timedelta) -> Announcement:
    """A reminder of a calendar event `before` its start, for readers of `language` in
    `zone`: "Reminder: <title>, in 1 hour", then its time, place, link and interpretation."""
    told = announce(event, language, zone, interpretation=event.schedule.interpretation
                    if event.schedule else ())
    headline = words(language)["reminder"].format(title=title or event.title or "",
                                                   delay=_in(before, language))
    return replace(told, status=Status.REMINDED, headline=headline)


def _in(delay: timedelta, language: str | None) -> str:
    """`in 1 day`, `dans 1 heure`, `em 90 minutos`: in the largest unit that says it
    exactly (CLDR would round 90 minutes to 2 hours)."""
    minutes = max(1, int(delay.total_seconds() // 60))
    units: tuple[tuple[Literal["day", "hour", "minute"], int], ...] = (
        ("day", 24 * 60), ("hour", 60), ("minute", 1))
    for unit, size in units:
        if minutes % size == 0:
            # Babel names the delay in the first unit, largest first, holding at least
            # `threshold` of it: the count in our unit is where it stops.
            return format_timedelta(timedelta(minutes=minutes), granularity=unit,
                                    threshold=minutes // size, add_direction=True,
                                    locale=locale(language))
    raise AssertionError("a minute divides every count of minutes")


def language_list(languages: Sequence[str], reader: str | None) -> str:
    """Languages named in the reader's language and listed its way: `anglais et portugais`."""
    names = locale(reader).languages
    seen: list[str] = []
    for code in languages:
        primary = code.replace("_", "-").split("-", 1)[0].lower()
        name = names.get(code.replace("-", "_")) or names.get(primary) or code
        if name not in seen:
            seen.append(name)
    return str(format_list(seen, locale=locale(reader))) if seen else ""
