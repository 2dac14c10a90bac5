"""The console's tests drive Debian's Chromium (hub/testing/chromium.py) with Playwright.

One browser serves the whole test session; each test gets a fresh context (no cookies, its own
language and window size).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from hub.testing.chromium import CHROMIUM
from hub.testing.chromium import chromium as running_chromium

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                    "(apt-get install chromium; .ci/run does)")


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The DevTools address of a headless Chromium running for the test session."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    with running_chromium(tmp_path_factory.mktemp("chromium-profile")) as address:
        yield address


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        connected = await playwright.chromium.connect_over_cdp(chromium)
        try:
            yield connected
        finally:
            await connected.close()


async def new_context(browser: Browser, *, locale: str = "en-GB",
                      width: int = 1280, height: int = 900) -> BrowserContext:
    context = await browser.new_context(locale=locale, viewport={"width": width,
                                                                  "height": height})
    # Assertions wait for a condition, bounded generously: CI runs on a loaded machine.
    context.set_default_timeout(30_000)
    return context
