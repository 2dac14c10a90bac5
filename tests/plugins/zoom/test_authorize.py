"""A user-authorized Zoom app connected by the authorization-code flow, against the sandbox.

What the console does, without the console: the consent page's answer is given over HTTP, the
connector trades the code, and which tokens a call carries is read off the sandbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hub.authorizing import Authorizing
from hub.connector import MemoryStateBox
from hub.errors import AuthError, HubError
from hub.sandbox.base import Fault, serve_emulator
from hub.sandbox.zoom import ZoomEmulator
from plugins.zoom.connector import ZoomConnector
from plugins.zoom.settings import DEFAULT_API_URL, ZoomSettings

REDIRECT = "https://hub.example.org/admin/connect/z/callback"
HOST = "Hana Host (host@example.org)"


@pytest.fixture
async def sandbox() -> AsyncIterator[ZoomEmulator]:
    async with serve_emulator(ZoomEmulator()) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def connector(sandbox: ZoomEmulator, http: httpx.AsyncClient, state: MemoryStateBox,
              **overrides: Any) -> ZoomConnector:
    account = sandbox.account
    settings = ZoomSettings.model_validate({
        "type": "zoom", "base_url": sandbox.base_url, "oauth_url": sandbox.base_url,
        "account_id": account.account_id, "client_id": account.client_id,
        "client_secret": account.client_secret, "secret_token": account.secret_token,
        **overrides})
    return ZoomConnector("z", settings, http, state)


async def consented(http: httpx.AsyncClient, consent_url: str, decision: str = "allow"
                    ) -> dict[str, str]:
    """Click on Zoom's consent page: the query it sends the browser back with."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(consent_url).query).items()}
    page = await http.get(consent_url)
    assert page.status_code == 200 and "Allow" in page.text
    sent = await http.post(consent_url.split("?")[0], data={
        "client_id": query["client_id"], "redirect_uri": query["redirect_uri"],
        "state": query["state"], "decision": decision})
    assert sent.status_code == 302
    location = urlsplit(sent.headers["location"])
    assert location.geturl().startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(location.query).items()}


async def connected(sandbox: ZoomEmulator, http: httpx.AsyncClient, zoom: ZoomConnector
                    ) -> str:
    back = await consented(http, zoom.authorization_url(REDIRECT, "st4te"))
    assert back["state"] == "st4te"
    return await zoom.authorize(back["code"], REDIRECT)


async def test_the_consent_url_is_zooms_with_the_client_and_state(
        sandbox: ZoomEmulator, http: httpx.AsyncClient) -> None:
    zoom = connector(sandbox, http, MemoryStateBox())
    assert isinstance(zoom, Authorizing)
    url = urlsplit(zoom.authorization_url(REDIRECT, "st4te"))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{sandbox.base_url}/oauth/authorize"
    assert parse_qs(url.query) == {"response_type": ["code"],
                                   "client_id": [sandbox.account.client_id],
                                   "redirect_uri": [REDIRECT], "state": ["st4te"]}


async def test_a_user_authorized_app_works_once_connected(sandbox: ZoomEmulator,
                                                          http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    zoom = connector(sandbox, http, state, authorization="user", account_id="")
    assert await zoom.check(online=False) == [
        "user-authorized app: connected on the console's Connect an account page, or with "
        "access_token"]
    with pytest.raises(AuthError, match="never connected"):
        await zoom.check(online=True)

    assert await connected(sandbox, http, zoom) == HOST
    (granted,) = sandbox.granted
    assert state.values["user.access_token"] == granted
    lines = await zoom.check(online=True)
    assert sandbox.last_bearer == granted
    assert lines[0] == f"user-authorized token ({sandbox.base_url}), connected from the " \
                       f"console as {HOST}"
    # A restart reads them back.
    again = connector(sandbox, http, state, authorization="user", account_id="")
    assert await again.authorized_as() == HOST
    await again.check(online=True)
    assert sandbox.last_bearer == granted


async def test_connected_tokens_win_over_the_server_to_server_app_until_it_changes(
        sandbox: ZoomEmulator, http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    zoom = connector(sandbox, http, state)
    await connected(sandbox, http, zoom)
    await zoom.check(online=True)
    assert sandbox.last_bearer == sandbox.granted[-1]

    other = sandbox.account.account_id + "-moved"
    sandbox.account.account_id = other  # the admin set up another S2S app meanwhile
    moved = connector(sandbox, http, state, account_id=other)
    assert await moved.authorized_as() is None
    await moved.check(online=True)
    assert sandbox.last_bearer not in sandbox.granted  # minted for the S2S app


async def test_a_rejected_user_token_is_renewed_once_with_its_refresh_token(
        sandbox: ZoomEmulator, http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    zoom = connector(sandbox, http, state, authorization="user", account_id="")
    await connected(sandbox, http, zoom)
    first_refresh = state.values["user.refresh_token"]
    sandbox.revoke_tokens()
    await zoom.check(online=True)
    assert sandbox.last_bearer not in (None, *sandbox.granted)
    assert state.values["user.access_token"] == sandbox.last_bearer
    assert state.values["user.refresh_token"] != first_refresh
    assert first_refresh not in sandbox.refresh_tokens  # Zoom's refresh tokens are good once


async def test_a_refused_code_changes_nothing(sandbox: ZoomEmulator,
                                              http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    zoom = connector(sandbox, http, state, authorization="user", account_id="")
    back = await consented(http, zoom.authorization_url(REDIRECT, "s"))
    with pytest.raises(AuthError, match="Zoom refused the token request"):
        await zoom.authorize(back["code"], REDIRECT + "-elsewhere")
    with pytest.raises(AuthError, match="Zoom refused the token request"):
        await zoom.authorize("made-up", REDIRECT)
    assert state.values == {} and sandbox.granted == []


async def test_denied_consent_sends_access_denied_back(sandbox: ZoomEmulator,
                                                       http: httpx.AsyncClient) -> None:
    zoom = connector(sandbox, http, MemoryStateBox())
    back = await consented(http, zoom.authorization_url(REDIRECT, "s"), "deny")
    assert back == {"error": "access_denied", "state": "s"}


async def test_pasted_user_tokens_are_read_only_for_a_user_authorized_app(
        sandbox: ZoomEmulator, http: httpx.AsyncClient) -> None:
    sandbox.tokens["pasted-user-token"] = float("inf")
    pasted = {"access_token": "pasted-user-token", "refresh_token": "pasted-refresh-token"}
    server_to_server = connector(sandbox, http, MemoryStateBox(), **pasted)
    await server_to_server.check(online=True)
    assert sandbox.last_bearer != "pasted-user-token"  # minted for the S2S app

    user_app = connector(sandbox, http, MemoryStateBox(), authorization="user", account_id="",
                         **pasted)
    lines = await user_app.check(online=True)
    assert sandbox.last_bearer == "pasted-user-token"
    assert lines[0] == f"user-authorized token ({DEFAULT_API_URL}), from access_token"


async def test_tokens_whose_user_cannot_be_read_are_not_kept(sandbox: ZoomEmulator,
                                                             http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    zoom = connector(sandbox, http, state, authorization="user", account_id="")
    back = await consented(http, zoom.authorization_url(REDIRECT, "s"))
    sandbox.faults.inject("/v2/users/me", Fault(status=500))
    with pytest.raises(HubError):
        await zoom.authorize(back["code"], REDIRECT)
    assert state.values == {} and await zoom.authorized_as() is None
