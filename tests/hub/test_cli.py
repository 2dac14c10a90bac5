"""The `passerelle` command, as an admin uses it."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from typer.testing import CliRunner

from hub.checking import NO_CONNECTIONS
from hub.cli import build
from hub.settings import StoreSettings
from hub.store.opening import open_store
from hub.store.records import Completion, Link
from hub.testing.store_contract import T0, make_event, to

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(build(), list(args))
    return result.exit_code, result.output


def invoke_json(*args: str) -> tuple[int, object, str]:
    """Exit code, what stdout holds as JSON (nothing else may be there), and stderr."""
    result = runner.invoke(build(), [*args, "--json"])
    return result.exit_code, json.loads(result.stdout), result.stderr


def store_config(tmp_path: Path) -> Path:
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n', encoding="utf-8")
    return config


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
    assert json.loads(out) == {"events": 0, "deliveries": [], "dead": 0, "connections": {}}
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


def test_connectors_shows_the_endpoint_kinds_of_each() -> None:
    code, out = invoke("connectors")
    assert code == 0
    slack = out.split("\n").index(next(line for line in out.split("\n")
                                         if line.startswith("slack ")))
    assert out.split("\n")[slack + 1].split() == ["endpoints:", "chat"]


def test_check_json_gives_each_verdict_as_fields(tmp_path: Path) -> None:
    code, report, _ = invoke_json("check", "--config", str(store_config(tmp_path)))
    assert code == 0
    assert report == {"ok": True, "store": {"url": f"sqlite:///{tmp_path}/hub.db", "ok": True,
                                            "error": None},
                      "connections": [], "bridges": [], "notes": [NO_CONNECTIONS]}


def test_check_json_gives_a_refusal_with_every_reason(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[connections.lisbon]\ntype = "telegraph"\n', encoding="utf-8")
    code, answer, said = invoke_json("check", "--config", str(config))
    assert code == 2
    assert isinstance(answer, dict) and answer["ok"] is False
    [problem] = answer["refused"]
    assert problem.startswith('connection "lisbon": unknown type "telegraph"')
    assert said.startswith("configuration refused:")


def test_tail_says_when_there_is_nothing(tmp_path: Path) -> None:
    config = str(store_config(tmp_path))
    for json_lines in ([], ["--json"]):  # --json prints one object a line: none here
        result = runner.invoke(build(), ["tail", "--config", config, *json_lines])
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "no events yet\n")


def _with_a_hub_copy(tmp_path: Path) -> Path:
    """A store holding an item, the hub's copy of it elsewhere, and the event of that copy."""
    config = store_config(tmp_path)
    store = open_store(StoreSettings(url=f"sqlite:///{tmp_path}/hub.db"))
    try:
        store.append([make_event("1")])
        store.route("router", to("west/chat/general"))
        [delivery] = store.claim(T0, 10, 60)
        store.hand_over([Completion(delivery.id, "w-1", (
            Link("east", "chat/general", "1", "west", "chat/general", "w-1"),))], T0, 60)
        store.append([make_event("w-1", connection="west"), make_event("2")])
    finally:
        store.close()
    return config


def test_tail_hides_the_hubs_own_copies_unless_all(tmp_path: Path) -> None:
    config = str(_with_a_hub_copy(tmp_path))
    result = runner.invoke(build(), ["tail", "--config", config, "--json"])
    shown = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["seq"], e["own_copy"]) for e in shown] == [(1, False), (3, False)]
    assert "1 of the hub's own copies not shown" in result.stderr
    result = runner.invoke(build(), ["tail", "--config", config, "--all", "--json"])
    shown = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["seq"], e["own_copy"]) for e in shown] == [(1, False), (2, True), (3, False)]
    result = runner.invoke(build(), ["tail", "--config", config, "--all"])
    [copy] = [line for line in result.stdout.splitlines() if "[hub's own copy]" in line]
    assert copy.split()[0] == "2" and "west/chat/general" in copy


def test_status_json_lists_deliveries_as_objects(tmp_path: Path) -> None:
    code, report, _ = invoke_json("status", "--config", str(_with_a_hub_copy(tmp_path)))
    assert code == 0
    assert isinstance(report, dict)
    assert report["deliveries"] == [{"target": "west/chat/general", "state": "done",
                                     "count": 1}]
    assert report["events"] == 3


def test_every_command_that_prints_answers_json_on_stdout(tmp_path: Path) -> None:
    config = str(store_config(tmp_path))
    assert invoke_json("deadletters", "list", "--config", config)[:2] == (0, [])
    assert invoke_json("deadletters", "replay", "--all", "--config", config)[:2] \
        == (0, {"replayed": 0})
    assert invoke_json("deadletters", "drop", "--all", "--config", config)[:2] \
        == (0, {"dropped": 0})
    code, made, _ = invoke_json("store", "new-key")
    assert code == 0 and isinstance(made, dict) and len(made["key"]) > 20
    assert invoke_json("store", "reencrypt", "--config", config)[:2] == (0, {"reencrypted": 0})
    code, rows, _ = invoke_json("plugins")
    assert code == 0 and isinstance(rows, list)
    assert {"name": "translate", "connectors": [], "commands": ["translate"]}.items() \
        <= next(r for r in rows if r["name"] == "translate").items()
