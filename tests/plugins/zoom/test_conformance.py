"""The shipped conformance suite, run against the Zoom connector with Zoom-shaped routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import httpx
import pytest
import respx

from hub.testing.conformance import ConnectorConformance
from plugins.zoom.connector import ZoomConnector
from tests.plugins.zoom.conftest import (
    API,
    FIXTURES,
    NOT_EVENTS,
    OAUTH,
    SETTINGS,
    token_response,
)

CHANNEL = "qrstuvwxyz67890"


def history() -> dict[str, Any]:
    """GET /chat/users/{userId}/messages, shaped as the Team Chat API reference documents it."""
    return {
        "date": "2026-11-26", "page_size": 50, "next_page_token": "",
        "messages": [
            {"id": "EAB58B01-B35F-4F97-BA69-F9650F54679B", "message": "second",
             "sender": "li@example.org", "sender_member_id": "M2", "sender_display_name": "Li",
             "date_time": "2026-11-26T09:05:00Z", "timestamp": 1795597500000},
            {"id": "EAB58B01-B35F-4F97-BA69-F9650F54679A", "message": "hello, world!",
             "sender": "ana@example.org", "sender_member_id": "M1",
             "sender_display_name": "Ana Souza", "date_time": "2026-11-26T09:00:00Z",
             "timestamp": 1795597200000},
        ],
    }


class TestZoomConformance(ConnectorConformance):
    connector_cls = ZoomConnector
    settings: ClassVar[dict[str, Any]] = dict(SETTINGS)
    address = f"zoom-net/chat/{CHANNEL}"
    samples: ClassVar = sorted(p for p in FIXTURES.glob("*.json") if p.name not in NOT_EVENTS)
    error_responses: ClassVar[dict[str, httpx.Response]] = {
        "auth": httpx.Response(401, json={"code": 124, "message": "Invalid access token."}),
        "permanent": httpx.Response(404, json={"code": 4130,
                                               "message": f"Channel does not exist: {CHANNEL}."}),
        "rate_limited": httpx.Response(
            429,
            headers={"X-RateLimit-Category": "Medium", "X-RateLimit-Type": "Daily-limit",
                     "X-RateLimit-Limit": "2000", "X-RateLimit-Remaining": "0",
                     "Retry-After": "7"},
            json={"code": 429, "message": "You have reached the maximum daily rate limit for "
                  "this API. Refer to the response header for details on when you can make "
                  "another request."}),
        "transient": httpx.Response(503, json={"code": 503, "message": "Service unavailable"}),
    }
    # mypy reads the kit's ClassVar[Callable[[str], Any]] as a bound method type.
    def cursor_key(self, cursor: str) -> datetime:
        return datetime.fromisoformat(cursor)


@pytest.fixture
def api() -> respx.Router:
    router = respx.Router(assert_all_mocked=True, base_url=API)
    router.post(f"{OAUTH}/oauth/token", name="token").respond(json=token_response())
    router.get("/v2/users/me", name="check").respond(
        json={"id": "KDcuGIm1QgePTO8WbOqwIQ", "email": "hub@example.org", "type": 2})
    router.post("/v2/chat/users/me/messages", name="send").respond(
        201, json={"id": "8cfaf567-bf5a-4acc-b4f2-88b3d371aca5"})
    router.get("/v2/chat/users/me/messages", name="poll").respond(json=history())
    router.get("/v2/users", name="people").respond(json={
        "page_size": 300, "total_records": 1, "next_page_token": "",
        "users": [{"id": "z8yAAAAA8bbbQ", "first_name": "Ana", "last_name": "Souza",
                   "display_name": "Ana Souza", "email": "ana@example.org", "type": 1,
                   "status": "active", "timezone": "Europe/Lisbon"}]})
    return router
