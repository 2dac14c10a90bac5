"""The Slack sandbox's side of the answer buttons, over loopback: it keeps the blocks the app
posts, refuses buttons Slack refuses, and a press sends the signed block_actions form the
connector reads."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.calendar.answers import Reply
from hub.connector import MemoryStateBox, WebhookRequest
from hub.rendering.announcement import Status
from hub.sandbox.base import serve, serve_emulator
from hub.sandbox.slack import SlackEmulator
from plugins.slack.connector import SlackConnector
from plugins.slack.interactivity import PATH
from plugins.slack.settings import SlackSettings
from tests.plugins.slack.test_announcements import outgoing
from tests.plugins.slack.test_answers import ENGLISH, target

CHANNEL = "C0123ABC"


@pytest.fixture
async def sandbox() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator(channel_interval=0.001)
    emulator.add_channel(CHANNEL)
    emulator.add_user("U0EMMA", "Emma Wilson")
    async with serve_emulator(emulator) as running:
        yield running


@pytest.fixture
async def connector(sandbox: SlackEmulator) -> AsyncIterator[SlackConnector]:
    async with httpx.AsyncClient() as http:
        settings = SlackSettings.model_validate({
            "type": "slack", "bot_token": sandbox.token, "signing_secret": sandbox.signing_secret,
            "base_url": f"{sandbox.base_url}/api", "channel_interval_seconds": 0.002,
            "answer_buttons": True})
        yield SlackConnector("lisbon-slack", settings, http, MemoryStateBox())


@pytest.fixture
async def hub_door(sandbox: SlackEmulator) -> AsyncIterator[list[WebhookRequest]]:
    """Where the sandbox's presses land: each request kept as the hub's web app reads it."""
    got: list[WebhookRequest] = []

    async def interactivity(request: Request) -> Response:
        got.append(WebhookRequest("POST", request.path_params["path"], (),
                                  {k.lower(): v for k, v in request.headers.items()},
                                  await request.body(), datetime.now(UTC)))
        return Response(status_code=200)

    app = Starlette(routes=[Route("/webhooks/lisbon-slack/{path}", interactivity,
                                  methods=["POST"])])
    async with serve(app) as url:
        sandbox.interactivity_url = f"{url}/webhooks/lisbon-slack/{PATH}"
        yield got


def announcement_in(sandbox: SlackEmulator) -> dict[str, Any]:
    [message] = sandbox.messages(CHANNEL)
    return message


async def test_a_press_on_the_posted_buttons_comes_back_as_the_answer(
        sandbox: SlackEmulator, connector: SlackConnector,
        hub_door: list[WebhookRequest]) -> None:
    receipt = await connector.send(outgoing(), target("en"))
    message = announcement_in(sandbox)
    assert [b["type"] for b in message["blocks"]] == ["section", "actions"]
    pressed = await sandbox.user_clicks(CHANNEL, message["ts"], "U0EMMA", "answer:maybe")
    assert pressed.status_code == 200
    [request] = hub_door
    assert request.path == PATH
    assert request.header("content-type") == "application/x-www-form-urlencoded"
    [payload] = parse_qs(request.body.decode())["payload"]
    action = json.loads(payload)["actions"][0]
    assert (action["action_id"], action["text"]["text"]) == ("answer_maybe", ENGLISH[Reply.MAYBE])
    assert await connector.verify_webhook(request) is None
    [answer] = (await connector.receive(request)).answers
    assert (answer.about.native_id, answer.person.name, answer.reply) == (
        receipt.native_id, "Emma Wilson", Reply.MAYBE)


async def test_only_a_button_the_message_shows_can_be_pressed(
        sandbox: SlackEmulator, hub_door: list[WebhookRequest]) -> None:
    person = await sandbox.post(CHANNEL, "U0EMMA", "no buttons here")
    with pytest.raises(KeyError):
        await sandbox.user_clicks(CHANNEL, person["ts"], "U0EMMA", "answer:yes")
    assert hub_door == []


async def test_presses_need_the_interactivity_url(sandbox: SlackEmulator,
                                                  connector: SlackConnector) -> None:
    await connector.send(outgoing(), target("en"))
    with pytest.raises(RuntimeError, match="Interactivity is off"):
        await sandbox.user_clicks(CHANNEL, announcement_in(sandbox)["ts"], "U0EMMA",
                                  "answer:yes")


async def test_an_update_to_no_blocks_takes_the_buttons_away(sandbox: SlackEmulator,
                                                             connector: SlackConnector) -> None:
    receipt = await connector.send(outgoing(), target("en"))
    await connector.update(outgoing(), target("en"), receipt.native_id)
    assert "blocks" in announcement_in(sandbox)
    told = outgoing().announcement
    assert told is not None
    cancelled = dataclasses.replace(outgoing(), announcement=dataclasses.replace(
        told, status=Status.CANCELLED))
    await connector.update(cancelled, target("en"), receipt.native_id)
    assert "blocks" not in announcement_in(sandbox)


BUTTON = {"type": "button", "action_id": "answer_yes", "value": "answer:yes",
          "text": {"type": "plain_text", "text": "I'll come"}}


@pytest.mark.parametrize("blocks", [
    [{"type": "actions", "elements": [{**BUTTON, "text": {"type": "plain_text",
                                                           "text": "x" * 76}}]}],
    [{"type": "actions", "elements": [{**BUTTON, "text": {"type": "mrkdwn", "text": "*yes*"}}]}],
    [{"type": "actions", "elements": [BUTTON, BUTTON]}],
    [{"type": "actions", "elements": [{**BUTTON, "action_id": ""}]}],
    [{"type": "actions", "elements": [{**BUTTON, "value": "v" * 2001}]}],
    "[not json",
], ids=["long-label", "mrkdwn-label", "same-action-id", "no-action-id", "long-value",
        "not-json"])
async def test_buttons_slack_refuses_are_refused(sandbox: SlackEmulator, blocks: Any) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{sandbox.base_url}/api/chat.postMessage",
            headers={"Authorization": f"Bearer {sandbox.token}"},
            json={"channel": CHANNEL, "text": "Assembly", "blocks": blocks})
    assert response.json() == {"ok": False, "error": "invalid_blocks"}
    assert sandbox.messages(CHANNEL) == []
