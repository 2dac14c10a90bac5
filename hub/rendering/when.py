"""When a calendar event takes place, as a reader of one endpoint reads it: their language's
date and time formats and their time zone, all from CLDR (Babel); nothing here is a
hand-written format.

Timed events are shown in the endpoint's time zone; an endpoint without one reads the event in
the zone it was planned in (`Schedule.timezone`, the organiser's), else in UTC, always naming
the zone. All-day events are calendar dates, the same everywhere: their dates are read in the
zone they were planned in and never shifted into the reader's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_interval, format_skeleton

from hub.events import Schedule

FALLBACK_LANGUAGE = "en"


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`, or ValueError naming what to write instead."""
    try:
        return _zone(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f'unknown time zone "{name}"; use an IANA name such as '
                         '"Europe/Paris", "America/Sao_Paulo" or "UTC"') from None


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    if not name:
        raise ValueError("empty")
    return ZoneInfo(name)


@lru_cache(maxsize=64)
def locale(language: str | None) -> Locale:
    """The CLDR locale of a BCP-47 tag (`pt-BR`), its primary language when CLDR has no such
    region, English when it has neither."""
    for tag in (language, (language or "").replace("_", "-").split("-", 1)[0]):
        if tag:
            try:
                return Locale.parse(tag.replace("_", "-"), sep="-")
            except (UnknownLocaleError, ValueError):
                continue
    return Locale.parse(FALLBACK_LANGUAGE)


def reading_zone(schedule: Schedule, endpoint_zone: str | None) -> tzinfo:
    """The zone a reader sees a timed event in: their endpoint's, else the event's own, else
    UTC. The event's zone comes from a platform: one this system does not know is UTC."""
    for name in (endpoint_zone, schedule.timezone):
        if name:
            try:
                return time_zone(name)
            except ValueError:
                continue
    return UTC


def when(schedule: Schedule, language: str | None, endpoint_zone: str | None = None) -> str:
    """The event's date and time as one line for the reader: `mardi 8 décembre 2026, 16:00 –
    17:30 (heure normale d’Europe centrale)`; an all-day event's date(s) alone."""
    reader = locale(language)
    if schedule.all_day:
        return _days(schedule, reader)
    zone = reading_zone(schedule, endpoint_zone)
    start = schedule.starts_at.astimezone(zone)
    end = None
    # Compared in UTC: two times of one zone compare by their wall clocks, which repeat.
    if schedule.ends_at is not None and schedule.ends_at > schedule.starts_at:
        end = schedule.ends_at.astimezone(zone)
    glue = str(reader.datetime_formats["full"])
    day = format_date(start.date(), "full", locale=reader)
    skeleton = _clock(reader)
    if end is None:
        return f"{_joined(glue, day, format_skeleton(skeleton, start, locale=reader))} " \
               f"({_zone_name(start, reader)})"
    if start.utcoffset() != end.utcoffset():
        # The clocks change during the event (DST): each end is named with its own offset,
        # or 02:30 – 02:30 would read as no time at all.
        until = (format_skeleton(skeleton, end, locale=reader) if end.date() == start.date()
                 else _at(glue, end, reader, skeleton))
        return _interval(reader,
                         f"{_at(glue, start, reader, skeleton)} ({_zone_name(start, reader)})",
                         f"{until} ({_zone_name(end, reader)})")
    if end.date() != start.date():  # across midnight, in the reader's zone
        span = _interval(reader, _at(glue, start, reader, skeleton),
                         _at(glue, end, reader, skeleton))
        return f"{span} ({_zone_name(start, reader)})"
    times = format_interval(start, end, skeleton, tzinfo=zone, locale=reader)
    return f"{_joined(glue, day, times)} ({_zone_name(start, reader)})"


def _days(schedule: Schedule, reader: Locale) -> str:
    first, last = event_dates(schedule)
    if last == first:
        return str(format_date(first, "full", locale=reader))
    return str(format_interval(first, last, "yMMMMEEEEd", locale=reader))


def event_dates(schedule: Schedule) -> tuple[date, date]:
    """An all-day event's first and last day (inclusive), as it was planned."""
    planned = reading_zone(schedule, None)
    first = schedule.starts_at.astimezone(planned).date()
    last = schedule.ends_at.astimezone(planned).date() if schedule.ends_at else first
    return first, max(first, last)


def _clock(reader: Locale) -> str:
    """`hm` where the reader's short time format counts 12 hours (en-US), else `Hm`."""
    pattern = reader.time_formats["short"].pattern
    return "hm" if "h" in pattern or "K" in pattern else "Hm"


def _at(glue: str, moment: datetime, reader: Locale, skeleton: str) -> str:
    day = format_date(moment.date(), "full", locale=reader)
    return _joined(glue, day, format_skeleton(skeleton, moment, locale=reader))


def _joined(glue: str, day: str, time: str) -> str:
    # CLDR's pattern joining a date and a time: "{1}, {0}" (en, fr), "{1} {0}" (pt).
    return glue.replace("{1}", day).replace("{0}", time).replace("'", "")


def _interval(reader: Locale, first: str, second: str) -> str:
    fallback = reader.interval_formats.get(None) or "{0} – {1}"
    return str(fallback).replace("{0}", first).replace("{1}", second)


def _zone_name(moment: datetime, reader: Locale) -> str:
    """CLDR's long name of the zone at that moment, standard or summer time as it is then."""
    return str(format_datetime(moment, "zzzz", tzinfo=moment.tzinfo, locale=reader))
