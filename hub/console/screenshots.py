"""Screenshots of every console page, at desktop and phone widths, on the demo's network.

    python -m hub.console.screenshots [docs/console]

Plays the demo's story on the sandboxes (so the pages have something to show: flows, copies,
translations, and one delivery Slack refuses for good, for the dead-letters page), then signs in
to the console in Debian's Chromium and saves `<page>-desktop.png` and `<page>-phone.png` for
each page of the menu, and the overview in French. Needs the dev extras (Playwright) and
`apt-get install chromium`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin

from playwright.async_api import Browser, async_playwright

from hub.access import admin_access
from hub.app import Hub
from hub.demo.runner import settle, staged, tell
from hub.demo.world import World
from hub.sandbox.base import Fault
from hub.testing.chromium import chromium

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


async def _stage(world: World, hub: Hub) -> None:
    """The story, then one message Slack refuses for good: a dead letter to show."""
    await tell(world, hub, lambda _: None)
    world.slack.faults.inject("/api/chat.postMessage",
                              Fault(status=200, body={"ok": False, "error": "channel_not_found"}))
    await world.whatsapp.user_sends_text(world.people.ana, "Até amanhã na assembleia!",
                                         name="Ana Souza")
    await settle(hub, world)


async def _shoot(browser: Browser, console: str, token: str, folder: Path) -> list[Path]:
    saved = []
    for label, (width, height) in SIZES.items():
        context = await browser.new_context(locale="en-GB",
                                            viewport={"width": width, "height": height})
        page = await context.new_page()
        await page.goto(f"{console}/sign-in")
        await page.get_by_label("Admin token").fill(token)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{console}/")
        links = await page.locator("header nav a").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))")
        for href in links:
            name = href.rstrip("/").rsplit("/", 1)[-1] or "overview"
            name = "overview" if name == "admin" else name
            await page.goto(urljoin(console + "/", href))
            await page.wait_for_load_state("networkidle")
            path = folder / f"{name}-{label}.png"
            # A phone shows one screen at a time: its picture is what a phone shows first.
            await page.screenshot(path=str(path), full_page=label == "desktop")
            saved.append(path)
        await context.close()
    french = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = await french.new_page()
    await page.goto(f"{console}/sign-in")
    await page.get_by_label("Jeton d’administration").fill(token)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{console}/")
    path = folder / "overview-desktop-fr.png"
    await page.screenshot(path=str(path), full_page=True)
    saved.append(path)
    await french.close()
    return saved


async def shoot(folder: Path, work: Path) -> list[Path]:
    """Stage the demo with its store in `work` and save the screenshots in `folder`."""
    async with staged(work) as (world, hub):
        await _stage(world, hub)
        token = admin_access(hub.settings).token.get_secret_value()
        with chromium(work / "profile") as devtools:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.connect_over_cdp(devtools)
                try:
                    return await _shoot(browser, f"{hub.url}/admin", token, folder)
                finally:
                    await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.console.screenshots",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="docs/console", type=Path)
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="passerelle-screens-") as scratch:
        (Path(scratch) / "profile").mkdir()
        for path in asyncio.run(shoot(args.folder, Path(scratch))):
            sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
