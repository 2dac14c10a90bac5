"""Webhook verification: the signed URL-validation handshake and every tampered request."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from hub.connector import MemoryStateBox, WebhookRequest
from hub.errors import WebhookRejected
from plugins.zoom.connector import ZoomConnector
from plugins.zoom.settings import ZoomSettings
from tests.plugins.zoom.conftest import FIXTURES, SETTINGS, load

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
STAMP = str(int(NOW.timestamp()))


def sign(body: bytes, stamp: str = STAMP, secret: str = SETTINGS["secret_token"]) -> str:
    """Zoom's signature, written from its documentation: v0=hex(HMAC-SHA256(secret,
    "v0:{timestamp}:{raw body}"))."""
    message = f"v0:{stamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def request(body: bytes, headers: dict[str, str] | None = None, *, method: str = "POST",
            at: datetime = NOW) -> WebhookRequest:
    signed = {"x-zm-signature": sign(body), "x-zm-request-timestamp": STAMP,
              "content-type": "application/json"}
    return WebhookRequest(method=method, path="", query=[], body=body, received_at=at,
                          headers={**signed, **(headers or {})})


@pytest.fixture
async def connector() -> AsyncIterator[ZoomConnector]:
    def offline(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no call expected: {request.method} {request.url}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(offline)) as http:
        yield ZoomConnector("zoom-net", ZoomSettings.model_validate(SETTINGS), http,
                            MemoryStateBox())


async def test_url_validation_answers_with_the_encrypted_token(connector: ZoomConnector
                                                               ) -> None:
    body = (FIXTURES / "url_validation_request.json").read_bytes()
    answer = await connector.verify_webhook(request(body))
    assert answer is not None
    assert answer.status == 200
    assert answer.content_type == "application/json"
    reply = json.loads(answer.body)
    plain = load("url_validation_request.json")["payload"]["plainToken"]
    expected = hmac.new(SETTINGS["secret_token"].encode(), plain.encode(),
                        hashlib.sha256).hexdigest()
    assert reply == {"plainToken": plain, "encryptedToken": expected}
    # The documented response shape (its value used the docs' unknown secret).
    assert set(reply) == set(load("url_validation_response.json"))


async def test_signed_event_passes(connector: ZoomConnector) -> None:
    body = json.dumps(load("meeting_created.json")).encode()
    assert await connector.verify_webhook(request(body)) is None


def _tampered() -> list[tuple[str, dict[str, Any]]]:
    body = json.dumps(load("meeting_created.json")).encode()
    handshake = (FIXTURES / "url_validation_request.json").read_bytes()
    return [
        ("body changed after signing", {"body": body.replace(b"My Meeting", b"My Meetinh"),
                                        "headers": {"x-zm-signature": sign(body)}}),
        ("handshake changed after signing", {
            "body": handshake.replace(b"qgg8", b"qgg9"),
            "headers": {"x-zm-signature": sign(handshake)}}),
        ("unsigned handshake", {"body": handshake, "headers": {"x-zm-signature": ""}}),
        ("signature by another secret", {"body": body, "headers": {
            "x-zm-signature": sign(body, secret="someone-else")}}),
        ("signature without v0 prefix", {"body": body, "headers": {
            "x-zm-signature": sign(body).removeprefix("v0=")}}),
        ("timestamp changed", {"body": body, "headers": {
            "x-zm-request-timestamp": str(int(STAMP) + 1)}}),
        ("no timestamp", {"body": body, "headers": {"x-zm-request-timestamp": ""}}),
        ("timestamp not a number", {"body": body, "headers": {
            "x-zm-request-timestamp": "1e9", "x-zm-signature": sign(body, "1e9")}}),
        ("replayed after the window", {"body": body, "headers": {
            "x-zm-request-timestamp": str(int(STAMP) - 301),
            "x-zm-signature": sign(body, str(int(STAMP) - 301))}}),
        ("from the future", {"body": body, "headers": {
            "x-zm-request-timestamp": str(int(STAMP) + 301),
            "x-zm-signature": sign(body, str(int(STAMP) + 301))}}),
        ("upper-case signature", {"body": body, "headers": {
            "x-zm-signature": "v0=" + sign(body)[3:].upper()}}),
    ]


@pytest.mark.parametrize(("case", "change"), _tampered(), ids=[c for c, _ in _tampered()])
async def test_tampered_requests_are_refused(connector: ZoomConnector, case: str,
                                             change: dict[str, Any]) -> None:
    with pytest.raises(WebhookRejected) as refused:
        await connector.verify_webhook(request(change["body"], change["headers"]))
    assert refused.value.status == 401, case


async def test_get_is_refused(connector: ZoomConnector) -> None:
    with pytest.raises(WebhookRejected) as refused:
        await connector.verify_webhook(request(b"", method="GET"))
    assert refused.value.status == 405


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
async def test_signed_garbage_is_a_bad_request(connector: ZoomConnector, body: bytes) -> None:
    with pytest.raises(WebhookRejected) as refused:
        await connector.verify_webhook(request(body))
    assert refused.value.status == 400


@pytest.mark.parametrize("plain", [None, "", 42, "x" * 257])
async def test_handshake_without_a_usable_token_is_refused(connector: ZoomConnector,
                                                           plain: Any) -> None:
    body = json.dumps({"payload": {"plainToken": plain}, "event_ts": 1654503849680,
                       "event": "endpoint.url_validation"}).encode()
    with pytest.raises(WebhookRejected) as refused:
        await connector.verify_webhook(request(body))
    assert refused.value.status == 400


async def test_refusals_never_show_the_secret(connector: ZoomConnector) -> None:
    body = json.dumps(load("meeting_created.json")).encode()
    with pytest.raises(WebhookRejected) as refused:
        await connector.verify_webhook(request(body, {"x-zm-signature": "v0=00"}))
    assert SETTINGS["secret_token"] not in str(refused.value)
    assert sign(body) not in str(refused.value)


# -- what the JSON may carry -----------------------------------------------------------------

@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_refused_as_malformed(connector: ZoomConnector,
                                                         constant: str) -> None:
    body = json.dumps(load("meeting_created.json")).replace(
        '"payload": ', f'"score": {constant}, "payload": ').encode()
    assert constant.encode() in body
    for step in (connector.verify_webhook, connector.receive):
        with pytest.raises(WebhookRejected) as refused:
            await step(request(body))
        assert refused.value.status == 400
        assert f"{constant} is not a JSON value" in str(refused.value)


async def test_a_handshake_token_with_a_lone_surrogate_is_answered(connector: ZoomConnector
                                                                   ) -> None:
    body = json.dumps({"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw\ud800"},
                       "event_ts": 1654503849680, "event": "endpoint.url_validation"}).encode()
    answer = await connector.verify_webhook(request(body))
    assert answer is not None and answer.status == 200
    plain = "qgg8vlvZRS6UYooatFL8Aw\ufffd"
    assert json.loads(answer.body) == {"plainToken": plain, "encryptedToken": hmac.new(
        SETTINGS["secret_token"].encode(), plain.encode(), hashlib.sha256).hexdigest()}


def chat_posted(**fields: Any) -> bytes:
    payload = load("team_chat_channel_message_posted.json")
    obj = payload["payload"]["object"]
    obj.pop("files")  # their links would be read from the API
    obj.update(rich_text=[], at_items=[], **fields)
    return json.dumps(payload).encode()


async def test_a_lone_surrogate_is_kept_as_a_replacement_character(connector: ZoomConnector
                                                                   ) -> None:
    [event] = (await connector.receive(request(chat_posted(message="ol\ud800á")))).events
    assert event.body == "ol\ufffdá"
    event.model_dump_json()  # what the store writes


@pytest.mark.parametrize(("fields", "named"), [
    ({"message_id": "M" * 501}, "Ref.native_id: 501 characters, more than the 500"),
    ({"channel_id": "c" * 500}, "Ref.endpoint: 505 characters, more than the 500"),
])
async def test_an_id_the_store_cannot_hold_is_refused_naming_the_field(
        connector: ZoomConnector, fields: dict[str, str], named: str) -> None:
    with pytest.raises(WebhookRejected) as refused:
        await connector.receive(request(chat_posted(**fields)))
    assert refused.value.status == 400
    assert named in str(refused.value)


@pytest.mark.parametrize(("token", "file_id"), [("eyJ.dl\x00token", None),
                                                ("eyJ.dl.token", "f" * 190)])
async def test_a_download_token_the_store_cannot_keep_is_left_out(
        connector: ZoomConnector, token: str, file_id: str | None) -> None:
    payload = {**load("recording_completed_legacy.json"), "download_token": token}
    if file_id:
        payload["payload"]["object"]["recording_files"][0]["id"] = file_id
    inbound = await connector.receive(request(json.dumps(payload).encode()))
    assert inbound.events  # the recording itself is taken in
    state = connector.state
    assert isinstance(state, MemoryStateBox)
    kept = {key: value for key, value in state.values.items() if "\x00" in value or len(key) > 200}
    assert kept == {}
