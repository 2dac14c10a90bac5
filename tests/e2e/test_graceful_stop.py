"""`passerelle run` stopped in the middle of a flow loses nothing and sends nothing twice.

The real command runs in a subprocess against sandboxes on loopback (Slack feeding a
Basecamp board and its chat), configured by a TOML file as an operator would. The chat's
first line is held by the sandbox, unanswered, so a delivery is certainly under way when
SIGTERM comes while the board's messages flow: the process must exit 0 within its bound,
saying it released that delivery; started again, it finishes the flow, and every message is
on each target exactly once.

A second test, in process, looks at the release itself: the row is free at once (no lease
left), counted as an attempt (so the next one looks before making the item again), and the
next start delivers it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.app import Hub
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.sandbox.slack import SlackEmulator
from hub.store import PENDING, Store
from hub.testing.waiting import until
from tests.hub.conftest import Network
from tests.hub.fakes import PLUGINS

ROOT = Path(__file__).parents[2]
CHANNEL = "C0FLOW"
HOOK_SECRET = "graceful-stop-hook-secret-5d1c"
POSTS = 30
GRACE = 0.5  # short: some deliveries are still under way when it ends, and are released
# Bounds on conditions, never expectations of speed: generous for a loaded machine.
EXIT_BOUND = GRACE + 60.0  # the grace, then closing the web server and the store
SETTLE_BOUND = 120.0
LISTENING = re.compile(r"listening on (http://\S+)")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


def write_config(folder: Path, basecamp: BasecampEmulator, slack: SlackEmulator,
                 project: int) -> Path:
    """The file an operator would write for these two platforms (as hub/demo/world.py does)."""
    sections: dict[str, dict[str, Any]] = {
        "store": {"url": f"sqlite:///{folder / 'passerelle.db'}"},
        "web": {"host": "127.0.0.1", "port": 0},
        "scheduler": {"delivery_interval_seconds": 0.2, "poll_interval_seconds": 3600.0},
        "delivery": {"stop_grace_seconds": GRACE, "backoff_base_seconds": 0.2,
                     "backoff_cap_seconds": 1.0},
        "logging": {"format": "json"},
        "translation": {"enabled": False},
        # At most a few calls a second: the flow lasts long enough to be cut in the middle.
        "connections.network-basecamp": basecamp.connection(
            webhook_secret=HOOK_SECRET, projects=[project], rate_per_second=6.0),
        "connections.lisbon-slack": {
            "type": "slack", "bot_token": slack.token, "signing_secret": slack.signing_secret,
            "base_url": f"{slack.base_url}/api", "channel_interval_seconds": 0.01},
        "bridges.general": {"translate": False, "endpoints": [
            {"at": f"lisbon-slack/chat/{CHANNEL}"},
            {"at": f"network-basecamp/board/{project}"},
            {"at": f"network-basecamp/chat/{project}"}]},
    }
    text = "".join(f"[{name}]\n" + "".join(f"{json.dumps(k)} = {toml_value(v)}\n"
                                           for k, v in body.items()) + "\n"
                   for name, body in sections.items())
    path = folder / "passerelle.toml"
    path.write_text(text, encoding="utf-8")
    return path


class HeldOnce:
    """ASGI middleware before a sandbox: the first POST under `prefix` is held, unanswered,
    until `release` is set, then refused with 503 (nothing made). A delivery under way at the
    stop, for certain, and never an item made behind the hub's back."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app, self.prefix = app, prefix
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "POST" or self.holding.is_set()
                or not scope["path"].startswith(self.prefix)):
            await self.app(scope, receive, send)
            return
        self.holding.set()
        await self.release.wait()
        await PlainTextResponse("held, then refused\n", status_code=503)(scope, receive, send)


@contextlib.asynccontextmanager
async def let_go(held: HeldOnce) -> AsyncIterator[None]:
    """Whatever happens, the held request ends before its sandbox closes (a server waits for
    its requests: a failure would become a hang)."""
    try:
        yield
    finally:
        held.release.set()


class RunningHub:
    """One `python -m hub run` process, and what it said."""

    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url
        self.stderr = b""

    async def terminate(self) -> int:
        """SIGTERM, then the exit code, within EXIT_BOUND (else the test fails)."""
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(EXIT_BOUND):
            _, self.stderr = await self.process.communicate()
        assert self.process.returncode is not None
        return self.process.returncode


