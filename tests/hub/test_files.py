"""Downloads: allow-listed HTTPS hosts on public addresses, a hard cap, no token off-host."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
import respx

from hub.errors import AuthError, PermanentError, TransientError
from hub.files import DownloadPolicy, fetch, is_public_address, safe_filename
from hub.http import guarded_transport, make_client

PUBLIC = "93.184.215.14"


async def public(host: str, port: int) -> list[str]:
    return [PUBLIC]


def policy(**overrides: object) -> DownloadPolicy:
    values: dict[str, object] = {"hosts": frozenset({"files.example.com", "*.cdn.example.com"}),
                                 "max_bytes": 1000, "resolver": public}
    values.update(overrides)
    return DownloadPolicy(**values)  # type: ignore[arg-type]


@pytest.fixture
def api() -> respx.Router:
    return respx.Router(assert_all_mocked=True)


async def download(api: respx.Router, url: str, tmp_path: Path, rules: DownloadPolicy | None = None,
                   **headers: str) -> Path:
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        local = await fetch(http, url, rules or policy(), name="report.pdf",
                            mime_type="application/pdf", headers=headers, temp_dir=tmp_path)
    return local.path


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                                     "169.254.169.254", "100.64.0.1", "::1", "fe80::1",
                                     "::ffff:127.0.0.1", "224.0.0.1", "0.0.0.0"])
def test_non_public_addresses(address: str) -> None:
    assert not is_public_address(address)


def test_public_addresses() -> None:
    assert is_public_address(PUBLIC) and is_public_address("2606:4700::1111")


async def test_a_good_download_is_streamed_to_a_file(api: respx.Router, tmp_path: Path) -> None:
    api.get("https://files.example.com/f/1").respond(200, content=b"%PDF-1.7 data",
                                                     headers={"Content-Type": "application/pdf"})
    path = await download(api, "https://files.example.com/f/1", tmp_path,
                          Authorization="Bearer t")
    assert path.read_bytes() == b"%PDF-1.7 data"
    assert api.calls.last.request.headers["authorization"] == "Bearer t"


@pytest.mark.parametrize(("url", "reason"), [
    ("http://files.example.com/f", "not HTTPS"),
    ("https://evil.example.net/f", "not one of the platform's file hosts"),
    ("https://user:pw@files.example.com/f", "carries credentials"),
    ("ftp://files.example.com/f", "not HTTPS"),
])
async def test_refused_urls(api: respx.Router, tmp_path: Path, url: str, reason: str) -> None:
    with pytest.raises(PermanentError, match=reason):
        await download(api, url, tmp_path)
    assert not api.calls


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.0.0.7"])
async def test_a_name_resolving_inside_is_refused(api: respx.Router, tmp_path: Path,
                                                  address: str) -> None:
    async def inside(host: str, port: int) -> list[str]:
        return [PUBLIC, address]

    with pytest.raises(PermanentError, match="non-public"):
        await download(api, "https://files.example.com/f", tmp_path, policy(resolver=inside))


async def test_wildcard_hosts(api: respx.Router, tmp_path: Path) -> None:
    api.get("https://eu.cdn.example.com/f").respond(200, content=b"ok")
    assert (await download(api, "https://eu.cdn.example.com/f", tmp_path)).read_bytes() == b"ok"
    with pytest.raises(PermanentError):
        await download(api, "https://cdn.example.com.evil.net/f", tmp_path)


async def test_the_token_never_follows_a_redirect_off_host(api: respx.Router,
                                                           tmp_path: Path) -> None:
    api.get("https://files.example.com/f").respond(
        302, headers={"Location": "https://eu.cdn.example.com/signed?x=1"})
    api.get("https://eu.cdn.example.com/signed").respond(200, content=b"bytes")
    path = await download(api, "https://files.example.com/f", tmp_path, Authorization="Bearer t")
    assert path.read_bytes() == b"bytes"
    assert "authorization" not in api.calls.last.request.headers


async def test_a_redirect_to_a_forbidden_place_is_refused(api: respx.Router,
                                                          tmp_path: Path) -> None:
    api.get("https://files.example.com/f").respond(
        302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    with pytest.raises(PermanentError, match="not HTTPS"):
        await download(api, "https://files.example.com/f", tmp_path)


async def test_the_cap_holds_whatever_content_length_claims(api: respx.Router,
                                                            tmp_path: Path) -> None:
    api.get("https://files.example.com/big").respond(200, content=b"x" * 5000,
                                                     headers={"Content-Length": "5000"})
    with pytest.raises(PermanentError, match="5000 bytes, over the 1000"):
        await download(api, "https://files.example.com/big", tmp_path)

    def lying(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(b"x" * 5000),
                              headers={"Content-Length": "10"})

    api.get("https://files.example.com/liar").mock(side_effect=lying)
    with pytest.raises(PermanentError, match="exceeds the 1000 byte cap"):
        await download(api, "https://files.example.com/liar", tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left behind


async def test_an_html_login_page_is_an_auth_failure(api: respx.Router, tmp_path: Path) -> None:
    api.get("https://files.example.com/f").respond(
        200, content=b"<!doctype html><title>Sign in</title>",
        headers={"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(AuthError, match="HTML page"):
        await download(api, "https://files.example.com/f", tmp_path)


async def test_a_configured_sandbox_origin_is_trusted(api: respx.Router, tmp_path: Path) -> None:
    rules = DownloadPolicy.build(["files.example.com"], base_url="http://127.0.0.1:9000/api",
                                 max_bytes=100)
    api.get("http://127.0.0.1:9000/files/1").respond(200, content=b"sandbox")
    path = await download(api, "http://127.0.0.1:9000/files/1", tmp_path, rules)
    assert path.read_bytes() == b"sandbox"
    with pytest.raises(PermanentError):
        await download(api, "http://127.0.0.1:9001/files/1", tmp_path, rules)


@pytest.mark.parametrize(("name", "safe"), [
    ("report.pdf", "report.pdf"), ("../../etc/passwd", "_.._etc_passwd"),
    ("evil\u202egpj.exe", "evil_gpj.exe"), ("", "file"), ("a\x00b.txt", "a_b.txt"),
])
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


# -- the address connected to is the address checked ---------------------------------------
# These go through httpx's real connection pool (`make_client`'s transport), over httpcore's
# in-memory network, which records where each connection was asked to go.

PDF_ANSWER = [b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 8\r\n\r\n",
              b"%PDF-1.7"]


class Network(httpcore.AsyncMockBackend):
    """An in-memory network answering every connection with `PDF_ANSWER`, but refusing
    connections to the addresses in `down`."""

    def __init__(self, down: frozenset[str] = frozenset()) -> None:
        super().__init__(PDF_ANSWER)
        self.down = down
        self.connected: list[str] = []

    async def connect_tcp(
            self, host: str, port: int,
            timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
            local_address: str | None = None, socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if host in self.down:
            raise httpcore.ConnectError(f"{host} does not answer")
        self.connected.append(host)
        return await super().connect_tcp(host, port, timeout, local_address, socket_options)


class Rebinding:
    """A resolver whose answer for a name changes after the first question (a TTL of 0)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)

    async def __call__(self, host: str, port: int) -> list[str]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


