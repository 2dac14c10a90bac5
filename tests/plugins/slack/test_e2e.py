"""End to end over loopback: two Slack sandboxes (Lisbon and Porto) bridged by a real hub.

Everything travels over real HTTP on 127.0.0.1: the sandboxes fire signed Events API
requests at the hub's webhook route, the hub calls the sandboxes' Web API.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.app import Hub
from hub.sandbox.base import Fault, serve_emulator
from hub.sandbox.slack import SlackEmulator
from hub.settings import HubSettings
from plugins.slack.connector import SlackConnector
from tests.plugins.slack.conftest import Ticks

LISBON, PORTO = "C0LISBON", "C0PORTO"


@dataclass
class Workspaces:
    lisbon: SlackEmulator
    porto: SlackEmulator
    settings: HubSettings

    @contextlib.asynccontextmanager
    async def hub(self) -> AsyncIterator[Hub]:
        async with Hub.start(self.settings) as hub:
            # Each connector paces by its sandbox's clock, the one the sandbox checks it by.
            for name, sandbox in (("lisbon-slack", self.lisbon), ("porto-slack", self.porto)):
                connector = hub.network.connectors[name]
                assert isinstance(connector, SlackConnector)
                connector.clock = sandbox.clock
            self.lisbon.webhook_url = f"{hub.url}/webhooks/lisbon-slack"
            self.porto.webhook_url = f"{hub.url}/webhooks/porto-slack"
            yield hub

    async def settle(self, hub: Hub, within: float = 60.0) -> None:
        """Until both sandboxes have said everything and the hub has delivered it all."""
        for _ in range(3):  # a delivery makes echo events, which must be taken in too
            await self.lisbon.quiet()
            await self.porto.quiet()
            await hub.settle(within)


def emulator(name: str) -> SlackEmulator:
    sandbox = SlackEmulator(token=f"xoxb-{name}", signing_secret=f"{name}-signing-secret",
                            team_id=f"T0{name.upper()}", app_id=f"A0{name.upper()}",
                            bot_user=f"U0{name.upper()}BOT", bot_id=f"B0{name.upper()}BOT",
                            channel_interval=0.005, clock=Ticks(0.001))
    return sandbox


def connection(sandbox: SlackEmulator) -> dict[str, Any]:
    return {"type": "slack", "bot_token": sandbox.token, "signing_secret":
            sandbox.signing_secret, "base_url": f"{sandbox.base_url}/api",
            "channel_interval_seconds": 0.006, "upload_share_wait_seconds": 2}


@pytest.fixture
async def workspaces(tmp_path: Path) -> AsyncIterator[Workspaces]:
    lisbon, porto = emulator("lisbon"), emulator("porto")
    lisbon.add_channel(LISBON)
    porto.add_channel(PORTO)
    lisbon.add_user("U0ANA", "Ana Souza")
    porto.add_user("U0RUI", "Rui Costa")
    async with serve_emulator(lisbon), serve_emulator(porto):
        settings = HubSettings(
            store={"url": f"sqlite:///{tmp_path}/hub.db"},
            web={"port": 0},
            delivery={"backoff_base_seconds": 0.1, "backoff_cap_seconds": 1.0},
            connections={"lisbon-slack": connection(lisbon), "porto-slack": connection(porto)},
            bridges={"general": {"translate": False, "endpoints": [
                {"at": f"lisbon-slack/chat/{LISBON}"}, {"at": f"porto-slack/chat/{PORTO}"}]}},
        )
        yield Workspaces(lisbon, porto, settings)


def top_level(sandbox: SlackEmulator, channel: str) -> list[dict[str, Any]]:
    return [m for m in sandbox.messages(channel) if m.get("thread_ts") in (None, m["ts"])]


async def test_a_thread_crosses_and_comes_back_without_echo(workspaces: Workspaces) -> None:
    lisbon, porto = workspaces.lisbon, workspaces.porto
    async with workspaces.hub() as hub:
        root = await lisbon.post(LISBON, "U0ANA", "Who comes to the *summit*?")
        await lisbon.post(LISBON, "U0ANA", "I do", thread_ts=root["ts"])
        await lisbon.post(LISBON, "U0ANA", "me too <!channel>", thread_ts=root["ts"])
        await workspaces.settle(hub)

        copies = porto.messages(PORTO)
        assert [m["text"] for m in copies] == ["Who comes to the *summit*?", "I do",
                                               "me too @channel"]
        copy_root = copies[0]
        assert copy_root["username"] == "Ana Souza (Slack)"
        assert "thread_ts" not in copy_root
        assert [m.get("thread_ts") for m in copies[1:]] == [copy_root["ts"]] * 2
        # The copies came back to the hub as Porto events and were not mirrored again.
        assert len(lisbon.messages(LISBON)) == 3
        assert len(porto.fired) == 3

        # The hub's copies in Porto are its own: an edit there would not be its to mirror.
        assert all(m.get("bot_id") == porto.bot_id for m in copies)

        # An answer in Porto's thread lands in Lisbon's original thread.
        await porto.post(PORTO, "U0RUI", "Count me in", thread_ts=copy_root["ts"])
        await workspaces.settle(hub)
        answer = lisbon.messages(LISBON)[-1]
        assert answer["text"] == "Count me in"
        assert answer["thread_ts"] == root["ts"]
        assert answer["username"] == "Rui Costa (Slack)"
        assert len(porto.messages(PORTO)) == 4


async def test_edits_and_deletes_propagate(workspaces: Workspaces) -> None:
    lisbon, porto = workspaces.lisbon, workspaces.porto
    async with workspaces.hub() as hub:
        first = await lisbon.post(LISBON, "U0ANA", "meeting at 10")
        second = await lisbon.post(LISBON, "U0ANA", "typo here")
        await workspaces.settle(hub)
        copy_first, copy_second = porto.messages(PORTO)

        await lisbon.edit(LISBON, first["ts"], "meeting at 11")
        await lisbon.delete(LISBON, second["ts"])
        await workspaces.settle(hub)
    [remaining] = porto.messages(PORTO)
    assert remaining["ts"] == copy_first["ts"]
    assert remaining["text"] == "meeting at 11"
    assert "edited" in remaining
    assert copy_second not in porto.messages(PORTO)
    assert [m["text"] for m in lisbon.messages(LISBON)] == ["meeting at 11"]


async def test_a_files_bytes_arrive_intact(workspaces: Workspaces) -> None:
    lisbon, porto = workspaces.lisbon, workspaces.porto
    content = bytes(range(256)) * 257 + b"\x00end"
    async with workspaces.hub() as hub:
        await lisbon.share_file(LISBON, "U0ANA", "agenda.pdf", content, "application/pdf",
                                text="the agenda")
        await workspaces.settle(hub)
    [shared] = porto.messages(PORTO)
    [file] = shared["files"]
    assert file["name"] == "agenda.pdf"
    assert porto.blobs[file["id"]] == content
    assert shared["text"] == "*Ana Souza (Slack):* the agenda"
    assert len(lisbon.messages(LISBON)) == 1


async def test_a_burst_of_30_arrives_in_order_under_the_rate_limit(
        workspaces: Workspaces) -> None:
    lisbon, porto = workspaces.lisbon, workspaces.porto
    # Slack also refuses one post outright: the hub must wait and send it again.
    porto.faults.inject("/api/chat.postMessage", Fault(
        status=429, retry_after=1, body={"ok": False, "error": "ratelimited"}))
    async with workspaces.hub() as hub:
        for index in range(30):
            await lisbon.post(LISBON, "U0ANA", f"burst {index:02d}")
        await workspaces.settle(hub, within=120)
    assert [m["text"] for m in top_level(porto, PORTO)] == [
        f"burst {i:02d}" for i in range(30)]
    assert porto.rate_limited == 0  # the connector's pacing never overran a channel
    assert porto.faults.take("/api/chat.postMessage") is None  # the 429 was served, and honoured
    # 30 posts, and the one the injected 429 refused: asked again, never twice delivered.
    assert porto.requests.count(("POST", "/api/chat.postMessage")) == 31


async def test_deleting_a_thread_root_removes_its_copy(workspaces: Workspaces) -> None:
    lisbon, porto = workspaces.lisbon, workspaces.porto
    async with workspaces.hub() as hub:
        root = await lisbon.post(LISBON, "U0ANA", "a question")
        await lisbon.post(LISBON, "U0ANA", "an answer", thread_ts=root["ts"])
        await workspaces.settle(hub)
        copy_root, copy_reply = porto.messages(PORTO)
        await lisbon.delete(LISBON, root["ts"])  # Slack leaves a tombstone: message_changed
        await workspaces.settle(hub)
    tombstone, reply = porto.messages(PORTO)
    assert tombstone["ts"] == copy_root["ts"]
    assert tombstone["subtype"] == "tombstone"
    assert reply == copy_reply


@pytest.mark.slow
async def test_a_missing_scope_becomes_a_status_naming_it(workspaces: Workspaces) -> None:
    lisbon, porto = workspaces.lisbon, workspaces.porto
    porto.scopes.discard("chat:write")
    async with workspaces.hub() as hub:
        await lisbon.post(LISBON, "U0ANA", "hello")
        status = None
        async with asyncio.timeout(60):  # a bound on a condition: the refusal is recorded
            while status is None:
                await hub.tick()
                status = await hub.store.run(hub.store.state_get, "porto-slack", "status")
                await asyncio.sleep(0.05)
    assert "lacks scope chat:write" in status
    assert "reinstall the app" in status
    assert porto.messages(PORTO) == []
