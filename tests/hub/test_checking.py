"""What `passerelle check` finds, as data, against the Basecamp sandbox and a real store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.checking import (
    NO_CONNECTIONS,
    BridgeSummary,
    CheckReport,
    ConnectionCheck,
    EndpointSummary,
    StoreCheck,
    build_checked,
    check_configured,
    check_network,
    report_data,
    report_lines,
    validate,
)
from hub.demo.world import DemoSettings
from hub.errors import ConfigError
from hub.plugins import Registry, make_plugin_manager
from hub.sandbox.base import Fault, serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.settings import HubSettings
from hub.store import Store
from hub.store.opening import open_store
from hub.store.statebox import StoreStateBox

STORE = StoreCheck("sqlite:///hub.db")


@pytest.mark.parametrize(("report", "printed"), [
    (CheckReport(STORE, (), ()), ["store sqlite:///hub.db: ok", NO_CONNECTIONS]),
    (CheckReport(StoreCheck("postgresql://u:***@db/hub", "OperationalError: gone"), (), ()),
     ["store postgresql://u:***@db/hub: FAILED: OperationalError: gone", NO_CONNECTIONS]),
    (CheckReport(STORE, (ConnectionCheck("bc", "basecamp", ("account 1", "reachable")),
                         ConnectionCheck("sl", "slack", error="token revoked")),
                 (BridgeSummary("general", True, (
                     EndpointSummary("bc/board/1", "board", "both", "fr"),
                     EndpointSummary("sl/chat/C1", "chat", "both", None))),
                  BridgeSummary("files", False, ()))),
     ["store sqlite:///hub.db: ok", "connection bc (basecamp): ok", "  account 1",
      "  reachable", "connection sl (slack): FAILED: token revoked",
      "bridge general: 2 endpoints, translated", "  bc/board/1 (board, both, fr)",
      "  sl/chat/C1 (chat, both)", "bridge files: 0 endpoints"]),
])
def test_the_report_prints_as_the_command_always_did(report: CheckReport,
                                                     printed: list[str]) -> None:
    assert report_lines(report) == printed


def test_the_report_as_data_has_a_field_for_each_verdict() -> None:
    report = CheckReport(STORE, (ConnectionCheck("sl", "slack", error="token revoked"),),
                         (BridgeSummary("general", True, (
                             EndpointSummary("sl/chat/C1", "chat", "both", "en"),)),))
    assert report_data(report) == {
        "ok": False,
        "store": {"url": "sqlite:///hub.db", "ok": True, "error": None},
        "connections": [{"name": "sl", "platform": "slack", "ok": False,
                         "error": "token revoked", "lines": []}],
        "bridges": [{"name": "general", "translated": True, "endpoints": [
            {"address": "sl/chat/C1", "shape": "chat", "direction": "both", "language": "en"}]}],
        "notes": []}
    assert report_data(CheckReport(STORE, (), ()))["notes"] == [NO_CONNECTIONS]


def test_a_report_fails_with_its_store_or_any_connection() -> None:
    ok = ConnectionCheck("bc", "basecamp")
    assert not CheckReport(STORE, (ok,), ()).failed
    assert CheckReport(StoreCheck("x", "down"), (ok,), ()).failed
    assert CheckReport(STORE, (ok, ConnectionCheck("sl", "slack", error="no")), ()).failed


@pytest.fixture
async def sandbox() -> AsyncIterator[BasecampEmulator]:
    async with serve_emulator(BasecampEmulator()) as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(DemoSettings.model_validate(
        {"store": {"url": f"sqlite:///{tmp_path / 'hub.db'}"}}).store)
    yield opened
    opened.close()


def settings(tmp_path: Path, sandbox: BasecampEmulator, **connection: Any) -> HubSettings:
    project = sandbox.add_project("Lisbon")
    return DemoSettings.model_validate({
        "store": {"url": f"sqlite:///{tmp_path / 'hub.db'}"},
        "connections": {"bc": sandbox.connection(**connection)},
        "bridges": {"files": {"endpoints": [{"at": f"bc/files/{project}", "direction": "in"},
                                            {"at": f"bc/board/{project}", "direction": "out"}]}},
    })


REGISTRY = Registry.collect(make_plugin_manager())


async def test_online_each_connection_says_what_it_reached(
        tmp_path: Path, sandbox: BasecampEmulator, store: Store) -> None:
    async with httpx.AsyncClient() as http:
        report = await check_configured(settings(tmp_path, sandbox), REGISTRY, store, http,
                                        online=True)
    assert not report.failed
    assert report.store == StoreCheck(f"sqlite:///{tmp_path / 'hub.db'}")
    (found,) = report.connections
    assert found.ok and found.name == "bc" and found.platform == "basecamp"
    assert "reachable as Passerelle Hub (person " in " ".join(found.lines)
    assert [b.name for b in report.bridges] == ["files"]


async def test_a_refused_token_fails_its_connection_with_the_reason(
        tmp_path: Path, sandbox: BasecampEmulator, store: Store) -> None:
    sandbox.tokens.clear()
    async with httpx.AsyncClient() as http:
        stale = settings(tmp_path, sandbox, refresh_token="revoked-refresh-token")
        report = await check_configured(stale, REGISTRY, store, http, online=True)
    assert report.failed
    (found,) = report.connections
    assert not found.ok and found.error is not None
    assert "Launchpad refused the refresh token" in found.error


async def test_a_token_renewed_while_checking_lands_in_the_store(
        tmp_path: Path, sandbox: BasecampEmulator, store: Store) -> None:
    sandbox.tokens.clear()  # the configured token expired: the check renews it
    async with httpx.AsyncClient() as http:
        report = await check_configured(settings(tmp_path, sandbox), REGISTRY, store, http,
                                        online=True)
    assert not report.failed
    (renewed,) = sandbox.tokens
    assert await StoreStateBox(store, "bc").get("oauth.access_token") == renewed


async def test_a_connection_that_never_answers_fails_within_the_bound(
        tmp_path: Path, sandbox: BasecampEmulator, store: Store) -> None:
    sandbox.faults.inject(f"/{sandbox.account_id}/my/profile.json", Fault(delay=3))
    async with httpx.AsyncClient(timeout=30) as http:
        network = build_checked(settings(tmp_path, sandbox), REGISTRY, http,
                                         lambda name: StoreStateBox(store, name))
        try:
            report = await check_network(network, store, online=True, within=0.5)
        finally:
            await network.aclose()
    (found,) = report.connections
    assert found.error is not None and found.error.startswith("no answer within 0.5 s")


async def test_offline_nothing_is_called(tmp_path: Path, sandbox: BasecampEmulator,
                                         store: Store) -> None:
    sandbox.tokens.clear()
    async with httpx.AsyncClient() as http:
        report = await check_configured(settings(tmp_path, sandbox), REGISTRY, store, http,
                                        online=False)
    assert not report.failed and sandbox.last_bearer is None


async def test_validation_names_every_problem(tmp_path: Path, sandbox: BasecampEmulator
                                              ) -> None:
    broken = DemoSettings.model_validate({
        "connections": {"bc": sandbox.connection()},
        "bridges": {"lonely": {"endpoints": [{"at": "bc/board/1"}]},
                    "nowhere": {"endpoints": [{"at": "gone/chat/1"}, {"at": "bc/board/2"}]}}})
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConfigError) as raised:
            await validate(broken, REGISTRY, http)
    assert len(raised.value.problems) >= 2


async def test_a_people_file_that_says_something_wrong_fails_the_check(
        tmp_path: Path, sandbox: BasecampEmulator) -> None:
    people = tmp_path / "people.toml"
    people.write_text('[people.hugo]\nname = "Hugo"\nemails = ["hugo at lyon"]\n',
                      encoding="utf-8")
    broken = DemoSettings.model_validate({"connections": {"bc": sandbox.connection()},
                                          "people": {"file": str(people)}})
    async with httpx.AsyncClient() as http:
        with pytest.raises(ConfigError, match=r"\[people.hugo\] emails: 'hugo at lyon' is not"):
            await validate(broken, REGISTRY, http)
