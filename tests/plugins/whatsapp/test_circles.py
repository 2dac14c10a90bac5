"""The pure rules of circles: keywords, membership and the 24-hour window."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.connector import MemoryStateBox
from plugins.whatsapp import circles
from plugins.whatsapp.circles import Choice, Entry, Keyword, Member
from plugins.whatsapp.members import Roster
from plugins.whatsapp.settings import WhatsAppSettings

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SEEDED = "972987654321"


@pytest.mark.parametrize(("text", "expected"), [
    ("STOP", Keyword(Choice.OUT)), ("  stop ", Keyword(Choice.OUT)),
    ("Start", Keyword(Choice.IN)), ("START lisbon", Keyword(Choice.IN, "lisbon")),
    ("start LISBON", Keyword(Choice.IN, "lisbon")),
    ("STOP general", Keyword(Choice.OUT, "general")),
    ("START nowhere", None), ("please stop", None), ("STOP it now", None), ("", None),
    ("stopping", None),
])
def test_read_keyword(settings: WhatsAppSettings, text: str, expected: Keyword | None) -> None:
    assert circles.read_keyword(settings, text) == expected


def test_custom_keywords(settings: WhatsAppSettings) -> None:
    custom = settings.model_copy(update={"opt_out_keywords": ["PARAR"],
                                         "opt_in_keywords": ["VOLTAR"]})
    assert circles.read_keyword(custom, "parar") == Keyword(Choice.OUT)
    assert circles.read_keyword(custom, "STOP") is None


def test_seeded_member_is_in_the_circle_until_stop(settings: WhatsAppSettings) -> None:
    assert circles.circle_of(settings, SEEDED, None) == "general"
    member = Member(key=SEEDED)
    stopped = circles.apply_keyword(settings, member, Keyword(Choice.OUT), NOW)
    assert circles.circle_of(settings, SEEDED, stopped) is None
    back = circles.apply_keyword(settings, stopped, Keyword(Choice.IN), NOW + timedelta(1))
    assert circles.circle_of(settings, SEEDED, back) == "general"


def test_keywords_arriving_out_of_order_do_not_undo_newer_ones(settings: WhatsAppSettings
                                                               ) -> None:
    stopped = circles.apply_keyword(settings, Member(key=SEEDED), Keyword(Choice.OUT), NOW)
    late_start = circles.apply_keyword(settings, stopped, Keyword(Choice.IN),
                                       NOW - timedelta(minutes=5))
    assert late_start.opted_in is False


def test_stranger_joins_only_open_circles(settings: WhatsAppSettings) -> None:
    stranger = Member(key="447700900123")
    assert circles.circle_of(settings, stranger.key, None) is None
    refused = circles.apply_keyword(settings, stranger, Keyword(Choice.IN, "general"), NOW)
    assert circles.circle_of(settings, stranger.key, refused) is None
    joined = circles.apply_keyword(settings, stranger, Keyword(Choice.IN), NOW)
    assert joined.circle == "lisbon"  # the only open circle
    assert circles.circle_of(settings, stranger.key, joined) == "lisbon"


def test_member_may_move_to_an_open_circle(settings: WhatsAppSettings) -> None:
    moved = circles.apply_keyword(settings, Member(key=SEEDED), Keyword(Choice.IN, "lisbon"), NOW)
    assert circles.circle_of(settings, SEEDED, moved) == "lisbon"


def test_candidates_keep_configured_then_joined_order(settings: WhatsAppSettings) -> None:
    assert circles.candidates(settings, "general", ["447700900123", SEEDED]) == [
        SEEDED, "351912345678", "447700900123"]


@pytest.mark.parametrize(("last", "open_"), [
    (None, False), (NOW - timedelta(hours=1), True), (NOW - timedelta(hours=23, minutes=58), True),
    (NOW - timedelta(hours=23, minutes=59, seconds=30), False), (NOW - timedelta(days=2), False),
])
def test_window(last: datetime | None, open_: bool) -> None:
    assert circles.window_open(Member(key="1", last_inbound=last), NOW) is open_
    assert circles.window_open(None, NOW) is False


def test_member_record_round_trips_and_stays_bounded() -> None:
    member = Member(key="1", circle="general", last_inbound=NOW, wa_id="1", user_id="US.1")
    for index in range(circles.RECENT + 5):
        member = member.remember(Entry(f"k{index}", f"rep{index}", f"own{index}"))
    assert len(member.recent) == circles.RECENT
    again = Member.from_json("1", member.to_json())
    assert again == member
    assert again.own_id(f"rep{circles.RECENT + 4}") == f"own{circles.RECENT + 4}"
    assert again.representative_of(f"own{circles.RECENT + 4}") == f"rep{circles.RECENT + 4}"
    assert again.representative_of("unknown") == "unknown"
    assert again.done(f"k{circles.RECENT + 4}") is not None and again.done("k0") is None


def test_address_prefers_phone_number_then_bsuid() -> None:
    assert Member(key="351912345678").address == {"to": "351912345678"}
    assert Member(key="PT.123", user_id="PT.123").address == {"recipient": "PT.123"}
    assert Member(key="PT.123", wa_id="351912345678").address == {"to": "351912345678"}


async def test_the_roster_parses_a_record_once_and_sees_it_change(
        settings: WhatsAppSettings) -> None:
    state = MemoryStateBox()
    roster = Roster("wa", settings, state)
    member = Member(key="1", circle="general", last_inbound=NOW)
    for index in range(circles.RECENT):
        member = member.remember(Entry(f"k{index}", f"rep{index}", f"own{index}"))
    await roster.save(member)
    assert await roster.load("1") is await roster.load("1")  # kept, not parsed again
    # Written by someone else (another attempt's record, a rolled-back one): read afresh.
    state.values["member:1"] = replace(member, opted_in=False).to_json()
    assert (await roster.load("1")).opted_in is False
    del state.values["member:1"]
    assert await roster.load("1") is None


async def test_the_roster_keeps_only_the_most_recently_used_records_parsed(
        settings: WhatsAppSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("plugins.whatsapp.members.MAX_PARSED", 2)
    roster = Roster("wa", settings, MemoryStateBox())
    for key in ("1", "2", "3"):
        await roster.save(Member(key=key, circle="general"))
    three = await roster.load("3")
    two = await roster.load("2")  # now the most recently used
    await roster.load("1")  # parsed again, and kept: "3" is let go
    assert await roster.load("2") is two
    assert await roster.load("3") is not three  # parsed again
