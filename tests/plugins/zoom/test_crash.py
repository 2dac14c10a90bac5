"""A delete whose answer was lost, tried again: Zoom says the item is gone, and that is done.

The Zoom sandbox over loopback; its `Fault(drop=True)` performs the delete and closes the
connection without an answer, as a hub killed mid-call would see it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
import respx

from hub.connector import Address, Form, MemoryStateBox, Outgoing, Shape, Target
from hub.errors import PermanentError, TransientError
from hub.events import Actor, Event, Kind, Ref
from hub.sandbox.base import Fault, serve_emulator
from hub.sandbox.zoom import ZoomEmulator
from plugins.zoom.connector import ZoomConnector
from plugins.zoom.settings import ZoomSettings
from tests.plugins.zoom.conftest import API, OAUTH, SETTINGS, token_response

CHAT = Target(Address("net-zoom", "chat", "C1"), Shape.CHAT)
CALENDAR = Target(Address("net-zoom", "calendar", "me"), Shape.CALENDAR)


def message(body: str) -> Outgoing:
    event = Event(kind=Kind.MESSAGE_CREATED,
                  source=Ref(platform="slack", connection="sl", endpoint="chat/C9",
                             native_id="1.2"),
                  actor=Actor(platform="slack", native_id="U1", name="Ana Souza"),
                  occurred_at=datetime(2026, 11, 26, 9, tzinfo=UTC), body=body)
    return Outgoing(form=Form.MESSAGE, event=event, title=None, body=body,
                    idempotency_key="passerelle-41")


@pytest.fixture
async def zoom() -> AsyncIterator[ZoomEmulator]:
    async with serve_emulator(ZoomEmulator()) as emulator:
        yield emulator


@pytest.fixture
async def connector(zoom: ZoomEmulator) -> AsyncIterator[ZoomConnector]:
    account = zoom.account
    settings = ZoomSettings.model_validate({
        "type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
        "account_id": account.account_id, "client_id": account.client_id,
        "client_secret": account.client_secret, "secret_token": account.secret_token})
    async with httpx.AsyncClient() as http:
        yield ZoomConnector("net-zoom", settings, http, MemoryStateBox())


async def test_a_retried_chat_delete_whose_first_answer_was_lost_is_done(
        zoom: ZoomEmulator, connector: ZoomConnector) -> None:
    made = (await connector.send(message("bench-000001 from Lisbon"), CHAT)).native_id
    path = f"/v2/chat/users/me/messages/{made}"
    zoom.faults.inject(path, Fault(drop=True))
    with pytest.raises(TransientError):
        await connector.delete(CHAT, made)  # Zoom deleted it; the answer never came
    assert made not in zoom.messages
    await connector.delete(CHAT, made)  # 400, code 300 "Message does not exist": done
    assert [m for m, p in zoom.requests if p == path] == ["DELETE", "DELETE"]


async def test_a_retried_meeting_delete_whose_first_answer_was_lost_is_done(
        zoom: ZoomEmulator, connector: ZoomConnector) -> None:
    meeting = zoom._new_meeting({"topic": "Network call", "start_time": "2026-12-01T15:00:00Z",
                                 "duration": 60, "agenda": ""})
    native = str(meeting["id"])
    zoom.faults.inject(f"/v2/meetings/{native}", Fault(drop=True))
    with pytest.raises(TransientError):
        await connector.delete(CALENDAR, native)
    assert int(native) not in zoom.meetings
    await connector.delete(CALENDAR, native)  # 404, code 3001: done


@pytest.mark.parametrize(("status", "body"), [
    (400, {"code": 300, "message": "Message does not exist: M-9."}),
    (400, {"code": 300, "message": "Meeting 85746065432 is not found or has expired."}),
    (404, {"code": 3001, "message": "Meeting does not exist: 85746065432."}),
    (404, {"code": 4130, "message": "Channel does not exist: C1."}),
])
async def test_zoom_answers_that_mean_already_gone(status: int, body: dict[str, object]
                                                   ) -> None:
    router = respx.Router(assert_all_mocked=True, base_url=API)
    router.post(f"{OAUTH}/oauth/token").respond(json=token_response())
    router.delete(url__regex=r"/v2/(chat/users/me/messages|meetings)/").respond(status,
                                                                                 json=body)
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        zoom = ZoomConnector("net-zoom", ZoomSettings.model_validate(SETTINGS), http,
                             MemoryStateBox())
        await zoom.delete(CHAT, "M-9")
        await zoom.delete(CALENDAR, "85746065432")


@pytest.mark.parametrize(("status", "body"), [
    (400, {"code": 300, "message": "Invalid parameter: to_channel."}),
    (400, {"code": 5301, "message": "Request to delete message failed."}),
])
async def test_other_refusals_of_a_delete_are_not_taken_for_gone(
        status: int, body: dict[str, object]) -> None:
    router = respx.Router(assert_all_mocked=True, base_url=API)
    router.post(f"{OAUTH}/oauth/token").respond(json=token_response())
    router.delete(url__regex=r"/v2/chat/users/me/messages/").respond(status, json=body)
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        zoom = ZoomConnector("net-zoom", ZoomSettings.model_validate(SETTINGS), http,
                             MemoryStateBox())
        with pytest.raises(PermanentError, match=str(body["code"])):
            await zoom.delete(CHAT, "M-9")


async def test_a_channel_message_posted_by_an_attempt_cut_short_is_adopted(
        zoom: ZoomEmulator, connector: ZoomConnector) -> None:
    """The hub died after Zoom posted the message and before it recorded the delivery done:
    the retry looks at what the channel shows since the first attempt began."""
    began = datetime.now(UTC)
    sent = message("bench-000002 from Lisbon")
    made = (await connector.send(sent, CHAT)).native_id
    again = await connector.send(replace(sent, uncertain=True, since=began), CHAT)
    assert again.native_id == made
    assert len(zoom.messages) == 1
    other = await connector.send(replace(message("bench-000003 from Porto"), uncertain=True,
                                         since=datetime.now(UTC)), CHAT)
    assert other.native_id != made and len(zoom.messages) == 2
