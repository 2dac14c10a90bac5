"""`passerelle normalize --platform basecamp` and `passerelle basecamp webhooks …`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import build
from hub.errors import ConfigError
from plugins.basecamp.commands import WebhookLine, payload_url
from tests.plugins.basecamp.conftest import FIXTURES

runner = CliRunner()
EXPECTED = {
    "webhook_message_created.json": ["message.created"],
    "webhook_message_created_docs.json": ["message.created"],
    "webhook_get_with_recent_deliveries.json": [],  # a subscribers change: nothing to mirror
    "message_get.json": ["message.created"],
    "comment_get.json": ["message.created"],
    "schedule_entry_get.json": ["event.created"],
    "upload_get.json": ["file.created"],
    "campfire_line_get.json": ["message.created"],
}


@pytest.mark.parametrize(("name", "kinds"), sorted(EXPECTED.items()))
def test_normalize_reads_every_webhook_and_recording(name: str, kinds: list[str]) -> None:
    result = runner.invoke(build(), ["normalize", "--platform", "basecamp",
                                     str(FIXTURES / name)])
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert [e["kind"] for e in events] == kinds
    assert all(e["source"]["platform"] == "basecamp" for e in events)


def test_normalize_explains_what_is_not_a_recording() -> None:
    result = runner.invoke(build(), ["normalize", "--platform", "basecamp",
                                     str(FIXTURES / "chatbot_command_payload.json"),
                                     str(FIXTURES / "message_get.json")])
    assert result.exit_code == 0  # not an error: that payload simply carries no event
    assert "no event: this is a chatbot command" in result.stderr
    assert [e["kind"] for e in json.loads(result.stdout)] == ["message.created"]


def test_webhooks_commands_are_registered() -> None:
    result = runner.invoke(build(), ["basecamp", "webhooks", "--help"])
    assert result.exit_code == 0
    assert "install" in result.output and "status" in result.output


def test_webhooks_need_an_https_public_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HTTPS"):
        payload_url("http://hub.example.org", "bc", "secret")
    assert payload_url("https://hub.example.org/", "bc", "s") == (
        "https://hub.example.org/webhooks/bc/s")
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n[web]\n'
                      'public_url = "http://hub.example.org"\n'
                      '[connections.bc]\ntype = "basecamp"\naccount_id = 1\ncontact = "a@b.c"\n'
                      'access_token = "t-access-token"\n'
                      'webhook_secret = "never-printed-secret"\nprojects = [5]\n',
                      encoding="utf-8")
    result = runner.invoke(build(), ["basecamp", "webhooks", "status", "--config", str(config)])
    assert result.exit_code == 2
    assert "public_url" in result.stderr and "never-printed-secret" not in result.output


def test_webhook_line_reads_like_a_sentence() -> None:
    line = WebhookLine("bc", 5, "reactivated", "77", failures=10)
    assert str(line) == "bc project 5: reactivated (webhook 77), 10 of its recent deliveries failed"
