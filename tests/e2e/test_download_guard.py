"""Each connector's `download` refuses what could reach inside the network or leak its token.

The real connectors build their real `DownloadPolicy`; the only stand-ins are respx routes
for the platforms' hosts and a resolver stub, so no DNS query and no connection leaves this
machine (the system resolver is made to fail the test if anything reaches it). For every
connector: private, loopback (by name too), link-local and metadata addresses, names of the
platform that resolve inside, non-HTTPS schemes, credentials in the URL, redirects off the
platform's hosts (the bearer token never follows) and bodies over the cap, whatever
`Content-Length` claims.
"""

from __future__ import annotations

import hashlib
import socket
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from hub.connector import Connector, LocalFile, MemoryStateBox
from hub.errors import AuthError, PermanentError
from hub.events import Attachment
from hub.files import DownloadPolicy
from hub.http import make_client
from hub.network import Network
from hub.plugins import Registry, make_plugin_manager
from hub.settings import HubSettings
from plugins.basecamp.connector import BasecampConnector
from plugins.slack.connector import SlackConnector
from plugins.whatsapp.connector import WhatsAppConnector
from plugins.zoom.connector import ZoomConnector
from tests.e2e.secrets import (
    SLACK_TOKEN,
)

CAP = 4096  # the cap given to connectors whose settings have one (Zoom, WhatsApp)
MIB = 1024 * 1024
CONTENT = b"%PDF-1.7 minutes of the meeting"
EVIL = "evil.example.net"
PUBLIC = {  # what the platforms' names resolve to here: public addresses, never contacted
    "files.slack.com": ["54.192.18.12"],
    "lookaside.fbsbx.com": ["157.240.22.19"],
    "zoom.us": ["170.114.52.2"], "ssrweb.zoom.us": ["170.114.10.87"],
    "3.basecampapi.com": ["52.1.100.9"], "storage.basecamp.com": ["52.1.100.10"],
    EVIL: ["203.0.113.66"],
    "localhost": ["127.0.0.1", "::1"],
    "metadata.google.internal": ["169.254.169.254"],
}
INSIDE = ["10.1.2.3", "172.16.5.4", "192.168.1.20", "127.0.0.1", "::1", "169.254.169.254",
          "169.254.10.1", "fe80::1", "100.64.0.7", "::ffff:10.0.0.1", "fd00::1", "0.0.0.0"]


