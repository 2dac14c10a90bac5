"""Slack request signing (v0): HMAC-SHA256 over `v0:<timestamp>:<raw body>` with the app's
signing secret, compared in constant time, within Slack's 300-second replay window."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from pydantic import SecretStr

from hub.errors import WebhookRejected

WINDOW_SECONDS = 300


def sign(secret: SecretStr, stamp: str, body: bytes) -> str:
    """`v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`."""
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(secret.get_secret_value().encode(), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def verify(secret: SecretStr, stamp: str | None, signature: str | None, body: bytes,
           received_at: datetime, connection: str = "") -> None:
    """Raise WebhookRejected (401) unless the request is Slack's, fresh and unchanged."""
    if not stamp or not signature:
        raise WebhookRejected("missing X-Slack-Signature or X-Slack-Request-Timestamp: "
                              "not a request signed by Slack")
    try:
        sent = int(stamp)
    except ValueError:
        raise WebhookRejected("X-Slack-Request-Timestamp is not a number") from None
    # Whole seconds on both sides: a stamp hundreds of digits long cannot become a float.
    if abs(int(received_at.timestamp()) - sent) > WINDOW_SECONDS:
        raise WebhookRejected("X-Slack-Request-Timestamp is more than 300 s away: a replay "
                              "or a wrong clock (check NTP on this host)")
    expected = sign(secret, stamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise WebhookRejected(f'signature mismatch on connection "{connection}": check '
                              "signing_secret against the app's Basic Information page")
