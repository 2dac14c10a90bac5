"""Expertise groups as configured: their problems named, their bridges built, the members who
asked to be told added as targets. Hashtag routing itself is tabled in tests/hub/test_router.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.checking import CheckReport, StoreCheck, bridges_of, report_data, report_lines
from hub.connector import MemoryStateBox, Shape
from hub.errors import ConfigError
from hub.events import Actor, Event, Kind, Ref
from hub.network import Network
from hub.people.groups import group_problems, is_question, notice_addresses, shared_hashtags
from hub.people.model import Directory, Identity, Person
from hub.plugins import Registry, make_plugin_manager
from hub.settings import Direction, GroupSettings, HubSettings, load_settings
from tests.config.test_example import EXAMPLE, uncommented
from tests.hub.fakes import PLUGINS

PIGEON = {"type": "pigeon", "token": "t"}
WHATSAPP = {"type": "whatsapp", "phone_number_id": "1122334455667",
            "access_token": "test-access-token", "app_secret": "test-app-secret-0123456789",
            "verify_token": "test-verify-token-0123456789",
            "circles": {"general": {"open": True}}}
CONNECTIONS = {"east": PIGEON, "west": PIGEON, "wa": WHATSAPP}
MOBILITY = {"title": "Mobility", "hashtags": ["#mobility", "#Mobilité", "#mobilidade"],
            "endpoints": [{"at": "west/chat/mobility", "language": "en"}]}


def build(groups: dict[str, Any], bridges: dict[str, Any] | None = None) -> Network:
    registry = Registry.collect(make_plugin_manager(extra=PLUGINS))
    settings = HubSettings(connections=CONNECTIONS, bridges=bridges or {}, groups=groups)
    return Network.build(settings, registry, httpx.AsyncClient(), lambda _: MemoryStateBox())


def problems(groups: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        build(groups)
    return str(caught.value)


def test_a_group_is_a_bridge_of_places_that_only_receive() -> None:
    network = build({"mobility": {**MOBILITY, "endpoints": [
        {"at": "west/chat/mobility", "language": "en", "direction": "both"}]}},
        {"general": {"endpoints": [{"at": "east/chat/general"}, {"at": "west/chat/lobby"}]}})
    general, group = network.bridges
    assert general.name == "general"  # the groups come after the bridges
    assert group.name == "group:mobility"
    assert group.hashtags == {"mobility", "mobilite", "mobilidade"}
    assert [(str(e.address), e.direction) for e in group.endpoints] == [
        ("west/chat/mobility", Direction.OUT)]
    # The delivery worker finds a group's deliveries by the bridge's name, like any other.
    assert network.member("group:mobility", "west/chat/mobility") == (group, group.endpoints[0])
    # A group's place is not polled: nothing is mirrored from it.
    assert [str(a) for a in network.polled_endpoints()] == ["east/chat/general",
                                                            "west/chat/lobby"]


@pytest.mark.parametrize(("group", "expected"), [
    ({"endpoints": [{"at": "west/chat/m"}]}, 'group "g" has no hashtags; list the tags'),
    ({"hashtags": ["#open data"]}, 'group "g": "#open data" is no hashtag'),
    ({"hashtags": ["#42"]}, 'group "g": "#42" is no hashtag'),
    ({"hashtags": ["#m"], "endpoints": [{"at": "west/chat/m", "direction": "in"}]},
     'group "g": endpoint "west/chat/m" has direction "in", but a group\'s places only'),
])
def test_a_groups_own_problems_are_named(group: dict[str, Any], expected: str) -> None:
    assert any(expected in line for line in group_problems("g", GroupSettings(**group)))


def test_a_good_group_has_no_problem() -> None:
    assert group_problems("mobility", GroupSettings(**MOBILITY)) == []
    assert group_problems("data", GroupSettings(hashtags=["open-data", "#dados_abertos"])) == []


def test_a_hashtag_claimed_by_two_groups_is_named_once_folded() -> None:
    groups = {"mobility": GroupSettings(hashtags=["#mobilité", "#transport"]),
              "transport": GroupSettings(hashtags=["#Transport"]),
              "urbanism": GroupSettings(hashtags=["#Mobilite"])}
    assert shared_hashtags(groups) == [
        'hashtag "#Transport" of group "transport" is also group "mobility"\'s '
        '("#transport"); keep it in one group',
        'hashtag "#Mobilite" of group "urbanism" is also group "mobility"\'s ("#mobilité"); '
        "keep it in one group"]


def test_check_names_every_group_problem_at_once() -> None:
    text = problems({
        "mobility": {**MOBILITY, "endpoints": [{"at": "nowhere/chat/1"},
                                               {"at": "wa/circle/unknown"}]},
        "empty": {"endpoints": [{"at": "west/chat/e"}]},
        "transport": {"hashtags": ["#MOBILITY"], "endpoints": [{"at": "west/chat/t"}]},
    })
    assert 'group "mobility": endpoint "nowhere/chat/1" is on no connection; add ' \
           "[connections.nowhere]" in text
    assert 'group "mobility": endpoint "wa/circle/unknown": connection "wa" has no circle ' \
           '"unknown"' in text
    assert 'group "empty" has no hashtags' in text
    assert 'hashtag "#MOBILITY" of group "transport" is also group "mobility"\'s' in text


def person(pid: str, *identities: Identity, notify: frozenset[str] = frozenset({"mobility"}),
           languages: tuple[str, ...] = ()) -> Person:
    return Person(id=pid, name=pid.title(), identities=identities, notify=notify,
                  languages=languages, timezone="Europe/Lisbon" if languages else None)


ANA = person("ana", Identity("west", "pigeon", "u-ana"), Identity("wa", "whatsapp", "3519111"),
             languages=("pt",))
BEA = person("bea", Identity("wa", "whatsapp", "3519222"), notify=frozenset({"Mobility"}))
HUGO = person("hugo", Identity("east", "pigeon", "u-hugo"))  # on no chat the hub can tell
EMMA = person("emma", Identity("wa", "whatsapp", "3519333"), notify=frozenset({"waste"}))
GONE = person("gone", Identity("old-wa", "whatsapp", "3519444"))  # connection since removed


def test_who_asked_is_told_on_their_own_whatsapp_chat() -> None:
    platforms = {"east": "pigeon", "west": "pigeon", "wa": "whatsapp"}
    assert [(p.id, at) for p, at in notice_addresses(
        [ANA, BEA, HUGO, EMMA, GONE], "mobility", platforms)] == [
        ("ana", "wa/member/3519111"), ("bea", "wa/member/3519222")]
    assert notice_addresses([ANA], "MOBILITY", platforms) != []  # a group name folds too


def test_notify_makes_them_targets_of_their_group_in_their_language() -> None:
    network = build({"mobility": MOBILITY})
    directory = Directory.of([ANA, BEA, HUGO, EMMA])
    network.notify(directory)
    [group] = network.bridges
    place, ana, bea = group.endpoints
    assert str(place.address) == "west/chat/mobility" and not place.notice_for
    assert (str(ana.address), ana.shape, ana.language, ana.timezone) == (
        "wa/member/3519111", Shape.CHAT, "pt", "Europe/Lisbon")
    assert ana.notice_for == {("west", "u-ana"), ("wa", "3519111")}
    assert (str(bea.address), bea.language) == ("wa/member/3519222", None)
    assert network.member("group:mobility", "wa/member/3519222") == (group, bea)
    # Read again with someone gone: the group is rebuilt from its configuration, not grown.
    network.notify(Directory.of([BEA]))
    assert [str(e.address) for e in network.bridges[0].endpoints] == [
        "west/chat/mobility", "wa/member/3519222"]
    assert network.member("group:mobility", "wa/member/3519111") is None


def asked(body: str, title: str | None = None, kind: Kind = Kind.MESSAGE_CREATED,
          parent: bool = False) -> Event:
    ref = Ref(platform="whatsapp", connection="wa", endpoint="circle/general", native_id="w1")
    return Event(kind=kind, source=ref, parent=ref if parent else None, title=title, body=body,
                 actor=Actor(platform="whatsapp", native_id="3519111", name="Ana"),
                 occurred_at=datetime(2026, 12, 2, 9, tzinfo=UTC))


@pytest.mark.parametrize(("item", "question"), [
    (asked("Alguém tem um plano de ciclovias? #mobilidade"), True),
    (asked("Qui a un plan vélo ?"), True),
    (asked("", title="Bike lanes?"), True),
    (asked("هل لديكم خطة؟"), True),
    (asked("Our plan is at https://example.org/plan?lang=en"), False),  # in an address
    (asked("Run `ls ?` there"), False),  # in code
    (asked("Who knows? #mobility", parent=True), False),  # a reply is an answer, not a post
    (asked("Who knows?", kind=Kind.MESSAGE_UPDATED), False),  # an edit asks nothing new
])
def test_what_is_a_question(item: Event, question: bool) -> None:
    assert is_question(item) is question


def test_the_example_group_is_valid_with_the_example_connections(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text.split("# --- example groups: begin")[1].split("# --- example groups: end")[0]
    groups = "\n".join(line.removeprefix("# ") for line in block.splitlines()[1:])
    path = uncommented(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "\n" + groups, encoding="utf-8")
    settings = load_settings(path)
    registry = Registry.collect(make_plugin_manager())
    network = Network.build(settings, registry, httpx.AsyncClient(), lambda _: MemoryStateBox())
    group = next(b for b in network.bridges if b.name == "group:mobility")
    assert group.hashtags == {"mobility", "mobilite", "mobilidade", "movilidad"}
    assert settings.groups["mobility"].question_reminder_minutes == 240
    assert load_settings(EXAMPLE).people.refresh_minutes == 60


def test_check_lists_a_group_with_its_hashtags() -> None:
    network = build({"mobility": MOBILITY})
    report = CheckReport(StoreCheck("sqlite://"), (), bridges_of(network))
    lines = report_lines(report)
    assert "group mobility: 1 endpoints, translated, hashtags #mobilidade #mobilite " \
           "#mobility" in lines
    assert "  west/chat/mobility (chat, out, en)" in lines
    [group] = report_data(report)["bridges"]
    assert (group["name"], group["hashtags"]) == (
        "group:mobility", ["mobilidade", "mobilite", "mobility"])