class Resolver:
    """Answers from a table; a name outside it is an error, never a real DNS query."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"{host} is not in the test's resolver")
        return self.table[host]


@dataclass
class Platform:
    """One connector under test and how to make it download a URL."""

    name: str
    host: str  # its main file host
    second_host: str | None  # another of its file hosts, for a redirect within the platform
    bearer: str
    capped: bool  # whether its settings give a cap (else the policy's 100 MiB default)
    build: Callable[[httpx.AsyncClient], Connector]

    def route_lookup(self, api: respx.Router, url: str, body: bytes = CONTENT) -> None:
        """WhatsApp hands the file URL over in a Graph lookup of the media id first."""
        if self.name == "whatsapp":
            api.get("https://graph.facebook.com/v25.0/4490709327384033", name="lookup").respond(
                json={"messaging_product": "whatsapp", "url": url, "mime_type": "application/pdf",
                      "sha256": hashlib.sha256(body).hexdigest(), "id": "4490709327384033"})
        if self.name == "zoom":
            api.post("https://zoom.us/oauth/token", name="lookup").respond(json={
                "access_token": "eyJzdiI6IjAwMDAwMSJ9.zoom-access", "token_type": "bearer",
                "expires_in": 3599, "scope": "cloud_recording:read:admin",
                "api_url": "https://api.zoom.us"})

    def attachment(self, url: str) -> Attachment:
        if self.name == "whatsapp":
            return Attachment(name="minutes.pdf", mime_type="application/pdf",
                              native_id="4490709327384033")
        return Attachment(name="minutes.pdf", mime_type="application/pdf", url=url,
                          native_id="rec-file-1")


def _connector(cls: type[Connector], name: str, data: dict[str, Any]
               ) -> Callable[[httpx.AsyncClient], Connector]:
    def build(http: httpx.AsyncClient) -> Connector:
        return cls(name, cls.settings_model.model_validate(data), http, MemoryStateBox())
    return build


_SETTINGS: dict[str, dict[str, Any]] = {
    "slack": {"bot_token": SLACK_TOKEN, "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5"},
    "basecamp": {"account_id": 3688623, "contact": "ops@example.org",
                 "access_token": "BAhbB0kiAbB7ImNsaWVudF9pZCI6IjFmOTJk"},
}
PLATFORMS = [
    Platform("slack", "files.slack.com", None, SLACK_TOKEN, False,
             _connector(SlackConnector, "slack", {"type": "slack", **_SETTINGS["slack"]})),
    Platform("basecamp", "3.basecampapi.com", "storage.basecamp.com",
             "BAhbB0kiAbB7ImNsaWVudF9pZCI6IjFmOTJk", False,
             _connector(BasecampConnector, "basecamp",
                        {"type": "basecamp", **_SETTINGS["basecamp"]})),
    Platform("whatsapp", "lookaside.fbsbx.com", None,
             "EAAJB1Ea9ZCTcBO7hZB6ZCu3ZAeZBq0jA3ZBo2ZC2ZBy7ZCPZB3qZAuZB8", True,
             _connector(WhatsAppConnector, "whatsapp", {
                 "type": "whatsapp", "phone_number_id": "106540352242922",
                 "access_token": "EAAJB1Ea9ZCTcBO7hZB6ZCu3ZAeZBq0jA3ZBo2ZC2ZBy7ZCPZB3qZAuZB8",
                 "app_secret": "2b5c0e8e7f3a4d9bb1c6a1f0e3d2c4b5",
                 "verify_token": "verify-token-0123456789",
                 "max_media_bytes": CAP})),
    Platform("zoom", "zoom.us", "ssrweb.zoom.us", "eyJzdiI6IjAwMDAwMSJ9.zoom-access", True,
             _connector(ZoomConnector, "zoom", {
                 "type": "zoom", "account_id": "AAAAAABBBB", "client_id": "cid",
                 "client_secret": "7gTHj8s4Ps4KqcAJX0AvOw2YlAo1H6Rk",
                 "secret_token": "hr7LS3rDRbGXvGz1XH6e6g", "max_file_bytes": CAP})),
]
IDS = [p.name for p in PLATFORMS]


@dataclass
class Guard:
    api: respx.Router
    resolver: Resolver
    temp: Path

    def use(self, table: dict[str, list[str]]) -> None:
        self.resolver.table = table


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Guard]:
    resolver = Resolver(dict(PUBLIC))
    built = DownloadPolicy.build

    def with_stub(cls: type[DownloadPolicy], *args: Any, **kwargs: Any) -> DownloadPolicy:
        return replace(built(*args, **kwargs), resolver=resolver)

    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a real DNS query was attempted: {args[:2]}")

    monkeypatch.setattr(DownloadPolicy, "build", classmethod(with_stub))
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where half-written files would stay
    yield Guard(respx.Router(assert_all_mocked=True), resolver, tmp_path)


async def download(guard: Guard, platform: Platform, url: str, *,
                   elsewhere: respx.Route | None = None) -> LocalFile:
    """The connector's download of `url`; `elsewhere` answers any other request, after the
    platform's own API routes have had their turn."""
    async with make_client(transport=httpx.MockTransport(guard.api.async_handler)) as http:
        connector = platform.build(http)
        platform.route_lookup(guard.api, url)
        if elsewhere is not None:
            guard.api.routes.add(elsewhere)
        try:
            return await connector.download(platform.attachment(url))
        finally:
            await connector.aclose()


def platform_calls(guard: Guard) -> list[httpx.Request]:
    """Requests that went anywhere but the platform's own API lookups."""
    return [call.request for call in guard.api.calls
            if call.request.url.host not in ("graph.facebook.com",)
            and call.request.url.path != "/oauth/token"]


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
async def test_a_good_download_arrives_with_the_token_on_the_platforms_host(
        guard: Guard, platform: Platform) -> None:
    url = f"https://{platform.host}/files/minutes.pdf"
    route = guard.api.get(url).respond(200, content=CONTENT,
                                       headers={"Content-Type": "application/pdf"})
    local = await download(guard, platform, url)
    assert local.path.read_bytes() == CONTENT
    assert route.calls.last.request.headers["authorization"] == f"Bearer {platform.bearer}"
    assert platform.host in guard.resolver.asked


