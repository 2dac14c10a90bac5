"""Basecamp's to-dos and a Slack channel, both sandboxes, bridged by a real hub over loopback:
a to-do reads as a message, its discussion as the thread under it, its completion as an edit
saying so; a reply in Slack becomes a comment on the to-do, and a Slack message a to-do."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.app import Hub
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.sandbox.slack import SlackEmulator
from hub.settings import HubSettings

CHANNEL, DOCS_CHANNEL = "C0TODOS", "C0DOCS"
SECRET = "todos-webhook-secret-0123456789abcdef"
TYPES = ["Todo", "Todolist", "Comment", "Document"]


@dataclass
class Network:
    basecamp: BasecampEmulator
    slack: SlackEmulator
    project: int
    settings: HubSettings
    ana: dict[str, Any]
    rui: dict[str, Any]

    @contextlib.asynccontextmanager
    async def hub(self, *, webhooks: bool = True) -> AsyncIterator[Hub]:
        async with Hub.start(self.settings) as hub:
            if webhooks:
                self.basecamp.add_webhook(
                    self.project, f"{hub.url}/webhooks/network-basecamp/{SECRET}", TYPES)
            self.slack.webhook_url = f"{hub.url}/webhooks/slack"
            yield hub

    async def settle(self, hub: Hub) -> None:
        for _ in range(3):  # deliveries make echo events, which are taken in too
            await self.basecamp.quiet()
            await self.slack.quiet()
            await hub.settle(60)

    def thread(self, channel: str = CHANNEL) -> list[dict[str, Any]]:
        return self.slack.messages(channel)


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Network]:
    basecamp = BasecampEmulator()
    slack = SlackEmulator(token="xoxb-todos-e2e", signing_secret="todos-e2e-signing-secret",
                          channel_interval=0.05)
    for channel in (CHANNEL, DOCS_CHANNEL):
        slack.add_channel(channel)
    slack.add_user("U0MAYA", "Maya Lind")
    async with serve_emulator(basecamp), serve_emulator(slack):
        project = basecamp.add_project("Cities network")
        ana = basecamp.add_person("Ana Souza", "ana@example.org")
        rui = basecamp.add_person("Rui Costa", "rui@example.org")
        settings = HubSettings.model_validate({
            "store": {"url": f"sqlite:///{tmp_path}/hub.db"},
            "web": {"port": 0},
            "delivery": {"backoff_base_seconds": 0.1, "backoff_cap_seconds": 1.0},
            "connections": {
                "network-basecamp": basecamp.connection(webhook_secret=SECRET,
                                                        initial_lookback_minutes=5),
                "slack": {"type": "slack", "bot_token": slack.token,
                          "signing_secret": slack.signing_secret,
                          "base_url": f"{slack.base_url}/api",
                          "channel_interval_seconds": 0.06, "upload_share_wait_seconds": 2},
            },
            "bridges": {
                "todos": {"translate": False, "endpoints": [
                    {"at": f"network-basecamp/todos/{project}"},
                    {"at": f"slack/chat/{CHANNEL}"}]},
                "docs": {"translate": False, "endpoints": [
                    {"at": f"network-basecamp/files/{project}", "direction": "in"},
                    {"at": f"slack/chat/{DOCS_CHANNEL}", "direction": "out"}]},
            },
        })
        yield Network(basecamp, slack, project, settings, ana, rui)


async def test_a_todo_its_discussion_and_its_completion_reach_slack_and_a_reply_comes_back(
        network: Network) -> None:
    basecamp, slack, ana = network.basecamp, network.slack, network.ana
    async with network.hub() as hub:
        summit = await basecamp.todos.add_list(network.project, ana, "Summit in Porto")
        todo = await basecamp.todos.add(summit["id"], ana, "Book the venue",
                                        "<div>Near the <strong>river</strong></div>",
                                        due_on="2026-12-01", assignees=[network.rui["id"]])
        await network.settle(hub)
        listed, root = network.thread()
        assert "Summit in Porto" in listed["text"] and "To-do list" in listed["text"]
        assert "Book the venue" in root["text"]
        assert "To-do in Summit in Porto · due 2026-12-01 · assigned to Rui Costa" in root["text"]
        assert "river" in root["text"]

        # A comment on the to-do is a reply in the to-do's thread.
        await basecamp.comment(todo["id"], network.rui, "<div>I called them: free on Friday</div>")
        await network.settle(hub)
        reply = network.thread()[-1]
        assert reply["thread_ts"] == root["ts"]
        assert reply["text"].endswith("I called them: free on Friday")

        # Completing it edits the mirrored to-do to say so; reopening says that too.
        await basecamp.todos.complete(todo["id"], ana)
        await network.settle(hub)
        assert "Done" in network.thread()[1]["text"] and "Ana Souza" in network.thread()[1]["text"]
        await basecamp.todos.uncomplete(todo["id"], network.rui)
        await network.settle(hub)
        assert "Open again" in network.thread()[1]["text"]
        assert "Done" not in network.thread()[1]["text"]

        # A reply in Slack under the mirrored to-do is a comment on the to-do in Basecamp.
        await slack.post(CHANNEL, "U0MAYA", "I can pay the deposit", thread_ts=root["ts"])
        await network.settle(hub)
        [ours] = [c for c in basecamp.active("Comment", network.project)
                  if c["creator"]["id"] == basecamp.me["id"]]
        assert ours["parent"]["id"] == todo["id"] and ours["parent"]["type"] == "Todo"
        assert "I can pay the deposit" in ours["content"] and "Maya Lind" in ours["content"]
        assert todo["comments_count"] == 2
    # The hub's own comment was not mirrored back: list, to-do and two replies.
    assert len(network.thread()) == 4


async def test_completing_twice_and_reopening_twice_each_reach_slack(network: Network) -> None:
    basecamp, ana = network.basecamp, network.ana
    async with network.hub() as hub:
        chores = await basecamp.todos.add_list(network.project, ana, "Chores")
        todo = await basecamp.todos.add(chores["id"], ana, "Print the badges")
        await network.settle(hub)
        for _ in range(2):
            await basecamp.todos.complete(todo["id"], ana)
            await network.settle(hub)
            assert "Done" in network.thread()[1]["text"]
            await basecamp.todos.uncomplete(todo["id"], ana)
            await network.settle(hub)
            # The second reopening reads as the first did, and still gets through.
            assert "Open again" in network.thread()[1]["text"]
    assert len(network.thread()) == 2


async def test_polling_catches_a_todo_its_comment_and_its_completion(network: Network) -> None:
    basecamp, ana = network.basecamp, network.ana
    async with network.hub(webhooks=False) as hub:
        chores = await basecamp.todos.add_list(network.project, ana, "Chores")
        todo = await basecamp.todos.add(chores["id"], ana, "Order the coffee")
        await basecamp.comment(todo["id"], network.rui, "<div>Decaf too</div>")
        await hub.poll_all()
        await network.settle(hub)
        _, root, reply = network.thread()
        assert "Order the coffee" in root["text"] and reply["thread_ts"] == root["ts"]

        await basecamp.todos.complete(todo["id"], network.rui)
        await hub.poll_all()
        await network.settle(hub)
        assert "Done" in network.thread()[1]["text"]
        await basecamp.todos.uncomplete(todo["id"], ana)
        await hub.poll_all()
        await network.settle(hub)
        assert "Open again" in network.thread()[1]["text"]
        assert ("GET", f"/{basecamp.account_id}/recordings/{todo['id']}/events.json") in (
            basecamp.requests)
        await hub.poll_all()  # nothing new: nothing changes
        await network.settle(hub)
    assert len(network.thread()) == 3


async def test_a_slack_message_becomes_a_todo_and_its_edit_keeps_dates_and_assignees(
        network: Network) -> None:
    basecamp, slack, ana = network.basecamp, network.slack, network.ana
    async with network.hub() as hub:
        inbox = await basecamp.todos.add_list(network.project, ana, "Inbox")
        await basecamp.todos.add_list(network.project, ana, "Later")
        await network.settle(hub)
        root = await slack.post(CHANNEL, "U0MAYA", "Send the invitations\nto every city")
        await network.settle(hub)
        [made] = [t for t in basecamp.active("Todo", network.project)
                  if t["creator"]["id"] == basecamp.me["id"]]
        assert made["parent"]["id"] == inbox["id"]  # the project's first list
        assert made["content"] == "Send the invitations"
        assert "to every city" in made["description"] and "Maya Lind" in made["description"]

        await basecamp.todos.change(made["id"], ana, due_on="2026-11-20",
                                    assignees=[network.rui["id"]])
        await network.settle(hub)
        await slack.edit(CHANNEL, root["ts"], "Send the invitations today\nto every city")
        await network.settle(hub)
        assert made["content"] == "Send the invitations today"
        assert made["due_on"] == "2026-11-20"
        assert [p["id"] for p in made["assignees"]] == [network.rui["id"]]
    # The lists came to Slack; the to-do the hub made did not come back.
    assert [m["text"].count("Send the invitations") for m in network.thread()] == [0, 0, 1]


async def test_a_comment_on_a_document_threads_under_it(network: Network) -> None:
    basecamp, ana = network.basecamp, network.ana
    async with network.hub() as hub:
        doc = await basecamp.write_document(network.project, ana, "Agenda",
                                            "<div>1. Welcome</div>")
        await basecamp.comment(doc["id"], network.rui, "<div>Add a coffee break</div>")
        await network.settle(hub)
    root, reply = network.thread(DOCS_CHANNEL)
    assert "Agenda" in root["text"] and "Welcome" in root["text"]
    assert reply["thread_ts"] == root["ts"] and reply["text"].endswith("Add a coffee break")
