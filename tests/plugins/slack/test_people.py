"""The workspace's people: users.list as Slack documents it, over respx and the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from hub.connector import MemoryStateBox
from hub.errors import AuthError, TransientError
from hub.people.model import Identity
from hub.sandbox.base import serve_emulator
from hub.sandbox.slack import SlackEmulator
from plugins.slack.connector import SlackConnector
from tests.plugins.slack.test_connector import settings
from tests.plugins.slack.test_emulator import connector_for

BASE = "https://slack.com/api/"


def member(user_id: str, name: str, **extra: Any) -> dict[str, Any]:
    """A users.list member in the shape of Slack's reference example."""
    profile = {"title": "", "phone": "", "skype": "", "real_name": name,
               "real_name_normalized": name, "display_name": name.split()[0].lower(),
               "display_name_normalized": name.split()[0].lower(),
               "image_72": f"https://avatars.slack-edge.com/{user_id}_72.png",
               "team": "T012AB3C4", **extra.pop("profile", {})}
    return {"id": user_id, "team_id": "T012AB3C4", "name": name.split()[0].lower(),
            "deleted": False, "color": "9f69e7", "real_name": name, "tz": "Europe/Paris",
            "tz_label": "Central European Time", "tz_offset": 3600, "profile": profile,
            "is_admin": False, "is_owner": False, "is_primary_owner": False,
            "is_restricted": False, "is_ultra_restricted": False, "is_bot": False,
            "is_app_user": False, "updated": 1502138686, "has_2fa": False, **extra}


PAGE_1 = {"ok": True, "members": [
    member("U0CAMILLE", "Camille Martin",
           profile={"email": "Camille.Martin@lyon.example", "title": "Mobility officer"}),
    member("U0GONE", "Old Account", deleted=True),
    member("USLACKBOT", "Slackbot", tz="America/Los_Angeles"),
], "cache_ts": 1498777272, "response_metadata": {"next_cursor": "dXNlcjpVMEc5V0ZYTlo="}}
PAGE_2 = {"ok": True, "members": [
    member("U0HUGO", "Hugo Bernard", profile={"email": "hugo.bernard@lyon.example"}),
    member("U0BOT", "Passerelle", is_bot=True),
], "cache_ts": 1498777272, "response_metadata": {"next_cursor": ""}}


@pytest.fixture
async def http() -> AsyncIterator[tuple[respx.Router, httpx.AsyncClient]]:
    router = respx.Router(assert_all_mocked=True, base_url=BASE)
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as client:
        yield router, client


def connector(client: httpx.AsyncClient) -> SlackConnector:
    return SlackConnector("lyon-slack", settings(), client, MemoryStateBox())


async def test_every_page_is_read_and_only_people_are_kept(
        http: tuple[respx.Router, httpx.AsyncClient]) -> None:
    router, client = http
    listed = router.post("users.list").mock(side_effect=[
        httpx.Response(200, json=PAGE_1), httpx.Response(200, json=PAGE_2)])
    found = await connector(client).people()
    assert found == [
        Identity("lyon-slack", "slack", "U0CAMILLE", "Camille Martin",
                 email="camille.martin@lyon.example", role="Mobility officer",
                 timezone="Europe/Paris"),
        Identity("lyon-slack", "slack", "U0HUGO", "Hugo Bernard",
                 email="hugo.bernard@lyon.example", timezone="Europe/Paris"),
    ]
    forms = [dict(httpx.QueryParams(call.request.content.decode())) for call in listed.calls]
    assert forms == [{"limit": "200"}, {"limit": "200", "cursor": "dXNlcjpVMEc5V0ZYTlo="}]


async def test_without_users_read_email_people_come_without_addresses(
        http: tuple[respx.Router, httpx.AsyncClient]) -> None:
    router, client = http
    router.post("users.list").respond(json={**PAGE_2, "members": [
        member("U0HUGO", "Hugo Bernard")]})
    assert [(i.native_id, i.email) for i in await connector(client).people()] == [
        ("U0HUGO", None)]


async def test_a_429_is_transient_with_slacks_retry_after(
        http: tuple[respx.Router, httpx.AsyncClient]) -> None:
    router, client = http
    router.post("users.list").respond(429, headers={"Retry-After": "30"},
                                      json={"ok": False, "error": "ratelimited"})
    with pytest.raises(TransientError) as caught:
        await connector(client).people()
    assert caught.value.retry_after == 30


async def test_a_5xx_is_transient(http: tuple[respx.Router, httpx.AsyncClient]) -> None:
    router, client = http
    router.post("users.list").respond(503)
    with pytest.raises(TransientError):
        await connector(client).people()


async def test_a_token_without_users_read_is_an_admins_matter(
        http: tuple[respx.Router, httpx.AsyncClient]) -> None:
    router, client = http
    router.post("users.list").respond(json={"ok": False, "error": "missing_scope",
                                            "needed": "users:read", "provided": "chat:write"})
    with pytest.raises(AuthError, match="lacks scope users:read"):
        await connector(client).people()


@pytest.fixture
async def sandbox() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator()
    emulator.add_user("U0CAMILLE", "Camille Martin", title="Mobility officer")
    emulator.add_user("U0HUGO", "Hugo Bernard", email="hugo@lyon.example")
    emulator.add_user("U0GONE", "Old Account", deleted=True)
    emulator.add_user("U0APP", "Some App", bot=True)
    async with serve_emulator(emulator) as running:
        yield running


async def test_the_sandbox_lists_its_people_a_page_at_a_time(sandbox: SlackEmulator,
                                                             monkeypatch: Any) -> None:
    monkeypatch.setattr("plugins.slack.connector.PEOPLE_PAGE", 1)
    async with httpx.AsyncClient() as client:
        found = await connector_for(sandbox, client).people()
    assert [(i.native_id, i.name, i.email, i.role) for i in found] == [
        ("U0CAMILLE", "Camille Martin", "camille.martin@example.org", "Mobility officer"),
        ("U0HUGO", "Hugo Bernard", "hugo@lyon.example", None)]


async def test_the_sandbox_hides_addresses_from_a_token_without_the_scope() -> None:
    emulator = SlackEmulator(scopes=("chat:write", "users:read"))
    emulator.add_user("U0HUGO", "Hugo Bernard")
    async with serve_emulator(emulator) as running, httpx.AsyncClient() as client:
        slack = connector_for(running, client)
        assert [i.email for i in await slack.people()] == [None]
        info = await slack.api.user_info("U0HUGO")
    assert "email" not in info["profile"]


async def test_the_sandbox_gives_an_authors_address_with_users_info(
        sandbox: SlackEmulator) -> None:
    async with httpx.AsyncClient() as client:
        info = await connector_for(sandbox, client).api.user_info("U0HUGO")
    assert info["profile"]["email"] == "hugo@lyon.example"
