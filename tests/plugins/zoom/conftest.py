"""Shared helpers of the Zoom connector's tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from hub.connector import MemoryStateBox
from plugins.zoom.connector import ZoomConnector
from plugins.zoom.settings import ZoomSettings

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "zoom"
# Fixtures that are no webhook delivery of an event: the handshake Zoom sends, the answer it
# expects, and a request body the hub sends to Zoom.
NOT_EVENTS = frozenset({"url_validation_request.json", "url_validation_response.json",
                        "meeting_create_request_docs_example.json"})
API = "https://api.zoom.us"
OAUTH = "https://zoom.us"
SETTINGS: dict[str, Any] = {
    "type": "zoom",
    "account_id": "AAAAAABBBB",
    "client_id": "client-id-1",
    "client_secret": "client-secret-1",
    "secret_token": "webhook-secret-1",
    "interpreters": [{"email": "ana@example.org", "languages": ["en", "pt"]},
                     {"email": "li@example.org", "languages": ["en", "zh"]}],
}


def load(name: str) -> dict[str, Any]:
    """A fixture of tests/fixtures/zoom by file name, parsed."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def token_response(api_url: str = API) -> dict[str, Any]:
    """POST /oauth/token (account_credentials), as Zoom documents it."""
    return {"access_token": "eyJ.test.token", "token_type": "bearer", "expires_in": 3599,
            "scope": "meeting:write:admin meeting:read:admin chat_message:write:admin "
                     "cloud_recording:read:admin user:read:admin",
            "api_url": api_url}


@pytest.fixture
def settings() -> dict[str, Any]:
    return dict(SETTINGS)


@pytest.fixture
def api() -> respx.Router:
    """respx routes of the Zoom API, the token endpoint answering as Zoom documents it."""
    router = respx.Router(assert_all_mocked=True, base_url=API)
    router.post(f"{OAUTH}/oauth/token", name="token").respond(json=token_response())
    return router


@pytest.fixture
async def connector(api: respx.Router) -> AsyncIterator[ZoomConnector]:
    """A connector on the `api` routes, with `SETTINGS`."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        yield ZoomConnector("zoom-net", ZoomSettings.model_validate(SETTINGS), http,
                            MemoryStateBox())
