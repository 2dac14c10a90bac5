"""The Bridges page gives each bridge's calendar feed address, and a form that replaces it."""

from __future__ import annotations

import re

import httpx

from tests.console.conftest import Demo
from tests.console.signing import csrf_of, signed_in

FEED = re.compile(r'<code class="feed-url">([^<]+)</code>')


async def test_each_bridge_shows_its_feed_and_rotating_closes_the_old_address(
        demo: Demo) -> None:
    async with httpx.AsyncClient() as client:
        await signed_in(client, demo.console, demo.token)
        page = await client.get(f"{demo.console}/bridges")
        urls = FEED.findall(page.text)
        assert len(urls) == len(demo.hub.network.bridges) == 3
        old = next(url for url in urls if "/calendar/assemblies/" in url)
        assert old.startswith(f"{demo.hub.url}/calendar/assemblies/")
        assert (await client.get(old)).status_code == 200
        # Seen again, the same address: it is made once, at first view.
        assert FEED.findall((await client.get(f"{demo.console}/bridges")).text) == urls

        answer = await client.post(f"{demo.console}/bridges/assemblies/feed",
                                   data={"csrf": csrf_of(page.text)})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/admin/bridges?rotated=assemblies"
        after = await client.get(f"{demo.console}/bridges?rotated=assemblies")
        new = next(url for url in FEED.findall(after.text) if "/calendar/assemblies/" in url)
        assert new != old
        assert "New address made: the previous one no longer answers." in after.text
        assert (await client.get(old)).status_code == 404
        assert (await client.get(new)).status_code == 200
        # The other bridges kept theirs.
        assert [u for u in FEED.findall(after.text) if u != new] == \
            [u for u in urls if u != old]


async def test_rotating_an_unknown_bridge_changes_nothing(demo: Demo) -> None:
    async with httpx.AsyncClient() as client:
        csrf = await signed_in(client, demo.console, demo.token)
        before = FEED.findall((await client.get(f"{demo.console}/bridges")).text)
        answer = await client.post(f"{demo.console}/bridges/nowhere/feed", data={"csrf": csrf})
        assert (answer.status_code, answer.headers["location"]) == (303, "/admin/bridges")
        assert FEED.findall((await client.get(f"{demo.console}/bridges")).text) == before


async def test_the_feed_is_told_in_the_admins_language(demo: Demo) -> None:
    async with httpx.AsyncClient() as client:
        await signed_in(client, demo.console, demo.token)
        page = await client.get(f"{demo.console}/bridges", params={"lang": "fr"})
        assert "Flux d’agenda" in page.text and ">Renouveler</button>" in page.text
