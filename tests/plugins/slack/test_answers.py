"""Members' answers from Slack: the buttons under an announcement or reminder, and the
block_actions interactivity request a press sends, verified and read into an Answer."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import respx
from pydantic import SecretStr

from hub.calendar.answers import Answer, Reply
from hub.connector import Address, LocalFile, MemoryStateBox, Shape, Target, WebhookRequest
from hub.errors import WebhookRejected
from hub.events import Actor, Ref
from hub.rendering.announcement import Status
from plugins.slack import interactivity, mapping
from plugins.slack.connector import SlackConnector
from plugins.slack.settings import SlackSettings
from plugins.slack.signing import sign
from tests.plugins.slack.test_announcements import outgoing, sent

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ANNOUNCEMENT_TS = "1796119200.000200"
ENGLISH = {Reply.YES: "I'll come", Reply.NO: "I can't", Reply.MAYBE: "Maybe"}

# A button press as Slack sends it (docs.slack.dev, "block_actions payload"): the person, the
# message the button is on (in `container` and in full), and the action pressed.
PRESS: dict[str, Any] = {
    "type": "block_actions",
    "user": {"id": "U0EMMA", "username": "emma.wilson", "name": "emma.wilson",
             "team_id": "T0LISBON"},
    "api_app_id": "A0PASSERELLE", "token": "Shh_its_a_seekrit",
    "container": {"type": "message", "message_ts": ANNOUNCEMENT_TS, "channel_id": "C0123ABC",
                  "is_ephemeral": False},
    "trigger_id": "12466734323.1395872398.c9a1b2e0f8c1d0bbf0cc6d4d5bd6e0a4",
    "team": {"id": "T0LISBON", "domain": "lisbon"},
    "enterprise": None, "is_enterprise_install": False,
    "channel": {"id": "C0123ABC", "name": "network"},
    "message": {"type": "message", "subtype": "bot_message", "text": "*Assembly of the cities*",
                "ts": ANNOUNCEMENT_TS, "bot_id": "B0BOT", "blocks": [
                    {"type": "section", "block_id": "x7Ffz", "text": {
                        "type": "mrkdwn", "text": "*Assembly of the cities*", "verbatim": False}},
                    {"type": "actions", "block_id": "Pq2+d", "elements": [
                        {"type": "button", "action_id": "answer_yes", "value": "answer:yes",
                         "text": {"type": "plain_text", "text": "I'll come", "emoji": True}}]}]},
    "state": {"values": {}},
    "response_url": "https://hooks.slack.com/actions/T0LISBON/6242511487745/Op7sdOIuQx4TqjA9",
    "actions": [{"action_id": "answer_yes", "block_id": "Pq2+d",
                 "text": {"type": "plain_text", "text": "I'll come", "emoji": True},
                 "value": "answer:yes", "style": "primary", "type": "button",
                 "action_ts": "1796119262.512334"}],
}
ABOUT = Ref(platform="slack", connection="lisbon-slack", endpoint="chat/C0123ABC",
            native_id=f"C0123ABC/{ANNOUNCEMENT_TS}")


def pressed(**changes: Any) -> dict[str, Any]:
    payload = copy.deepcopy(PRESS)
    payload.update(changes)
    return payload


def form(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def interaction(body: bytes, *, at: datetime = NOW, secret: str = SECRET,
                received: datetime = NOW) -> WebhookRequest:
    stamp = str(int(at.timestamp()))
    headers = {"x-slack-request-timestamp": stamp,
               "x-slack-signature": sign(SecretStr(secret), stamp, body),
               "content-type": "application/x-www-form-urlencoded"}
    return WebhookRequest("POST", interactivity.PATH, (), headers, body, received)


# -- the buttons ----------------------------------------------------------------------------

def test_the_buttons_follow_the_text_and_the_original() -> None:
    text = mapping.render(outgoing(shown=""), prefix=False)
    blocks = mapping.blocks(outgoing(shown=""), text, ENGLISH)
    assert blocks is not None
    assert [b["type"] for b in blocks] == ["section", "context", "actions"]
    assert blocks[-1] == {"type": "actions", "elements": [
        {"type": "button", "action_id": "answer_yes", "value": "answer:yes", "style": "primary",
         "text": {"type": "plain_text", "text": "I'll come", "emoji": True}},
        {"type": "button", "action_id": "answer_no", "value": "answer:no",
         "text": {"type": "plain_text", "text": "I can't", "emoji": True}},
        {"type": "button", "action_id": "answer_maybe", "value": "answer:maybe",
         "text": {"type": "plain_text", "text": "Maybe", "emoji": True}}]}


def test_without_an_original_the_text_goes_in_sections_above_the_buttons() -> None:
    text = mapping.render(outgoing(), prefix=False)
    blocks = mapping.blocks(outgoing(), text, ENGLISH)
    assert blocks is not None and [b["type"] for b in blocks] == ["section", "actions"]
    assert blocks[0]["text"]["text"] == text


# -- through the connector: what is posted ---------------------------------------------------

@pytest.fixture
async def make(api: respx.Router) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    def build(**extra: Any) -> SlackConnector:
        http = httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler))
        clients.append(http)
        settings = SlackSettings.model_validate({
            "type": "slack", "bot_token": "xoxb-1-fake", "signing_secret": SECRET,
            "channel_interval_seconds": 0.001, **extra})
        return SlackConnector("lisbon-slack", settings, http, MemoryStateBox())

    yield build
    for http in clients:
        await http.aclose()


def target(language: str | None) -> Target:
    return Target(Address("lisbon-slack", "chat", "C0123ABC"), Shape.CHAT, language)


def labels_sent(body: dict[str, Any]) -> list[str]:
    [actions] = [b for b in body.get("blocks") or () if b["type"] == "actions"]
    return [button["text"]["text"] for button in actions["elements"]]


async def test_an_announcement_carries_the_buttons_in_the_endpoints_language(
        make: Any, api: respx.Router) -> None:
    connector = make(answer_buttons=True)
    await connector.send(outgoing(), target("pt"))
    body = sent(api.routes["send"])
    assert labels_sent(body) == ["Vou", "Não posso", "Talvez"]
    assert "🗓 Tuesday, December 8, 2026" in body["text"]  # notifications still read it
    await connector.send(dataclasses.replace(outgoing(), idempotency_key="passerelle-d11"),
                         target(None))
    assert labels_sent(sent(api.routes["send"])) == list(ENGLISH.values())


async def test_no_buttons_until_interactivity_is_switched_on(make: Any,
                                                             api: respx.Router) -> None:
    await make().send(outgoing(), target("en"))
    assert "blocks" not in sent(api.routes["send"])


async def test_no_buttons_under_a_cancellation_nor_under_a_plain_message(
        make: Any, api: respx.Router) -> None:
    connector = make(answer_buttons=True)
    told = outgoing().announcement
    assert told is not None
    cancelled = dataclasses.replace(outgoing(), announcement=dataclasses.replace(
        told, status=Status.CANCELLED))
    await connector.send(cancelled, target("en"))
    assert "blocks" not in sent(api.routes["send"])
    plain = dataclasses.replace(outgoing(), announcement=None, idempotency_key="passerelle-d12")
    await connector.send(plain, target("en"))
    assert "blocks" not in sent(api.routes["send"])


async def test_an_update_keeps_the_buttons_and_a_cancellation_takes_them_away(
        make: Any, api: respx.Router) -> None:
    connector = make(answer_buttons=True)
    update = api.post("chat.update").respond(json={"ok": True})
    await connector.update(outgoing(), target("en"), f"C0123ABC/{ANNOUNCEMENT_TS}")
    assert labels_sent(sent(update)) == list(ENGLISH.values())
    told = outgoing().announcement
    assert told is not None
    cancelled = dataclasses.replace(outgoing(), announcement=dataclasses.replace(
        told, status=Status.CANCELLED))
    await connector.update(cancelled, target("en"), f"C0123ABC/{ANNOUNCEMENT_TS}")
    assert sent(update)["blocks"] == []  # Slack would keep the old blocks otherwise


# -- reading a press -------------------------------------------------------------------------

def test_a_press_on_our_button_is_an_answer_about_the_message() -> None:
    assert interactivity.answers_of(PRESS, "lisbon-slack", NOW) == [Answer(
        about=ABOUT, person=Actor(platform="slack", native_id="U0EMMA", name="emma.wilson"),
        reply=Reply.YES, at=datetime(2026, 12, 1, 10, 1, 2, 512334, tzinfo=UTC))]


def test_a_press_in_a_thread_is_about_the_reply_it_is_on() -> None:
    container = {**PRESS["container"], "message_ts": "1796119300.000400",
                 "thread_ts": ANNOUNCEMENT_TS}
    [answer] = interactivity.answers_of(pressed(container=container), "lisbon-slack", NOW)
    assert answer.about.native_id == "C0123ABC/1796119300.000400"


@pytest.mark.parametrize("payload", [
    pressed(actions=[{**PRESS["actions"][0], "value": "approve", "action_id": "approve"}]),
    pressed(actions=[{**PRESS["actions"][0], "value": "answer:soon"}]),
    pressed(actions=[{"type": "static_select", "action_id": "answer_yes", "block_id": "b",
                      "selected_option": {"value": "answer:yes"},
                      "action_ts": "1796119262.512334"}]),
    pressed(container={**PRESS["container"], "is_ephemeral": True}),
    pressed(container={"type": "view", "view_id": "V0123"}),
    {"type": "view_submission", "user": PRESS["user"], "view": {"id": "V0123"}},
    {"type": "shortcut", "callback_id": "x", "user": PRESS["user"]},
], ids=["other-button", "unknown-reply", "select", "ephemeral", "modal", "view-submission",
        "shortcut"])
def test_other_interactions_are_no_answer(payload: dict[str, Any]) -> None:
    assert interactivity.answers_of(payload, "lisbon-slack", NOW) == []


def test_a_press_without_its_time_is_dated_when_received() -> None:
    action = {k: v for k, v in PRESS["actions"][0].items() if k != "action_ts"}
    [answer] = interactivity.answers_of(pressed(actions=[action]), "lisbon-slack", NOW)
    assert answer.at == NOW


# -- through the connector: verified, then read ----------------------------------------------

async def test_a_signed_press_reaches_the_hub_with_the_persons_name(
        make: Any, api: respx.Router) -> None:
    api.routes["users"].respond(json={"ok": True, "user": {
        "id": "U0EMMA", "name": "emma.wilson", "real_name": "Emma Wilson",
        "profile": {"display_name": "Emma W.", "real_name": "Emma Wilson"}}})
    connector = make()
    request = interaction(form(PRESS))
    assert await connector.verify_webhook(request) is None
    inbound = await connector.receive(request)
    assert inbound.events == ()
    [answer] = inbound.answers
    assert (answer.about, answer.reply, answer.person.name) == (ABOUT, Reply.YES, "Emma W.")
    await connector.receive(request)
    assert api.routes["users"].call_count == 1  # the names users.info gave are kept


async def test_without_users_info_the_username_stays(make: Any, api: respx.Router) -> None:
    api.routes["users"].respond(json={"ok": False, "error": "user_not_found"})
    [answer] = (await make().receive(interaction(form(PRESS)))).answers
    assert answer.person.name == "emma.wilson"


async def test_another_interaction_is_answered_without_answers(make: Any) -> None:
    request = interaction(form({"type": "view_closed", "user": PRESS["user"],
                                "view": {"id": "V0123"}}))
    assert await make().verify_webhook(request) is None
    inbound = await make().receive(request)
    assert (inbound.events, inbound.answers) == ((), [])


@pytest.mark.parametrize("tamper", ["body", "stale", "future", "wrong-secret", "unsigned"])
async def test_a_press_not_signed_by_slack_now_is_refused_with_401(make: Any,
                                                                   tamper: str) -> None:
    body = form(PRESS)
    request = interaction(body)
    if tamper == "body":
        request = dataclasses.replace(request, body=body.replace(b"answer%3Ayes", b"answer%3Ano"))
    elif tamper == "stale":
        request = interaction(body, at=NOW - timedelta(seconds=301))
    elif tamper == "future":
        request = interaction(body, received=NOW - timedelta(seconds=301))
    elif tamper == "wrong-secret":
        request = interaction(body, secret="another-secret")
    else:
        request = dataclasses.replace(request, headers={"content-type": "application/json"})
    with pytest.raises(WebhookRejected) as caught:
        await make().verify_webhook(request)
    assert caught.value.status == 401


@pytest.mark.parametrize("body", [
    b"payload=%7Bnot+json", b"text=hello", b"payload=1&payload=2", b"\xff\xfe",
    form([PRESS]), form(pressed(user={"username": "nobody"})),
    form(pressed(container={"type": "message", "is_ephemeral": False})),
    form(pressed(actions=["answer:yes"])),
], ids=["not-json", "no-payload", "two-payloads", "not-utf8", "not-an-object", "no-user-id",
        "no-message", "action-not-an-object"])
async def test_an_unreadable_interaction_is_refused_with_400(make: Any, body: bytes) -> None:
    request = interaction(body)
    assert await make().verify_webhook(request) is None  # signed: Slack's, yet unreadable
    with pytest.raises(WebhookRejected) as caught:
        await make().receive(request)
    assert caught.value.status == 400


# -- an announcement with its invitation -----------------------------------------------------

@pytest.fixture
def invitation(tmp_path: Path) -> LocalFile:
    path = tmp_path / "invitation.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    return LocalFile(path, "Assembly of the cities.ics", "text/calendar", path.stat().st_size)


def upload_routes(api: respx.Router) -> respx.Route:
    api.post("files.getUploadURLExternal").respond(json={
        "ok": True, "upload_url": "https://files.slack.com/upload/v1/ICS", "file_id": "F0ICS"})
    api.post("https://files.slack.com/upload/v1/ICS").respond(text="OK - 30")
    api.post("files.info").respond(json={"ok": True, "file": {
        "id": "F0ICS", "shares": {"public": {"C0123ABC": [{"ts": "1796119201.000300"}]}}}})
    return api.post("files.completeUploadExternal", name="share").respond(json={
        "ok": True, "files": [{"id": "F0ICS"}]})


async def test_with_buttons_the_invitation_follows_in_the_announcements_thread(
        make: Any, api: respx.Router, invitation: LocalFile) -> None:
    share = upload_routes(api)
    receipt = await make(answer_buttons=True).send(outgoing(files=(invitation,)), target("en"))
    # Slack takes buttons, and a notification's text, on a message only: the announcement is
    # posted, and its invitation shared under it.
    post = sent(api.routes["send"])
    assert labels_sent(post) == list(ENGLISH.values()) and "🗓" in post["text"]
    assert receipt.native_id == "C0123ABC/1764149400.000200"  # the post, where buttons are
    assert receipt.others == ("C0123ABC/1796119201.000300",)
    shared = sent(share)
    assert shared["thread_ts"] == "1764149400.000200"
    assert "initial_comment" not in shared and "blocks" not in shared


async def test_an_invitation_slack_refuses_leaves_the_announcement_alone(
        make: Any, api: respx.Router, invitation: LocalFile,
        caplog: pytest.LogCaptureFixture) -> None:
    upload_routes(api)
    api.routes["share"].respond(json={"ok": False, "error": "missing_scope",
                                      "needed": "files:write"})
    receipt = await make(answer_buttons=True).send(outgoing(files=(invitation,)), target("en"))
    assert receipt.native_id == "C0123ABC/1764149400.000200" and receipt.others == ()
    assert "posted without its files" in caplog.text and "files:write" in caplog.text


async def test_without_buttons_the_announcement_is_still_the_invitations_comment(
        make: Any, api: respx.Router, invitation: LocalFile) -> None:
    share = upload_routes(api)
    receipt = await make().send(outgoing(files=(invitation,)), target("en"))
    assert receipt.native_id == "C0123ABC/1796119201.000300" and receipt.others == ()
    assert "🗓" in sent(share)["initial_comment"] and not api.routes["send"].called
