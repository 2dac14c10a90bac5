"""The connector against the WhatsApp sandbox over real loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.connector import Address, Form, LocalFile, MemoryStateBox, Shape, Target
from hub.errors import AuthError, PermanentError, TransientError
from hub.events import Attachment
from hub.sandbox.base import serve_emulator
from hub.sandbox.whatsapp import Media, WhatsAppEmulator, rate_limit_fault
from plugins.whatsapp.circles import Member
from plugins.whatsapp.connector import WhatsAppConnector
from plugins.whatsapp.settings import WhatsAppSettings
from tests.plugins.whatsapp.helpers import outgoing

A, B = "351912345678", "351913333333"


@pytest.fixture
async def sandbox() -> AsyncIterator[WhatsAppEmulator]:
    async with serve_emulator(WhatsAppEmulator()) as emulator:
        yield emulator


def connector_for(sandbox: WhatsAppEmulator, http: httpx.AsyncClient, **overrides: object
                  ) -> WhatsAppConnector:
    settings = WhatsAppSettings.model_validate({
        "type": "whatsapp", "base_url": sandbox.base_url,
        "phone_number_id": sandbox.phone_number_id, "access_token": sandbox.access_token,
        "app_secret": sandbox.app_secret, "verify_token": "sandbox-verify-token",
        "circles": {"general": {"members": [A, B]}},
        "template": {"name": "new_post", "language": "en"}, **overrides})
    return WhatsAppConnector("wa", settings, http, MemoryStateBox())


async def test_window_rule_template_and_media_round_trip(sandbox: WhatsAppEmulator,
                                                         tmp_path: Path) -> None:
    async with httpx.AsyncClient() as http:
        connector = connector_for(sandbox, http)
        assert any("quality GREEN" in line for line in await connector.check(online=True))
        sandbox.user(A, "Ana").last_inbound = sandbox.clock()
        await connector.roster.save(connector_member(A, sandbox))
        photo = tmp_path / "p.png"
        photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
        files = (LocalFile(photo, "p.png", "image/png", photo.stat().st_size),)
        circle = Target(Address.parse("wa/circle/general"), Shape.CHAT)
        receipt = await connector.send(outgoing("Photo of the **day**", form=Form.FILE,
                                                files=files), circle)
        [to_a] = sandbox.sent_to(A)
        assert to_a.wamid == receipt.native_id and to_a.type == "image"
        assert sandbox.media[to_a.body["id"]].data == photo.read_bytes()
        [to_b] = sandbox.sent_to(B)
        assert to_b.type == "template" and to_b.body["name"] == "new_post"
        # What was uploaded can be downloaded again through GET /{media-id}.
        local = await connector.download(Attachment(name="p.png", mime_type="image/png",
                                                    native_id=to_a.body["id"]))
        assert local.path.read_bytes() == photo.read_bytes()
        local.path.unlink()


def connector_member(key: str, sandbox: WhatsAppEmulator) -> Member:
    """The hub's memory of a member, in step with the sandbox's."""
    return Member(key=key, last_inbound=sandbox.users[key].last_inbound)


async def test_sandbox_window_error_triggers_the_template(sandbox: WhatsAppEmulator) -> None:
    async with httpx.AsyncClient() as http:
        connector = connector_for(sandbox, http)
        # The hub believes A's window is open, but the platform knows better (24 h passed).
        sandbox.user(A).last_inbound = sandbox.clock()
        await connector.roster.save(connector_member(A, sandbox))
        sandbox.advance(hours=25)
        await connector.send(outgoing(), Target(Address.parse(f"wa/member/{A}"), Shape.CHAT))
        assert [m.type for m in sandbox.sent_to(A)] == ["template"]


async def test_rate_limit_and_auth_errors_over_http(sandbox: WhatsAppEmulator) -> None:
    async with httpx.AsyncClient() as http:
        connector = connector_for(sandbox, http)
        sandbox.group("G1", A, B)
        group = Target(Address.parse("wa/group/G1"), Shape.CHAT)
        sandbox.faults.inject(f"/v25.0/{sandbox.phone_number_id}/messages", rate_limit_fault())
        with pytest.raises(TransientError) as caught:
            await connector.send(outgoing(), group)
        assert caught.value.retry_after == 6.0
        assert (await connector.send(outgoing(), group)).native_id == sandbox.sent[0].wamid
        wrong = connector_for(sandbox, http, access_token="expired-token")
        with pytest.raises(AuthError, match="190"):
            await wrong.send(outgoing(), group)


async def test_media_urls_expire(sandbox: WhatsAppEmulator) -> None:
    sandbox.media_url_ttl = -1  # every URL is stale as soon as it is handed out
    sandbox.media["42"] = Media(b"data", "image/jpeg")
    async with httpx.AsyncClient() as http:
        connector = connector_for(sandbox, http)
        with pytest.raises(PermanentError, match="answered 404"):
            await connector.download(Attachment(name="x.jpg", native_id="42"))
    assert sandbox.requests.count(("GET", "/v25.0/42")) == 2  # looked up again once
