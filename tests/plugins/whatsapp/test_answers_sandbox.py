"""The WhatsApp sandbox's reply buttons: what it refuses as the Cloud API does, and a member's
press reaching the connector as a signed `button_reply` webhook, over loopback HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hub.calendar.answers import Reply
from hub.connector import Address, Inbound, MemoryStateBox, Shape, Target, WebhookRequest
from hub.events import Actor, Ref
from hub.sandbox.base import serve, serve_emulator
from hub.sandbox.whatsapp import WhatsAppEmulator
from plugins.whatsapp import answers
from plugins.whatsapp.circles import Member
from plugins.whatsapp.connector import WhatsAppConnector
from plugins.whatsapp.settings import WhatsAppSettings
from tests.plugins.whatsapp.test_answers import announcement

A, B = "351912345678", "351913333333"


@pytest.fixture
async def sandbox() -> AsyncIterator[WhatsAppEmulator]:
    async with serve_emulator(WhatsAppEmulator(report_sent=False)) as emulator:
        yield emulator


def button(reply_id: str, title: str) -> dict[str, Any]:
    return {"type": "reply", "reply": {"id": reply_id, "title": title}}


def interactive(*buttons: dict[str, Any], text: str = "Assembleia") -> dict[str, Any]:
    return {"type": "button", "body": {"text": text}, "action": {"buttons": list(buttons)}}


async def post(sandbox: WhatsAppEmulator, content: dict[str, Any], to: str = A,
               **extra: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{sandbox.base_url}/v25.0/{sandbox.phone_number_id}/messages",
            headers={"Authorization": f"Bearer {sandbox.access_token}"},
            json={"messaging_product": "whatsapp", "to": to, "type": "interactive",
                  "interactive": content, **extra})


YES, NO, MAYBE = button("answer:yes", "Vou"), button("answer:no", "Não posso"), \
    button("answer:maybe", "Talvez")


@pytest.mark.parametrize(("content", "details"), [
    (interactive(YES, NO, MAYBE, button("answer:later", "Depois")),
     "Buttons count invalid. Min: 1, Max: 3"),
    (interactive(), "Buttons count invalid. Min: 1, Max: 3"),
    (interactive(YES, button("answer:no", "Infelizmente não posso")),
     "Button title length invalid. Min length: 1, Max length: 20"),
    (interactive(YES, button("answer:yes", "Sim")), "Button ids and titles must be unique"),
    (interactive(YES, button("answer:sure", "Vou")), "Button ids and titles must be unique"),
    (interactive(YES, button("a" * 257, "Talvez")),
     "Button id length invalid. Min length: 1, Max length: 256"),
    (interactive(YES, text="x" * 1025), "Body text length invalid. Max length: 1024"),
    ({**interactive(YES), "type": "list"}, 'the sandbox takes reply buttons messages only '
     '(interactive.type "button")'),
])
async def test_the_sandbox_refuses_what_the_cloud_api_refuses(
        sandbox: WhatsAppEmulator, content: dict[str, Any], details: str) -> None:
    sandbox.user(A).last_inbound = sandbox.clock()
    answer = await post(sandbox, content)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["message"]) == (131009, "(#131009) Parameter value is not valid")
    assert error["error_data"]["details"] == details
    assert sandbox.sent == []


async def test_a_body_is_required_and_the_window_applies(sandbox: WhatsAppEmulator) -> None:
    no_body = {"type": "button", "action": {"buttons": [YES]}}
    sandbox.user(A).last_inbound = sandbox.clock()
    refused = (await post(sandbox, no_body)).json()["error"]
    assert refused["code"] == 100 and "body" in refused["message"]
    closed = (await post(sandbox, interactive(YES), to=B)).json()["error"]  # B never wrote
    assert closed["code"] == 131047
    sandbox.group("G1", A)
    group = (await post(sandbox, interactive(YES), to="G1", recipient_type="group")).json()
    assert group["error"]["code"] == 131051
    assert sandbox.sent == []


async def test_a_valid_message_is_recorded_and_pressed(sandbox: WhatsAppEmulator) -> None:
    sandbox.user(A, "Ana Souza").last_inbound = sandbox.clock()
    answer = await post(sandbox, answers.buttons_message("Assembleia", "pt")["interactive"])
    wamid = answer.json()["messages"][0]["id"]
    [sent] = sandbox.sent_to(A)
    assert (sent.wamid, sent.type, sent.body["body"]["text"]) == (wamid, "interactive",
                                                                 "Assembleia")
    received: list[tuple[bytes, str]] = []

    async def take(request: Request) -> Response:
        received.append((await request.body(), request.headers["x-hub-signature-256"]))
        return PlainTextResponse("ok")

    async with serve(Starlette(routes=[Route("/", take, methods=["POST"])])) as url:
        sandbox.webhook_url = url
        await sandbox.user_presses(A, wamid, "answer:no")
        with pytest.raises(ValueError, match="has no button 'answer:later'"):
            await sandbox.user_presses(A, wamid, "answer:later")
        with pytest.raises(ValueError, match="received no interactive message"):
            await sandbox.user_presses(B, wamid, "answer:no")
    [(body, signature)] = received
    expected = hmac.new(sandbox.app_secret.encode(), body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    value = json.loads(body)["entry"][0]["changes"][0]["value"]
    [message] = value["messages"]
    assert message["context"] == {"from": sandbox.display_phone_number, "id": wamid}
    assert message["interactive"] == {"type": "button_reply", "button_reply": {
        "id": "answer:no", "title": "Não posso"}}
    assert value["contacts"][0]["profile"]["name"] == "Ana Souza"


# -- the connector and the sandbox -----------------------------------------------------------

def receiver(connector: WhatsAppConnector, inbound: list[Inbound]) -> Starlette:
    """What the hub's webhook route does with a delivery: verified, then received."""
    async def take(request: Request) -> Response:
        webhook = WebhookRequest(method="POST", path="", query=[],
                                 headers={k.lower(): v for k, v in request.headers.items()},
                                 body=await request.body(), received_at=datetime.now(UTC))
        await connector.verify_webhook(webhook)
        inbound.append(await connector.receive(webhook))
        return PlainTextResponse("ok\n")
    return Starlette(routes=[Route("/", take, methods=["POST"])])


