"""Where a bridge's settings come from: the file, the environment, the defaults, or code."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from hub.console.origins import Origin, Sources, bridge_settings, environment_contribution
from hub.settings import load_settings

TOML = """
[bridges.general]
show_original = "below"
endpoints = [
  { at = "a/chat/1", language = "fr" },
  { at = "b/chat/2", timezone = "Europe/Lisbon" },
]
"""


def origins(file: Path, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
            ) -> dict[str, tuple[object, Origin]]:
    """The settings as the hub loads them (file and environment), with their origins."""
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(file)
    sources = Sources(file, tomllib.loads(file.read_text()), environ,
                      environment_contribution())
    return {s.key: (s.value, s.origin)
            for s in bridge_settings("general", settings.bridges["general"], sources)}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "passerelle.toml"
    path.write_text(TOML)
    return path


def test_each_setting_names_the_file_the_variable_or_the_default(
        config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = origins(config, {"HUB_BRIDGES__GENERAL__TRANSLATE": "false"}, monkeypatch)
    assert found["translate"] == (False, Origin("environment",
                                                "HUB_BRIDGES__GENERAL__TRANSLATE"))
    assert found["show_original"][1] == Origin("file", str(config))
    assert found["endpoints[0].language"] == ("fr", Origin("file", str(config)))
    assert found["endpoints[0].timezone"] == (None, Origin("default"))
    assert found["endpoints[1].timezone"] == ("Europe/Lisbon", Origin("file", str(config)))
    assert found["endpoints[1].direction"][1] == Origin("default")


def test_a_variable_in_any_case_or_a_table_of_json_is_named(
        config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = origins(config, {"hub_bridges__general__show_original": "link"}, monkeypatch)
    assert found["show_original"] == ("link", Origin("environment",
                                                     "hub_bridges__general__show_original"))
    assert found["translate"] == (True, Origin("default"))


def test_a_table_given_as_json_wins_over_a_variable_of_its_keys(
        config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    endpoints = [{"at": "c/chat/3", "language": "pt"}, {"at": "d/chat/4"}]
    found = origins(config, {"HUB_BRIDGES__GENERAL__SHOW_ORIGINAL": "link",
                             "HUB_BRIDGES__GENERAL": json.dumps({"endpoints": endpoints})},
                    monkeypatch)
    # As loaded: the JSON replaces the table's keys it names, and its variable is ignored.
    assert found["show_original"][1] == Origin("file", str(config))
    assert found["endpoints[0].language"] == ("pt", Origin("environment",
                                                           "HUB_BRIDGES__GENERAL"))
    assert found["endpoints[1].language"] == (None, Origin("default"))


def test_settings_built_in_code_are_said_to_be_so(config: Path) -> None:
    settings = load_settings(config)
    found = bridge_settings("general", settings.bridges["general"],
                            Sources(None, None, {}, {}))
    assert {s.origin for s in found} == {Origin("code")}
