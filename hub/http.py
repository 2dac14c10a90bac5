"""The one HTTP client factory and the one place HTTP statuses become hub errors."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from hub.errors import AuthError, PermanentError, TransientError

USER_AGENT = "Passerelle/0.1 (+https://passerelle.invalid)"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


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
