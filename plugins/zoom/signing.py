"""Zoom's webhook signature and its URL-validation handshake.

Every request carries `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:{ts}:{raw
body}")>` and `x-zm-request-timestamp`; the handshake (`endpoint.url_validation`, at
subscription and every 72 hours) is signed the same way and is answered with
`{"plainToken", "encryptedToken": hex HMAC-SHA256(secret token, plainToken)}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from pydantic import SecretStr

from hub.connector import WebhookAnswer, WebhookRequest
from hub.errors import WebhookRejected

MAX_PLAIN_TOKEN = 256


def digest(secret: SecretStr, message: bytes) -> str:
    return hmac.new(secret.get_secret_value().encode(), message, hashlib.sha256).hexdigest()


def verify(request: WebhookRequest, secret: SecretStr, tolerance: int) -> None:
    """Refuse what Zoom did not sign just now; compared in constant time."""
    if request.method != "POST":
        raise WebhookRejected("Zoom sends webhooks as POST requests", status=405)
    signature = request.header("x-zm-signature")
    stamp = request.header("x-zm-request-timestamp")
    if not signature or not stamp:
        raise WebhookRejected("no x-zm-signature or x-zm-request-timestamp header")
    # isdigit() alone admits "²" and digits int() refuses; twelve digits reach the year 33658.
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        raise WebhookRejected("x-zm-request-timestamp is not a number of seconds")
    skew = abs(request.received_at.timestamp() - int(stamp))
    if skew > tolerance:
        raise WebhookRejected(f"x-zm-request-timestamp is {int(skew)} s away from now; more "
                              f"than {tolerance} s is refused (a replay, or a clock to "
                              "synchronise)")
    expected = "v0=" + digest(secret, b"v0:" + stamp.encode() + b":" + request.body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise WebhookRejected("x-zm-signature does not match: the body was altered, or "
                              "secret_token is not the app's Secret Token")


def handshake(payload: dict[str, Any], secret: SecretStr) -> WebhookAnswer | None:
    """The answer to `endpoint.url_validation`; None for every other event."""
    if payload.get("event") != "endpoint.url_validation":
        return None
    inner = payload.get("payload")
    plain = inner.get("plainToken") if isinstance(inner, dict) else None
    if not isinstance(plain, str) or not 0 < len(plain) <= MAX_PLAIN_TOKEN:
        raise WebhookRejected("endpoint.url_validation without a usable plainToken", status=400)
    answer = {"plainToken": plain, "encryptedToken": digest(secret, plain.encode())}
    return WebhookAnswer(200, json.dumps(answer).encode(), "application/json")


def json_object(request: WebhookRequest) -> dict[str, Any]:
    """A webhook's JSON object, or a 400 saying why not."""
    payload = request.json()
    if not isinstance(payload, dict):
        raise WebhookRejected("body is not a JSON object", status=400)
    return payload
