"""The console speaks the admin's language: the browser's first, then the one they choose."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from hub.console.catalogs import extracted, problems, translated_languages
from hub.console.i18n import negotiate
from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo


def test_every_catalog_translates_every_message_with_its_placeholders() -> None:
    assert problems(extracted(), translated_languages()) == []


def test_the_browser_s_languages_pick_the_console_s() -> None:
    assert negotiate(None, "fr-CA,fr;q=0.9,en;q=0.8") == "fr"
    assert negotiate(None, "de-DE,pt-BR;q=0.7,en;q=0.3") == "pt"
    assert negotiate(None, "de, ja;q=0.5") == "en"
    assert negotiate("es", "fr") == "es"  # the visitor's own choice wins
    assert negotiate("xx", "es-MX") == "es"  # an unknown choice is no choice


@needs_chromium
async def test_french_from_the_browser_then_portuguese_from_the_switch(
        demo: Demo, browser: Browser) -> None:
    context = await new_context(browser, locale="fr-FR")
    page = await context.new_page()
    await page.goto(f"{demo.console}/")
    await expect(page.get_by_role("heading", name="Se connecter à la console")).to_be_visible()
    await page.get_by_label("Jeton d’administration").fill(demo.token)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    menu = page.get_by_role("navigation")
    await expect(menu.get_by_role("link", name="Vue d’ensemble")).to_be_visible()
    await expect(menu.get_by_role("link", name="Envois en échec")).to_be_visible()

    # Choose Português in the switch and send it from the keyboard.
    await page.get_by_label("Langue").select_option("pt")
    await page.get_by_role("button", name="Changer").press("Enter")
    await expect(page.locator("html")).to_have_attribute("lang", "pt")
    await expect(menu.get_by_role("link", name="Visão geral")).to_be_visible()
    await expect(page.get_by_role("button", name="Terminar sessão")).to_be_visible()
    # The choice outlives the page: another page of the console is Portuguese too.
    await menu.get_by_role("link", name="Pontes").click()
    await expect(page.locator("html")).to_have_attribute("lang", "pt")
    await context.close()


@needs_chromium
async def test_switching_to_french_from_english(demo: Demo, browser: Browser) -> None:
    context = await new_context(browser, locale="en-GB")
    page = await context.new_page()
    await page.goto(f"{demo.console}/sign-in")
    await page.get_by_label("Admin token").fill(demo.token)
    await page.get_by_role("button", name="Sign in").click()
    menu = page.get_by_role("navigation")
    await expect(menu.get_by_role("link", name="Overview")).to_be_visible()
    # A page's query stays across the switch: the same search, in the other language.
    await page.goto(f"{demo.console}/search?q=&kind=post")
    await page.get_by_label("Language").select_option("fr")
    await page.get_by_role("button", name="Change").click()
    await expect(menu.get_by_role("link", name="Vue d’ensemble")).to_be_visible()
    await expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert page.url.endswith("/admin/search?q=&kind=post")
    await context.close()
