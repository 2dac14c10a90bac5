"""`import hub.cli` and `passerelle --help` load the command line only: no store, web server,
language detector, HTTP client or connector (each command imports those when it runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Not pydantic itself: Typer reads a command's parameters with it once that command is named.
HEAVY = ("sqlalchemy", "uvicorn", "starlette", "lingua", "httpx", "httpcore", "pydantic_settings",
         "rich", "plugins", "hub.app", "hub.store", "hub.settings", "hub.connector")

# Runs in a fresh interpreter: this test process has imported everything already.
PROBE = """
import json, sys
import hub.cli
after_import = sorted(sys.modules)
try:
    hub.cli.app(sys.argv[1:], prog_name="passerelle")
except SystemExit:
    pass
print(json.dumps({"import": after_import, "help": sorted(sys.modules)}))
"""


def loaded(*args: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args],  # noqa: S603 - our own probe
                          cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60)
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY)]


@pytest.mark.parametrize("args", [("--help",), ("status", "--help"), ("backup", "--help"),
                                  ("deadletters", "list", "--help"), ("search", "--help"),
                                  ("forget", "--help"), ("calendar", "url", "--help"),
                                  ("people", "--help"), ("people", "merge", "--help")])
def test_help_loads_nothing_heavy(args: tuple[str, ...]) -> None:
    found = loaded(*args)
    assert heavy(found["import"]) == []
    assert heavy(found["help"]) == []
    if args == ("--help",):
        assert "pydantic" not in found["help"]


def test_a_plugins_command_is_still_found_when_named() -> None:
    found = loaded("translate", "--help")
    assert "hub.translate.command" in found["help"]
    assert heavy(found["import"]) == []
