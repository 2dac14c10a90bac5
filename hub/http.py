"""The one HTTP client factory and the one place HTTP statuses become hub errors."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from hub.errors import AuthError, PermanentError, TransientError

USER_AGENT = "Passerelle/0.1 (+https://passerelle.invalid)"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class _UrlRedaction(logging.Filter):
    """httpx logs every request's URL at INFO. URLs can carry secrets: a Basecamp chatbot key
    in the path, signed file links in the query. Queries are dropped and every secret the hub
    was configured with is masked, before any handler sees the record."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(self._clean(arg) for arg in record.args)
        return True

    def _clean(self, value: object) -> object:
        if not isinstance(value, httpx.URL):
            return value
        text = str(value.copy_with(query=None, fragment=None))
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


_REDACTION = _UrlRedaction()
logging.getLogger("httpx").addFilter(_REDACTION)


def hide_in_logs(secrets: Iterable[str]) -> None:
    """Mask these values wherever httpx logs a URL (short values would mask too much)."""
    _REDACTION.secrets.update(secret for secret in secrets if len(secret) >= 6)


def make_client(
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """The client handed to connectors. Redirects are never followed implicitly: a bearer
    token must not travel to another host (hub.files follows download redirects itself)."""
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        follow_redirects=False,
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def raise_for_status(
    response: httpx.Response, *, connection: str = "", what: str = "request"
) -> httpx.Response:
    """Map a failed response to TransientError, AuthError or PermanentError; pass success.

    429 and 5xx are transient (honouring Retry-After), 401/403 need an admin, and every other
    4xx is permanent for this item. Bodies are not quoted: they may echo secrets.
    """
    status = response.status_code
    if status < 400:
        return response
    detail = f"{what} {response.request.method} {response.request.url.path} answered {status}"
    if status == 429 or status >= 500:
        raise TransientError(
            detail,
            connection=connection,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    if status in (401, 403):
        raise AuthError(detail + ": check the credentials and scopes", connection=connection)
    raise PermanentError(detail, connection=connection)


def transport_error(exc: httpx.TransportError, *, connection: str = "") -> TransientError:
    """A network failure or timeout as a TransientError (raise it `from exc`)."""
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    return TransientError(
        f"{exc.request.method} {exc.request.url.host} {kind}: {type(exc).__name__}",
        connection=connection,
    )
