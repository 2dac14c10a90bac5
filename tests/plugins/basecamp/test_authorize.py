"""Connecting a Basecamp account by Launchpad's authorization-code flow, against the sandbox.

What the console does, without the console: the consent page's answer is given over HTTP, the
connector trades the code, and which tokens win is read off the sandbox's record of calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from hub.authorizing import Authorizing
from hub.connector import MemoryStateBox
from hub.errors import AuthError
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from plugins.basecamp.connector import BasecampConnector
from plugins.basecamp.settings import BasecampSettings

REDIRECT = "https://hub.example.org/admin/connect/bc/callback"


@pytest.fixture
async def sandbox() -> AsyncIterator[BasecampEmulator]:
    async with serve_emulator(BasecampEmulator()) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def connector(sandbox: BasecampEmulator, http: httpx.AsyncClient, state: MemoryStateBox,
              **overrides: object) -> BasecampConnector:
    settings = BasecampSettings.model_validate(sandbox.connection(**overrides))
    return BasecampConnector("bc", settings, http, state)


async def allowed_code(http: httpx.AsyncClient, consent_url: str, decision: str = "allow"
                       ) -> dict[str, str]:
    """Click on Launchpad's consent page: the query it sends the browser back with."""
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


async def test_the_consent_url_is_launchpads_with_the_client_and_state(
        sandbox: BasecampEmulator, http: httpx.AsyncClient) -> None:
    bc = connector(sandbox, http, MemoryStateBox())
    assert isinstance(bc, Authorizing)
    url = urlsplit(bc.authorization_url(REDIRECT, "st4te"))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{sandbox.base_url}/authorization/new"
    assert parse_qs(url.query) == {"response_type": ["code"], "client_id": ["sandbox-client"],
                                   "redirect_uri": [REDIRECT], "state": ["st4te"]}


async def test_connected_tokens_are_kept_and_used(sandbox: BasecampEmulator,
                                                  http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    bc = connector(sandbox, http, state)
    assert await bc.authorized_as() is None
    back = await allowed_code(http, bc.authorization_url(REDIRECT, "st4te"))
    assert back["state"] == "st4te"

    assert await bc.authorize(back["code"], REDIRECT) == "Passerelle Hub (hub@example.org)"
    granted = sandbox.granted[-1]
    assert state.values["oauth.access_token"] == granted
    assert state.values["oauth.refresh_token"] == sandbox.refresh_token
    await bc.me()
    assert sandbox.last_bearer == granted
    assert await bc.authorized_as() == "Passerelle Hub (hub@example.org)"

    # A restart reads them back, and they win over the configured token they were made under.
    again = connector(sandbox, http, state)
    await again.check(online=True)
    assert sandbox.last_bearer == granted


async def test_a_different_configured_token_takes_over(sandbox: BasecampEmulator,
                                                       http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    bc = connector(sandbox, http, state)
    back = await allowed_code(http, bc.authorization_url(REDIRECT, "s"))
    await bc.authorize(back["code"], REDIRECT)

    sandbox.tokens.add("pasted-later")
    pasted = connector(sandbox, http, state, access_token="pasted-later")
    await pasted.me()
    assert sandbox.last_bearer == "pasted-later"
    assert await pasted.authorized_as() is None


async def test_an_account_without_a_configured_token_is_connected_by_the_console(
        sandbox: BasecampEmulator, http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    settings = sandbox.connection()
    del settings["access_token"], settings["refresh_token"]
    bc = BasecampConnector("bc", BasecampSettings.model_validate(settings), http, state)
    assert BasecampSettings.model_validate(settings).problems("bc") == []
    with pytest.raises(AuthError, match="Connect an account"):
        await bc.me()
    back = await allowed_code(http, bc.authorization_url(REDIRECT, "s"))
    await bc.authorize(back["code"], REDIRECT)
    await bc.me()
    assert sandbox.last_bearer == sandbox.granted[-1]


async def test_connected_tokens_are_renewed_with_their_refresh_token(
        sandbox: BasecampEmulator, http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    bc = connector(sandbox, http, state)
    back = await allowed_code(http, bc.authorization_url(REDIRECT, "s"))
    await bc.authorize(back["code"], REDIRECT)
    sandbox.tokens.clear()  # the connected token expired early: a 401, then a renewal
    await bc.me()
    assert sandbox.last_bearer not in (None, sandbox.granted[-1])
    assert state.values["oauth.access_token"] == sandbox.last_bearer


async def test_a_refused_code_changes_nothing(sandbox: BasecampEmulator,
                                              http: httpx.AsyncClient) -> None:
    state = MemoryStateBox()
    bc = connector(sandbox, http, state)
    back = await allowed_code(http, bc.authorization_url(REDIRECT, "s"))
    with pytest.raises(AuthError, match="Launchpad refused a code"):
        await bc.authorize(back["code"], REDIRECT + "-elsewhere")  # not the URI it was for
    with pytest.raises(AuthError, match="Launchpad refused a code"):
        await bc.authorize("made-up", REDIRECT)
    assert state.values == {} and sandbox.granted == []


async def test_denied_consent_sends_access_denied_back(sandbox: BasecampEmulator,
                                                       http: httpx.AsyncClient) -> None:
    bc = connector(sandbox, http, MemoryStateBox())
    back = await allowed_code(http, bc.authorization_url(REDIRECT, "s"), "deny")
    assert back == {"error": "access_denied", "state": "s"}


async def test_connecting_needs_the_integrations_client(sandbox: BasecampEmulator,
                                                         http: httpx.AsyncClient) -> None:
    bc = connector(sandbox, http, MemoryStateBox(), client_id=None, refresh_token=None)
    with pytest.raises(AuthError, match="client_id and client_secret must be set"):
        bc.authorization_url(REDIRECT, "s")
