"""The Slack sandbox over real loopback HTTP, driven by the real connector."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.connector import (
    Address,
    Form,
    LocalFile,
    MemoryStateBox,
    Shape,
    Target,
    WebhookRequest,
)
from hub.errors import AuthError, PermanentError, TransientError
from hub.events import Attachment
from hub.sandbox.base import serve_emulator
from hub.sandbox.slack import SlackEmulator
from plugins.slack.connector import SlackConnector
from plugins.slack.settings import SlackSettings
from tests.plugins.slack.conftest import Ticks
from tests.plugins.slack.test_connector import outgoing

TARGET = Target(Address("sandbox-slack", "chat", "C0GENERAL"), Shape.CHAT)


@pytest.fixture
async def sandbox() -> AsyncIterator[SlackEmulator]:
    # One post each 5 ticks of a clock the connector paces with too (6 ticks apart).
    emulator = SlackEmulator(channel_interval=0.005, clock=Ticks(0.001))
    emulator.add_channel("C0GENERAL")
    emulator.add_user("U0ANA", "Ana Souza")
    async with serve_emulator(emulator) as running:
        yield running


@pytest.fixture
async def connector(sandbox: SlackEmulator) -> AsyncIterator[SlackConnector]:
    async with httpx.AsyncClient() as http:
        yield connector_for(sandbox, http)


def connector_for(sandbox: SlackEmulator, http: httpx.AsyncClient, **extra: Any
                  ) -> SlackConnector:
    settings = SlackSettings.model_validate({
        "type": "slack", "bot_token": sandbox.token, "signing_secret": sandbox.signing_secret,
        "base_url": f"{sandbox.base_url}/api", "channel_interval_seconds": 0.006,
        "upload_share_wait_seconds": 1, **extra})
    return SlackConnector("sandbox-slack", settings, http, MemoryStateBox(),
                          clock=sandbox.clock)


def request_of(sandbox: SlackEmulator, payload: dict[str, Any]) -> WebhookRequest:
    body = json.dumps(payload).encode()
    now = datetime.now(UTC)
    stamp = str(int(now.timestamp()))
    return WebhookRequest("POST", "", (), {"x-slack-request-timestamp": stamp,
                                           "x-slack-signature": sandbox.sign(stamp, body)},
                          body, now)


async def test_check_and_send_with_the_authors_name(sandbox: SlackEmulator,
                                                     connector: SlackConnector) -> None:
    assert (await connector.check(online=True))[0].startswith('workspace "Sandbox"')
    receipt = await connector.send(outgoing("Olá **todos**"), TARGET)
    [message] = sandbox.messages("C0GENERAL")
    assert receipt.native_id == f"C0GENERAL/{message['ts']}"
    assert message["text"] == "Olá *todos*"
    assert message["username"] == "Ana Souza (Whatsapp)"
    assert message["metadata"]["event_payload"]["idempotency_key"] == "passerelle-d1"


async def test_the_sandboxs_events_are_signed_and_its_echo_is_dropped(
        sandbox: SlackEmulator, connector: SlackConnector) -> None:
    await sandbox.post("C0GENERAL", "U0ANA", "bom dia <!here>")
    await connector.send(outgoing("a mirrored post"), TARGET)
    person, echo = sandbox.fired
    assert await connector.verify_webhook(request_of(sandbox, person)) is None
    [event] = (await connector.receive(request_of(sandbox, person))).events
    assert event.body == "bom dia @here"
    assert event.actor.name == "Ana Souza"
    assert not (await connector.receive(request_of(sandbox, echo))).events


async def test_posting_too_fast_earns_a_429_with_retry_after(sandbox: SlackEmulator) -> None:
    sandbox.channel_interval = 5.0
    async with httpx.AsyncClient(base_url=f"{sandbox.base_url}/api",
                                 headers={"Authorization": f"Bearer {sandbox.token}"}) as http:
        first = await http.post("chat.postMessage", json={"channel": "C0GENERAL", "text": "1"})
        second = await http.post("chat.postMessage", json={"channel": "C0GENERAL", "text": "2"})
    assert first.json()["ok"] is True
    assert second.status_code == 429
    assert second.headers["retry-after"] == "1"
    assert second.json() == {"ok": False, "error": "ratelimited"}
    assert sandbox.rate_limited == 1


async def test_the_connector_paces_a_burst_without_any_429(sandbox: SlackEmulator,
                                                            connector: SlackConnector) -> None:
    for index in range(8):
        await connector.send(outgoing(f"message {index}", key=f"k{index}"), TARGET)
    assert [m["text"] for m in sandbox.messages("C0GENERAL")] == [
        f"message {i}" for i in range(8)]
    assert sandbox.rate_limited == 0


@pytest.mark.parametrize("interval", [0.000001, 0.003])
async def test_a_connector_pacing_faster_than_slack_allows_earns_a_429(
        sandbox: SlackEmulator, interval: float) -> None:
    # The burst above can fail: this is what it sees when pacing breaks, whatever the load.
    async with httpx.AsyncClient() as http:
        hasty = connector_for(sandbox, http, channel_interval_seconds=interval)
        await hasty.send(outgoing("first", key="k0"), TARGET)
        with pytest.raises(TransientError) as caught:
            await hasty.send(outgoing("second", key="k1"), TARGET)
    assert caught.value.retry_after == 1.0
    assert sandbox.rate_limited == 1


async def test_history_pages_with_cursors_and_threads(sandbox: SlackEmulator,
                                                      connector: SlackConnector) -> None:
    start = await connector.poll(TARGET.address, None)
    root = await sandbox.post("C0GENERAL", "U0ANA", "root")
    for index in range(3):
        await sandbox.post("C0GENERAL", "U0ANA", f"later {index}")
    await sandbox.post("C0GENERAL", "U0ANA", "in thread", thread_ts=root["ts"])
    paged = connector_for(sandbox, connector.http, history_page_size=2)
    result = await paged.poll(TARGET.address, start.cursor)
    assert [e.body for e in result.events] == ["root", "later 0", "later 1", "later 2",
                                               "in thread"]
    assert result.events[-1].parent is not None
    assert result.events[-1].parent.native_id == f"C0GENERAL/{root['ts']}"
    methods = [path for _, path in sandbox.requests if path.startswith("/api/conv")]
    assert methods.count("/api/conversations.history") == 3  # 1 to start, 2 pages
    assert methods.count("/api/conversations.replies") == 1
    assert (await paged.poll(TARGET.address, result.cursor)).events == []


async def test_file_bytes_survive_upload_and_download(sandbox: SlackEmulator,
                                                      connector: SlackConnector,
                                                      tmp_path: Path) -> None:
    content = bytes(range(256)) * 40
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    local = LocalFile(path=path, name="photo.jpg", mime_type="image/jpeg", size=len(content))
    receipt = await connector.send(outgoing("a photo", files=(local,)), TARGET)
    [message] = sandbox.messages("C0GENERAL")
    assert receipt.native_id == f"C0GENERAL/{message['ts']}"
    [file] = message["files"]
    assert message["text"] == "*Ana Souza (Whatsapp):* a photo"
    downloaded = await connector.download(Attachment(name=file["name"], mime_type="image/jpeg",
                                                     url=file["url_private_download"]))
    try:
        assert downloaded.path.read_bytes() == content
    finally:
        downloaded.path.unlink()


async def test_edit_delete_and_react_on_the_sandbox(sandbox: SlackEmulator,
                                                    connector: SlackConnector) -> None:
    receipt = await connector.send(outgoing("draft"), TARGET)
    await connector.update(outgoing("final"), TARGET, receipt.native_id)
    assert sandbox.messages("C0GENERAL")[0]["text"] == "final"
    mine = await connector.send(outgoing("🎉", form=Form.REACTION, reply_to=receipt.native_id),
                                TARGET)
    assert len(sandbox.reactions) == 1
    await connector.delete(TARGET, mine.native_id)
    assert sandbox.reactions == []
    await connector.delete(TARGET, receipt.native_id)
    assert sandbox.messages("C0GENERAL") == []
    person = await sandbox.post("C0GENERAL", "U0ANA", "not yours")
    with pytest.raises(PermanentError, match="only what it posted"):
        await connector.delete(TARGET, f"C0GENERAL/{person['ts']}")


async def test_a_wrong_token_and_a_missing_scope(sandbox: SlackEmulator) -> None:
    async with httpx.AsyncClient() as http:
        wrong = connector_for(sandbox, http, bot_token="xoxb-wrong")
        with pytest.raises(AuthError, match="fresh Bot User OAuth Token"):
            await wrong.check(online=True)
        sandbox.scopes.discard("files:write")
        with pytest.raises(AuthError, match="files:write"):
            await connector_for(sandbox, http).check(online=True)
