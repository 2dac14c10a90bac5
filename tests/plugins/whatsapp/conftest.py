"""Shared helpers of the WhatsApp tests: fixtures, settings, signed webhook requests."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.connector import WebhookRequest
from plugins.whatsapp.settings import WhatsAppSettings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "whatsapp"
APP_SECRET = "app-secret-for-tests"
BASE = "https://graph.facebook.com/v25.0"
NUMBER = "1122334455667"  # the phone_number_id of the pywa fixtures
VERIFY = "meatyhamhock-verify-token"  # Meta's sample token, lengthened as settings require


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def settings_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "whatsapp",
        "phone_number_id": NUMBER,
        "access_token": "EAAG-test-token",
        "app_secret": APP_SECRET,
        "verify_token": VERIFY,
        "circles": {"general": {"members": ["+972 98 765 4321", "351912345678"]},
                    "lisbon": {"open": True}},
        "template": {"name": "new_post", "language": "pt_PT",
                     "parameters": ["{author}", "{preview}"]},
    }
    data.update(overrides)
    return data


@pytest.fixture
def settings() -> WhatsAppSettings:
    return WhatsAppSettings.model_validate(settings_dict())


def signed(payload: dict[str, Any] | bytes, secret: str = APP_SECRET) -> WebhookRequest:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return WebhookRequest(method="POST", path="", query=[],
                          headers={"x-hub-signature-256": f"sha256={signature}",
                                   "content-type": "application/json"},
                          body=body, received_at=datetime.now(UTC))


def message_payload(message: dict[str, Any], *, name: str = "Ana", wa_id: str | None = None,
                    number: str = NUMBER) -> dict[str, Any]:
    """A delivery shaped like the fixtures, carrying one message."""
    sender = wa_id or str(message.get("from"))
    return {"object": "whatsapp_business_account", "entry": [{"id": "1234567890987654321",
            "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "972123456789", "phone_number_id": number},
                "contacts": [{"profile": {"name": name}, "wa_id": sender}],
                "messages": [message]}}]}]}


def text_from(sender: str, body: str, wamid: str, timestamp: int, **extra: Any
              ) -> dict[str, Any]:
    return {"from": sender, "id": wamid, "timestamp": str(timestamp), "type": "text",
            "text": {"body": body}, **extra}
