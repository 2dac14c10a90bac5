"""The account's people: `GET /people.json` as bc3-api documents it, over respx and the
sandbox; and a mention of one of them as Basecamp stores it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from hub.connector import MemoryStateBox
from hub.errors import TransientError
from hub.people.model import Identity
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from plugins.basecamp.connector import BasecampConnector
from plugins.basecamp.settings import BasecampSettings
from tests.plugins.basecamp.helpers import API, connector_on, outgoing, target
from tests.plugins.basecamp.test_conformance import launchpad, profile
from tests.plugins.basecamp.test_connector import router


def person(pid: int, name: str, email: str, **extra: Any) -> dict[str, Any]:
    """A person in the shape of bc3-api's `GET /people.json` example."""
    return {"id": pid, "attachable_sgid": f"BAh7CEkiCGdpZAY6BkVUSSIr{pid}--919d2c8b",
            "name": name, "email_address": email, "personable_type": "User", "title": None,
            "bio": None, "created_at": "2016-09-09T20:43:19.994Z",
            "updated_at": "2016-09-09T20:43:23.483Z", "admin": False, "owner": False,
            "time_zone": "America/Chicago",
            "avatar_url": f"https://3.basecamp-static.com/195539477/people/{pid}/avatar-64-x4",
            "company": {"id": 1033447817, "name": "Honcho Design"}, **extra}


def people_router() -> respx.Router:
    api = respx.Router(assert_all_mocked=True, base_url=API)
    launchpad(api)
    api.get("my/profile.json").respond(json=profile())
    return api


async def test_every_page_is_read_and_the_hubs_own_user_left_out() -> None:
    api = people_router()
    own = profile()
    first = [person(1007299143, "Victor Cooper", "Victor@HonchoDesign.com",
                    title="Chief Strategist", location="Chicago, IL", owner=True),
             {**own, "personable_type": "User"}]
    second = [person(1007299144, "Hugo Bernard", "hugo.bernard@lyon.example",
                     time_zone="Europe/Paris", company={"id": 1, "name": "Métropole de Lyon"}),
              person(1007299145, "Status Bot", "bot@example.com", personable_type="Integration")]
    listed = api.get("people.json").mock(side_effect=lambda request: httpx.Response(
        200, json=second) if request.url.params.get("page") == "2" else httpx.Response(
        200, json=first, headers={"Link": f'<{API}people.json?page=2>; rel="next"'}))
    async with connector_on(api) as connector:
        found = await connector.people()
    assert found == [
        Identity("network-basecamp", "basecamp", "1007299143", "Victor Cooper",
                 email="victor@honchodesign.com", city="Chicago, IL",
                 organisation="Honcho Design", role="Chief Strategist",
                 timezone="America/Chicago"),
        Identity("network-basecamp", "basecamp", "1007299144", "Hugo Bernard",
                 email="hugo.bernard@lyon.example", organisation="Métropole de Lyon",
                 timezone="Europe/Paris"),
    ]
    assert listed.call_count == 2


async def test_a_429_is_transient_with_basecamps_retry_after() -> None:
    api = people_router()
    api.get("people.json").respond(429, headers={"Retry-After": "12"})
    async with connector_on(api) as connector:
        with pytest.raises(TransientError) as caught:
            await connector.people()
    assert caught.value.retry_after == 12


async def test_a_5xx_is_transient() -> None:
    api = people_router()
    api.get("people.json").respond(503)
    async with connector_on(api) as connector:
        with pytest.raises(TransientError):
            await connector.people()


async def test_a_mention_token_becomes_the_persons_mention_attachment() -> None:
    api = router()
    hugo = person(1007299144, "Hugo Bernard", "hugo.bernard@lyon.example")
    api.get("people/1007299144.json").respond(json=hugo)
    route = api.post("message_boards/1069479392/messages.json").respond(
        201, json={"id": 1, "app_url": "https://3.basecamp.com/1"})
    async with connector_on(api, show_author=False) as connector:
        await connector.send(outgoing(body="Ask <@basecamp:1007299144|Hugo Bernard>"),
                             target("board"))
    content = json.loads(route.calls.last.request.content)["content"]
    assert f'<bc-attachment sgid="{hugo["attachable_sgid"]}"></bc-attachment>' in content
    assert "Hugo Bernard" not in content  # Basecamp shows the person's own name


@pytest.fixture
async def sandbox() -> AsyncIterator[BasecampEmulator]:
    async with serve_emulator(BasecampEmulator()) as running:
        yield running


def connect(sandbox: BasecampEmulator, http: httpx.AsyncClient) -> BasecampConnector:
    settings = BasecampSettings.model_validate(sandbox.connection())
    return BasecampConnector("bc", settings, http, MemoryStateBox())


async def test_the_sandbox_lists_its_people_across_pages(sandbox: BasecampEmulator) -> None:
    for n in range(20):  # Basecamp's first page holds 15
        sandbox.add_person(f"Person {n:02}", f"person{n}@example.org")
    sandbox.add_person("Hugo Bernard", "hugo@lyon.example", title="Urbanist", location="Lyon")
    async with httpx.AsyncClient() as http:
        found = await connect(sandbox, http).people()
    assert len(found) == 21  # everyone but the hub's own user
    assert found[-1] == Identity("bc", "basecamp", found[-1].native_id, "Hugo Bernard",
                                 email="hugo@lyon.example", city="Lyon",
                                 organisation="Sandbox Network", role="Urbanist",
                                 timezone="Etc/UTC")


async def test_the_sandbox_keeps_a_mention_as_basecamp_does(sandbox: BasecampEmulator) -> None:
    project = sandbox.add_project("Lyon")
    hugo = sandbox.add_person("Hugo Bernard", "hugo@lyon.example")
    async with httpx.AsyncClient() as http:
        connector = connect(sandbox, http)
        receipt = await connector.send(outgoing(body=f"Ask <@basecamp:{hugo['id']}|Hugo>"),
                                       target("board", str(project)))
    made = sandbox.recordings[int(receipt.native_id)]
    assert sandbox.mentioned(made) == [hugo]
    assert "application/vnd.basecamp.mention" in made["content"]
