"""GET /api/search and /api/threads on a running hub: the admin token, the filters, the
answers' shape."""

from __future__ import annotations

from typing import Any

import httpx

from tests.hub.conftest import Network
from tests.hub.test_web import admin


async def test_search_answers_with_items_where_they_were_written(network: Network,
                                                                 fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        root = network.east.add("general", "Who knows about bike lanes?")
        await fire(hub, "east", root)
        await hub.settle()
        [copy_id] = network.west.items
        await fire(hub, "west", network.west.add("lobby", "Porto built bike lanes", thread=copy_id))
        await hub.settle()
        url = f"{hub.url}/api/search"
        found = (await client.get(url, params={"q": "bike lanes"}, headers=admin(hub))).json()
        narrowed = (await client.get(url, params={"q": "bike lanes", "platform": "pigeon",
                                                  "endpoint": "west/chat/lobby"},
                                     headers=admin(hub))).json()
        answer = narrowed["hits"][0]["item"]  # connection/native_id
        thread = (await client.get(f"{hub.url}/api/threads/{answer}",
                                   headers=admin(hub))).json()
    assert sorted(h["snippet"] for h in found["hits"]) == [
        "Porto built bike lanes", "Who knows about bike lanes?"]
    [hit] = narrowed["hits"]
    assert (hit["address"], hit["parent"]) == (
        "west/chat/lobby", {"connection": "east", "native_id": root["id"]})
    assert [hit["snippet"][a:b] for a, b in hit["marks"]] == ["bike", "lanes"]
    assert [i["texts"][0]["body"] for i in thread["thread"]] == [
        "Who knows about bike lanes?", "Porto built bike lanes"]
    assert thread["thread"][0]["copies"][0]["connection"] == "west"


async def test_search_wants_the_token_and_says_what_is_wrong(network: Network) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        url = f"{hub.url}/api/search"
        anonymous = await client.get(url, params={"q": "anything"})
        answers = [await client.get(url, params=query, headers=admin(hub)) for query in (
            {}, {"q": "x", "since": "last week"}, {"q": "x", "kind": "tweet"},
            {"q": "x", "bridge": "nowhere"}, {"q": "x", "limit": "0"})]
        missing = await client.get(f"{hub.url}/api/threads/east/none", headers=admin(hub))
    assert anonymous.status_code == 401
    assert [a.status_code for a in answers] == [400] * 5
    assert [a.json()["error"] for a in answers] == [
        "q: the words to search for", 'since "last week": a day as YYYY-MM-DD',
        'kind "tweet": one of post, comment, chat, event, file',
        'no bridge "nowhere" (bridges: general)', "limit must be a number from 1 to 100"]
    assert missing.status_code == 404
