"""Calendar events → Zoom meeting requests, interpreters and join notices."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub import markup
from hub.events import Schedule
from plugins.zoom import outbound
from plugins.zoom.settings import Interpreter
from tests.plugins.zoom.conftest import load

ANA = Interpreter(email="ana@example.org", languages=("en", "pt"))
LI = Interpreter(email="li@example.org", languages=("en", "zh"))


@pytest.mark.parametrize(("languages", "chosen"), [
    (["en", "pt-BR", "fr"], [ANA]), (["en", "zh", "pt"], [ANA, LI]), (["fr"], []),
    (None, [ANA, LI]),
])
def test_interpreters_follow_the_bridge_languages(languages: list[str] | None,
                                                  chosen: list[Interpreter]) -> None:
    assert outbound.select_interpreters([ANA, LI], languages) == chosen


def test_meeting_request_has_the_documented_shape() -> None:
    documented = load("meeting_create_request_docs_example.json")
    schedule = Schedule(starts_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
                        ends_at=datetime(2026, 12, 1, 16, 30, tzinfo=UTC),
                        timezone="Europe/Lisbon")
    request = outbound.meeting_request("Network call", "Agenda: **budget**", schedule,
                                      default_minutes=60, interpreters=[ANA])
    assert set(request) <= set(documented)
    assert request == {
        "topic": "Network call", "type": 2, "start_time": "2026-12-01T15:00:00Z",
        "duration": 90, "agenda": "Agenda: budget", "timezone": "Europe/Lisbon",
        "settings": {"language_interpretation": {"enable": True, "interpreters": [
            {"email": "ana@example.org", "interpreter_languages": "English,Portuguese"}]}},
    }
    documented_block = documented["settings"]["language_interpretation"]
    assert set(request["settings"]["language_interpretation"]) == set(documented_block)


def test_meeting_without_end_lasts_the_default() -> None:
    schedule = Schedule(starts_at=datetime(2026, 12, 1, 15, tzinfo=UTC))
    request = outbound.meeting_request(None, "Quarterly review\nmore", schedule,
                                      default_minutes=45, interpreters=[])
    assert request["duration"] == 45
    assert request["topic"] == "Quarterly review"
    assert "settings" not in request


def test_interpreters_read_in_both_spellings() -> None:
    documented = load("meeting_create_request_docs_example.json")
    assert outbound.interpreters_of(documented) == [("interpreter@example.com", "US,FR")]
    newer = {"settings": {"language_interpretation": {"interpreters": [
        {"email": "a@b.c", "interpreter_languages": "English,French"}]}}}
    assert outbound.interpreters_of(newer) == [("a@b.c", "English,French")]


def test_join_notice_names_link_and_the_interpretation_zoom_kept() -> None:
    url = "https://us05web.zoom.us/j/1?pwd=a_b"
    kept = {"join_url": url, "settings": {"language_interpretation": {
        "enable": True, "interpreters": [
            {"email": "ana@example.org", "interpreter_languages": "English,Portuguese"},
            {"email": "other@example.org", "languages": "US,FR"}]}}}
    notice = outbound.join_notice(kept)
    assert notice == (f"Zoom meeting: {url}\n"
                      "Interpretation: English ⇄ Portuguese, English ⇄ French")
    [paragraph] = markup.parse(notice)
    assert isinstance(paragraph, markup.Paragraph)
    links = [n for n in paragraph.inlines if isinstance(n, markup.Link)]
    assert links[0].url == url


@pytest.mark.parametrize("settings", [{}, {"language_interpretation": {"enable": False,
                                            "interpreters": [{"email": "a@b.c",
                                                              "languages": "US,CN"}]}}])
def test_join_notice_claims_no_interpretation_zoom_dropped(settings: dict[str, object]) -> None:
    notice = outbound.join_notice({"join_url": "https://zoom.us/j/1", "settings": settings})
    assert notice == "Zoom meeting: https://zoom.us/j/1"


def test_join_notice_needs_an_https_link() -> None:
    assert outbound.join_notice({"join_url": "javascript:alert(1)"}) is None
    assert outbound.join_notice({}) is None


