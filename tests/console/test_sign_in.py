"""Signing in and out of the console in a real browser."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo

pytestmark = needs_chromium


async def test_sign_in_with_the_admin_token_and_out_again(demo: Demo, browser: Browser) -> None:
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(f"{demo.console}/bridges")
    await expect(page).to_have_url(f"{demo.console}/sign-in?next=%2Fadmin%2Fbridges")
    await page.get_by_label("Admin token").fill("not-the-token-at-all")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("That is not the admin token.")

    await page.get_by_label("Admin token").fill(demo.token)
    await page.keyboard.press("Enter")  # keyboard only
    await expect(page).to_have_url(f"{demo.console}/bridges")
    cookie = next(c for c in await context.cookies() if c["name"] == "passerelle_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/admin"

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{demo.console}/sign-in")
    await page.goto(f"{demo.console}/")
    await expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    await context.close()
