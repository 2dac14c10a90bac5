"""When an event takes place, as each reader reads it: tables of real cases, every format from
CLDR (the expected strings are what CLDR says, written out so a change of it shows)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.events import Schedule
from hub.rendering import when as rendering
from hub.rendering.when import event_dates, locale, reading_zone, time_zone


def when(schedule: Schedule, language: str | None, zone: str | None = None) -> str:
    """The text with CLDR's thin and narrow spaces as plain ones, so the tables read easily
    (test_cldr_spaces_are_kept shows they are there)."""
    text = rendering.when(schedule, language, zone)
    return text.replace("\u2009", " ").replace("\u202f", " ").replace("\xa0", " ")


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


ASSEMBLY = Schedule(starts_at=at(8, 15), ends_at=at(8, 16, 30), timezone="Europe/Paris")


@pytest.mark.parametrize(("language", "zone", "expected"), [
    ("fr", "Europe/Paris",
     "mardi 8 décembre 2026, 16:00 – 17:30 (heure normale d’Europe centrale)"),
    ("pt", "Europe/Lisbon",
     "terça-feira, 8 de dezembro de 2026 15:00 – 16:30 (Horário Padrão da Europa Ocidental)"),
    ("pt-BR", "America/Sao_Paulo",
     "terça-feira, 8 de dezembro de 2026 12:00 – 13:30 (Horário Padrão de Brasília)"),
    ("es", "America/Mexico_City",
     "martes, 8 de diciembre de 2026, 9:00–10:30 (hora estándar central)"),
    ("en", "America/New_York",
     "Tuesday, December 8, 2026, 10:00 – 11:30 AM (Eastern Standard Time)"),
    ("en-GB", "Europe/London", "Tuesday, 8 December 2026, 15:00–16:30 (Greenwich Mean Time)"),
    ("en", "UTC", "Tuesday, December 8, 2026, 3:00 – 4:30 PM (Coordinated Universal Time)"),
])
def test_a_timed_event_in_each_readers_language_and_zone(language: str, zone: str,
                                                         expected: str) -> None:
    assert when(ASSEMBLY, language, zone) == expected


@pytest.mark.parametrize(("schedule", "zone", "expected"), [
    # No zone of its own: the event's planned zone.
    (ASSEMBLY, None, "Tuesday, December 8, 2026, 4:00 – 5:30 PM (Central European Standard Time)"),
    # Neither: UTC, named.
    (Schedule(starts_at=at(8, 15), ends_at=at(8, 16)), None,
     "Tuesday, December 8, 2026, 3:00 – 4:00 PM (Coordinated Universal Time)"),
    # A zone a platform sent that this system does not know: UTC, not a failure.
    (Schedule(starts_at=at(8, 15), timezone="Mars/Olympus_Mons"), None,
     "Tuesday, December 8, 2026, 3:00 PM (Coordinated Universal Time)"),
])
def test_an_endpoint_without_a_zone_reads_the_events_own(schedule: Schedule, zone: str | None,
                                                         expected: str) -> None:
    assert when(schedule, "en", zone) == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Tuesday, December 8, 2026, 3:00 PM (Coordinated Universal Time)"),
    ("fr", "mardi 8 décembre 2026, 15:00 (temps universel coordonné)"),
    ("pt", "terça-feira, 8 de dezembro de 2026 15:00 (Horário Universal Coordenado)"),
    ("es", "martes, 8 de diciembre de 2026, 15:00 (tiempo universal coordinado)"),
])
def test_without_an_end_only_the_start_is_told(language: str, expected: str) -> None:
    assert when(Schedule(starts_at=at(8, 15)), language, "UTC") == expected


def test_an_end_before_the_start_is_no_end() -> None:
    backwards = Schedule(starts_at=at(8, 15), ends_at=at(8, 14))
    assert when(backwards, "en", "UTC") == \
        "Tuesday, December 8, 2026, 3:00 PM (Coordinated Universal Time)"


@pytest.mark.parametrize(("language", "zone", "expected"), [
    ("fr", "Europe/Lisbon", "mardi 8 décembre 2026, 22:00 – mercredi 9 décembre 2026, 01:00 "
                            "(heure normale d’Europe de l’Ouest)"),
    ("en", "Europe/Paris", "Tuesday, December 8, 2026, 11:00 PM – Wednesday, December 9, 2026, "
                           "2:00 AM (Central European Standard Time)"),
    # Where it does not cross midnight, it is one day again.
    ("en", "America/Sao_Paulo",
     "Tuesday, December 8, 2026, 7:00 – 10:00 PM (Brasilia Standard Time)"),
    ("pt", "Asia/Tokyo", "quarta-feira, 9 de dezembro de 2026 07:00 – 10:00 "
                         "(Horário Padrão do Japão)"),
])
def test_an_event_across_midnight_names_both_days_where_the_reader_lives(
        language: str, zone: str, expected: str) -> None:
    late = Schedule(starts_at=at(8, 22), ends_at=at(9, 1))
    assert when(late, language, zone) == expected


@pytest.mark.parametrize(("schedule", "language", "expected"), [
    # Clocks go back in Paris at 03:00 CEST on 25 October 2026: 02:30 happens twice.
    (Schedule(starts_at=at(25, 0, 30, month=10), ends_at=at(25, 1, 30, month=10)), "fr",
     "dimanche 25 octobre 2026, 02:30 (heure d’été d’Europe centrale) – 02:30 "
     "(heure normale d’Europe centrale)"),
    # Clocks go forward at 02:00 CET on 29 March 2026: an hour long, 01:30 to 03:30.
    (Schedule(starts_at=at(29, 0, 30, month=3), ends_at=at(29, 1, 30, month=3)), "en",
     "Sunday, March 29, 2026, 1:30 AM (Central European Standard Time) – 3:30 AM "
     "(Central European Summer Time)"),
    # A summer event says summer time.
    (Schedule(starts_at=at(8, 15, month=7), ends_at=at(8, 16, month=7)), "es",
     "miércoles, 8 de julio de 2026, 17:00–18:00 (hora de verano de Europa central)"),
])
def test_daylight_saving_time_boundaries(schedule: Schedule, language: str,
                                         expected: str) -> None:
    assert when(schedule, language, "Europe/Paris") == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "mardi 8 décembre 2026"),
    ("pt", "terça-feira, 8 de dezembro de 2026"),
    ("es", "martes, 8 de diciembre de 2026"),
    ("en", "Tuesday, December 8, 2026"),
])
def test_an_all_day_event_is_its_date_wherever_it_is_read(language: str, expected: str) -> None:
    day = Schedule(starts_at=at(8, 0), ends_at=at(8, 0), all_day=True)
    # Tokyo is nine hours ahead and Honolulu ten behind: the date does not move.
    assert when(day, language, "Asia/Tokyo") == expected
    assert when(day, language, "Pacific/Honolulu") == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "mar. 8 – jeu. 10 déc. 2026"),
    ("pt", "ter., 8 de dez. – qui., 10 de dez. de 2026"),
    ("es", "mar, 8 de diciembre – jue, 10 de diciembre de 2026"),
    ("en", "Tue, Dec 8 – Thu, Dec 10, 2026"),
])
def test_an_all_day_event_of_several_days(language: str, expected: str) -> None:
    days = Schedule(starts_at=at(8, 0), ends_at=at(10, 0), all_day=True)
    assert when(days, language, "UTC") == expected


def test_an_all_day_events_dates_are_read_in_the_zone_it_was_planned_in() -> None:
    # Planned in Paris: midnight there is 23:00 UTC the day before.
    day = Schedule(starts_at=at(7, 23), ends_at=at(9, 23), all_day=True,
                   timezone="Europe/Paris")
    assert [d.isoformat() for d in event_dates(day)] == ["2026-12-08", "2026-12-10"]
    assert when(day, "en", "America/Los_Angeles") == "Tue, Dec 8 – Thu, Dec 10, 2026"


@pytest.mark.parametrize(("language", "expected"), [
    ("pt-BR", "pt_BR"), ("pt-XX", "pt"), ("xx", "en"), (None, "en"), ("fr_CA", "fr_CA")])
def test_a_language_without_cldr_data_reads_its_primary_language_or_english(
        language: str | None, expected: str) -> None:
    assert str(locale(language)) == expected


def test_an_unknown_time_zone_says_what_to_write() -> None:
    with pytest.raises(ValueError, match='unknown time zone "Europe/Pariss"; use an IANA name'):
        time_zone("Europe/Pariss")
    for name in ("", "../../etc/passwd", "Europe/"):
        with pytest.raises(ValueError, match="unknown time zone"):
            time_zone(name)
    assert str(time_zone(" Europe/Lisbon ")) == "Europe/Lisbon"


def test_the_readers_zone_wins_over_the_events() -> None:
    assert str(reading_zone(ASSEMBLY, "Asia/Tokyo")) == "Asia/Tokyo"
    assert str(reading_zone(ASSEMBLY, None)) == "Europe/Paris"
    assert reading_zone(Schedule(starts_at=at(8, 15)), None) is UTC


def test_cldr_spaces_are_kept() -> None:
    # CLDR puts thin spaces around the range dash and a narrow one before AM/PM.
    assert rendering.when(ASSEMBLY, "en", "UTC") == \
        "Tuesday, December 8, 2026, 3:00\u2009–\u20094:30\u202fPM (Coordinated Universal Time)"
