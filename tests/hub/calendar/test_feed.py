"""A bridge's calendar feed, read back by the library calendars use: each event at its
instant in its own zone, with that zone's VTIMEZONE, its revisions and cancellation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component

from hub.calendar.feed import FeedEntry, etag, feed
from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.rendering.invitation import invitation, uid

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
PARIS = Schedule(starts_at=datetime(2026, 12, 8, 15, tzinfo=UTC),
                 ends_at=datetime(2026, 12, 8, 16, 30, tzinfo=UTC), timezone="Europe/Paris",
                 location="Mairie de Lyon", join_url="https://zoom.us/j/8000",
                 interpretation=("en", "pt"))


def event(native_id: str = "900", kind: Kind = Kind.EVENT_CREATED,
          schedule: Schedule | None = PARIS, occurred: datetime = NOW,
          body: str = "Ordre du jour : **la rencontre** de Lisbonne.") -> Event:
    return Event(kind=kind, source=Ref(platform="basecamp", connection="network-basecamp",
                                       endpoint="calendar/1", native_id=native_id),
                 actor=Actor(platform="basecamp", native_id="1", name="Camille Martin"),
                 occurred_at=occurred, title="Assemblée des villes", body=body,
                 language="fr", schedule=schedule)


def entry(happening: Event, schedule: Schedule = PARIS) -> FeedEntry:
    return FeedEntry(happening, schedule, happening.title)


def read(content: bytes) -> tuple[Calendar, list[Component]]:
    calendar = Calendar.from_ical(content)
    return calendar, list(calendar.walk("VEVENT"))


def test_the_feed_is_the_bridges_calendar_its_events_in_their_own_zone() -> None:
    calendar, [found] = read(feed("assemblées", [entry(event())], NOW))
    assert (calendar["method"], calendar["version"]) == ("PUBLISH", "2.0")
    assert str(calendar["x-wr-calname"]) == "assemblées" and "PRODID" in calendar
    start, end = found.decoded("DTSTART"), found.decoded("DTEND")
    # Written as Paris's wall clock (16:00) and read back as the same instant.
    assert found["DTSTART"].params["TZID"] == "Europe/Paris"
    assert (start.hour, start.utcoffset()) == (16, timedelta(hours=1))
    assert (start, end) == (PARIS.starts_at, PARIS.ends_at)
    assert str(found["SUMMARY"]) == "Assemblée des villes"
    assert str(found["DESCRIPTION"]) == ("Ordre du jour : la rencontre de Lisbonne.\n\n"
                                         "Interprétation : anglais et portugais\n\n"
                                         "https://zoom.us/j/8000")
    assert (str(found["LOCATION"]), str(found["URL"])) == ("Mairie de Lyon",
                                                           "https://zoom.us/j/8000")
    assert (str(found["STATUS"]), int(found.decoded("SEQUENCE"))) == ("CONFIRMED", 0)
    assert str(found["UID"]) == uid(event())
    assert found.decoded("DTSTAMP") == NOW


def test_every_zone_used_has_its_vtimezone_and_none_is_written_for_utc() -> None:
    lisbon = PARIS.model_copy(update={"timezone": "America/Sao_Paulo"})
    utc = PARIS.model_copy(update={"timezone": None})
    unknown = PARIS.model_copy(update={"timezone": "Mars/Olympus_Mons"})
    content = feed("b", [entry(event("1")), entry(event("2", schedule=lisbon), lisbon),
                         entry(event("3", schedule=utc), utc),
                         entry(event("4", schedule=unknown), unknown)], NOW)
    calendar, found = read(content)
    zones = sorted(str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE"))
    assert zones == ["America/Sao_Paulo", "Europe/Paris"]
    assert calendar.get_missing_tzids() == set()
    # No zone, or one nobody knows: UTC, with its Z.
    assert [e.decoded("DTSTART").utcoffset() for e in found[2:]] == [timedelta(0)] * 2
    assert all(e.decoded("DTSTART") == PARIS.starts_at for e in found)


def test_an_event_across_the_change_of_clocks_keeps_both_instants() -> None:
    # 26 October 2025: Paris goes from UTC+2 to UTC+1 at 01:00 UTC.
    night = Schedule(starts_at=datetime(2025, 10, 25, 23, tzinfo=UTC),
                     ends_at=datetime(2025, 10, 26, 3, tzinfo=UTC), timezone="Europe/Paris")
    later = datetime(2025, 10, 1, tzinfo=UTC)
    calendar, [found] = read(feed("b", [entry(event(schedule=night), night)], later))
    start, end = found.decoded("DTSTART"), found.decoded("DTEND")
    assert (start.hour, start.utcoffset()) == (1, timedelta(hours=2))
    assert (end.hour, end.utcoffset()) == (4, timedelta(hours=1))
    assert (start, end) == (night.starts_at, night.ends_at)
    # The zone's own description in the file knows both offsets, for calendars that read it
    # rather than their own copy of the zone database.
    [zone] = calendar.walk("VTIMEZONE")
    offsets = {(part.name, part.decoded("TZOFFSETTO")) for part in zone.subcomponents}
    assert {("DAYLIGHT", timedelta(hours=2)), ("STANDARD", timedelta(hours=1))} <= offsets


def test_an_all_day_event_is_its_dates_as_planned() -> None:
    # Midnight in Tokyo is the day before in UTC: the dates are Tokyo's.
    tokyo = ZoneInfo("Asia/Tokyo")
    days = Schedule(starts_at=datetime(2026, 12, 8, tzinfo=tokyo),
                    ends_at=datetime(2026, 12, 9, tzinfo=tokyo), all_day=True,
                    timezone="Asia/Tokyo")
    calendar, [found] = read(feed("b", [entry(event(schedule=days), days)], NOW))
    assert (found.decoded("DTSTART"), found.decoded("DTEND")) == (date(2026, 12, 8),
                                                                   date(2026, 12, 10))
    assert list(calendar.walk("VTIMEZONE")) == []


def test_an_update_outnumbers_the_creation_and_the_invitation_counts_alike() -> None:
    moved = PARIS.model_copy(update={"starts_at": datetime(2026, 12, 9, 15, tzinfo=UTC),
                                     "ends_at": datetime(2026, 12, 9, 16, tzinfo=UTC)})
    update = event(kind=Kind.EVENT_UPDATED, schedule=moved,
                   occurred=NOW + timedelta(hours=2))
    _, [first] = read(feed("b", [entry(event())], NOW))
    _, [second] = read(feed("b", [entry(update, moved)], NOW))
    assert first["UID"] == second["UID"]
    assert int(second.decoded("SEQUENCE")) > int(first.decoded("SEQUENCE"))
    assert second.decoded("DTSTART") == moved.starts_at
    _, [invited] = read(invitation(update, moved, "Assembly of the cities", ""))
    assert invited["UID"] == second["UID"]
    assert int(invited.decoded("SEQUENCE")) == int(second.decoded("SEQUENCE"))


def test_a_cancelled_event_stays_marked_cancelled_where_it_was() -> None:
    gone = event(kind=Kind.EVENT_CANCELLED, schedule=None, occurred=NOW + timedelta(days=1))
    _, [found] = read(feed("b", [entry(gone, PARIS)], NOW))
    assert str(found["STATUS"]) == "CANCELLED"
    assert found.decoded("DTSTART") == PARIS.starts_at
    assert int(found.decoded("SEQUENCE")) > 0


def test_events_that_ended_long_ago_are_left_out() -> None:
    old = Schedule(starts_at=NOW - timedelta(days=200), ends_at=NOW - timedelta(days=181))
    recent = Schedule(starts_at=NOW - timedelta(days=200), ends_at=NOW - timedelta(days=179))
    _, found = read(feed("b", [entry(event("old", schedule=old), old),
                               entry(event("recent", schedule=recent), recent)], NOW))
    assert [str(e["UID"]) for e in found] == [uid(event("recent"))]


def test_an_empty_feed_is_still_a_calendar() -> None:
    calendar, found = read(feed("b", [], NOW))
    assert found == [] and str(calendar["x-wr-calname"]) == "b"


def test_the_etag_follows_the_bytes() -> None:
    content = feed("b", [entry(event())], NOW)
    assert etag(content) == etag(feed("b", [entry(event())], NOW))
    assert etag(content) != etag(feed("c", [entry(event())], NOW))
    assert etag(content).startswith('"') and etag(content).endswith('"')


def test_an_invitation_carries_the_zone_it_is_written_in_too() -> None:
    calendar = Calendar.from_ical(invitation(event(), PARIS, "Assembly of the cities", ""))
    [found] = calendar.walk("VEVENT")
    assert found["DTSTART"].params["TZID"] == "Europe/Paris"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert found.decoded("DTSTART") == PARIS.starts_at
