"""The Zoom emulator answers as Zoom does, and the connector copes with it over loopback."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hub.connector import Address, MemoryStateBox, Shape, Target, WebhookRequest
from hub.errors import AuthError, PermanentError
from hub.sandbox.base import serve, serve_emulator
from hub.sandbox.zoom import ZoomEmulator
from plugins.zoom.connector import ZoomConnector
from plugins.zoom.settings import ZoomSettings


@pytest.fixture
async def zoom() -> AsyncIterator[ZoomEmulator]:
    async with serve_emulator(ZoomEmulator()) as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def connector_for(zoom: ZoomEmulator, http: httpx.AsyncClient, **changes: str) -> ZoomConnector:
    account = zoom.account
    settings = ZoomSettings.model_validate({
        "type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
        "account_id": account.account_id, "client_id": account.client_id,
        "client_secret": account.client_secret, "secret_token": account.secret_token,
        **changes})
    return ZoomConnector("zoom-net", settings, http, MemoryStateBox())


async def token(zoom: ZoomEmulator, http: httpx.AsyncClient) -> str:
    credentials = f"{zoom.account.client_id}:{zoom.account.client_secret}".encode()
    response = await http.post(f"{zoom.base_url}/oauth/token", params={
        "grant_type": "account_credentials", "account_id": zoom.account.account_id},
        headers={"Authorization": "Basic " + base64.b64encode(credentials).decode()})
    assert response.status_code == 200
    body = response.json()
    assert body["api_url"] == zoom.base_url and body["expires_in"] == 3599
    return str(body["access_token"])


async def test_token_needs_the_app_credentials(zoom: ZoomEmulator,
                                               http: httpx.AsyncClient) -> None:
    refused = await http.post(f"{zoom.base_url}/oauth/token",
                              params={"grant_type": "account_credentials",
                                      "account_id": zoom.account.account_id},
                              auth=("sandbox-client-id", "wrong"))
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_client"
    await token(zoom, http)


async def test_api_refuses_a_missing_token_with_zoom_s_envelope(
        zoom: ZoomEmulator, http: httpx.AsyncClient) -> None:
    response = await http.get(f"{zoom.base_url}/v2/meetings/1")
    assert response.status_code == 401
    assert response.json() == {"code": 124, "message": "Invalid access token."}


async def test_errors_are_zoom_shaped(zoom: ZoomEmulator, http: httpx.AsyncClient,
                                      received: list[WebhookRequest]) -> None:
    bearer = {"Authorization": f"Bearer {await token(zoom, http)}"}
    missing = await http.get(f"{zoom.base_url}/v2/meetings/123", headers=bearer)
    assert (missing.status_code, missing.json()["code"]) == (404, 3001)
    nowhere = await http.post(f"{zoom.base_url}/v2/chat/users/me/messages", headers=bearer,
                              json={"message": "hi", "to_channel": "nope"})
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, 4130)
    main = await zoom.user_posts("C1", "main")
    reply = await zoom.user_posts("C1", "reply", reply_to=main["id"])
    deeper = await http.post(f"{zoom.base_url}/v2/chat/users/me/messages", headers=bearer,
                             json={"message": "x", "to_channel": "C1",
                                   "reply_main_message_id": reply["id"]})
    assert (deeper.status_code, deeper.json()["code"]) == (400, 5402)
    read = await http.get(f"{zoom.base_url}/v2/chat/users/me/messages/{main['id']}",
                          headers=bearer, params={"to_channel": "C1"})
    assert read.json()["message"] == "main"
    elsewhere = await http.get(f"{zoom.base_url}/v2/chat/users/me/messages/{main['id']}",
                               headers=bearer, params={"to_channel": "C2"})
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (400, 300)


async def test_rate_limit_fault_answers_429_then_recovers(zoom: ZoomEmulator,
                                                          http: httpx.AsyncClient) -> None:
    bearer = {"Authorization": f"Bearer {await token(zoom, http)}"}
    zoom.rate_limit("/v2/users")
    zoom.rate_limit("/v2/users", daily=True, retry_after=3)
    per_second = await http.get(f"{zoom.base_url}/v2/users/me", headers=bearer)
    assert per_second.status_code == 429
    assert per_second.headers["x-ratelimit-type"] == "QPS"
    assert "retry-after" not in per_second.headers
    daily = await http.get(f"{zoom.base_url}/v2/users/me", headers=bearer)
    assert (daily.status_code, daily.headers["x-ratelimit-type"]) == (429, "Daily-limit")
    assert daily.headers["retry-after"] == "3"
    assert daily.json()["code"] == 429
    assert (await http.get(f"{zoom.base_url}/v2/users/me", headers=bearer)).status_code == 200


@pytest.fixture
async def received(zoom: ZoomEmulator) -> AsyncIterator[list[WebhookRequest]]:
    """A stand-in for the hub's webhook route: it keeps what the emulator fires."""
    kept: list[WebhookRequest] = []

    async def hook(request: Request) -> Response:
        kept.append(WebhookRequest(
            method=request.method, path="", query=[], body=await request.body(),
            headers={k.lower(): v for k, v in request.headers.items()},
            received_at=datetime.now(UTC)))
        return PlainTextResponse("ok")

    async with serve(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as url:
        zoom.webhook_url = f"{url}/hook"
        yield kept


async def test_webhooks_are_signed_as_zoom_signs_them(
        zoom: ZoomEmulator, http: httpx.AsyncClient, received: list[WebhookRequest]) -> None:
    meeting = await zoom.user_schedules_meeting("Call", datetime(2026, 12, 1, tzinfo=UTC))
    await zoom.user_moves_meeting(meeting["id"], datetime(2026, 12, 2, tzinfo=UTC))
    await zoom.meeting_recorded(meeting["id"], {"MP4": b"video"})
    connector = connector_for(zoom, http)
    for request in received:
        assert await connector.verify_webhook(request) is None
    created, updated, recorded = (json.loads(r.body) for r in received)
    assert created["event"] == "meeting.created"
    assert updated["payload"]["object"] == {"id": meeting["id"],
                                            "start_time": "2026-12-02T00:00:00Z"}
    assert updated["payload"]["old_object"]["start_time"] == "2026-12-01T00:00:00Z"
    assert recorded["download_token"] in zoom.download_tokens


async def test_revoked_tokens_are_minted_again(zoom: ZoomEmulator,
                                               http: httpx.AsyncClient) -> None:
    connector = connector_for(zoom, http)
    await connector.check(online=True)
    zoom.revoke_tokens()
    await connector.check(online=True)
    assert zoom.requests.count(("POST", "/oauth/token")) == 2


async def test_wrong_secret_is_an_auth_error_that_names_the_fix(
        zoom: ZoomEmulator, http: httpx.AsyncClient) -> None:
    connector = connector_for(zoom, http, client_secret="rotated-away")
    with pytest.raises(AuthError, match="client_secret"):
        await connector.check(online=True)


async def test_polls_and_downloads_against_the_emulator(
        zoom: ZoomEmulator, http: httpx.AsyncClient, received: list[WebhookRequest]) -> None:
    connector = connector_for(zoom, http)
    meeting = await zoom.user_schedules_meeting("Call", datetime(2026, 12, 1, tzinfo=UTC))
    await zoom.meeting_recorded(meeting["id"], {"MP4": b"video"})
    await zoom.user_posts("C1", "hello")
    host = zoom.account.host_id
    meetings = await connector.poll(Address("zoom-net", "calendar", host), None)
    assert [e.source.native_id for e in meetings.events] == [str(meeting["id"])]
    files = await connector.poll(Address("zoom-net", "files", host), None)
    [file_event] = files.events
    local = await connector.download(file_event.attachments[0])  # app token: no webhook seen
    try:
        assert local.path.read_bytes() == b"video"
    finally:
        local.path.unlink()
    chat = await connector.poll(Address("zoom-net", "chat", "C1"), None)
    assert [e.body for e in chat.events] == ["hello"]
    assert len(received) == 3


async def test_deleting_what_is_gone_is_fine(zoom: ZoomEmulator,
                                             http: httpx.AsyncClient) -> None:
    connector = connector_for(zoom, http)
    calendar = Target(Address("zoom-net", "calendar", zoom.account.host_id), Shape.CALENDAR)
    await connector.delete(calendar, "80000000999")
    with pytest.raises(PermanentError), connector._calls("meeting read"):
        await connector.client.get_meeting("80000000999")
