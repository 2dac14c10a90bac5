"""The Check page runs `passerelle check --online` against the running hub, in a real browser."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from hub.demo.world import BASECAMP, PLATFORMS, SLACK
from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo

pytestmark = needs_chromium


async def signed_in_at_check(demo: Demo, page: Page) -> None:
    await page.goto(f"{demo.console}/check")
    await page.get_by_label("Admin token").fill(demo.token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{demo.console}/check")


async def test_every_demo_connection_checks_ok(demo: Demo, browser: Browser) -> None:
    context = await new_context(browser, width=390, height=844)  # a phone
    page = await context.new_page()
    await signed_in_at_check(demo, page)
    await page.get_by_role("button", name="Run the check").click()

    results = page.locator("#check-results")
    await expect(results.get_by_text("Everything answered.")).to_be_visible()
    store = results.get_by_role("region", name="Store")
    await expect(store.locator(".state")).to_have_text("ok")
    for name, platform in PLATFORMS.items():
        card = results.get_by_role("region", name=f"{name} ({platform})")
        await expect(card.locator(".state")).to_have_text("ok")
    basecamp = results.get_by_role("region", name=f"{BASECAMP} (basecamp)")
    await expect(basecamp.get_by_text("reachable as Passerelle Hub", exact=False)).to_be_visible()
    assert page.url == f"{demo.console}/check"  # swapped in by htmx, no navigation
    await context.close()


async def test_a_bad_token_fails_with_the_reason_without_javascript(demo: Demo,
                                                                    browser: Browser) -> None:
    demo.world.slack.token = "xoxb-a-rotated-token"  # the hub's configured token is stale now
    context = await browser.new_context(java_script_enabled=False)
    context.set_default_timeout(30_000)
    page = await context.new_page()
    await signed_in_at_check(demo, page)
    button = page.get_by_role("button", name="Run the check")
    await button.focus()
    await page.keyboard.press("Enter")  # keyboard only, a plain form post

    await expect(page).to_have_url(f"{demo.console}/check/run")
    await expect(page.get_by_role("alert")).to_have_text("Something failed: see below.")
    slack = page.get_by_role("region", name=f"{SLACK} (slack)")
    await expect(slack.locator(".state")).to_contain_text("FAILED: ")
    await expect(slack.locator(".state")).to_contain_text("invalid_auth")
    basecamp = page.get_by_role("region", name=f"{BASECAMP} (basecamp)")
    await expect(basecamp.locator(".state")).to_have_text("ok")
    await context.close()
