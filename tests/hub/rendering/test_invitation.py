"""The .ics a reader opens to add an event to their calendar, read back by the same library
calendars use."""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar

from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.rendering.invitation import file_name, invitation, uid

SCHEDULE = Schedule(starts_at=datetime(2026, 12, 8, 15, tzinfo=UTC),
                    ends_at=datetime(2026, 12, 8, 16, 30, tzinfo=UTC), timezone="Europe/Paris",
                    join_url="https://zoom.us/j/8000")


def event(kind: Kind = Kind.EVENT_CREATED, schedule: Schedule = SCHEDULE,
          occurred: datetime = datetime(2026, 12, 1, 9, tzinfo=UTC)) -> Event:
    return Event(kind=kind, source=Ref(platform="basecamp", connection="network-basecamp",
                                       endpoint="calendar/1", native_id="900"),
                 actor=Actor(platform="basecamp", native_id="1", name="Camille Martin"),
                 occurred_at=occurred, title="Assemblée des villes", schedule=schedule)


def read(content: bytes) -> tuple[Calendar, dict[str, object]]:
    calendar = Calendar.from_ical(content)
    [entry] = calendar.walk("VEVENT")
    # Times as Python values; text as text (the library's own types are str subclasses).
    return calendar, {name: entry.decoded(name) if name.startswith("DT") else str(entry[name])
                      for name in entry}


def test_an_invitation_is_the_event_in_utc_with_its_readers_words() -> None:
    calendar, entry = read(invitation(event(), SCHEDULE, "Assembleia das cidades",
                                      "Ordem do dia: o encontro de Lisboa."))
    assert calendar["method"] == "PUBLISH" and calendar["version"] == "2.0"
    assert entry["DTSTART"] == datetime(2026, 12, 8, 15, tzinfo=UTC)
    assert entry["DTEND"] == datetime(2026, 12, 8, 16, 30, tzinfo=UTC)
    assert entry["SUMMARY"] == "Assembleia das cidades"
    assert entry["DESCRIPTION"] == "Ordem do dia: o encontro de Lisboa.\n\nhttps://zoom.us/j/8000"
    assert entry["URL"] == "https://zoom.us/j/8000"
    assert entry["STATUS"] == "CONFIRMED" and entry["SEQUENCE"] == "0"
    assert entry["DTSTAMP"] == datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_every_copy_and_revision_is_one_event_to_a_calendar() -> None:
    later = event(Kind.EVENT_UPDATED, occurred=datetime(2026, 12, 2, 9, tzinfo=UTC))
    first, moved = read(invitation(event(), SCHEDULE, "A", ""))[1], \
        read(invitation(later, SCHEDULE, "B", ""))[1]
    assert first["UID"] == moved["UID"] == uid(event())
    assert int(str(moved["SEQUENCE"])) > int(str(first["SEQUENCE"]))
    other = event().model_copy(update={"source": event().source.model_copy(
        update={"native_id": "901"})})
    assert uid(other) != uid(event())


def test_a_cancellation_cancels() -> None:
    calendar, entry = read(invitation(event(Kind.EVENT_CANCELLED), SCHEDULE, "A", ""))
    assert calendar["method"] == "CANCEL" and entry["STATUS"] == "CANCELLED"


def test_an_all_day_event_is_its_dates_the_end_exclusive() -> None:
    days = Schedule(starts_at=datetime(2026, 12, 8, tzinfo=UTC),
                    ends_at=datetime(2026, 12, 10, tzinfo=UTC), all_day=True)
    entry = read(invitation(event(schedule=days), days, "A", ""))[1]
    assert (entry["DTSTART"], entry["DTEND"]) == (date(2026, 12, 8), date(2026, 12, 11))


def test_no_end_no_dtend_and_no_blank_description() -> None:
    bare = Schedule(starts_at=datetime(2026, 12, 8, 15, tzinfo=UTC))
    entry = read(invitation(event(schedule=bare), bare, None, "  "))[1]
    assert "DTEND" not in entry and "DESCRIPTION" not in entry and "LOCATION" not in entry
    assert entry["SUMMARY"] == "Assemblée des villes"


def test_its_file_name_is_its_title_made_safe() -> None:
    assert file_name("Assembleia das cidades") == "Assembleia das cidades.ics"
    assert file_name("../../etc/passwd") == "_.._etc_passwd.ics"
    assert file_name(None) == "event.ics"
