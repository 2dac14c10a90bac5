"""Debian's Chromium, headless, driven by Playwright over the DevTools protocol.

One browser serves the whole test session; each test gets a fresh context (no cookies, its own
language). Nothing is downloaded: the browser is /usr/bin/chromium, started here, and
Playwright only connects to it (`connect_over_cdp`).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
STARTUP_LIMIT_SECONDS = 120.0  # a bound on a loaded machine, not an expectation
# Without these, Chromium tries to reach Google's hosts at every start; tests touch only
# loopback.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
         "--no-default-browser-check", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0", "about:blank"]

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                    "(apt-get install chromium; .ci/run does)")


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The DevTools address of a headless Chromium running for the test session."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen([CHROMIUM, f"--user-data-dir={profile}", *FLAGS],  # noqa: S603
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"http://127.0.0.1:{_devtools_port(profile, process)}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    """Chromium writes the port it chose to DevToolsActivePort once it listens."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode} before listening")
        if marker.exists():
            first = marker.read_text().splitlines()[:1]
            if first and first[0].isdigit():
                return int(first[0])
        time.sleep(0.05)
    raise RuntimeError(f"chromium did not listen within {STARTUP_LIMIT_SECONDS:.0f} s")


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
