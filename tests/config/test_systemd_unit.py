"""config/passerelle.service: a unit systemd accepts, hardened as docs/deploy.md says, and
stopping within what the hub needs to stop gracefully."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hub.settings import HubSettings

UNIT = Path(__file__).parents[2] / "config" / "passerelle.service"
INSTALLED_AT = "/opt/passerelle/venv/bin/passerelle"


def options() -> dict[str, list[str]]:
    """Every `Key=value` of the unit, in order (a key may come more than once)."""
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def environment() -> dict[str, str]:
    return dict(value.split("=", 1) for value in options()["Environment"])


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    # verify also checks that ExecStart exists: point it at this virtualenv's command, as an
    # operator's /opt/passerelle/venv would be.
    here = shutil.which("passerelle", path=str(Path(sys.executable).parent)) or shutil.which(
        "passerelle")
    assert here is not None, "passerelle is not installed in this environment"
    text = UNIT.read_text(encoding="utf-8")
    assert INSTALLED_AT in text
    unit = tmp_path / "passerelle.service"
    unit.write_text(text.replace(INSTALLED_AT, here), encoding="utf-8")
    done = subprocess.run([analyze, "verify", str(unit)],  # noqa: S603 - fixed arguments
                          capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "passerelle.service" not in done.stderr + done.stdout  # not even a warning


def test_the_unit_is_hardened() -> None:
    unit = options()
    required = {"DynamicUser": "yes", "StateDirectory": "passerelle", "ProtectSystem": "strict",
                "NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectHome": "yes",
                "CapabilityBoundingSet": "", "KillSignal": "SIGTERM", "Restart": "on-failure"}
    assert {key: unit[key][-1] for key in required} == required
    assert "@system-service" in unit["SystemCallFilter"]
    assert set(unit["RestrictAddressFamilies"][-1].split()) == {"AF_INET", "AF_INET6",
                                                                "AF_UNIX"}


def test_systemd_waits_longer_than_the_hub_needs_to_stop() -> None:
    stop_after = float(options()["TimeoutStopSec"][-1])
    grace = HubSettings().delivery.stop_grace_seconds
    assert stop_after > grace + 10  # room for the web server and the store to close


def test_the_command_reads_the_etc_file_and_keeps_the_store_in_the_state_directory(
        monkeypatch: pytest.MonkeyPatch) -> None:
    (command,) = options()["ExecStart"]
    assert command.split() == [INSTALLED_AT, "run", "--config", "/etc/passerelle/passerelle.toml"]
    for key, value in environment().items():
        monkeypatch.setenv(key, value)
    settings = HubSettings()
    assert settings.store.url == "sqlite:////var/lib/passerelle/passerelle.db"
    assert settings.store.state_dir == Path("/var/lib/passerelle")
