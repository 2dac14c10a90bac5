"""A hub, the WhatsApp sandbox and a peer platform, over real loopback HTTP.

A member's text and image reach the peer with the image bytes intact; a reply from the peer
arrives as a quote-reply; a member outside the 24-hour window gets the template; STOP stops
delivery to that member at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hub.app import Hub
from hub.sandbox.base import serve_emulator
from hub.sandbox.whatsapp import WhatsAppEmulator
from hub.settings import HubSettings
from hub.store import schema
from tests.plugins.whatsapp.peer import Shelf, ShelfPlugin

ANA, BEA_PHONE = "351912345678", "351913333333"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 64


@pytest.fixture
async def sandbox() -> AsyncIterator[WhatsAppEmulator]:
    async with serve_emulator(WhatsAppEmulator()) as emulator:
        yield emulator


def hub_settings(tmp_path: Path, sandbox: WhatsAppEmulator) -> HubSettings:
    return HubSettings(
        store={"url": f"sqlite:///{tmp_path}/hub.db"},
        web={"port": 0},
        plugins={"allow": ["whatsapp"]},
        delivery={"backoff_base_seconds": 0.05, "backoff_cap_seconds": 0.2},
        connections={
            "members-whatsapp": {
                "type": "whatsapp", "base_url": sandbox.base_url,
                "phone_number_id": sandbox.phone_number_id,
                "access_token": sandbox.access_token, "app_secret": sandbox.app_secret,
                "verify_token": "sandbox-verify-token",
                "circles": {"general": {"members": [ANA, BEA_PHONE]}},
                "template": {"name": "new_post", "language": "pt_PT",
                             "parameters": ["{author}", "{preview}"]},
            },
            "peer": {"type": "shelf", "token": "peer-token"},
        },
        bridges={"general": {"translate": False, "endpoints": [
            {"at": "members-whatsapp/circle/general", "language": "pt"},
            {"at": "peer/chat/room", "language": "pt"}]}},
    )


async def peer_says(hub: Hub, text: str, native_id: str, parent: str | None = None) -> None:
    payload: dict[str, Any] = {"id": native_id, "text": text, "parent": parent}
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{hub.url}/webhooks/peer", json=payload,
                                   headers={"x-shelf-token": "peer-token"})
    assert answer.status_code == 200


async def test_members_and_peer_talk_through_the_hub(tmp_path: Path,
                                                     sandbox: WhatsAppEmulator) -> None:
    Shelf.items.clear()
    async with Hub.start(hub_settings(tmp_path, sandbox),
                         extra_plugins={"shelf": ShelfPlugin()}) as hub:
        sandbox.webhook_url = f"{hub.url}/webhooks/members-whatsapp"

        # The handshake Meta performs when the callback URL is saved.
        async with httpx.AsyncClient() as client:
            answer = await client.get(sandbox.webhook_url, params={
                "hub.mode": "subscribe", "hub.challenge": "1158201444",
                "hub.verify_token": "sandbox-verify-token"})
        assert (answer.status_code, answer.text) == (200, "1158201444")

        # 1. Ana's text and photo reach the peer, the photo byte for byte.
        first = await sandbox.user_sends_text(ANA, "Bom dia *a todos*", name="Ana Souza")
        await sandbox.user_sends_image(ANA, PHOTO, caption="A praça")
        await hub.settle()
        text, photo = Shelf.items
        assert (text.body, text.author) == ("Bom dia **a todos**", "Ana Souza (WhatsApp)")
        assert photo.body == "A praça"
        [(name, data)] = photo.files.items()
        assert name.endswith(".jpg") and data == PHOTO

        # 2. The peer replies to Ana's text: Ana sees a quote-reply of her own message;
        #    Bea, who never wrote, is outside the 24-hour window and gets the template.
        await peer_says(hub, "Bom dia, Ana!", "p-1", parent=text.native_id)
        await hub.settle()
        [reply] = sandbox.sent_to(ANA)
        assert reply.type == "text" and reply.context == first
        assert reply.body["body"] == "*Bea Lima (Shelf)*\nBom dia, Ana!"
        [template] = sandbox.sent_to(BEA_PHONE)
        assert template.type == "template"
        assert template.body["components"][0]["parameters"] == [
            {"type": "text", "text": "Bea Lima (Shelf)"}, {"type": "text", "text": "Bom dia, Ana!"}]

        # Bea's phone reports the template read: the hub records it on the delivery, under
        # the circle's one id for that message (Ana's copy).
        await sandbox.fire_status(template.wamid, "read")
        with hub.store.engine.connect() as conn:
            state = conn.execute(select(schema.deliveries.c.platform_state).where(
                schema.deliveries.c.native_id == reply.wamid)).scalar_one()
        assert state == "read"

        # 3. Ana sends STOP: it is not content, and nothing more reaches her.
        await sandbox.user_sends_text(ANA, "STOP")
        await peer_says(hub, "Reunião às 18h", "p-2")
        await hub.settle()
        assert len(Shelf.items) == 2
        assert len(sandbox.sent_to(ANA)) == 1
        assert [m.type for m in sandbox.sent_to(BEA_PHONE)] == ["template", "template"]

        # 4. A tampered webhook is refused and stores nothing.
        async with httpx.AsyncClient() as client:
            refused = await client.post(sandbox.webhook_url, content=b'{"object": "x"}',
                                        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
        assert refused.status_code == 401


async def test_a_late_window_failure_is_replaced_by_the_template(tmp_path: Path) -> None:
    """The Cloud API usually accepts a send outside the window and reports 131047 later."""
    Shelf.items.clear()
    async with serve_emulator(WhatsAppEmulator(window_errors="status")) as served, \
            Hub.start(hub_settings(tmp_path, served),
                      extra_plugins={"shelf": ShelfPlugin()}) as hub:
        served.webhook_url = f"{hub.url}/webhooks/members-whatsapp"
        await served.user_sends_text(ANA, "Olá", name="Ana Souza")
        await hub.settle()
        served.advance(hours=30)  # the hub still believes Ana's window is open
        await peer_says(hub, "Reunião amanhã", "p-1")
        await hub.settle()
        await served.settle()  # the failed status reaches the hub, which answers at once
        assert [m.type for m in served.sent_to(ANA)] == ["text", "template"]
        assert served.sent_to(ANA)[1].body["components"][0]["parameters"][1] == {
            "type": "text", "text": "Reunião amanhã"}
