"""Configuration that cannot work is refused before anything runs, naming culprit and fix."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.connector import MemoryStateBox, Shape
from hub.errors import ConfigError
from hub.network import Network
from hub.plugins import Registry, make_plugin_manager
from hub.settings import HubSettings
from tests.hub.fakes import PLUGINS

PIGEON = {"type": "pigeon", "token": "t"}


def build(connections: dict[str, Any], bridges: dict[str, Any]) -> Network:
    registry = Registry.collect(make_plugin_manager(extra=PLUGINS))
    settings = HubSettings(connections=connections, bridges=bridges)
    return Network.build(settings, registry, httpx.AsyncClient(), lambda _: MemoryStateBox())


def problems(connections: dict[str, Any], bridges: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        build(connections, bridges)
    return str(caught.value)


def test_a_good_network_builds() -> None:
    network = build({"east": PIGEON, "board": {"type": "corkboard", "token": "t"}},
                    {"news": {"endpoints": [{"at": "east/chat/general", "language": "fr"},
                                            {"at": "board/board/7", "language": "en"}]}})
    [bridge] = network.bridges
    assert [e.shape for e in bridge.endpoints] == [Shape.CHAT, Shape.BOARD]
    assert bridge.languages == ["en", "fr"]
    assert [str(a) for a in network.polled_endpoints()] == ["east/chat/general", "board/board/7"]


def test_unknown_connector_type() -> None:
    text = problems({"east": {"type": "carrier-pigeon"}}, {})
    assert 'connection "east": unknown type "carrier-pigeon"' in text
    assert "installed connector types: " in text and "corkboard, guestbook, pigeon" in text


def test_invalid_connection_settings_name_the_field() -> None:
    assert ('connection "east" (pigeon): token: Field required; set token in the file, '
            "token_file = PATH, or HUB_CONNECTIONS__EAST__TOKEN") in problems(
        {"east": {"type": "pigeon"}}, {})


def test_endpoint_on_no_connection() -> None:
    text = problems({"east": PIGEON}, {"b": {"endpoints": [
        {"at": "east/chat/1"}, {"at": "nowhere/chat/2"}]}})
    assert 'endpoint "nowhere/chat/2" is on no connection; add [connections.nowhere]' in text


def test_bridge_of_one_endpoint() -> None:
    text = problems({"east": PIGEON}, {"lonely": {"endpoints": [{"at": "east/chat/1"}]}})
    assert 'bridge "lonely" has 1 endpoint(s)' in text
    assert "add another endpoint or remove the bridge" in text


def test_malformed_address_and_unknown_endpoint_kind() -> None:
    text = problems({"east": PIGEON, "board": {"type": "corkboard", "token": "t"}},
                    {"b": {"endpoints": [{"at": "east-chat-1"}, {"at": "board/chat/2"}]}})
    assert 'expected "connection/kind/id"' in text
    assert 'a corkboard connection has no "chat" endpoints; use one of: board' in text


def test_endpoint_that_can_receive_nothing() -> None:
    text = problems({"east": PIGEON, "board": {"type": "corkboard", "token": "t"}},
                    {"b": {"endpoints": [
                        {"at": "east/chat/1", "kinds": ["reaction.added"]},
                        {"at": "board/board/2"}]}})
    assert 'endpoint "board/board/2" (board) can receive none of the kinds' in text


def test_a_bridge_nobody_feeds() -> None:
    text = problems({"east": PIGEON}, {"b": {"endpoints": [
        {"at": "east/chat/1", "direction": "out"}, {"at": "east/chat/2", "direction": "out"}]}})
    assert "nothing feeds" in text


def test_every_problem_is_reported_at_once() -> None:
    text = problems({"east": {"type": "nope"}, "west": {"type": "pigeon"}},
                    {"b": {"endpoints": [{"at": "ghost/chat/1"}]}})
    assert len(text.splitlines()) >= 4


def test_a_broken_connection_does_not_make_its_bridge_look_unfed() -> None:
    text = problems({"east": {"type": "pigeon"}, "west": PIGEON},
                    {"b": {"endpoints": [{"at": "east/chat/1"}, {"at": "west/chat/2"}]}})
    assert text.startswith('connection "east" (pigeon): token: Field required;')
    assert "nothing feeds" not in text


def test_endpoint_time_zones_and_the_bridges_original_reach_the_network() -> None:
    network = build({"east": PIGEON, "board": {"type": "corkboard", "token": "t"}},
                    {"news": {"show_original": "link", "endpoints": [
                        {"at": "east/chat/general", "language": "fr",
                         "timezone": "Europe/Paris"},
                        {"at": "board/board/7", "language": "en"}]}})
    [bridge] = network.bridges
    assert bridge.show_original == "link"
    assert [e.timezone for e in bridge.endpoints] == ["Europe/Paris", None]


def test_an_endpoints_time_zone_holds_in_every_bridge_it_is_in() -> None:
    network = build({"east": PIGEON, "board": {"type": "corkboard", "token": "t"}}, {
        "news": {"endpoints": [{"at": "east/chat/general"}, {"at": "board/board/7"}]},
        "events": {"endpoints": [{"at": "east/chat/general", "timezone": "Europe/Lisbon"},
                                 {"at": "board/board/7"}]}})
    zones = {(b.name, str(e.address)): e.timezone for b in network.bridges for e in b.endpoints}
    assert zones == {("news", "east/chat/general"): "Europe/Lisbon",
                     ("news", "board/board/7"): None,
                     ("events", "east/chat/general"): "Europe/Lisbon",
                     ("events", "board/board/7"): None}
    membership = network.endpoint("east/chat/general")
    assert membership is not None and membership[1].timezone == "Europe/Lisbon"


def test_two_time_zones_for_one_endpoint_are_refused() -> None:
    text = problems({"east": PIGEON, "board": {"type": "corkboard", "token": "t"}}, {
        "news": {"endpoints": [{"at": "east/chat/general", "timezone": "Europe/Paris"},
                               {"at": "board/board/7"}]},
        "events": {"endpoints": [{"at": "east/chat/general", "timezone": "Europe/Lisbon"},
                                 {"at": "board/board/7"}]}})
    assert ('endpoint "east/chat/general" has timezone "Europe/Paris" in bridge "news" and '
            '"Europe/Lisbon" in bridge "events"') in text