async def test_a_members_press_comes_back_as_their_answer(sandbox: WhatsAppEmulator) -> None:
    async with httpx.AsyncClient() as http:
        settings = WhatsAppSettings.model_validate({
            "type": "whatsapp", "base_url": sandbox.base_url,
            "phone_number_id": sandbox.phone_number_id, "access_token": sandbox.access_token,
            "app_secret": sandbox.app_secret, "verify_token": "sandbox-verify-token",
            "circles": {"general": {"members": [A, B]}},
            "template": {"name": "new_post", "language": "pt_PT"}})
        connector = WhatsAppConnector("wa", settings, http, MemoryStateBox())
        for key in (A, B):
            sandbox.user(key).last_inbound = sandbox.clock()
            await connector.roster.save(Member(key=key, last_inbound=sandbox.clock()))
        circle = Target(Address.parse("wa/circle/general"), Shape.CHAT, "pt")
        receipt = await connector.send(announcement(), circle)
        [to_a], [to_b] = sandbox.sent_to(A), sandbox.sent_to(B)
        assert to_a.wamid == receipt.native_id and to_b.type == "interactive"
        inbound: list[Inbound] = []
        async with serve(receiver(connector, inbound)) as url:
            sandbox.webhook_url = url
            await sandbox.user_presses(B, to_b.wamid, "answer:maybe", name="Beatriz Lima")
    [delivered] = inbound
    assert delivered.events == []
    [answer] = delivered.answers
    assert answer.about == Ref(platform="whatsapp", connection="wa",
                               endpoint="circle/general", native_id=to_a.wamid)
    assert answer.person == Actor(platform="whatsapp", native_id=B, name="Beatriz Lima")
    assert answer.reply is Reply.MAYBE
