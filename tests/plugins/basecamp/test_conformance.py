"""The shipped conformance suite, on Basecamp-shaped answers (Campfire as the endpoint)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
import respx

from hub.testing.conformance import ConnectorConformance
from plugins.basecamp.connector import BasecampConnector
from tests.plugins.basecamp.conftest import FIXTURES, load

API = "https://3.basecampapi.com/195539477/"
LAUNCHPAD = "https://launchpad.37signals.com"
PROJECT, CHAT = "2085958502", "1069478985"
NOT_RECORDINGS = {"chatbot_command_payload.json", "attachment_create_response.json",
                  "webhook_get_with_recent_deliveries.json", "recording_events.json",
                  "project_get.json", "todoset_get.json"}


def project(project_id: str = PROJECT) -> dict[str, Any]:
    """A project as `GET /projects/<id>.json` shows it, its dock cut to the tools used here."""
    def tool(name: str, tool_id: str, enabled: bool = True) -> dict[str, Any]:
        return {"id": int(tool_id), "name": name, "enabled": enabled, "title": name,
                "url": f"{API}buckets/{project_id}/{name}s/{tool_id}.json"}
    return {"id": int(project_id), "status": "active", "name": "Honcho Design Newsroom",
            "dock": [tool("message_board", "1069479392"), tool("chat", CHAT),
                     tool("schedule", "1069479396"), tool("vault", "1069479394"),
                     tool("kanban_board", "1069479399", enabled=False)]}


def profile() -> dict[str, Any]:
    person: dict[str, Any] = load("campfire_line_get.json")["creator"]
    return person


def launchpad(router: respx.Router, expires_at: str = "2099-01-01T00:00:00-06:00") -> None:
    """Launchpad's answer about the token in use (its accounts cut to the one used here)."""
    router.get(f"{LAUNCHPAD}/authorization.json", name="authorization").respond(json={
        "expires_at": expires_at,
        "identity": {"id": 9999999, "first_name": "Jason", "last_name": "Fried",
                     "email_address": "jason@basecamp.com"},
        "accounts": [{"product": "bc3", "id": 195539477, "name": "Honcho Design",
                      "href": API.rstrip("/"), "app_href": "https://3.basecamp.com/195539477"}]})


def api_router() -> respx.Router:
    router = respx.Router(assert_all_mocked=True, base_url=API)
    launchpad(router)
    router.get("my/profile.json", name="profile").respond(json=profile())
    router.get("projects.json", name="check").respond(json=[project()])
    router.get("people.json", name="people").respond(json=[{
        "id": 1049715914, "attachable_sgid": "BAh7CEkiCGdpZAY6BkVUSSIr1049715914--919d2c8b",
        "name": "Ana Souza", "email_address": "ana@example.org", "personable_type": "User",
        "title": "Coordinator", "time_zone": "Europe/Lisbon", "company": {"id": 1,
                                                                         "name": "Lisboa"}}])
    router.get(f"projects/{PROJECT}.json", name="project").respond(json=project())
    router.post(f"chats/{CHAT}/lines.json", name="send").respond(
        201, json=load("campfire_line_get.json"))
    router.get(f"chats/{CHAT}/lines.json", name="poll").respond(
        json=[load("campfire_line_get.json")], headers={"ETag": 'W/"lines-1"'})
    # The refresh token was revoked: a 401 cannot be cured by renewing.
    router.post(f"{LAUNCHPAD}/authorization/token", name="refresh").respond(
        400, json={"error": "invalid_grant"})
    return router


@pytest.fixture
def api() -> respx.Router:
    return api_router()


SETTINGS: dict[str, Any] = {
    "type": "basecamp", "account_id": 195539477, "contact": "ops@example.org",
    "access_token": "fake-access-token", "refresh_token": "fake-refresh-token",
    "client_id": "fake-client", "client_secret": "fake-client-secret",
    "webhook_secret": "fake-webhook-secret", "chatbot_key": "fake-chatbot-key",
    # The sample line is from 2025: reach back far enough to read it.
    "initial_lookback_minutes": 10 * 365 * 24 * 60,
}


class TestBasecampConformance(ConnectorConformance):
    connector_cls = BasecampConnector
    settings: ClassVar[dict[str, Any]] = SETTINGS
    address = f"network-basecamp/chat/{PROJECT}"
    samples: ClassVar[list[Path]] = sorted(
        p for p in FIXTURES.glob("*.json") if p.name not in NOT_RECORDINGS)
    def cursor_key(self, cursor: str) -> datetime:
        return datetime.fromisoformat(cursor)