async def pinned_download(network: Network, rules: DownloadPolicy, tmp_path: Path) -> Path:
    async with make_client(transport=guarded_transport(network)) as http:
        local = await fetch(http, "https://files.example.com/f/1", rules, name="report.pdf",
                            mime_type="application/pdf", temp_dir=tmp_path)
    return local.path


async def test_a_download_connects_to_the_address_it_checked(tmp_path: Path) -> None:
    network = Network()
    path = await pinned_download(network, policy(), tmp_path)
    assert path.read_bytes() == b"%PDF-1.7"
    assert network.connected == [PUBLIC]  # not the name, which could resolve elsewhere now


async def test_a_name_resolving_inside_by_the_time_it_is_connected_is_refused(
        tmp_path: Path) -> None:
    network = Network()
    rebinding = Rebinding([PUBLIC], ["127.0.0.1"])  # public when checked, loopback after
    with pytest.raises(PermanentError, match=r"non-public 127\.0\.0\.1"):
        await pinned_download(network, policy(resolver=rebinding), tmp_path)
    assert network.connected == []


async def test_the_next_checked_address_is_tried_when_one_does_not_answer(
        tmp_path: Path) -> None:
    network = Network(down=frozenset({"54.192.18.13"}))
    rules = policy(resolver=Rebinding(["54.192.18.13", PUBLIC]))
    assert (await pinned_download(network, rules, tmp_path)).read_bytes() == b"%PDF-1.7"
    assert network.connected == [PUBLIC]


