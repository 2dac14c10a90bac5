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
SHARED = ROOT.parent / "shared" / "fixtures" / "zoom"
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
    """A fixture by file name: ours first, then the shared ones."""
    path = FIXTURES / name if (FIXTURES / name).exists() else SHARED / name
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
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
    """A connector on the `api` routes, with the shared settings."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        yield ZoomConnector("zoom-net", ZoomSettings.model_validate(SETTINGS), http,
                            MemoryStateBox())
