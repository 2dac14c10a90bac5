"""The overview in a real browser, over the demo network's four sandboxes."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from hub.demo.runner import settle
from hub.demo.story import ACTS, french_post, members_join
from hub.demo.world import BASECAMP, SLACK, WHATSAPP, ZOOM
from hub.sandbox.base import Fault
from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo

pytestmark = needs_chromium

REFRESH_WITHIN = 30_000  # ms: the figures refresh every 10 s; a loaded machine is slower
PHONE = {"width": 390, "height": 844}
# What Graph answers for a token that was revoked.
REVOKED = Fault(status=401, body={"error": {
    "message": "Error validating access token: The session has been invalidated",
    "type": "OAuthException", "code": 190}})


async def signed_in_page(demo: Demo, browser: Browser, **size: int) -> Page:
    context = await new_context(browser, **size)
    page = await context.new_page()
    await page.goto(f"{demo.console}/")
    await page.get_by_label("Admin token").fill(demo.token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    return page


async def refused_by(connection: str, demo: Demo, rounds: int = 200) -> str:
    """Route and deliver until the worker records `connection` as refusing the hub; its
    stored status."""
    for _ in range(rounds):
        await demo.hub.tick()
        await demo.hub.worker.drain()
        status = await demo.hub.store.run(demo.hub.store.state_get, connection, "status")
        if status is not None:
            return status
        await asyncio.sleep(0.05)  # a retry falls due with time
    raise AssertionError(f"no delivery to {connection} was attempted")


def card(page: Page, connection: str) -> Locator:
    return page.get_by_role("article", name=connection)


async def assert_fits_a_phone(demo: Demo, browser: Browser) -> None:
    page = await signed_in_page(demo, browser, **PHONE)
    await expect(page.locator("svg.chart")).to_be_visible()
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width} px)"
    await page.context.close()


@pytest.mark.slow
async def test_the_demo_networks_four_connections_are_healthy(demo: Demo,
                                                              browser: Browser) -> None:
    for act in ACTS:
        await act.play(demo.world)
        await settle(demo.hub, demo.world)
    await demo.hub.poll_all()  # as the scheduler would: every polled endpoint once

    page = await signed_in_page(demo, browser)
    await expect(page.get_by_text("All 4 connections are healthy.")).to_be_visible()
    for connection in (BASECAMP, SLACK, WHATSAPP, ZOOM):
        shown = card(page, connection)
        await expect(shown.locator(".verdict")).to_have_text("✓ Healthy")
        # Every one of the demo's platforms sends webhooks, and each has sent some.
        await expect(shown.locator("dd.webhook")).to_contain_text("accepted")
        await expect(shown.locator("dd.access")).to_contain_text("OK: a call to the platform")
    await expect(card(page, SLACK).locator(".polls")).to_contain_text(
        f"{SLACK}/chat/C0NETWORK: last poll")
    await expect(card(page, SLACK).locator(".polls")).to_contain_text("succeeded")
    chart = page.get_by_role("img", name="Events stored:")
    await expect(chart).to_be_visible()
    await expect(chart).to_have_attribute("aria-label", re.compile(
        r"^Events stored: [1-9]\d* in all, .* Deliveries done: [1-9]\d* in all, "))
    done = page.get_by_role("row", name="All connections")
    await expect(done.get_by_role("cell").nth(1)).not_to_have_text("0")
    await expect(page.get_by_role("link", name="Open the Dead letters page.")).to_have_attribute(
        "href", "/admin/dead-letters")
    await expect(page.get_by_text("apertium:")).to_contain_text("characters (no budget)")

    # A forged webhook: within one refresh the card says so, without reloading the page.
    await page.evaluate("window.stillTheSamePage = true")
    await page.locator("#to-dead-letters").focus()  # where someone using the keyboard stands
    async with httpx.AsyncClient() as client:
        forged = await client.post(f"{demo.hub.url}/webhooks/{SLACK}", content=b"{}",
                                   headers={"x-slack-signature": "v0=forged",
                                            "x-slack-request-timestamp": "1"})
    assert forged.status_code == 401
    await expect(card(page, SLACK).locator(".verdict")).to_have_text(
        "! Needs attention", timeout=REFRESH_WITHIN)
    await expect(card(page, SLACK).locator("dd.webhook")).to_contain_text("rejected")
    await expect(page.get_by_text("1 connection needs attention.")).to_be_visible()
    assert await page.evaluate("window.stillTheSamePage") is True
    await expect(page.locator("#to-dead-letters")).to_be_focused()  # not lost by the swap
    await page.context.close()

    await assert_fits_a_phone(demo, browser)


@pytest.mark.slow
async def test_a_revoked_token_shows_the_connection_failing_and_the_fix(
        demo: Demo, browser: Browser) -> None:
    await members_join(demo.world)
    await settle(demo.hub, demo.world)
    demo.world.whatsapp.faults.inject("/", *[REVOKED] * 20)
    # Slack, meanwhile, asks for an hour's patience: longer than any test runs.
    demo.world.slack.faults.inject("/api/chat.postMessage", Fault(
        status=429, retry_after=3600, body={"ok": False, "error": "ratelimited"}))
    await french_post(demo.world)
    await demo.world.quiet()
    status = await refused_by(WHATSAPP, demo)
    assert status.startswith("failing: ")  # the worker's own record, kept as it was

    page = await signed_in_page(demo, browser)
    await expect(page.get_by_text("1 connection is failing.")).to_be_visible()
    await expect(page.get_by_text("1 connection needs attention.")).to_be_visible()
    whatsapp = card(page, WHATSAPP)
    await expect(whatsapp.locator(".verdict")).to_have_text("✕ Failing")
    access = whatsapp.locator("dd.access")
    # Seen by this process as it happened (not only the store's record of it).
    await expect(access).to_contain_text(re.compile(r"Refused .+ ago: connection "
                                                    r"\"members-whatsapp\": .*Error validating "
                                                    r"access token"))
    await expect(access).to_contain_text("renew the system-user token")
    await expect(access).to_contain_text(
        "To fix it: connect the account again on the Connect an account page, or put a new "
        "token in the configuration and run “passerelle check --online”.")
    await expect(access.get_by_role("link", name="Connect an account")).to_have_attribute(
        "href", "/admin/connect")
    await expect(whatsapp.get_by_role("heading", name="What to do")).to_be_visible()

    slack = card(page, SLACK)
    await expect(slack.locator(".verdict")).to_have_text("! Needs attention")
    await expect(slack.locator("dd.waits")).to_contain_text(re.compile(
        r"Waiting now, until .+ UTC, as the platform asked\.\s+It asked us to wait once in "
        r"the last 24 hours\."))
    await expect(slack.locator(".todo")).to_contain_text(
        "The platform asked the hub to slow down")
    # The others are not tainted by it.
    await expect(card(page, BASECAMP).locator(".verdict")).to_have_text("✓ Healthy")
    await page.context.close()

    await assert_fits_a_phone(demo, browser)
