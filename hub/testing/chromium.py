"""Debian's Chromium, headless, for the console's tests and screenshots.

It is started here and Playwright only connects to it over the DevTools protocol
(`connect_over_cdp`): nothing downloads a browser. Without the background-networking flags,
Chromium tries to reach Google's hosts at every start; everything here stays on loopback.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
STARTUP_LIMIT_SECONDS = 120.0  # a bound on a loaded machine, not an expectation
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--metrics-recording-only",
         "--no-default-browser-check", "--hide-scrollbars",
         # No page translation, optimisation hints or on-device models: background work a
         # test never asked for, which started while a page of another language was open.
         "--disable-features=Translate,OptimizationHints,OptimizationGuideModelDownloading,"
         "OptimizationHintsFetching,OnDeviceModelService,MediaRouter",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"]


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[str]:
    """Run Chromium with a new profile in `profile`; yields its DevTools address."""
    if CHROMIUM is None:
        raise RuntimeError("Debian's chromium is not installed: apt-get install chromium")
    with subprocess.Popen([CHROMIUM, f"--user-data-dir={profile}", *FLAGS],  # noqa: S603
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
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
