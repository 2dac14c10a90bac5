"""The `passerelle` command, as an admin uses it."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from typer.testing import CliRunner

from hub.cli import build

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(build(), list(args))
    return result.exit_code, result.output


def test_help_lists_the_commands() -> None:
    code, out = invoke("--help")
    assert code == 0
    for command in ("run", "check", "connectors", "normalize", "status", "tail", "deadletters"):
        assert command in out


def test_connectors_json_is_a_list_of_descriptions() -> None:
    code, out = invoke("connectors", "--json")
    assert code == 0
    rows = json.loads(out)
    assert isinstance(rows, list)
    for row in rows:
        assert {"name", "plugin", "capabilities", "endpoint_kinds", "settings"} <= set(row)


def test_check_refuses_an_unknown_type_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[connections.lisbon]\ntype = "telegraph"\n', encoding="utf-8")
    code, out = invoke("check", "--config", str(config))
    assert code == 2
    assert 'connection "lisbon": unknown type "telegraph"' in out


def test_status_and_deadletters_on_an_empty_store(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n', encoding="utf-8")
    code, out = invoke("status", "--json", "--config", str(config))
    assert code == 0, out
    assert json.loads(out) == {"events": 0, "deliveries": {}, "dead": 0, "connections": {}}
    code, out = invoke("deadletters", "list", "--json", "--config", str(config))
    assert (code, json.loads(out)) == (0, [])
    code, out = invoke("deadletters", "replay", "--config", str(config))
    assert code == 2 and "name the delivery ids, or pass --all" in out


def test_normalize_refuses_an_unknown_platform(tmp_path: Path) -> None:
    payload = tmp_path / "p.json"
    payload.write_text("{}", encoding="utf-8")
    code, out = invoke("normalize", "--platform", "telegraph", str(payload))
    assert code == 2 and 'no connector "telegraph"' in out


SLACK = ('[connections.lisbon-slack]\ntype = "slack"\nbot_token = "xoxb-test"\n'
         'signing_secret = "s"\n')


def test_check_refuses_an_endpoint_on_no_connection(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(SLACK + '[bridges.general]\nendpoints = [{ at = "lisbon-slack/chat/C1" }, '
                      '{ at = "porto-slack/chat/C2" }]\n', encoding="utf-8")
    code, out = invoke("check", "--config", str(config))
    assert code == 2
    assert ('bridge "general": endpoint "porto-slack/chat/C2" is on no connection; add '
            "[connections.porto-slack] or fix the name (known: lisbon-slack)") in out


def test_check_refuses_a_bridge_of_one_endpoint(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(SLACK + '[bridges.lonely]\nendpoints = [{ at = "lisbon-slack/chat/C1" }]\n',
                      encoding="utf-8")
    code, out = invoke("check", "--config", str(config))
    assert code == 2
    assert ('bridge "lonely" has 1 endpoint(s); a bridge mirrors between two or more: add '
            "another endpoint or remove the bridge") in out


def test_check_opens_the_store_and_names_one_it_cannot_reach(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n', encoding="utf-8")
    code, out = invoke("check", "--config", str(config))
    assert code == 0, out
    assert f"store sqlite:///{tmp_path}/hub.db: ok" in out
    # A PostgreSQL nobody listens on (a port just released on loopback).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config.write_text(f'[store]\nurl = "postgresql://hub:pw@127.0.0.1:{port}/hub"\n',
                      encoding="utf-8")
    code, out = invoke("check", "--config", str(config))
    assert code == 1
    assert "cannot open the store: OperationalError" in out
    assert "pw" not in out
