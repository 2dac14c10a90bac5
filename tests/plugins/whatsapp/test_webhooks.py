"""Verification: the GET handshake and X-Hub-Signature-256 refuse every tampered request."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from hub.connector import MemoryStateBox, WebhookAnswer, WebhookRequest
from hub.errors import WebhookRejected
from plugins.whatsapp.connector import WhatsAppConnector
from plugins.whatsapp.settings import WhatsAppSettings
from tests.plugins.whatsapp.conftest import VERIFY, fixture, signed


@pytest.fixture
async def connector(settings: WhatsAppSettings) -> WhatsAppConnector:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(599)))
    return WhatsAppConnector("wa", settings, http, MemoryStateBox())


def get(query: dict[str, str]) -> WebhookRequest:
    return WebhookRequest(method="GET", path="", query=list(query.items()), headers={},
                          body=b"", received_at=datetime.now(UTC))


async def test_handshake_answers_the_challenge(connector: WhatsAppConnector) -> None:
    sample = fixture("webhook_verification_get_request.json")
    answer = await connector.verify_webhook(get({**sample["query"], "hub.verify_token": VERIFY}))
    expected = sample["expected_response"]
    assert answer == WebhookAnswer(expected["status"], expected["body"].encode(),
                                   expected["content_type"])


@pytest.mark.parametrize(("query", "status"), [
    ({"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "wrong"}, 403),
    ({"hub.mode": "unsubscribe", "hub.challenge": "1", "hub.verify_token": VERIFY}, 403),
    ({"hub.challenge": "1158201444", "hub.verify_token": VERIFY}, 403),
    ({"hub.mode": "subscribe", "hub.challenge": "1158201444"}, 403),
    ({"hub.mode": "subscribe", "hub.verify_token": VERIFY}, 400),
    ({"hub.mode": "subscribe", "hub.challenge": "<script>", "hub.verify_token": VERIFY},
     400),
    # Echoed back as the answer: only a plain token, whole (a `$` lets a final newline by).
    ({"hub.mode": "subscribe", "hub.challenge": "1158201444\n", "hub.verify_token": VERIFY},
     400),
    ({"hub.mode": "subscribe", "hub.challenge": "1158201444\r\n",
      "hub.verify_token": VERIFY}, 400),
    ({"hub.mode": "subscribe", "hub.challenge": " 1158201444", "hub.verify_token": VERIFY},
     400),
    ({"hub.mode": "subscribe", "hub.challenge": "1" * 129, "hub.verify_token": VERIFY},
     400),
    ({"hub.mode": "subscribe", "hub.challenge": "١٢٣", "hub.verify_token": VERIFY}, 400),
])
async def test_bad_handshakes_are_refused(connector: WhatsAppConnector, query: dict[str, str],
                                          status: int) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await connector.verify_webhook(get(query))
    assert caught.value.status == status


async def test_signed_delivery_passes(connector: WhatsAppConnector) -> None:
    assert await connector.verify_webhook(signed(fixture("text_message_meta_docs.json"))) is None


def tampered_requests() -> list[tuple[str, WebhookRequest]]:
    good = signed(fixture("text_message_meta_docs.json"))
    header = good.headers["x-hub-signature-256"]
    flipped = header[:-1] + ("0" if header[-1] != "0" else "1")

    def with_headers(headers: dict[str, str], body: bytes = good.body) -> WebhookRequest:
        return WebhookRequest(method="POST", path="", query=[], headers=headers, body=body,
                              received_at=good.received_at)

    return [
        ("body changed", with_headers(dict(good.headers), good.body.replace(b"color", b"colour"))),
        ("body appended", with_headers(dict(good.headers), good.body + b" ")),
        ("signature flipped", with_headers({"x-hub-signature-256": flipped})),
        ("no header", with_headers({})),
        ("no prefix", with_headers({"x-hub-signature-256": header[7:]})),
        ("sha1 header", with_headers({"x-hub-signature": header.replace("sha256", "sha1")})),
        ("empty", with_headers({"x-hub-signature-256": "sha256="})),
        ("other secret", signed(fixture("text_message_meta_docs.json"), secret="meatyhamhock")),
    ]


@pytest.mark.parametrize(("case", "request_"), tampered_requests(),
                         ids=[case for case, _ in tampered_requests()])
async def test_tampered_deliveries_are_refused(connector: WhatsAppConnector, case: str,
                                               request_: WebhookRequest) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await connector.verify_webhook(request_)
    assert caught.value.status == 401
    assert "app-secret-for-tests" not in str(caught.value)


async def test_other_methods_are_refused(connector: WhatsAppConnector) -> None:
    request = WebhookRequest(method="PUT", path="", query=[], headers={}, body=b"",
                             received_at=datetime.now(UTC))
    with pytest.raises(WebhookRejected) as caught:
        await connector.verify_webhook(request)
    assert caught.value.status == 405


async def test_receive_refuses_what_is_not_a_delivery(connector: WhatsAppConnector) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await connector.receive(signed(b"not json"))
    assert caught.value.status == 400
    with pytest.raises(WebhookRejected, match="whatsapp_business_account"):
        await connector.receive(signed({"object": "instagram", "entry": []}))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_refused_as_malformed(connector: WhatsAppConnector,
                                                         constant: str) -> None:
    body = json.dumps(fixture("status_read.json")).replace('"entry"', f'"score": {constant}, '
                                                           '"entry"').encode()
    with pytest.raises(WebhookRejected) as caught:
        await connector.receive(signed(body))
    assert caught.value.status == 400
    assert f"{constant} is not a JSON value" in str(caught.value)