REFUSED = [
    ("https://10.0.0.5/files/minutes.pdf", "private address"),
    ("https://192.168.1.1/files/minutes.pdf", "private address"),
    ("https://127.0.0.1/files/minutes.pdf", "loopback address"),
    ("https://localhost/files/minutes.pdf", "loopback by name"),
    ("https://localhost./files/minutes.pdf", "loopback by name, rooted"),
    ("https://[::1]/files/minutes.pdf", "IPv6 loopback"),
    ("https://[::ffff:127.0.0.1]/files/minutes.pdf", "IPv4-mapped loopback"),
    ("https://169.254.169.254/latest/meta-data/iam/security-credentials/", "metadata"),
    ("https://metadata.google.internal/computeMetadata/v1/", "metadata by name"),
    ("https://[fe80::1]/files/minutes.pdf", "link-local"),
    ("https://169.254.1.1/files/minutes.pdf", "link-local"),
    ("https://2130706433/files/minutes.pdf", "loopback as an integer"),
    ("https://0x7f000001/files/minutes.pdf", "loopback in hex"),
    ("https://[::]/files/minutes.pdf", "unspecified address"),
    ("http://{host}/files/minutes.pdf", "plain HTTP"),
    ("ftp://{host}/files/minutes.pdf", "FTP"),
    ("file:///etc/passwd", "file scheme"),
    ("gopher://{host}/_GET", "gopher"),
    ("https://{host}@" + EVIL + "/files/minutes.pdf", "userinfo trick"),
    ("https://user:pass@{host}/files/minutes.pdf", "credentials in the URL"),
    ("https://{host}." + EVIL + "/files/minutes.pdf", "suffix trick"),
    ("https://" + EVIL + "/files/minutes.pdf", "another host"),
]


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
@pytest.mark.parametrize(("template", "why"), REFUSED, ids=[why for _, why in REFUSED])
async def test_forbidden_urls_are_refused_before_any_request(
        guard: Guard, platform: Platform, template: str, why: str) -> None:
    with pytest.raises(PermanentError, match="download refused"):
        await download(guard, platform, template.format(host=platform.host),
                       elsewhere=respx.Route().respond(200, content=b"never fetched"))
    assert platform_calls(guard) == [], why


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
@pytest.mark.parametrize("address", INSIDE)
async def test_a_platform_name_resolving_inside_is_refused(
        guard: Guard, platform: Platform, address: str) -> None:
    # DNS rebinding or a poisoned resolver: the name is the platform's, the address is not.
    guard.use({**PUBLIC, platform.host: ["54.192.18.13", address]})
    with pytest.raises(PermanentError, match="non-public"):
        await download(guard, platform, f"https://{platform.host}/files/minutes.pdf",
                       elsewhere=respx.Route().respond(200, content=b"never fetched"))
    assert platform_calls(guard) == []


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
@pytest.mark.parametrize("location", [
    f"https://{EVIL}/steal", "http://169.254.169.254/latest/meta-data/",
    "https://localhost/admin", "https://10.0.0.1/", "http://{host}/files/minutes.pdf",
    "file:///etc/passwd"])
async def test_a_redirect_off_the_platform_is_refused_and_the_token_stays(
        guard: Guard, platform: Platform, location: str) -> None:
    first = f"https://{platform.host}/files/minutes.pdf"
    guard.api.get(first).respond(302, headers={"Location": location.format(host=platform.host)})
    elsewhere = respx.Route().respond(200, content=b"stolen")
    with pytest.raises(PermanentError, match="download refused"):
        await download(guard, platform, first, elsewhere=elsewhere)
    assert not elsewhere.called  # nothing, let alone the bearer token, reached the target


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
async def test_only_the_https_port_is_used(guard: Guard, platform: Platform) -> None:
    elsewhere = respx.Route().respond(200, content=b"never fetched")
    with pytest.raises(PermanentError, match="download refused"):
        await download(guard, platform, f"https://{platform.host}:8443/files/minutes.pdf",
                       elsewhere=elsewhere)
    assert not elsewhere.called


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
async def test_a_redirect_loop_is_cut_off(guard: Guard, platform: Platform) -> None:
    first = f"https://{platform.host}/files/minutes.pdf"
    hops: list[int] = []

    def again(request: httpx.Request) -> httpx.Response:
        hops.append(1)
        return httpx.Response(302, headers={"Location": f"{first}?n={len(hops)}"})

    guard.api.get(url__startswith=first).mock(side_effect=again)
    with pytest.raises(PermanentError, match="redirects"):
        await download(guard, platform, first)
    assert 0 < len(hops) <= 2 * 6  # WhatsApp asks for a fresh URL once more


@pytest.mark.parametrize("platform", [p for p in PLATFORMS if p.second_host],
                         ids=[p.name for p in PLATFORMS if p.second_host])
