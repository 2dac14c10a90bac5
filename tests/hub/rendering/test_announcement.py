"""A calendar event told where there is no calendar: what the reader learns, in their words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.rendering.announcement import Line, Status, announce, language_list

SCHEDULE = Schedule(starts_at=datetime(2026, 12, 8, 15, tzinfo=UTC),
                    ends_at=datetime(2026, 12, 8, 16, 30, tzinfo=UTC), timezone="Europe/Paris",
                    location="Paços do Concelho, Lisboa", join_url="https://zoom.us/j/8000")
MOVED = SCHEDULE.model_copy(update={"starts_at": datetime(2026, 12, 9, 15, tzinfo=UTC),
                                    "ends_at": datetime(2026, 12, 9, 16, 30, tzinfo=UTC)})


def event(kind: Kind = Kind.EVENT_CREATED, schedule: Schedule | None = SCHEDULE) -> Event:
    return Event(kind=kind, source=Ref(platform="basecamp", connection="network-basecamp",
                                       endpoint="calendar/1", native_id="900"),
                 actor=Actor(platform="basecamp", native_id="1", name="Camille Martin"),
                 occurred_at=datetime(2026, 12, 1, 9, tzinfo=UTC), title="Assemblée des villes",
                 body="Ordre du jour : la rencontre de Lisbonne.", schedule=schedule)


def plain(text: str | None) -> str:
    return (text or "").replace("\u2009", " ").replace("\u202f", " ")


@pytest.mark.parametrize(("language", "zone", "lines"), [
    ("fr", "Europe/Paris", [
        "🗓 mardi 8 décembre 2026, 16:00 – 17:30 (heure normale d’Europe centrale)",
        "📍 Paços do Concelho, Lisboa", "🔗 [Rejoindre](https://zoom.us/j/8000)"]),
    ("pt", "Europe/Lisbon", [
        "🗓 terça-feira, 8 de dezembro de 2026 15:00 – 16:30 (Horário Padrão da Europa "
        "Ocidental)", "📍 Paços do Concelho, Lisboa", "🔗 [Entrar](https://zoom.us/j/8000)"]),
    ("es", "America/Bogota", [
        "🗓 martes, 8 de diciembre de 2026, 10:00–11:30 (hora estándar de Colombia)",
        "📍 Paços do Concelho, Lisboa", "🔗 [Unirse](https://zoom.us/j/8000)"]),
    ("en", None, [
        "🗓 Tuesday, December 8, 2026, 4:00 – 5:30 PM (Central European Standard Time)",
        "📍 Paços do Concelho, Lisboa", "🔗 [Join](https://zoom.us/j/8000)"]),
])
def test_a_first_announcement_tells_when_where_and_how_to_join(
        language: str, zone: str | None, lines: list[str]) -> None:
    told = announce(event(), language, zone)
    assert told.status is Status.ANNOUNCED and told.headline is None
    assert plain(told.markup()).split("\n") == lines
    assert plain(told.when) == lines[0].removeprefix("🗓 ")


@pytest.mark.parametrize(("language", "interpretation", "line"), [
    ("fr", ["en", "fr", "pt"], "🎧 Interprétation : anglais, français et portugais"),
    ("pt", ["en", "pt-PT"], "🎧 Interpretação: inglês e português"),
    ("es", ["en", "fr", "en"], "🎧 Interpretación: inglés y francés"),
    ("en", ["pt-BR", "fr"], "🎧 Interpretation: Brazilian Portuguese and French"),
])
def test_interpretation_languages_are_named_in_the_readers_language(
        language: str, interpretation: list[str], line: str) -> None:
    told = announce(event(), language, "UTC", interpretation=interpretation)
    assert told.markup().split("\n")[-1] == line


def test_a_move_says_where_to_and_strikes_the_old_time() -> None:
    told = announce(event(Kind.EVENT_UPDATED, MOVED), "en", "Europe/Lisbon", previous=SCHEDULE)
    assert told.status is Status.MOVED
    assert plain(told.markup()).split("\n") == [
        "**Moved to Wednesday, December 9, 2026, 3:00 – 4:30 PM (Western European Standard "
        "Time)**",
        "🗓 ~~Tuesday, December 8, 2026, 3:00 – 4:30 PM (Western European Standard Time)~~",
        "📍 Paços do Concelho, Lisboa", "🔗 [Join](https://zoom.us/j/8000)"]


@pytest.mark.parametrize(("language", "headline"), [
    ("fr", "**Déplacé au mercredi 9 décembre 2026, 16:00 – 17:30 (heure normale d’Europe "
           "centrale)**"),
    ("pt", "**Remarcado para quarta-feira, 9 de dezembro de 2026 16:00 – 17:30 (Horário "
           "Padrão da Europa Central)**"),
    ("es", "**Trasladado al miércoles, 9 de diciembre de 2026, 16:00–17:30 (hora estándar de "
           "Europa central)**"),
])
def test_a_move_in_each_language(language: str, headline: str) -> None:
    told = announce(event(Kind.EVENT_UPDATED, MOVED), language, "Europe/Paris",
                    previous=SCHEDULE)
    assert plain(told.markup()).split("\n")[0] == headline


def test_a_new_place_is_shown_beside_the_old_one() -> None:
    elsewhere = SCHEDULE.model_copy(update={"location": "Hôtel de Ville, Paris"})
    told = announce(event(Kind.EVENT_UPDATED, elsewhere), "fr", "Europe/Paris",
                    previous=SCHEDULE)
    assert told.status is Status.CHANGED and told.headline == "Modifié"
    assert [line for line in told.lines if line.symbol == "📍"] == [
        Line("📍", "Hôtel de Ville, Paris"), Line("📍", "Paços do Concelho, Lisboa", struck=True)]


def test_an_update_without_the_previous_revision_shows_the_event_as_it_now_is() -> None:
    told = announce(event(Kind.EVENT_UPDATED, MOVED), "pt", "Europe/Lisbon")
    assert told.status is Status.CHANGED
    assert plain(told.markup()).split("\n")[:2] == [
        "**Alterado**",
        "🗓 quarta-feira, 9 de dezembro de 2026 15:00 – 16:30 (Horário Padrão da Europa "
        "Ocidental)"]


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "**Cancelled**\n🗓 ~~Tuesday, December 8, 2026, 3:00 – 4:30 PM (Greenwich Mean "
           "Time)~~"),
    ("fr", "**Annulé**\n🗓 ~~mardi 8 décembre 2026, 15:00 – 16:30 (heure moyenne de "
           "Greenwich)~~"),
])
def test_a_cancellation_strikes_the_time_through(language: str, expected: str) -> None:
    told = announce(event(Kind.EVENT_CANCELLED), language, "Europe/London")
    assert told.status is Status.CANCELLED and plain(told.markup()) == expected


def test_a_cancellation_without_a_time_reads_the_previous_one_or_just_says_so() -> None:
    gone = event(Kind.EVENT_CANCELLED, schedule=None)
    assert announce(gone, "es", "UTC").markup() == "**Cancelado**"
    assert "~~martes, 8 de diciembre de 2026" in announce(gone, "es", "UTC",
                                                          previous=SCHEDULE).markup()


def test_an_all_day_event_has_no_clock() -> None:
    day = Schedule(starts_at=datetime(2026, 12, 8, tzinfo=UTC), all_day=True)
    assert announce(event(schedule=day), "fr", "Asia/Tokyo").markup() == \
        "🗓 mardi 8 décembre 2026"


def test_a_place_people_wrote_cannot_inject_markup() -> None:
    sneaky = SCHEDULE.model_copy(update={"location": "**Room** [5](https://evil.example)",
                                         "join_url": None})
    line = announce(event(schedule=sneaky), "en", "UTC").markup().split("\n")[1]
    assert line == "📍 \\*\\*Room\\*\\* \\[5\\](https://evil.example)"


def test_language_names_come_from_cldr() -> None:
    assert language_list(["de", "it", "ar"], "pt") == "alemão, italiano e árabe"
    assert language_list(["xx"], "en") == "xx"
    assert language_list([], "en") == ""
