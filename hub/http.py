"""The one HTTP client factory and the one place HTTP statuses become hub errors."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import ssl
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.request import getproxies

import httpcore
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


#: Where a new connection to (host, port) may go: the addresses to try, in order, or an
#: exception refusing it. Set for a block with `connecting_only_to`.
ConnectGuard = Callable[[str, int], Awaitable[list[str]]]

_CONNECT_GUARD: contextvars.ContextVar[ConnectGuard | None] = contextvars.ContextVar(
    "passerelle_connect_guard", default=None)


@contextlib.contextmanager
def connecting_only_to(guard: ConnectGuard) -> Iterator[None]:
    """Within this block, a connection the hub's clients open goes to an address `guard`
    gives for its host, never to one the system resolver gives afterwards: a name checked
    once cannot resolve elsewhere by the time it is connected to (DNS rebinding). Such a
    request reuses only connections opened under a guard, never one opened by name."""
    token = _CONNECT_GUARD.set(guard)
    try:
        yield
    finally:
        _CONNECT_GUARD.reset(token)


class _GuardedNetwork(httpcore.AsyncNetworkBackend):
    """The network under the hub's clients: connects where the connect guard says, if any."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
            self, host: str, port: int,
            timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
            local_address: str | None = None, socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        guard = _CONNECT_GUARD.get()
        addresses = [host]
        if guard is not None:
            try:
                async with asyncio.timeout(timeout):  # the look-up is part of connecting
                    addresses = await guard(host, port)
            except TimeoutError:
                raise httpcore.ConnectTimeout(f"resolving {host} took over {timeout} s"
                                              ) from None
        for address in addresses[:-1]:  # the next address when one does not answer
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return await self._inner.connect_tcp(address, port, timeout, local_address,
                                                     socket_options)
        return await self._inner.connect_tcp(addresses[-1], port, timeout, local_address,
                                             socket_options)

    async def connect_unix_socket(
            self, path: str,
            timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
            socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(network: httpcore.AsyncNetworkBackend | None = None
                      ) -> httpx.AsyncBaseTransport:
    """httpx's transport, with its defaults, over `network` (the real one unless a test gives
    another) under the connect guard."""
    return _HubTransport(network or httpcore.AnyIOBackend())


class _HubTransport(httpx.AsyncBaseTransport):
    """httpx's transport twice over: requests under a connect guard have a pool of their own,
    whose connections were all opened to addresses a guard gave, so a guarded request never
    reuses a connection opened by name; everything else shares the other pool."""

    def __init__(self, network: httpcore.AsyncNetworkBackend) -> None:
        tls = httpx.create_ssl_context()  # loading the CA bundle is most of a client's cost
        self._open = _pooled(network, tls)
        self._guarded = _pooled(network, tls)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        pool = self._open if _CONNECT_GUARD.get() is None else self._guarded
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        await self._open.aclose()
        await self._guarded.aclose()


def _pooled(network: httpcore.AsyncNetworkBackend, tls: ssl.SSLContext
            ) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(verify=tls)
    default = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    # httpx takes no network backend, so its pool is replaced by one built as it builds its
    # own. Were httpx to keep its pool elsewhere, this would fail here, not go unguarded.
    if not isinstance(getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        raise TypeError("this httpx keeps its connection pool elsewhere: hub.http needs it")
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=tls,
        max_connections=default.max_connections,
        max_keepalive_connections=default.max_keepalive_connections,
        keepalive_expiry=default.keepalive_expiry,
        network_backend=_GuardedNetwork(network),
    )
    return transport


def make_client(
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """The client handed to connectors. Redirects are never followed implicitly: a bearer
    token must not travel to another host (hub.files follows download redirects itself).

    Its connections obey `connecting_only_to`, unless the environment names a proxy for
    HTTPS (`HTTPS_PROXY` or `ALL_PROXY`): then every request goes through httpx's own handling
    of proxies, and the proxy resolves names. `HTTP_PROXY` alone is not used: the platforms
    are all HTTPS, and plain HTTP goes only to origins an admin configured."""
    if transport is None and not {"https", "all"} & set(getproxies()):
        transport = guarded_transport()
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
