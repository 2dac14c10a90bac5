"""The Bridges page: the demo's bridges and endpoints, what flowed through them, and where each
setting comes from (file, environment, default) for a hub loaded from a TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.access import admin_access
from hub.app import Hub
from hub.demo.world import BASECAMP, CHANNEL, CIRCLE, SLACK, WHATSAPP, ZOOM
from hub.scheduler import driving
from hub.settings import load_settings
from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo
from tests.console.traffic import until

pytestmark = needs_chromium


async def open_bridges(browser: Browser, console: str, token: str, *, width: int = 1280
                       ) -> Page:
    context = await new_context(browser, width=width, height=900)
    page = await context.new_page()
    await page.goto(f"{console}/bridges")
    await page.get_by_label("Admin token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Bridges", exact=True)).to_be_visible()
    return page


def member(page: Page, bridge: str, address: str) -> Locator:
    section = page.get_by_role("region", name=bridge, exact=True)
    return section.locator(f'li.member[data-address="{address}"]')


async def test_the_demo_bridges_show_their_endpoints_languages_and_zones(
        demo: Demo, browser: Browser) -> None:
    project, host = demo.world.project, demo.world.zoom.account.host_id
    page = await open_bridges(browser, demo.console, demo.token, width=390)  # a phone
    for bridge in ("general", "assemblies", "recordings"):
        await expect(page.get_by_role("heading", name=bridge, exact=True)).to_be_visible()

    board = member(page, "general", f"{BASECAMP}/board/{project}")
    await expect(board.locator("h3")).to_have_text("Basecamp")
    await expect(board.locator(".language")).to_have_text("French (fr)")
    await expect(board.locator(".direction")).to_have_text("Sends and receives")
    circle = member(page, "assemblies", f"{WHATSAPP}/circle/{CIRCLE}")
    await expect(circle.locator("h3")).to_have_text("WhatsApp")
    await expect(circle.locator(".language")).to_have_text("Portuguese (pt)")
    await expect(circle.locator(".timezone")).to_have_text("Europe/Lisbon")
    await expect(circle.locator(".direction")).to_have_text("Receives from the bridge only")
    calendar = member(page, "assemblies", f"{ZOOM}/calendar/{host}")
    await expect(calendar.locator("h3")).to_have_text("Zoom")
    files = member(page, "recordings", f"{BASECAMP}/files/{project}")
    await expect(files.locator(".language")).to_have_text("Not set")

    # The demo builds its settings in code: nothing is said to come from a file.
    await page.get_by_text("Settings of general").click()
    row = page.locator('tr[data-key="endpoints[0].language"]').first
    await expect(row.locator(".origin")).to_have_text(
        "Set in code: the hub was not told of a configuration file")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must reflow on a phone, not scroll sideways"


@pytest.mark.slow
async def test_flows_count_what_came_from_and_went_to_each_endpoint(
        demo: Demo, browser: Browser) -> None:
    world, project = demo.world, demo.world.project
    page = await open_bridges(browser, demo.console, demo.token)
    slack = member(page, "general", f"{SLACK}/chat/{CHANNEL}")
    await expect(slack.locator(".events-in")).to_have_text("0 events came from here")
    async with driving(demo.hub):
        await world.slack.post(CHANNEL, world.people.emma, "See you all in Lisbon.")
        await until(lambda: _delivered_to(demo, f"{BASECAMP}/board/{project}"))
    await page.context.close()
    # A new look at the page (what an admin coming back sees), not a reload of the open one.
    page = await open_bridges(browser, demo.console, demo.token)
    slack = member(page, "general", f"{SLACK}/chat/{CHANNEL}")
    await expect(slack.locator(".events-in")).to_have_text("1 event came from here")
    board = member(page, "general", f"{BASECAMP}/board/{project}")
    await expect(board.locator(".delivered")).to_have_text("1 copy delivered here")
    # Nobody has joined the circle: its copy is refused, and said so.
    circle = member(page, "general", f"{WHATSAPP}/circle/{CIRCLE}")
    await expect(circle.locator(".dead")).to_have_text("1 dead letter")


TOML = """
[store]
url = "sqlite:///{folder}/passerelle.db"

[web]
host = "127.0.0.1"
port = 0

[connections.lisbon-slack]
type = "slack"
bot_token = "{token}"
signing_secret = "{secret}"
base_url = "{url}/api"

[bridges.pair]
show_original = "below"
endpoints = [
  {{ at = "lisbon-slack/chat/C0ONE", language = "en" }},
  {{ at = "lisbon-slack/chat/C0TWO", language = "fr", timezone = "Europe/Paris" }},
]
"""


async def test_each_setting_says_where_it_comes_from(
        demo: Demo, browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slack = demo.world.slack
    for channel in ("C0ONE", "C0TWO"):
        slack.add_channel(channel)
    config = tmp_path / "passerelle.toml"
    config.write_text(TOML.format(folder=tmp_path, token=slack.token,
                                  secret=slack.signing_secret, url=slack.base_url))
    monkeypatch.setenv("HUB_BRIDGES__PAIR__TRANSLATE", "false")
    settings = load_settings(config)
    async with Hub.start(settings) as hub:
        page = await open_bridges(browser, f"{hub.url}/admin",
                                  admin_access(settings).token.get_secret_value())
        await expect(page.get_by_text("Does not translate")).to_be_visible()
        await page.get_by_text("Settings of pair").click()

        def origin(key: str) -> Locator:
            return page.locator(f'tr[data-key="{key}"] .origin')

        await expect(origin("translate")).to_have_text(
            "The environment variable HUB_BRIDGES__PAIR__TRANSLATE")
        await expect(origin("show_original")).to_have_text(
            f"The configuration file {config}")
        await expect(origin("endpoints[1].timezone")).to_have_text(
            f"The configuration file {config}")
        await expect(origin("endpoints[0].timezone")).to_have_text("The default")
        await expect(origin("endpoints[0].render")).to_have_text("The default")
        await expect(page.locator('tr[data-key="translate"] td').first).to_have_text("false")


async def _delivered_to(demo: Demo, target: str) -> bool:
    counts = await demo.hub.store.run(demo.hub.store.counts)
    return counts.get((target, "done"), 0) >= 1
