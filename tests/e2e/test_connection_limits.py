"""A real hub's web server under the attacks its limits answer, over sockets on loopback.

The hub holds two fake connections (tests/hub/fakes.py); its app is served by hub.serving
with small limits, so that every deadline is short and every wait for it generously bounded.
The last test runs `passerelle run` itself on a port another socket holds.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.app import Hub
from hub.serving import Listening, ServerLimits, serve
from hub.settings import HubSettings
from hub.testing.waiting import until
from hub.web import make_app
from tests.hub.fakes import PLUGINS

ROOT = Path(__file__).resolve().parents[2]
BOUND = 10.0  # seconds: far beyond any limit under test, only reached when one fails
BUDGET = 4 * 1024 * 1024
HALF = 512 * 1024  # of the 1 MiB each unfinished webhook declares
# One deadline small at a time: a connection accepted a moment before its bytes are read is
# never mistaken for a silent one where silence is not under test.
BYTES = ServerLimits(header_timeout_seconds=60, body_timeout_seconds=60,
                     max_buffered_body_bytes=BUDGET)
HEADS = ServerLimits(max_connections=250, header_timeout_seconds=0.5, body_timeout_seconds=60)
WEBHOOK_HEAD = (b"POST /webhooks/east HTTP/1.1\r\nHost: hub\r\nx-fake-token: good-token\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n")


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    """A hub whose web app each test serves itself, within the limits it tests."""
    settings = HubSettings(
        store={"url": f"sqlite:///{tmp_path}/hub.db"},
        connections={
            "east": {"type": "pigeon", "token": "good-token", "base_url": "https://east.test"},
            "west": {"type": "pigeon", "token": "good-token", "base_url": "https://west.test"},
        },
        bridges={"general": {"translate": False, "endpoints": [
            {"at": "east/chat/general"}, {"at": "west/chat/lobby"}]}},
    )
    # Nothing here is delivered; anything sent would meet this refusal, never the network.
    refused = httpx.MockTransport(lambda request: httpx.Response(599))
    async with Hub.start(settings, extra_plugins=PLUGINS, transport=refused,
                         serve_web=False) as started:
        yield started


async def webhook(listening: Listening, item_id: str) -> httpx.Response:
    item = {"id": item_id, "channel": "general", "user": "u1", "text": "still served"}
    async with httpx.AsyncClient() as client:
        return await client.post(f"{listening.url}/webhooks/east",
                                 json={"item": item, "kind": "message.created", "rev": ""},
                                 headers={"x-fake-token": "good-token"})


async def one_response(reader: asyncio.StreamReader) -> bytes:
    """One whole response (the connection may stay open after it)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                  if line.startswith(b"content-length:"))
    return head + await reader.readexactly(length)


async def test_unfinished_webhook_bodies_past_the_budget_are_refused_and_their_bytes_come_back(
        hub: Hub) -> None:
    async with serve(make_app(hub), 0, limits=BYTES) as listening:
        await flood_with_unfinished_bodies(listening)
        before = await hub.store.run(hub.store.last_seq)
        response = await webhook(listening, "after-the-flood")
    assert response.status_code == 200, response.text
    assert await hub.store.run(hub.store.last_seq) == before + 1


async def flood_with_unfinished_bodies(listening: Listening) -> None:
    port = int(listening.url.rsplit(":", 1)[1])
    budget = listening.budget
    # Twelve webhooks declare 1 MiB each, send half of it and stop: 6 MiB against a budget of 4.
    opened = [await asyncio.open_connection("127.0.0.1", port) for _ in range(12)]
    answers = [asyncio.create_task(one_response(reader)) for reader, _ in opened]
    try:
        for _, writer in opened:
            writer.write(WEBHOOK_HEAD + b" " * HALF)
        for _, writer in opened:
            await writer.drain()

        # Settled: every request still waiting holds its whole half, every other was answered.
        def waiting() -> int:
            return sum(not a.done() for a in answers)

        await until(lambda: budget.in_use == waiting() * HALF, within=BOUND, every=0.01)
        refused = [a.result() for a in answers if a.done()]
        assert len(refused) >= 4  # eight halves fill the budget
        assert {a.split(b"\r\n", 1)[0] for a in refused} == {b"HTTP/1.1 503 Service Unavailable"}
        assert all(b"retry-after: " in a for a in refused)
        assert budget.peak <= BUDGET
    finally:
        for task in answers:
            task.cancel()
        for _, writer in opened:
            writer.close()
    # The clients gone, their requests end and give their bytes back.
    await until(lambda: budget.in_use == 0, within=BOUND, every=0.01)
    assert budget.peak <= BUDGET


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    """What the server said before it closed (a reset: bytes it never read, so nothing)."""
    try:
        return await reader.read()
    except ConnectionResetError:
        return b""


async def test_two_hundred_slow_sockets_are_all_closed_and_the_hub_still_serves(
        hub: Hub) -> None:
    async with serve(make_app(hub), 0, limits=HEADS) as listening:
        said = await two_hundred_slow_sockets(int(listening.url.rsplit(":", 1)[1]))
        answer = await webhook(listening, "after-the-slow-ones")
    assert answer.status_code == 200, answer.text
    assert [a for a in said[::2] if a] == []
    # A head the server had seen part of by its deadline is answered; one that reached it
    # later (a loaded machine) meets a closed connection.
    assert {a.split(b"\r\n", 1)[0] for a in said[1::2]} <= {b"HTTP/1.1 408 Request Timeout",
                                                             b""}


async def two_hundred_slow_sockets(port: int) -> list[bytes]:
    """What the server said to each before closing it: half say nothing, half half a head."""
    opened = []
    try:
        for number in range(200):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            opened.append((reader, writer))
            if number % 2:
                writer.write(b"POST /webhooks/east HTTP/1.1\r\nHost: hub\r\n")
        async with asyncio.timeout(BOUND):
            return await asyncio.gather(*(until_closed(reader) for reader, _ in opened))
    finally:
        for _, writer in opened:
            writer.close()


def test_run_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "passerelle.toml"
    config.write_text('[web]\nhost = "127.0.0.1"\n', encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HUB_WEB__PORT": str(port),
               "HUB_WEB__ADMIN_TOKEN": "t" * 32,
               "HUB_STORE__URL": f"sqlite:///{tmp_path}/hub.db"}
        done = subprocess.run(  # noqa: S603 (fixed arguments)
            [sys.executable, "-m", "hub.cli", "run", "--config", str(config)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        f"cannot listen on 127.0.0.1:{port}: the address is in use; stop the other process or "
        "set [web] port (HUB_WEB__PORT)"], json.dumps(done.stderr)
