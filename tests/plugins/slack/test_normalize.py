"""`passerelle normalize --platform slack` on every Slack fixture."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hub.cli import build

FIXTURES = Path(__file__).parents[2] / "fixtures" / "slack"


def test_normalize_reads_every_slack_fixture() -> None:
    files = sorted(FIXTURES.glob("*.json"))
    result = CliRunner().invoke(build(), ["normalize", "--platform", "slack",
                                          *map(str, files)])
    assert result.exit_code == 0, result.output
    events = json.loads(result.output)
    kinds = sorted(e["kind"] for e in events)
    # url_verification and the unfurl (not an edit) give nothing; the rest one event each.
    assert kinds == sorted(["message.created"] * 4 + ["message.deleted", "message.updated",
                                                      "reaction.added"])
    assert {e["source"]["connection"] for e in events} == {"slack"}
    assert all(e["occurred_at"].endswith("Z") or "+00:00" in e["occurred_at"] for e in events)


def test_normalize_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "block_actions"}')
    result = CliRunner().invoke(build(), ["normalize", "--platform", "slack", str(bad)])
    assert result.exit_code == 1
    assert "unknown Slack payload type 'block_actions'" in result.output
