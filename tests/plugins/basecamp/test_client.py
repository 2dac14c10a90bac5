"""The client over respx: identification, tokens, error mapping, pagination and ETags."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from hub.connector import Address, MemoryStateBox
from hub.errors import AuthError, ConfigError, PermanentError, TransientError
from plugins.basecamp.client import AccountInactive, NotFound
from plugins.basecamp.oauth import REFRESH_MARGIN, OAuthTokens
from tests.plugins.basecamp.conftest import load
from tests.plugins.basecamp.helpers import API, LAUNCHPAD, connector_on
from tests.plugins.basecamp.test_conformance import launchpad

TOKEN_URL = f"{LAUNCHPAD}/authorization/token"


def router() -> respx.Router:
    api = respx.Router(assert_all_mocked=True, base_url=API)
    launchpad(api)
    return api


async def test_every_call_names_the_app_and_its_contact() -> None:
    api = router()
    route = api.get("my/profile.json").respond(json={"id": 1})
    async with connector_on(api) as connector:
        await connector.client.profile()
    sent = route.calls.last.request
    assert sent.headers["User-Agent"] == "Passerelle (ops@example.org)"
    assert sent.headers["Authorization"] == "Bearer fake-access-token"


async def test_json_bodies_declare_their_charset() -> None:
    api = router()
    route = api.post("recordings/9/comments.json").respond(201, json={"id": 10})
    async with connector_on(api) as connector:
        await connector.client.create_comment("9", "<div>hi</div>")
    sent = route.calls.last.request
    assert sent.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(sent.content) == {"content": "<div>hi</div>"}


async def test_missing_contact_is_a_config_error_before_any_call() -> None:
    async with connector_on(router(), contact=None) as connector:
        with pytest.raises(ConfigError, match="contact"):
            connector.client  # noqa: B018 - building the client is what refuses


async def test_401_renews_the_token_once_and_keeps_the_new_one() -> None:
    api = router()
    profile = api.get("my/profile.json")
    profile.side_effect = [httpx.Response(401), httpx.Response(200, json={"id": 1})]
    renew = api.post(TOKEN_URL).respond(json={
        "access_token": "new-access", "token_type": "Bearer", "expires_in": 1209600,
        "refresh_token": "new-refresh"})
    state = MemoryStateBox()
    async with connector_on(api, state) as connector:
        assert await connector.client.profile() == {"id": 1}
    assert profile.calls[1].request.headers["Authorization"] == "Bearer new-access"
    form = dict(httpx.QueryParams(renew.calls.last.request.content.decode()))
    assert form == {"grant_type": "refresh_token", "refresh_token": "fake-refresh-token",
                    "client_id": "fake-client", "client_secret": "fake-client-secret"}
    assert await state.get(OAuthTokens.ACCESS) == "new-access"
    assert await state.get(OAuthTokens.REFRESH) == "new-refresh"
    # A restarted hub uses the renewed token without renewing again.
    api2 = router()
    again = api2.get("my/profile.json").respond(json={"id": 1})
    async with connector_on(api2, state) as connector:
        await connector.client.profile()
    assert again.calls.last.request.headers["Authorization"] == "Bearer new-access"


async def test_a_fresh_configured_token_wins_over_an_old_renewal() -> None:
    state = MemoryStateBox()
    await state.set(OAuthTokens.ACCESS, "renewed-from-an-older-token")
    await state.set(OAuthTokens.ORIGIN, "0000000000000000")
    api = router()
    route = api.get("my/profile.json").respond(json={"id": 1})
    async with connector_on(api, state) as connector:
        await connector.client.profile()
    assert route.calls.last.request.headers["Authorization"] == "Bearer fake-access-token"


async def test_token_is_renewed_before_it_expires() -> None:
    renewals: list[httpx.Request] = []
    now = datetime(2026, 11, 26, tzinfo=UTC)

    def launchpad_answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/authorization.json":
            # The configured token has 20 hours left: inside the one-day margin.
            return httpx.Response(200, json={"expires_at": (now + timedelta(hours=20))
                                             .isoformat(), "accounts": []})
        renewals.append(request)
        return httpx.Response(200, json={"access_token": f"t{len(renewals)}",
                                         "expires_in": 1209600})

    http = httpx.AsyncClient(transport=httpx.MockTransport(launchpad_answer))
    state = MemoryStateBox()
    tokens = OAuthTokens(access_token="a", refresh_token="r", client_id="c", client_secret="s",
                         launchpad_url=LAUNCHPAD, state=state, http=http,
                         user_agent="UA (x@y)", connection="c", clock=lambda: now)
    assert await tokens.current() == "t1"  # renewed before it ever failed
    assert await tokens.current() == "t1"  # two weeks left now: kept
    await http.aclose()
    assert len(renewals) == 1
    assert await state.get(OAuthTokens.EXPIRES) == (now + timedelta(days=14)).isoformat()


async def test_expiry_unknown_to_launchpad_falls_back_to_renewing_on_401() -> None:
    def launchpad_answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    http = httpx.AsyncClient(transport=httpx.MockTransport(launchpad_answer))
    tokens = OAuthTokens(access_token="a", refresh_token="r", client_id="c", client_secret="s",
                         launchpad_url=LAUNCHPAD, state=MemoryStateBox(), http=http,
                         user_agent="UA (x@y)", connection="c")
    assert await tokens.current() == "a"
    await http.aclose()


async def test_401_without_a_way_to_renew_is_an_auth_error() -> None:
    api = router()
    api.get("my/profile.json").respond(401)
    async with connector_on(api, refresh_token=None) as connector:
        with pytest.raises(AuthError, match="401"):
            await connector.client.profile()


async def test_renewal_refused_says_what_to_do() -> None:
    api = router()
    api.get("my/profile.json").respond(401)
    api.post(TOKEN_URL).respond(400, json={"error": "invalid_grant"})
    async with connector_on(api) as connector:
        with pytest.raises(AuthError, match="authorise the integration again"):
            await connector.client.profile()


async def test_429_keeps_retry_after() -> None:
    api = router()
    api.get("my/profile.json").respond(429, headers={"Retry-After": "12"})
    async with connector_on(api) as connector:
        with pytest.raises(TransientError) as caught:
            await connector.client.profile()
    assert caught.value.retry_after == 12


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_is_transient(status: int) -> None:
    api = router()
    api.get("my/profile.json").respond(status)
    async with connector_on(api) as connector:
        with pytest.raises(TransientError):
            await connector.client.profile()


async def test_plain_404_is_permanent_for_that_item() -> None:
    api = router()
    api.get("messages/1.json").respond(404)
    async with connector_on(api) as connector:
        with pytest.raises(NotFound, match="deleted or the hub's user cannot see it"):
            await connector.client.recording("Message", "1")


async def test_account_inactive_turns_the_connection_off() -> None:
    api = router()
    route = api.get("messages/1.json").respond(404, headers={"Reason": "Account Inactive"})
    state = MemoryStateBox()
    async with connector_on(api, state) as connector:
        with pytest.raises(AccountInactive, match="trial ended or it is suspended"):
            await connector.client.recording("Message", "1")
        assert (await state.get("status") or "").startswith("off:")
        # Nothing more is sent to an inactive account…
        with pytest.raises(AuthError, match="asks again at"):
            await connector.send(object(), object())  # type: ignore[arg-type]
        assert route.call_count == 1
    # …even after a restart, while the retry time has not come.
    api2 = router()
    api2.get("my/profile.json").respond(json={"id": 5, "name": "Hub"})
    api2.get("projects.json").respond(json=[])
    async with connector_on(api2, state) as connector:
        with pytest.raises(AuthError):
            await connector.poll(Address.parse("network-basecamp/chat/1"), None)
        # An admin's check still asks, and finding the account active turns it back on.
        lines = await connector.check(online=True)
        assert any("reachable as Hub" for line in lines)
        assert not await state.get("account_inactive")


async def test_inactive_account_is_asked_again_after_the_retry_time() -> None:
    api = router()
    route = api.get("messages/1.json")
    route.side_effect = [httpx.Response(404, headers={"Reason": "Account Inactive"}),
                         httpx.Response(200, json={"id": 1})]
    async with connector_on(api, inactive_retry_minutes=0) as connector:
        with pytest.raises(AccountInactive):
            await connector.client.recording("Message", "1")
        await connector.ready()
        assert await connector.client.recording("Message", "1") == {"id": 1}


async def test_pagination_follows_link_headers_only() -> None:
    api = router()
    api.get("projects.json", params={"page": "2"}).respond(json=[{"id": 2}])
    api.get("projects.json").respond(
        json=[{"id": 1}], headers={"Link": f'<{API}projects.json?page=2>; rel="next"'})
    async with connector_on(api) as connector:
        assert [p["id"] for p in await connector.client.projects()] == [1, 2]


async def test_pagination_never_follows_a_link_off_the_api_host() -> None:
    api = router()
    api.get("projects.json").respond(
        json=[{"id": 1}], headers={"Link": '<https://evil.example/steal?page=2>; rel="next"'})
    async with connector_on(api) as connector:
        with pytest.raises(TransientError, match="off the API host"):
            await connector.client.projects()


async def test_etags_are_sent_back_and_304_reuses_the_page() -> None:
    api = router()
    route = api.get("chats/5/lines.json")
    line = load("campfire_line_get.json")
    route.side_effect = [httpx.Response(200, json=[line], headers={"ETag": 'W/"v1"'}),
                         httpx.Response(304)]
    async with connector_on(api) as connector:
        first = await connector.client.page(f"{API}chats/5/lines.json", what="t")
        second = await connector.client.page(f"{API}chats/5/lines.json", what="t")
    assert route.calls[1].request.headers["If-None-Match"] == 'W/"v1"'
    assert second.not_modified and second.items == first.items == [line]


async def test_network_failure_is_transient() -> None:
    api = router()
    api.get("my/profile.json").mock(side_effect=httpx.ConnectError("down"))
    async with connector_on(api) as connector:
        with pytest.raises(TransientError):
            await connector.client.profile()


async def test_a_400_is_permanent_and_suggests_the_contact() -> None:
    api = router()
    api.post("recordings/9/comments.json").respond(400)
    async with connector_on(api) as connector:
        with pytest.raises(PermanentError, match="contact"):
            await connector.client.create_comment("9", "x")


def test_expiry_margin_is_a_day() -> None:
    assert timedelta(hours=23) < REFRESH_MARGIN <= timedelta(days=1)