@contextlib.asynccontextmanager
async def passerelle_run(config: Path) -> AsyncIterator[RunningHub]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub", "run", "--config", str(config), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        # Only the file configures it: a HUB_* variable of the test run would override it.
        env={**{k: v for k, v in os.environ.items()
                if not k.startswith(("HUB_", "PASSERELLE_"))}, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        async with asyncio.timeout(60):
            line = b""
            while not (found := LISTENING.search(line.decode())):
                line = await process.stdout.readline()
                assert line, "passerelle run ended before it listened"
        yield RunningHub(process, found.group(1))
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def records(hub: RunningHub) -> list[dict[str, Any]]:
    """What the hub logged: one JSON object per line ([logging] format = "json")."""
    return [json.loads(line) for line in hub.stderr.decode().splitlines()
            if line.startswith("{")]


def problems(logged: list[dict[str, Any]]) -> str:
    return "\n".join(entry.get("exception", entry["message"]) for entry in logged
                     if entry["level"] in ("error", "critical"))


def arrived(basecamp: BasecampEmulator, project: int) -> dict[str, list[int]]:
    """For each target, which flow messages it holds (one number per copy; a board message
    says it in its subject and its content)."""
    board = [r.get("subject", "") + " " + r.get("content", "")
             for r in basecamp.active("Message", project)]
    chat = [line.get("content", "") for line in basecamp.lines[basecamp.tool(project, "chat")]]
    return {name: sorted(int(found.group(1)) for text in texts
                         if (found := re.search(r"flow message (\d+)\b", text)))
            for name, texts in (("board", board), ("chat", chat))}


@pytest.mark.slow
async def test_sigterm_mid_flow_exits_in_time_and_nothing_is_lost_or_doubled(
        tmp_path: Path) -> None:
    basecamp = BasecampEmulator()
    project = basecamp.add_project("Réseau des villes")
    # The chat's first line is held: its conversation waits behind it, the board flows.
    chat = HeldOnce(basecamp.app,
                    f"/{basecamp.account_id}/chats/{basecamp.tool(project, 'chat')}/lines")
    basecamp.app = chat
    async with (serve_emulator(basecamp),
                serve_emulator(SlackEmulator(channel_interval=0.0)) as slack,
                let_go(chat)):
        slack.add_channel(CHANNEL)
        slack.add_user("U0EMMA", "Emma Wilson")
        config = write_config(tmp_path, basecamp, slack, project)

        async with passerelle_run(config) as first:
            slack.webhook_url = f"{first.url}/webhooks/lisbon-slack"
            for n in range(1, POSTS + 1):
                await slack.post(CHANNEL, "U0EMMA", f"flow message {n} of {POSTS}")
            await slack.quiet()  # every post is stored: what follows is delivery alone
            await until(lambda: chat.holding.is_set()
                        and len(arrived(basecamp, project)["board"]) >= 3,
                        within=SETTLE_BOUND, what="the flow's start")
            code = await first.terminate()
        chat.release.set()
        assert code == 0, first.stderr.decode()
        logged = records(first)
        assert not problems(logged), problems(logged)
        (released,) = [entry["message"] for entry in logged if "released" in entry["message"]]
        assert "with 1 delivery under way" in released
        assert arrived(basecamp, project)["chat"] == []

        async with passerelle_run(config) as second:
            await until(lambda: all(len(v) >= POSTS for v in arrived(basecamp, project).values()),
                        within=SETTLE_BOUND, what="the flow's end after the restart")
            assert await second.terminate() == 0, second.stderr.decode()
        assert not problems(records(second)), problems(records(second))

    everything = list(range(1, POSTS + 1))
    assert arrived(basecamp, project) == {"board": everything, "chat": everything}
    store = Store.open(f"sqlite:///{tmp_path / 'passerelle.db'}")
    try:
        assert store.deliveries(PENDING) == []
        assert store.deliveries("dead") == []
    finally:
        store.close()


class Hanging(httpx.AsyncBaseTransport):
    """A platform that takes every request and never answers."""

    def __init__(self) -> None:
        self.called = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.called.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_delivery_cut_at_the_stop_is_released_and_sent_once_after(
        tmp_path: Path) -> None:
    network = Network(tmp_path)
    settings = network.settings(delivery={"stop_grace_seconds": 0.1})
    hanging = Hanging()
    async with Hub.start(settings, extra_plugins=PLUGINS, transport=hanging) as hub:
        east = hub.network.connector("east")
        await hub.ingest(east.parse({"item": network.east.add("general", "caught in the stop")}))
        await hub.tick()
        async with asyncio.timeout(30):
            await hanging.called.wait()
        released = await hub.stop_delivering(settings.delivery.stop_grace_seconds)
        (row,) = await hub.store.run(hub.store.deliveries, PENDING)
    assert released == [row.id]
    assert row.attempts == 1 and row.uncertain  # the next attempt looks before it makes
    assert row.next_attempt_at <= time.time()  # due now: nobody waits for a lease to lapse

    async with network.start(settings) as hub:
        await hub.settle()
        assert await hub.store.run(hub.store.deliveries, PENDING) == []
    assert [item["text"] for item in network.west.items.values()].count(
        "caught in the stop") == 1
