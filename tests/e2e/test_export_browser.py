"""The export of the demo's archive, opened from its folder in headless Chromium as a reader
would: every item on its thread's page with its translations, and a reply's "in reply to"
link landing on its parent. Nothing is fetched: the pages load from file:// alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from hub.archive.export import anchor, export
from hub.archive.records import ArchivedItem, Filters
from hub.demo.runner import staged, tell
from tests.console.browser import browser, chromium, needs_chromium, new_context  # noqa: F401

APERTIUM = shutil.which("apertium") is not None


async def demo_archive(folder: Path) -> tuple[list[ArchivedItem], Path]:
    """Play the demo's story, then export what its hub archived; the items and the folder."""
    async with staged(folder / "demo") as (world, hub):
        await tell(world, hub, lambda _: None)
        items = [item for _, item in await hub.store.run(hub.store.archive_select, Filters())]
        done = await hub.store.run(export, hub.store, folder / "export", Filters())
    assert done.items == len(items)
    return items, done.folder


async def items_on_pages(page: Page, index: Path) -> dict[str, str]:
    """Each item's anchor and the page it is on, reached from the index's links."""
    await page.goto(index.as_uri())
    threads = [await link.get_attribute("href") or ""
               for link in await page.locator("a.heading").all()]
    found: dict[str, str] = {}
    for href in threads:
        await page.goto((index.parent / href).as_uri())
        for article in await page.locator("article.item").all():
            found[await article.get_attribute("id") or ""] = page.url
    return found


@pytest.mark.slow
@needs_chromium
async def test_the_demos_export_opens_offline_with_every_item_translations_and_replies(
        tmp_path: Path, browser: Browser) -> None:  # noqa: F811 - the fixture
    items, folder = await demo_archive(tmp_path)
    assert {item.platform for item in items} == {"basecamp", "slack", "whatsapp", "zoom"}
    replies = [item for item in items if item.parent is not None]
    assert replies
    if APERTIUM:
        assert all(len(item.texts) > 1 for item in items if item.texts[0].body)

    context = await new_context(browser)
    fetched: list[str] = []
    context.on("request", lambda request: fetched.append(request.url))
    page = await context.new_page()
    placed = await items_on_pages(page, folder / "index.html")
    assert set(placed) == {anchor(item.key) for item in items}

    for item in items:
        await page.goto(placed[anchor(item.key)])
        shown = page.locator(f"#{anchor(item.key)}")
        for text in item.texts:
            section = shown.locator(f'section.text[lang="{text.language}"]')
            if text.title:
                await expect(section).to_contain_text(text.title)
            if text.body.strip():
                await expect(section.locator(".body")).to_contain_text(text.body.strip())

    for reply in replies:
        assert reply.parent is not None
        await page.goto(placed[anchor(reply.key)])
        await page.locator(f"#{anchor(reply.key)} a.in-reply-to").click()
        parent = anchor(reply.parent)
        await expect(page.locator(f"#{parent}")).to_be_visible()
        assert await page.evaluate("location.hash") == f"#{parent}"
        assert await page.evaluate("document.querySelector(':target').id") == parent

    await context.close()
    assert fetched and all(url.startswith("file://") for url in fetched), fetched
