"""`passerelle translate` for an admin: the configured chain, Apertium when nothing is set."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import respx
from typer.testing import CliRunner

from hub.cli import build
from hub.store import Store

needs_apertium = pytest.mark.skipif(
    shutil.which("apertium") is None,
    reason="apt-get install apertium apertium-eng-spa apertium-fr-es",
)
FRENCH = "La réunion du réseau aura lieu demain à Kigali."


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    # No config file around: the embedded defaults, as on a fresh machine.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PASSERELLE_CONFIG", raising=False)
    return CliRunner()


@needs_apertium
def test_translates_with_apertium_without_any_config(runner: CliRunner) -> None:
    result = runner.invoke(build(), ["translate", "--from", "fr", "--to", "en", FRENCH])
    assert result.exit_code == 0, result.output
    assert "meeting" in result.stdout and "Kigali" in result.stdout
    assert "*" not in result.stdout
    assert "(apertium: fr → en)" in result.stderr
    assert not list(Path.cwd().iterdir())  # nothing written without a config


@needs_apertium
def test_detects_the_source_when_not_given(runner: CliRunner) -> None:
    result = runner.invoke(build(), ["translate", "--to", "en", FRENCH])
    assert result.exit_code == 0, result.output
    assert "(apertium: fr → en)" in result.stderr


def test_an_impossible_pair_prints_the_original_and_why(runner: CliRunner) -> None:
    result = runner.invoke(build(), ["translate", "--from", "fr", "--to", "de", FRENCH])
    assert result.exit_code == 1
    assert result.stdout.strip() == FRENCH
    assert "translation unavailable" in result.stderr


def test_json_names_the_note_as_a_field(runner: CliRunner) -> None:
    result = runner.invoke(build(), ["translate", "--from", "fr", "--to", "de", FRENCH, "--json"])
    assert result.exit_code == 1
    answer = json.loads(result.stdout)
    assert (answer["text"], answer["target"], answer["provider"]) == (FRENCH, "de", None)
    assert answer["note"].startswith("translation unavailable")


def test_runs_the_configured_chain_and_counts_its_characters(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "passerelle.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n\n'
        '[translation]\nproviders = ["deepl"]\ndefault_glossary = false\n\n'
        '[translation.deepl]\nauth_key = "0f1e2d3c-aaaa-bbbb-cccc-123456789abc:fx"\n',
        encoding="utf-8",
    )
    with respx.mock(assert_all_mocked=True, assert_all_called=True) as api:
        route = api.post("https://api-free.deepl.com/v2/translate").respond(200, json={
            "translations": [{"detected_source_language": "FR",
                              "text": "The network meeting will take place tomorrow in Kigali."}]
        })
        result = runner.invoke(build(), ["translate", "--from", "fr", "--to", "en", FRENCH,
                                         "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "The network meeting will take place tomorrow in Kigali."
    assert json.loads(route.calls.last.request.content)["target_lang"] == "EN-GB"
    store = Store.open(f"sqlite:///{tmp_path}/hub.db")
    try:
        assert store.usage("deepl", datetime.now(UTC).strftime("%Y-%m")) == len(FRENCH)
    finally:
        store.close()


def test_a_bad_chain_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "passerelle.toml"
    config.write_text('[translation]\nproviders = ["babelfish"]\n', encoding="utf-8")
    result = runner.invoke(build(), ["translate", "--to", "en", FRENCH, "--config", str(config)])
    assert result.exit_code == 2
    assert '"babelfish"' in result.stderr and "remove it" in result.stderr


def test_a_machine_without_apertium_is_told_what_to_install(
    runner: CliRunner, tmp_path: Path
) -> None:
    config = tmp_path / "passerelle.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n\n'
        '[translation.apertium]\ncommand = "no-such-apertium"\n',
        encoding="utf-8",
    )
    result = runner.invoke(build(), ["translate", "--from", "fr", "--to", "en", FRENCH,
                                     "--config", str(config)])
    assert result.exit_code == 1
    assert result.stdout.strip() == FRENCH
    assert "apertium serves no pair here" in result.stderr
    assert "apt-get install apertium" in result.stderr


def test_undetectable_text_asks_for_the_source(runner: CliRunner) -> None:
    result = runner.invoke(build(), ["translate", "--to", "en", "ok 👍"])
    assert result.exit_code == 1
    assert "pass --from" in result.stderr