async def test_other_requests_connect_to_the_name_as_always() -> None:
    network = Network()
    async with make_client(transport=guarded_transport(network)) as http:
        assert (await http.get("https://api.example.com/me")).status_code == 200
    assert network.connected == ["api.example.com"]


async def test_a_download_never_reuses_a_connection_opened_by_name(tmp_path: Path) -> None:
    network = Network()
    async with make_client(transport=guarded_transport(network)) as http:
        # An API call to the same host leaves a connection to wherever the name led then.
        assert (await http.get("https://files.example.com/api/me")).status_code == 200
        rebinding = Rebinding([PUBLIC], ["127.0.0.1"])  # public when checked, not after
        with pytest.raises(PermanentError, match="non-public"):
            await fetch(http, "https://files.example.com/f/1", policy(resolver=rebinding),
                        name="report.pdf", mime_type="application/pdf", temp_dir=tmp_path)
    assert network.connected == ["files.example.com"]


async def test_a_resolver_that_cannot_answer_now_is_worth_a_retry(tmp_path: Path) -> None:
    async def overloaded(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(TransientError, match="could not be resolved now"):
        await pinned_download(Network(), policy(resolver=overloaded), tmp_path)


async def test_a_slow_look_up_at_connect_time_is_a_connect_timeout(tmp_path: Path) -> None:
    asked = 0

    async def slow_the_second_time(host: str, port: int) -> list[str]:
        nonlocal asked
        asked += 1
        if asked > 1:  # at connect time
            await asyncio.sleep(5)
        return [PUBLIC]

    rules = policy(resolver=slow_the_second_time)
    network = Network()
    timeout = httpx.Timeout(5.0, connect=0.05)
    async with make_client(transport=guarded_transport(network), timeout=timeout) as http:
        with pytest.raises(TransientError, match="timed out"):
            await fetch(http, "https://files.example.com/f/1", rules, name="report.pdf",
                        mime_type="application/pdf", temp_dir=tmp_path)
    assert network.connected == []


@pytest.mark.parametrize(("variable", "guarded"), [
    ("HTTP_PROXY", True), ("NO_PROXY", True), ("HTTPS_PROXY", False), ("ALL_PROXY", False)])
async def test_only_a_proxy_for_https_takes_the_guard_off(
        monkeypatch: pytest.MonkeyPatch, variable: str, guarded: bool) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv(variable, "http://127.0.0.1:9")  # a closed loopback port
    seen: list[str] = []
    spy = httpx.MockTransport(lambda request: seen.append(str(request.url))
                              or httpx.Response(200))
    monkeypatch.setattr("hub.http.guarded_transport", lambda: spy)
    async with make_client() as http:
        if guarded:
            await http.get("https://api.example.com/me")
        else:
            with pytest.raises(httpx.ConnectError):  # through the proxy, on a closed port
                await http.get("https://api.example.com/me")
    assert bool(seen) is guarded
