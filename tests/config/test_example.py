"""The example configuration stays true: its commented connections and bridges, filled with
secret files, pass the same validation `passerelle check` runs."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from typer.testing import CliRunner

from hub.cli import build
from hub.connector import MemoryStateBox
from hub.network import Network
from hub.plugins import Registry, make_plugin_manager
from hub.settings import load_settings
from hub.translate.detect import Detector

EXAMPLE = Path(__file__).parents[2] / "config" / "passerelle.example.toml"
BEGIN, END = "# --- example connections: begin", "# --- example connections: end"


def uncommented(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN)
    block, _ = rest.split(END)
    lines = [line[2:] if line.startswith("# ") else line.lstrip("#")
             for line in block.splitlines()]
    body = "\n".join(lines).replace("/run/secrets/", f"{tmp_path}/secrets/")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name in set(re.findall(r"secrets/([\w.-]+)\"", body)):
        (secrets / name).write_text(f"example-{name}\n", encoding="utf-8")
    path = tmp_path / "passerelle.toml"
    path.write_text(head + body, encoding="utf-8")
    return path


def test_the_example_as_shipped_passes_check() -> None:
    result = CliRunner().invoke(build(), ["check", "--config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output


def test_the_commented_connections_and_bridges_are_valid(tmp_path: Path) -> None:
    settings = load_settings(uncommented(tmp_path))
    assert set(settings.connections) == {"network-basecamp", "lisbon-slack", "members-whatsapp",
                                         "network-zoom"}
    registry = Registry.collect(make_plugin_manager())
    network = Network.build(settings, registry, httpx.AsyncClient(), lambda _: MemoryStateBox())
    assert {b.name for b in network.bridges} == {"general", "assemblies", "recordings"}
    Detector.for_network(settings)


def test_check_reads_the_filled_example(tmp_path: Path) -> None:
    result = CliRunner().invoke(build(), ["check", "--config", str(uncommented(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "connection lisbon-slack (slack): ok" in result.output
    assert "bridge general: 4 endpoints, translated" in result.output
