"""Hooks and the plugin manager: every hookspec documented and exercised here."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from hub import hookimpl, hookspecs
from hub.app import Hub
from hub.errors import StartupError
from hub.events import Event
from hub.plugins import Registry, make_plugin_manager
from tests.hub.conftest import Network
from tests.hub.fakes import PLUGINS, Pigeon

HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("hub_"))


def test_every_hookspec_is_documented_and_typed() -> None:
    assert HOOKS == ["hub_event_stored", "hub_register_commands", "hub_register_connectors",
                     "hub_register_translators"]
    for name in HOOKS:
        function = getattr(hookspecs, name)
        doc = inspect.getdoc(function) or ""
        assert "Called" in doc, f"{name} must say when it is called"
        assert function.__annotations__.get("return"), f"{name} must declare what it returns"


def test_every_hookspec_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for name in HOOKS:
        assert f"def test_hook_{name}" in source


def test_fresh_manager_per_call() -> None:
    assert make_plugin_manager() is not make_plugin_manager()


def test_builtin_plugins_come_through_the_entry_point_group() -> None:
    names = {name for name, _ in make_plugin_manager().list_name_plugin()}
    assert {"basecamp", "slack", "whatsapp", "zoom", "translate"} <= names


def test_allow_and_block_lists() -> None:
    allowed = {n for n, _ in make_plugin_manager(allow=["slack"]).list_name_plugin()}
    assert allowed == {"slack"}
    blocked = {n for n, _ in make_plugin_manager(block=["slack"]).list_name_plugin()}
    assert "slack" not in blocked and "zoom" in blocked


class PigeonAgain:
    @hookimpl
    def hub_register_connectors(self) -> list[Any]:
        return [Pigeon]


class ProvidesPigeon:
    @hookimpl
    def hub_register_connectors(self) -> list[Any]:
        return [Pigeon]


def test_hook_hub_register_connectors() -> None:
    registry = Registry.collect(make_plugin_manager(allow=[], extra={"birds": ProvidesPigeon()}))
    assert registry.connectors == {"pigeon": Pigeon}
    assert registry.providers["connector:pigeon"] == "birds"


def test_a_connector_name_provided_twice_stops_the_start_naming_both() -> None:
    pm = make_plugin_manager(allow=[], extra={"birds": ProvidesPigeon(), "more": PigeonAgain()})
    with pytest.raises(StartupError, match='connector "pigeon" is provided by both plugin'):
        Registry.collect(pm)


class Parrot:
    name = "parrot"


def test_hook_hub_register_translators() -> None:
    class Provides:
        @hookimpl
        def hub_register_translators(self) -> list[Any]:
            return [Parrot]

    registry = Registry.collect(make_plugin_manager(allow=[], extra={"p": Provides(),
                                                                     "q": type("Q", (), {})()}))
    assert registry.translators == {"parrot": Parrot}
    with pytest.raises(StartupError, match='translator "parrot"'):
        Registry.collect(make_plugin_manager(allow=[], extra={"p": Provides(), "p2": Provides()}))


def test_hook_hub_register_commands() -> None:
    class AddsCommand:
        @hookimpl
        def hub_register_commands(self, app: typer.Typer) -> None:
            @app.command("hello")
            def hello() -> None:
                typer.echo("hello from a plugin")

    app = typer.Typer()

    @app.command("base")
    def base() -> None: ...

    make_plugin_manager(allow=[], extra={"adds": AddsCommand()}).hook.hub_register_commands(app=app)
    assert CliRunner().invoke(app, ["hello"]).output == "hello from a plugin\n"


async def test_hook_hub_event_stored(network: Network, fire: Any,
                                     caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[int, str]] = []

    class Listener:
        @hookimpl
        def hub_event_stored(self, event: Event, seq: int) -> None:
            seen.append((seq, event.body))

    class Broken:
        @hookimpl
        def hub_event_stored(self, event: Event, seq: int) -> None:
            raise RuntimeError("listener bug")

    async with Hub.start(network.settings(), extra_plugins={**PLUGINS, "l": Listener(),
                                                            "b": Broken()},
                         transport=httpx.MockTransport(network.router.async_handler)) as hub:
        item = network.east.add("general", "announce me")
        with caplog.at_level(logging.ERROR):
            assert (await fire(hub, "east", item)).status_code == 200
            assert (await fire(hub, "east", item)).status_code == 200  # a retry: not announced
        assert "hub_event_stored hook of plugin b failed" in caplog.text
        await hub.settle()
    assert seen == [(1, "announce me")]
    assert len(network.west.items) == 1  # the broken listener changed nothing
