"""`passerelle demo --keep` leaves the console up and says how to sign in to it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue

import httpx
import pytest

from tests.console.signing import signed_in

pytestmark = pytest.mark.slow  # the whole demo story in a subprocess

CONSOLE_LINE = re.compile(r"console\s+(http://127\.0\.0\.1:\d+/admin)\s+\(sign in with the "
                          r"admin token (\S+)\)")
DEMO_LIMIT_SECONDS = 600  # a bound on a loaded machine; the story takes well under a minute


def lines_of(process: subprocess.Popen[str]) -> Iterator[str]:
    """The demo's output, line by line, for as long as the bound allows."""
    queue: Queue[str | None] = Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            queue.put(line)
        queue.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = queue.get(timeout=DEMO_LIMIT_SECONDS)
        except Empty:
            pytest.fail(f"the demo printed nothing for {DEMO_LIMIT_SECONDS} s")
        if line is None:
            return
        yield line


def test_demo_keep_prints_the_console_url_and_a_token_that_signs_in(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "HOME": str(tmp_path)}
    with subprocess.Popen([sys.executable, "-m", "hub", "demo", "--keep"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=environment, cwd=tmp_path) as process:
        try:
            asyncio.run(_sign_in_where_the_demo_says(process))
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _sign_in_where_the_demo_says(process: subprocess.Popen[str]) -> None:
    found = None
    for line in lines_of(process):
        found = CONSOLE_LINE.search(line)
        if found:
            break
    assert found is not None, "the demo ended without printing the console's address"
    console, token = found.groups()
    async with httpx.AsyncClient() as client:
        await signed_in(client, console, token)
        overview = await client.get(f"{console}/")
        assert overview.status_code == 200
        assert "Sign out" in overview.text
