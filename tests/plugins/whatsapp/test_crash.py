"""No second copy after a lost answer, where WhatsApp lets the hub know: the connector against
the WhatsApp sandbox over loopback, its status webhooks taken by the connector as the hub's web
route would take them.

`Fault(drop=True)` lets the sandbox accept the message and then closes the connection without
an answer; the retry carries `uncertain=True`, as the hub's delivery worker sets it.

The connector's clock stands still unless a test moves it: waiting for a status then lasts
until the status comes (each such wait is bounded by `settled`), never until the machine's
load has used up `status_wait_seconds`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hub.connector import Address, MemoryStateBox, Shape, Target, WebhookRequest
from hub.errors import TransientError
from hub.sandbox.base import Fault, serve, serve_emulator
from hub.sandbox.whatsapp import WhatsAppEmulator
from plugins.whatsapp.circles import Member
from plugins.whatsapp.connector import WhatsAppConnector
from plugins.whatsapp.sending import PREFIX, Sending, report
from plugins.whatsapp.settings import WhatsAppSettings
from tests.plugins.whatsapp.helpers import outgoing

A, B = "351912345678", "351913333333"
CIRCLE = Target(Address.parse("wa/circle/general"), Shape.CHAT)
T = TypeVar("T")


async def settled(step: Awaitable[T]) -> T:
    """A step that may wait for a status: bounded, so a status that never comes fails the
    test instead of hanging it (the connector's clock stands still)."""
    async with asyncio.timeout(60):
        return await step


class Clock:
    """The connector's time: it moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class WatchedStateBox(MemoryStateBox):
    """A StateBox that tells when a sending note is read: the connector looking for a
    status report."""

    def __init__(self) -> None:
        super().__init__()
        self.looked = asyncio.Event()

    async def get(self, key: str) -> str | None:
        if key.startswith(PREFIX):
            self.looked.set()
        return await super().get(key)


@dataclass
class World:
    sandbox: WhatsAppEmulator
    connector: WhatsAppConnector
    state: WatchedStateBox
    clock: Clock

    @property
    def messages_path(self) -> str:
        return f"/v25.0/{self.sandbox.phone_number_id}/messages"


def receiver(connector: WhatsAppConnector) -> Starlette:
    """What the hub's webhook route does with a delivery, without the rest of the hub."""
    async def take(request: Request) -> Response:
        inbound = WebhookRequest(method="POST", path="", query=[],
                                 headers={k.lower(): v for k, v in request.headers.items()},
                                 body=await request.body(), received_at=datetime.now(UTC))
        await connector.verify_webhook(inbound)
        await connector.receive(inbound)
        return PlainTextResponse("ok\n")
    return Starlette(routes=[Route("/", take, methods=["POST"])])


async def world(sandbox: WhatsAppEmulator, http: httpx.AsyncClient, **overrides: object
                ) -> World:
    state, clock = WatchedStateBox(), Clock()
    settings = WhatsAppSettings.model_validate({
        "type": "whatsapp", "base_url": sandbox.base_url,
        "phone_number_id": sandbox.phone_number_id, "access_token": sandbox.access_token,
        "app_secret": sandbox.app_secret, "verify_token": "sandbox-verify-token",
        "circles": {"general": {"members": [A, B]}}, "status_wait_seconds": 5.0,
        **overrides})
    connector = WhatsAppConnector("wa", settings, http, state, clock=clock)
    for key in (A, B):  # both wrote lately: free-form messages reach them
        sandbox.user(key).last_inbound = sandbox.clock()
        await connector.roster.save(Member(key=key, last_inbound=clock.now))
    return World(sandbox, connector, state, clock)


@pytest.fixture
async def sandbox() -> AsyncIterator[WhatsAppEmulator]:
    async with serve_emulator(WhatsAppEmulator()) as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


async def test_a_message_whose_answer_was_lost_is_adopted_from_its_status(
        sandbox: WhatsAppEmulator, http: httpx.AsyncClient) -> None:
    w = await world(sandbox, http)
    async with serve(receiver(w.connector)) as url:
        sandbox.webhook_url = url
        first = outgoing("bench-000432 from Lisbon")
        # A's copy goes through; B's is accepted by WhatsApp but its answer is lost.
        sandbox.faults.inject(w.messages_path, Fault(), Fault(drop=True))
        with pytest.raises(TransientError):
            await w.connector.send(first, CIRCLE)
        [lost] = sandbox.sent_to(B)
        receipt = await settled(w.connector.send(replace(first, uncertain=True), CIRCLE))
        await sandbox.settle()
    [to_a] = sandbox.sent_to(A)
    assert sandbox.sent_to(B) == [lost]  # nobody got it twice
    assert receipt.native_id == to_a.wamid
    member = await w.connector.roster.load(B)
    assert member is not None and member.own_id(to_a.wamid) == lost.wamid
    assert not [key for key in w.state.values if key.startswith(PREFIX)]  # cleaned up


async def test_without_a_status_the_message_is_sent_again_after_the_wait(
        http: httpx.AsyncClient) -> None:
    async with serve_emulator(WhatsAppEmulator(report_sent=False)) as served:
        w = await world(served, http, status_wait_seconds=0.3)
        first = outgoing("bench-000433 from Lisbon")
        served.faults.inject(w.messages_path, Fault(drop=True))
        with pytest.raises(TransientError):
            await w.connector.send(first, CIRCLE)  # A's copy went: its note says when
        w.state.looked.clear()
        retry = asyncio.create_task(w.connector.send(replace(first, uncertain=True), CIRCLE))
        for moved in (0.0, 0.29):  # up to just before status_wait_seconds
            w.clock.now += timedelta(seconds=moved)
            await settled(w.state.looked.wait())  # it looks for a status, and waits
            w.state.looked.clear()
            assert not retry.done() and len(served.sent_to(A)) == 1
        w.clock.now += timedelta(seconds=0.02)
        await settled(retry)
        # WhatsApp said nothing of the first copy: losing the message would be worse.
        assert len(served.sent_to(A)) == 2 and len(served.sent_to(B)) == 1


async def test_a_refused_message_is_sent_again_without_waiting(
        sandbox: WhatsAppEmulator, http: httpx.AsyncClient) -> None:
    w = await world(sandbox, http, status_wait_seconds=30.0)
    first = outgoing("bench-000434 from Lisbon")
    sandbox.faults.inject(w.messages_path, Fault(status=400, body={"error": {
        "message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}}))
    await w.connector.send(first, CIRCLE)  # A refused, B served
    # A refusal made nothing: no status to wait for (and the clock, standing still, would
    # never end a wait).
    await settled(w.connector.send(replace(first, uncertain=True), CIRCLE))
    assert len(sandbox.sent_to(A)) == 1 and len(sandbox.sent_to(B)) == 1


async def test_a_status_of_a_finished_delivery_leaves_nothing_behind(
        sandbox: WhatsAppEmulator, http: httpx.AsyncClient) -> None:
    w = await world(sandbox, http)
    async with serve(receiver(w.connector)) as url:
        sandbox.webhook_url = url
        await w.connector.send(outgoing("bench-000435 from Lisbon"), CIRCLE)
        await sandbox.settle()
    assert len(sandbox.fired) >= 2  # a `sent` status per message, with its callback data
    assert all(entry["biz_opaque_callback_data"] == "passerelle-1"
               for payload in sandbox.fired
               for entry in payload["entry"][0]["changes"][0]["value"]["statuses"])
    assert not [key for key in w.state.values if key.startswith(PREFIX)]


class SlowStateBox(MemoryStateBox):
    """A store that takes its time, as a busy one does: reads wait a little."""

    async def get(self, key: str) -> str | None:
        found = await super().get(key)
        await asyncio.sleep(0.05)
        return found


async def test_a_status_recorded_while_the_member_is_done_does_not_bring_the_note_back(
        ) -> None:
    state, lock = SlowStateBox(), asyncio.Lock()
    sending = await Sending.open(state, lock, "passerelle-9", A, uncertain=False, wait=1.0)

    async def call() -> str:
        return "wamid.A1"
    await sending.send("part:0", call)

    recording = asyncio.Event()

    async def status_arrives() -> None:
        async with lock:  # as the connector's receive holds it
            recording.set()
            await report(state, "passerelle-9", A, "wamid.A1")
    arriving = asyncio.create_task(status_arrives())
    await recording.wait()  # the status is being recorded...
    await sending.done()  # ...when the member's part is done
    await arriving
    assert not [key for key in state.values if key.startswith(PREFIX)]


async def test_a_note_left_by_a_hub_killed_after_serving_the_member_goes_on_retry(
        sandbox: WhatsAppEmulator, http: httpx.AsyncClient) -> None:
    w = await world(sandbox, http)
    first = outgoing("bench-000551 from Lisbon")
    await w.connector.send(first, CIRCLE)
    # As a hub killed between the member's roster record and the note's deletion leaves it:
    w.state.values[f"{PREFIX}passerelle-1:{A}"] = '{"sent": {}, "doing": "part:0"}'
    await settled(w.connector.send(replace(first, uncertain=True), CIRCLE))
    assert len(sandbox.sent_to(A)) == 1 and len(sandbox.sent_to(B)) == 1
    assert not [key for key in w.state.values if key.startswith(PREFIX)]


async def test_a_deletion_notice_whose_answer_was_lost_is_not_sent_twice(
        sandbox: WhatsAppEmulator, http: httpx.AsyncClient) -> None:
    w = await world(sandbox, http)
    async with serve(receiver(w.connector)) as url:
        sandbox.webhook_url = url
        copy = await w.connector.send(outgoing("bench-000600 from Lisbon"), CIRCLE)
        sandbox.faults.inject(w.messages_path, Fault(drop=True))
        with pytest.raises(TransientError):
            await w.connector.delete(CIRCLE, copy.native_id)  # A's notice went, unanswered
        await settled(w.connector.delete(CIRCLE, copy.native_id))
        await sandbox.settle()
    for member in (A, B):
        notices = [m for m in sandbox.sent_to(member) if "Deleted" in str(m.body)]
        assert len(notices) == 1, member
