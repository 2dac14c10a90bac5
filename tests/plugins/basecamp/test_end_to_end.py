"""End to end over loopback: a Basecamp sandbox bridged to a Slack sandbox by a real hub.

Basecamp fires its unsigned webhooks at `/webhooks/network-basecamp/<secret>`; the hub fetches
each recording back from the sandbox's API, polls Campfire, and delivers to Slack.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.app import Hub
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.sandbox.slack import SlackEmulator
from hub.settings import BridgeSettings, Direction, HubSettings

BOARD_CHANNEL, CAMP_CHANNEL, FILES_CHANNEL = "C0BOARD", "C0CAMP", "C0FILES"
SECRET = "e2e-webhook-secret-0123456789abcdef"


@dataclass
class Network:
    basecamp: BasecampEmulator
    slack: SlackEmulator
    project: int
    settings: HubSettings
    ana: dict[str, Any]

    @contextlib.asynccontextmanager
    async def hub(self) -> AsyncIterator[Hub]:
        async with Hub.start(self.settings) as hub:
            # A restarted hub listens on a new port: the webhook follows it, as an admin's
            # public URL would.
            url = f"{hub.url}/webhooks/network-basecamp/{SECRET}"
            hooks = list(self.basecamp.webhooks.values())
            if hooks:
                hooks[0]["payload_url"] = url
            else:
                self.basecamp.add_webhook(self.project, url,
                                          ["Message", "Comment", "Schedule::Entry", "Upload"])
            self.slack.webhook_url = f"{hub.url}/webhooks/slack"
            yield hub

    async def settle(self, hub: Hub) -> None:
        for _ in range(3):  # deliveries make echo events, which are taken in too
            await self.basecamp.quiet()
            await self.slack.quiet()
            await hub.settle(60)


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Network]:
    basecamp = BasecampEmulator()
    slack = SlackEmulator(token="xoxb-e2e", signing_secret="e2e-signing-secret",
                          channel_interval=0.05)
    for channel in (BOARD_CHANNEL, CAMP_CHANNEL, FILES_CHANNEL):
        slack.add_channel(channel)
    async with serve_emulator(basecamp), serve_emulator(slack):
        project = basecamp.add_project("Cities network")
        ana = basecamp.add_person("Ana Souza", "ana@example.org")
        settings = HubSettings(
            store={"url": f"sqlite:///{tmp_path}/hub.db"},
            web={"port": 0},
            delivery={"backoff_base_seconds": 0.1, "backoff_cap_seconds": 1.0},
            connections={
                "network-basecamp": basecamp.connection(webhook_secret=SECRET,
                                                        initial_lookback_minutes=5),
                "slack": {"type": "slack", "bot_token": slack.token,
                          "signing_secret": slack.signing_secret,
                          "base_url": f"{slack.base_url}/api", "channel_interval_seconds": 0.06,
                          "upload_share_wait_seconds": 2},
            },
            bridges={
                "board": {"translate": False, "endpoints": [
                    {"at": f"network-basecamp/board/{project}", "direction": "in"},
                    {"at": f"slack/chat/{BOARD_CHANNEL}", "direction": "out"}]},
                "campfire": {"translate": False, "endpoints": [
                    {"at": f"network-basecamp/chat/{project}", "direction": "in"},
                    {"at": f"slack/chat/{CAMP_CHANNEL}", "direction": "out"}]},
                "files": {"translate": False, "endpoints": [
                    {"at": f"network-basecamp/files/{project}", "direction": "in"},
                    {"at": f"slack/chat/{FILES_CHANNEL}", "direction": "out"}]},
            },
        )
        yield Network(basecamp, slack, project, settings, ana)


def texts(slack: SlackEmulator, channel: str) -> list[str]:
    return [str(m.get("text")) for m in slack.messages(channel)]


async def test_a_post_and_its_comments_arrive_as_a_thread_edits_and_trash_follow(
        network: Network) -> None:
    basecamp, slack, ana = network.basecamp, network.slack, network.ana
    async with network.hub() as hub:
        post = await basecamp.post_message(network.project, ana, "Summit in Porto",
                                           "<div>Who comes to the <strong>summit</strong>?</div>")
        await basecamp.comment(post["id"], ana, "<div>I do</div>")
        await basecamp.comment(post["id"], ana, "<div>Me &amp; my team</div>")
        await network.settle(hub)

        root, first, second = slack.messages(BOARD_CHANNEL)
        assert "Summit in Porto" in root["text"] and "summit" in root["text"]
        assert "thread_ts" not in root or root["thread_ts"] == root["ts"]
        assert [m.get("thread_ts") for m in (first, second)] == [root["ts"]] * 2
        assert first["text"].endswith("I do")
        assert second["text"].endswith("Me &amp; my team")  # Slack's own escaping of "&"
        # Basecamp's webhooks came without a signature and were re-fetched, one GET each.
        assert basecamp.requests.count(("GET", f"/{basecamp.account_id}/messages/"
                                               f"{post['id']}.json")) == 1

        await basecamp.edit(post["id"], ana, content="<div>Who comes on <em>Friday</em>?</div>")
        await network.settle(hub)
        assert "Friday" in slack.messages(BOARD_CHANNEL)[0]["text"]

        await basecamp.trash(post["id"], ana)
        await network.settle(hub)
    # A deleted thread root stays in Slack as a tombstone over its replies.
    [gone] = [m for m in slack.messages(BOARD_CHANNEL) if m["ts"] == root["ts"]] or [
        {"subtype": "tombstone"}]
    assert gone.get("subtype") == "tombstone"


async def test_a_campfire_line_arrives_by_polling(network: Network) -> None:
    basecamp, slack = network.basecamp, network.slack
    async with network.hub() as hub:
        await basecamp.say(network.project, network.ana, "Lunch at 1? <3 & more")
        assert not basecamp.fired  # Campfire has no webhooks
        await hub.poll_all()
        await network.settle(hub)
    [line] = slack.messages(CAMP_CHANNEL)
    assert line["text"].endswith("Lunch at 1? &lt;3 &amp; more")  # Slack escapes <, > and &


async def test_an_uploads_bytes_arrive_intact(network: Network) -> None:
    basecamp, slack = network.basecamp, network.slack
    content = bytes(range(256)) * 300 + b"\x00end"
    async with network.hub() as hub:
        await basecamp.upload(network.project, network.ana, "budget.xlsx", content,
                              "application/vnd.ms-excel", "<div>Budget 2027</div>")
        await network.settle(hub)
    [shared] = slack.messages(FILES_CHANNEL)
    [file] = shared["files"]
    assert file["name"] == "budget.xlsx"
    assert slack.blobs[file["id"]] == content


async def test_restarting_the_hub_mid_way_duplicates_nothing(network: Network) -> None:
    basecamp, slack, ana = network.basecamp, network.slack, network.ana
    async with network.hub() as hub:
        post = await basecamp.post_message(network.project, ana, "Agenda", "<div>Draft</div>")
        await basecamp.comment(post["id"], ana, "<div>first</div>")
        await network.settle(hub)
    delivered = list(basecamp.fired)
    async with network.hub() as hub:
        # Basecamp retries what it is unsure of, and the catch-up poll reads it all again.
        for payload in delivered:
            await basecamp.fire(payload, {"User-Agent": "Basecamp3 Webhook"},
                                url=next(iter(basecamp.webhooks.values()))["payload_url"])
        await basecamp.comment(post["id"], ana, "<div>second</div>")
        await basecamp.say(network.project, ana, "one line")
        await hub.poll_all()
        await network.settle(hub)
        await hub.poll_all()
        await network.settle(hub)
    board = slack.messages(BOARD_CHANNEL)
    assert len(board) == 3
    assert ["Agenda" in board[0]["text"], "first" in board[1]["text"],
            "second" in board[2]["text"]] == [True, True, True]
    assert len(slack.messages(CAMP_CHANNEL)) == 1


async def test_slack_thread_becomes_a_post_with_comments_without_echo(network: Network) -> None:
    basecamp, slack = network.basecamp, network.slack
    network.settings.bridges["board"].endpoints[0].direction = Direction.BOTH
    network.settings.bridges["board"].endpoints[1].direction = Direction.BOTH
    slack.add_user("U0RUI", "Rui Costa")
    async with network.hub() as hub:
        root = await slack.post(BOARD_CHANNEL, "U0RUI", "Budget review\nnumbers *attached*")
        await slack.post(BOARD_CHANNEL, "U0RUI", "see page 2", thread_ts=root["ts"])
        await network.settle(hub)
        [post] = basecamp.active("Message", network.project)
        assert post["subject"] == "Budget review"
        assert post["subscriptions"] == []  # nobody on the project is spammed
        assert "<strong>Rui Costa (Slack)</strong>" in post["content"]
        [comment] = basecamp.active("Comment", network.project)
        assert comment["parent"]["id"] == post["id"] and "see page 2" in comment["content"]
        # Basecamp fired webhooks for what the hub made; none came back to Slack.
        assert {p["kind"] for p in basecamp.fired} == {"message_created", "comment_created"}
        assert len(slack.messages(BOARD_CHANNEL)) == 2

        await slack.edit(BOARD_CHANNEL, root["ts"], "Budget review v2\nnew numbers")
        await network.settle(hub)
        assert post["subject"] == "Budget review v2" and "new numbers" in post["content"]
        await slack.delete(BOARD_CHANNEL, root["ts"])
        await network.settle(hub)
        assert post["status"] == "trashed"
        assert [m.get("subtype") for m in slack.messages(BOARD_CHANNEL)] == ["tombstone", None]


async def test_a_schedule_entry_is_announced(network: Network) -> None:
    basecamp, slack = network.basecamp, network.slack
    network.settings.bridges["calendar"] = BridgeSettings.model_validate(
        {"translate": False, "endpoints": [
            {"at": f"network-basecamp/calendar/{network.project}", "direction": "in"},
            {"at": f"slack/chat/{FILES_CHANNEL}", "direction": "out"}]})
    async with network.hub() as hub:
        await basecamp.add_entry(network.project, network.ana, "Network call",
                                 datetime(2026, 12, 1, 14, tzinfo=UTC),
                                 datetime(2026, 12, 1, 15, tzinfo=UTC), "<div>Agenda</div>")
        await network.settle(hub)
    [announcement] = slack.messages(FILES_CHANNEL)
    assert "Network call" in announcement["text"]