async def test_a_redirect_to_another_platform_host_goes_without_the_token(
        guard: Guard, platform: Platform) -> None:
    first = f"https://{platform.host}/files/minutes.pdf"
    second = f"https://{platform.second_host}/blob/8d1f?signature=abc"
    guard.api.get(first).respond(302, headers={"Location": second})
    blob = guard.api.get(second).respond(200, content=CONTENT,
                                         headers={"Content-Type": "application/pdf"})
    local = await download(guard, platform, first)
    assert local.path.read_bytes() == CONTENT
    assert guard.api.calls[-2].request.headers["authorization"] == f"Bearer {platform.bearer}"
    assert "authorization" not in blob.calls.last.request.headers


class Stream(httpx.AsyncByteStream):
    """`total` bytes in 1 MiB chunks, counting how many were actually pulled."""

    def __init__(self, total: int) -> None:
        self.total, self.pulled = total, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b"\x00" * MIB
        while self.pulled < self.total:
            piece = chunk[: min(MIB, self.total - self.pulled)]
            self.pulled += len(piece)
            yield piece


def cap_of(platform: Platform) -> int:
    return CAP if platform.capped else DownloadPolicy(hosts=frozenset()).max_bytes


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
async def test_a_declared_size_over_the_cap_is_refused_unread(guard: Guard,
                                                              platform: Platform) -> None:
    cap = cap_of(platform)
    url = f"https://{platform.host}/files/big.bin"
    streams: list[Stream] = []

    def answer(request: httpx.Request) -> httpx.Response:
        streams.append(Stream(cap + 1))
        return httpx.Response(200, stream=streams[-1], headers={"Content-Length": str(cap + 1)})

    guard.api.get(url).mock(side_effect=answer)
    with pytest.raises(PermanentError, match="cap"):
        await download(guard, platform, url)
    assert streams and all(s.pulled <= MIB for s in streams)
    assert list(guard.temp.iterdir()) == []


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
@pytest.mark.parametrize("claim", ["10", None], ids=["lying", "absent"])
async def test_a_body_over_the_cap_is_cut_off_whatever_content_length_claims(
        guard: Guard, platform: Platform, claim: str | None) -> None:
    cap = cap_of(platform)
    url = f"https://{platform.host}/files/liar.bin"
    streams: list[Stream] = []
    headers = {"Content-Length": claim} if claim else {}

    def answer(request: httpx.Request) -> httpx.Response:
        streams.append(Stream(cap * 2 + 5 * MIB))
        return httpx.Response(200, stream=streams[-1], headers=headers)

    guard.api.get(url).mock(side_effect=answer)
    with pytest.raises(PermanentError, match="cap"):
        await download(guard, platform, url)
    assert streams  # (WhatsApp asks for a fresh media URL once more, as for an expired one)
    assert all(s.pulled <= cap + MIB for s in streams)  # cut at the cap, not read to the end
    assert list(guard.temp.iterdir()) == []  # nothing half-written is left behind


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
async def test_an_html_login_page_is_an_auth_failure_not_a_file(guard: Guard,
                                                                platform: Platform) -> None:
    url = f"https://{platform.host}/files/minutes.pdf"
    guard.api.get(url).respond(200, content=b"<!DOCTYPE html><title>Sign in</title>",
                               headers={"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(AuthError, match="HTML page"):
        await download(guard, platform, url)
    assert list(guard.temp.iterdir()) == []


@pytest.mark.parametrize("platform", [p for p in PLATFORMS if not p.capped],
                         ids=[p.name for p in PLATFORMS if not p.capped])
async def test_the_hubs_own_file_cap_and_folder_hold_for_every_connector(
        guard: Guard, platform: Platform, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    data = {"type": platform.name, **_SETTINGS[platform.name]}
    settings = HubSettings.model_validate({
        "files": {"max_bytes": CAP, "temp_dir": str(folder)},
        "connections": {platform.name: data}})
    url = f"https://{platform.host}/files/big.bin"
    guard.api.get(url).respond(200, content=b"x" * (CAP + 1))
    async with make_client(transport=httpx.MockTransport(guard.api.async_handler)) as http:
        network = Network.build(settings, Registry.collect(make_plugin_manager()), http,
                                lambda name: MemoryStateBox())
        connector = network.connectors[platform.name]
        with pytest.raises(PermanentError, match="cap"):
            await connector.download(platform.attachment(url))
        small = f"https://{platform.host}/files/small.bin"  # its own route: respx ignores queries
        guard.api.get(small).respond(200, content=CONTENT)
        local = await connector.download(platform.attachment(small))
        assert local.path.parent == folder
