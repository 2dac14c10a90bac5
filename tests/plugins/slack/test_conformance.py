"""The shipped conformance suite, on Slack-shaped answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import httpx

from hub.testing.conformance import ConnectorConformance
from plugins.slack.connector import SlackConnector

FIXTURES = Path(__file__).parents[2] / "fixtures" / "slack"


class TestSlackConformance(ConnectorConformance):
    connector_cls = SlackConnector
    settings: ClassVar[dict[str, Any]] = {"type": "slack", "bot_token": "xoxb-1-fake",
                                          "signing_secret": "fake-signing-secret"}
    address = "lisbon-slack/chat/C0123ABC"
    samples: ClassVar[list[Path]] = sorted(p for p in FIXTURES.glob("*.json")
                     if p.name not in {"url_verification.json",
                                       "event_message_changed_unfurl.json"})
    # Slack answers refusals with HTTP 200 and an `ok: false` envelope.
    error_responses: ClassVar[dict[str, httpx.Response]] = {
        "auth": httpx.Response(200, json={"ok": False, "error": "invalid_auth"}),
        "permanent": httpx.Response(200, json={"ok": False, "error": "channel_not_found"}),
        "rate_limited": httpx.Response(429, headers={"Retry-After": "7"},
                                       json={"ok": False, "error": "ratelimited"}),
        "transient": httpx.Response(503, text="upstream unavailable"),
    }
