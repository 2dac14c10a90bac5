"""Safe downloads of attachments: allow-listed hosts, no private addresses, a size cap, and a
bearer token that never follows a redirect to another host (DESIGN §5, reference B3).

A host's addresses are checked before the request, for a clear refusal, and again where the
connection is made, which then goes to a checked address (hub.http.connecting_only_to): a name
that resolves to a public address when checked and to a private one a moment later (DNS
rebinding) is never connected to."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import os
import re
import socket
import tempfile
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from hub.errors import AuthError, PermanentError, TransientError
from hub.http import connecting_only_to, raise_for_status, transport_error

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
DEFAULT_MAX_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LocalFile:
    """An attachment downloaded to a temporary file, ready to upload elsewhere."""

    path: Path
    name: str
    mime_type: str
    size: int

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def resolve(host: str, port: int) -> list[str]:
    """Every address a host name resolves to (the system resolver)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class DownloadPolicy:
    """Where a connector may download from.

    `hosts` are exact names or `*.suffix` patterns, reached over HTTPS on any public address.
    `trusted_origins` are origins an admin configured explicitly (a sandbox or proxy
    `base_url`): they may be plain HTTP or on a private address, and nothing else may.
    """

    hosts: frozenset[str]
    trusted_origins: frozenset[str] = field(default_factory=frozenset)
    max_bytes: int = DEFAULT_MAX_BYTES
    resolver: Resolver = resolve
    temp_dir: Path | None = None

    @classmethod
    def build(cls, hosts: Iterable[str], *, base_url: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES, temp_dir: Path | None = None
              ) -> DownloadPolicy:
        origins = frozenset({_origin(base_url)} if base_url else ())
        return cls(frozenset(h.lower() for h in hosts), origins, max_bytes, temp_dir=temp_dir)

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(
            host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
            for pattern in self.hosts
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local, metadata, CGNAT, multicast and reserved."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in ipaddress.ip_network("100.64.0.0/10"):  # CGNAT is not "private" to ipaddress
        return False
    return ip.is_global and not ip.is_multicast


async def check_url(url: str, policy: DownloadPolicy) -> None:
    """Refuse a URL the policy does not allow, resolving its host to check every address."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise PermanentError(f"download refused: {parts.hostname} URL carries credentials")
    host = (parts.hostname or "").lower()
    if not host:
        raise PermanentError("download refused: URL has no host")
    if _origin(url) in policy.trusted_origins:
        return
    if parts.scheme != "https":
        raise PermanentError(f"download refused: {parts.scheme}:// is not HTTPS ({host})")
    if parts.port not in (None, 443):
        raise PermanentError(f"download refused: {host} on port {parts.port}, not 443")
    if not policy.host_allowed(host):
        raise PermanentError(f"download refused: {host} is not one of the platform's file hosts")
    await public_addresses(policy, host, parts.port or 443)


async def public_addresses(policy: DownloadPolicy, host: str, port: int) -> list[str]:
    """Every address `host` resolves to, refused unless all are public."""
    try:
        addresses = await policy.resolver(host, port)
    except OSError as exc:
        if isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_AGAIN:
            # The resolver could not answer now (its server timed out): try again later.
            raise TransientError(f"{host} could not be resolved now ({exc})") from None
        raise PermanentError(f"download refused: {host} does not resolve ({exc})") from None
    if not addresses:
        raise PermanentError(f"download refused: {host} resolves to no address")
    for address in addresses:
        if not is_public_address(address):
            raise PermanentError(f"download refused: {host} resolves to non-public {address}")
    return addresses


async def fetch(
    http: httpx.AsyncClient,
    url: str,
    policy: DownloadPolicy,
    *,
    name: str,
    mime_type: str,
    headers: Mapping[str, str] | None = None,
    temp_dir: Path | None = None,
    connection: str = "",
) -> LocalFile:
    """Stream `url` into a temporary file under the policy; the caller deletes the file.

    Redirects are followed here, each hop checked again; `Authorization` is dropped as soon
    as a hop leaves the first host. A body over `policy.max_bytes` is refused whatever
    `Content-Length` claims. An HTML page where a file was expected is a login page: an auth
    failure, never a file to upload.
    """
    send_headers = dict(headers or {})
    first_host = urlsplit(url).hostname
    for _ in range(MAX_REDIRECTS + 1):
        await check_url(url, policy)
        request = http.build_request("GET", url, headers=send_headers)
        # Checked above for a clear refusal; checked again where the connection is made, and
        # made to the address checked, so a name cannot resolve elsewhere in between.
        pinned = (contextlib.nullcontext() if _origin(url) in policy.trusted_origins
                  else connecting_only_to(functools.partial(public_addresses, policy)))
        try:
            with pinned:
                response = await http.send(request, stream=True, follow_redirects=False)
        except httpx.TransportError as exc:
            raise transport_error(exc, connection=connection) from exc
        try:
            if response.is_redirect and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                if urlsplit(url).hostname != first_host:
                    send_headers = {k: v for k, v in send_headers.items()
                                    if k.lower() != "authorization"}
                continue
            if response.status_code >= 400:
                await response.aread()
                raise_for_status(response, connection=connection, what="download")
            return await _save(response, policy, name, mime_type, temp_dir or policy.temp_dir,
                               connection)
        finally:
            await response.aclose()
    raise PermanentError(f"download refused: more than {MAX_REDIRECTS} redirects",
                         connection=connection)


async def _save(response: httpx.Response, policy: DownloadPolicy, name: str, mime_type: str,
                temp_dir: Path | None, connection: str) -> LocalFile:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise PermanentError(f"file {name!r} is {declared} bytes, over the {policy.max_bytes} cap",
                             connection=connection)
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "text/html" and mime_type != "text/html":
        raise AuthError("download returned an HTML page instead of the file: the token or its "
                        "file scope is missing", connection=connection)
    handle, raw_path = tempfile.mkstemp(prefix="passerelle-", dir=temp_dir)
    path = Path(raw_path)
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            async for chunk in response.aiter_bytes(CHUNK):
                size += len(chunk)
                if size > policy.max_bytes:
                    raise PermanentError(f"file {name!r} exceeds the {policy.max_bytes} byte cap",
                                         connection=connection)
                out.write(chunk)
    except BaseException:
        _discard(path)
        raise
    return LocalFile(path=path, name=safe_filename(name), mime_type=mime_type, size=size)


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\\u202a-\u202e\u2066-\u2069]")


def safe_filename(name: str, limit: int = 180) -> str:
    """A file name with no path, control or direction-override characters, of sane length."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .") or "file"
    if len(cleaned) <= limit:
        return cleaned
    stem, dot, ext = cleaned.rpartition(".")
    return (stem[: limit - len(ext) - 1] + dot + ext) if dot and len(ext) < 12 else cleaned[:limit]
