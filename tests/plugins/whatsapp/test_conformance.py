"""The shipped connector conformance suite, on Graph API-shaped respx routes."""

from __future__ import annotations

from typing import ClassVar

import httpx
import pytest
import respx

from hub.testing.conformance import ConnectorConformance
from plugins.whatsapp.connector import WhatsAppConnector
from tests.plugins.whatsapp.conftest import BASE, FIXTURES, NUMBER, settings_dict
from tests.plugins.whatsapp.helpers import graph_error

# Content payloads addressed to the configured number (the others are for Meta's sample one).
CONTENT = sorted(path for path in FIXTURES.glob("*.json")
                 if not path.name.startswith(("status_", "system_", "webhook_"))
                 and f'"phone_number_id": "{NUMBER}"' in path.read_text(encoding="utf-8"))


@pytest.fixture
def api() -> respx.Router:
    router = respx.Router(assert_all_mocked=True, base_url=BASE)
    router.get(f"/{NUMBER}", name="check").respond(json={
        "display_phone_number": "+972 12-345-6789", "verified_name": "Passerelle Network",
        "quality_rating": "GREEN", "id": NUMBER})
    router.post(f"/{NUMBER}/messages", name="send").respond(json={
        "messaging_product": "whatsapp",
        "contacts": [{"input": "GROUP1"}],
        "messages": [{"id": "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]})
    return router


class TestWhatsAppConformance(ConnectorConformance):
    connector_cls = WhatsAppConnector
    settings = settings_dict()
    address = "conformance/group/GROUP1"
    samples = CONTENT
    error_responses: ClassVar[dict[str, httpx.Response]] = {
        "auth": graph_error(190, "Error validating access token: Session has expired",
                            status=401, subcode=463),
        "permanent": graph_error(100, "(#100) Invalid parameter"),
        "transient": graph_error(131000, "Something went wrong", status=500),
        # Graph's own rate-limit codes carry no Retry-After; test_send covers them. This keeps
        # the kit's HTTP 429 + Retry-After, which the connector must honour as well.
        "rate_limited": httpx.Response(429, headers={"Retry-After": "7"},
                                       json={"error": {"message": "rate limited", "code": 4}}),
    }


def test_samples_are_the_content_fixtures_of_the_number() -> None:
    others = {"text_message_meta_docs.json", "group_text_message_meta_docs.json",
              "edit_image_caption.json", "revoke.json"}
    assert len(CONTENT) == 16
    assert not others & {path.name for path in CONTENT}
