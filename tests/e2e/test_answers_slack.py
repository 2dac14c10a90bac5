"""Answers from Slack over the sandboxes: the demo's assembly is announced in Slack with the
answer buttons in English, Emma presses "I'll come" under the announcement and James "I can't"
under a reminder; Slack's signed interactivity requests reach the hub, the connector reads them
into answers about the hub's copies there, and both show in the event's attendance."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.app import Hub
from hub.calendar.answers import Reply, button_id
from hub.connector import WebhookRequest
from hub.demo.runner import settle
from hub.demo.story import members_join, schedule_entry
from hub.demo.world import BASECAMP, CHANNEL, SLACK, World, hub_settings, sandboxes
from hub.events import Ref
from plugins.slack.interactivity import PATH

pytestmark = pytest.mark.slow


@contextlib.asynccontextmanager
async def hub_with_buttons(world: World, folder: Path) -> AsyncIterator[Hub]:
    """The demo's hub, its Slack app taking interactivity requests (Request URL set, buttons
    switched on), as an admin sets it up by the connector's README."""
    settings = hub_settings(world, folder)
    settings.connections[SLACK]["answer_buttons"] = True
    async with Hub.start(settings) as hub:
        world.connect(hub.url)
        world.slack.interactivity_url = f"{hub.url}/webhooks/{SLACK}/{PATH}"
        yield hub


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """A Slack message's answer buttons, value → words."""
    return {element["value"]: element["text"]["text"]
            for block in message.get("blocks") or () if block["type"] == "actions"
            for element in block["elements"]}


def hubs_posts(world: World) -> list[dict[str, Any]]:
    return [m for m in world.slack.messages(CHANNEL) if m.get("bot_id") == world.slack.bot_id]


async def received(hub: Hub, pressed: httpx.Response) -> list[Any]:
    """What the Slack connector reads from the request the sandbox sent, as the hub got it."""
    sent = pressed.request
    request = WebhookRequest("POST", PATH, (), {k.lower(): v for k, v in sent.headers.items()},
                             sent.content, datetime.now(UTC))
    connector = hub.network.connectors[SLACK]
    assert await connector.verify_webhook(request) is None
    return list((await connector.receive(request)).answers)


def on_slack(ts: str) -> Ref:
    return Ref(platform="slack", connection=SLACK, endpoint=f"chat/{CHANNEL}",
               native_id=f"{CHANNEL}/{ts}")


async def test_members_answer_from_slack_under_the_announcement_and_a_reminder(
        tmp_path: Path) -> None:
    async with sandboxes() as world, hub_with_buttons(world, tmp_path) as hub:
        await members_join(world)
        await schedule_entry(world)
        await settle(hub, world)
        [announcement] = [m for m in hubs_posts(world) if buttons(m)]
        assert "Assembly" in str(announcement["blocks"])
        assert buttons(announcement) == {"answer:yes": "I'll come", "answer:no": "I can't",
                                         "answer:maybe": "Maybe"}

        pressed = await world.slack.user_clicks(CHANNEL, announcement["ts"], world.people.emma,
                                                button_id(Reply.YES))
        assert pressed.status_code == 200
        [answer] = await received(hub, pressed)
        assert (answer.about, answer.person.native_id, answer.person.name, answer.reply) == (
            on_slack(announcement["ts"]), world.people.emma, "Emma Wilson", Reply.YES)
        await settle(hub, world)
        [entry] = [r for r in world.basecamp.recordings.values()
                   if r["type"] == "Schedule::Entry"]
        people = await hub.store.run(hub.store.attendance_of, BASECAMP, str(entry["id"]))
        assert [(p.name, p.reply, p.via) for p in people] == [("Emma Wilson", "yes", SLACK)]

        # The day before, the reminder in the announcement's thread carries the buttons too.
        starts = datetime.fromisoformat(entry["starts_at"])
        assert await hub.remind(starts - timedelta(days=1)) == 1
        await settle(hub, world)
        [reminder] = [m for m in hubs_posts(world)
                      if buttons(m) and m.get("thread_ts") == announcement["ts"]]
        pressed = await world.slack.user_clicks(CHANNEL, reminder["ts"], world.people.james,
                                                button_id(Reply.NO))
        assert pressed.status_code == 200
        [answer] = await received(hub, pressed)
        assert (answer.about, answer.person.name, answer.reply) == (
            on_slack(reminder["ts"]), "James Okoro", Reply.NO)
        await settle(hub, world)
        people = await hub.store.run(hub.store.attendance_of, BASECAMP, str(entry["id"]))
        assert [(p.name, p.reply) for p in people] == [("Emma Wilson", "yes"),
                                                      ("James Okoro", "no")]
        # The summary in the announcement's thread carries no buttons: it asks nothing.
        summary = [m for m in hubs_posts(world) if "Who is coming" in str(m)]
        assert summary and not any(buttons(m) for m in summary)


async def test_a_press_signed_with_another_secret_is_refused(tmp_path: Path) -> None:
    async with sandboxes() as world, hub_with_buttons(world, tmp_path) as hub:
        await schedule_entry(world)
        await settle(hub, world)
        [announcement] = [m for m in hubs_posts(world) if buttons(m)]
        world.slack.signing_secret = "not-the-apps-secret"  # a wrong one, on purpose
        pressed = await world.slack.user_clicks(CHANNEL, announcement["ts"], world.people.emma,
                                                button_id(Reply.YES))
        assert pressed.status_code == 401
        await settle(hub, world)
        [entry] = [r for r in world.basecamp.recordings.values()
                   if r["type"] == "Schedule::Entry"]
        assert await hub.store.run(hub.store.attendance_of, BASECAMP, str(entry["id"])) == []
