"""The live stream in a real browser: a new post arrives without reload, its copies settle."""

from __future__ import annotations

import shutil

import httpx
import pytest
from playwright.async_api import Browser, expect

from hub.console.traces import items
from hub.demo.story import members_join
from hub.demo.world import BASECAMP, CHANNEL, WHATSAPP
from hub.events import Event
from hub.scheduler import driving
from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo
from tests.console.signing import signed_in
from tests.console.traffic import BOUND, until

pytestmark = needs_chromium


@pytest.mark.slow
async def test_a_new_post_arrives_and_its_copies_become_delivered(demo: Demo,
                                                                   browser: Browser) -> None:
    world = demo.world
    context = await new_context(browser)
    page = await context.new_page()
    async with driving(demo.hub):
        await members_join(world)  # so the WhatsApp circle has readers
        await page.goto(f"{demo.console}/stream")
        await page.get_by_label("Admin token").fill(demo.token)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", name="Live stream")).to_be_visible()
        await page.evaluate("window.notReloaded = true")

        await world.slack.post(CHANNEL, world.people.emma,
                               "The train to Lisbon leaves at noon, RT93.")
        # Emma's post, not the copies the platforms tell of, marked as the hub's own: a copy
        # told back before the post's copies settle is in the stream too.
        item = page.get_by_role("listitem").filter(has_text="RT93").filter(
            has_not_text="a copy the hub made itself")
        await expect(item.get_by_role("heading", name="New message")).to_be_visible()
        await expect(item).to_contain_text("Emma Wilson")
        for target in (BASECAMP, WHATSAPP):
            copy = item.get_by_role("row").filter(has_text=target)
            await expect(copy.locator(".copy-state")).to_have_text("Delivered")
        assert await page.evaluate("window.notReloaded") is True

        translations = item.locator(".translations")
        await expect(translations).to_contain_text("French")
        await expect(translations).to_contain_text("Portuguese")
        if shutil.which("apertium"):  # the demo's translator; the text comes from its cache
            await expect(translations.locator("dd[lang=fr]")).to_contain_text("RT93")

        # Basecamp tells of the copy the hub made; its report gives the copy its link. (The
        # sandbox serves plain http, whose addresses the connector does not give as links:
        # its report is told again as Basecamp's own https app would.)
        await until(lambda: _has_report(demo, BASECAMP))
        report = await _report(demo, BASECAMP)
        assert report is not None
        app_url = (f"https://3.basecamp.com/1/buckets/{world.project}/messages/"
                   f"{report.source.native_id}")
        await demo.hub.store.run(demo.hub.store.append, [report.model_copy(update={
            "id": "echo-seen-again", "revision": "again", "raw": {"app_url": app_url}})])
        await page.reload(wait_until="domcontentloaded")
        board = item.get_by_role("row").filter(has_text=BASECAMP)
        await expect(board.get_by_role("link")).to_have_attribute("href", app_url)
        whatsapp = item.get_by_role("row").filter(has_text=WHATSAPP)
        await expect(whatsapp.get_by_role("link")).to_have_count(0)  # WhatsApp has no links
    await context.close()


async def test_the_feed_resumes_after_the_last_event_id(demo: Demo) -> None:
    world = demo.world
    async with driving(demo.hub), httpx.AsyncClient() as client:
        await signed_in(client, demo.console, demo.token)
        await world.slack.post(CHANNEL, world.people.emma, "First, KQ11.")
        await world.slack.post(CHANNEL, world.people.james, "Second, KQ22.")
        await until(lambda: _stored(demo, 2))
        first = (await demo.hub.store.run(demo.hub.store.events_after, 0, 1))[0].seq
        heard = await _listen(client, f"{demo.console}/stream/feed",
                              {"last-event-id": str(first)}, until_text="KQ22")
        assert "KQ22" in heard and "KQ11" not in heard
        assert f"id: {first + 1}" in heard


async def test_an_item_asking_for_itself_again_gets_nothing_while_it_is_the_same(
        demo: Demo) -> None:
    world, hub = demo.world, demo.hub
    async with driving(hub), httpx.AsyncClient() as client:
        await signed_in(client, demo.console, demo.token)
        await world.slack.post(CHANNEL, world.people.emma, "Same as before, NB40.")
        await until(lambda: _settled(demo, 1))
        (item,) = await items(hub, [s for s in await hub.store.run(hub.store.latest_events, 9)
                                    if s.seq == 1])
        again = await client.get(f"{demo.console}/stream/items/1", params={"shown": item.state})
        assert again.status_code == 204
        changed = await client.get(f"{demo.console}/stream/items/1",
                                   params={"shown": "something-else"})
        assert changed.status_code == 200 and "NB40" in changed.text


async def _settled(demo: Demo, seq: int) -> bool:
    copies = (await demo.hub.store.run(demo.hub.store.copies, [seq])).get(seq, [])
    return bool(copies) and all(copy.settled for copy in copies)


async def test_the_feed_ends_when_the_hub_stops(demo: Demo) -> None:
    async with httpx.AsyncClient() as client:
        await signed_in(client, demo.console, demo.token)
        async with client.stream("GET", f"{demo.console}/stream/feed",
                                 timeout=BOUND) as answer:
            assert answer.headers["content-type"].startswith("text/event-stream")
            await demo.hub.stop_delivering()
            with pytest.raises(StopAsyncIteration):
                chunks = answer.aiter_text()
                while True:  # the stream ends on its own, well before the bound
                    await anext(chunks)


async def _has_report(demo: Demo, connection: str) -> bool:
    return await _report(demo, connection) is not None


async def _report(demo: Demo, connection: str) -> Event | None:
    """The platform's report of an item the hub made on `connection`, once it came."""
    store = demo.hub.store
    events = await store.run(store.latest_events, 50)
    echoes = await store.run(store.made_by_hub, [
        s.seq for s in events if s.event.source.connection == connection])
    return next((s.event for s in events if s.seq in echoes), None)


async def _stored(demo: Demo, count: int) -> bool:
    return await demo.hub.store.run(demo.hub.store.last_seq) >= count


async def _listen(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                  until_text: str) -> str:
    heard = ""
    async with client.stream("GET", url, headers=headers, timeout=BOUND) as answer:
        async for text in answer.aiter_text():
            heard += text
            if until_text in heard:
                break
    return heard
