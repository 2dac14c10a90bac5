"""Payloads no store can hold as they are, signed and sent to a real hub, on SQLite and on
PostgreSQL: both stores give the same answer, and the next valid event is stored.

- An id or endpoint longer than its column is refused with a 400 naming the connection and the
  field: the payload can never be stored, so "try again later" (503) would only make the platform
  retry it for days.
- NUL (which PostgreSQL's text cannot hold) and lone UTF-16 surrogates (which no encoding can)
  are stored as U+FFFD, in the ids, the text and the raw payload alike: the message is kept.
- WhatsApp skips an unreadable message and answers 200: Meta retries a whole delivery on any
  other answer, and a delivery may carry other people's messages.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.app import Hub
from hub.events import Event
from hub.sandbox.base import serve_emulator
from hub.sandbox.slack import SlackEmulator
from hub.sandbox.zoom import ZoomAccount, ZoomEmulator
from hub.settings import HubSettings
from tests.e2e.secrets import (
    SLACK_SIGNING,
    SLACK_TOKEN,
    WHATSAPP_APP_SECRET,
    WHATSAPP_TOKEN,
    WHATSAPP_VERIFY,
    ZOOM_CLIENT_SECRET,
    ZOOM_SECRET_TOKEN,
)
from tests.hub.store.engines import empty_postgres_schema

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

WHATSAPP_NUMBER = "106540352242922"  # the fixture's metadata.phone_number_id

TOO_LONG = "9" * 501  # one more than the store's columns hold
BAD = "a\x00b\ud800c"  # NUL, and a lone surrogate (sent as the JSON escape "\ud800")
MENDED = "a\ufffdb\ufffdc"

BACKENDS = ["sqlite", pytest.param("postgres", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")])]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/hub.db"
    else:
        with empty_postgres_schema() as url:
            yield url


class Rig:
    """A hub on one store, Slack and Zoom sandboxes behind it, and the platforms' signing."""

    def __init__(self, hub: Hub, http: httpx.AsyncClient) -> None:
        self.hub, self.http = hub, http
        self.sent = 0

    async def send(self, platform: str, payload: dict[str, Any]) -> httpx.Response:
        body = json.dumps(payload).encode()  # ensure_ascii: NUL and "\ud800" travel escaped
        stamp = str(int(time.time()))
        if platform == "whatsapp":
            mac = hmac.new(WHATSAPP_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
            headers = {"x-hub-signature-256": f"sha256={mac}"}
        else:
            secret = SLACK_SIGNING if platform == "slack" else ZOOM_SECRET_TOKEN
            mac = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body,
                           hashlib.sha256).hexdigest()
            prefix = "x-slack" if platform == "slack" else "x-zm"
            headers = {f"{prefix}-request-timestamp": stamp, f"{prefix}-signature": f"v0={mac}"}
        return await self.http.post(f"{self.hub.url}/webhooks/{platform}", content=body,
                                    headers=headers)

    async def stored(self) -> list[Event]:
        return [s.event for s in await self.hub.store.run(self.hub.store.events_after, 0, 1000)]

    # -- payloads, each with an id of its own ------------------------------------------------

    def slack(self, *, text: str = "hello", channel: str = "C0LISBON",
              ts: str | None = None) -> dict[str, Any]:
        self.sent += 1
        ts = ts or f"1764149400.{self.sent:06d}"
        return {"type": "event_callback", "team_id": "T0SANDBOX", "api_app_id": "A0SANDBOX",
                "event_id": f"Ev{self.sent:09d}", "event_time": 1764149400,
                "event": {"type": "message", "channel": channel, "user": "U0ANA",
                          "text": text, "ts": ts, "channel_type": "channel"}}

    def zoom(self, *, text: str = "hello", message_id: str | None = None,
             channel: str = "qrstuvwxyz67890") -> dict[str, Any]:
        self.sent += 1
        payload = json.loads((FIXTURES / "zoom" / "team_chat_channel_message_posted.json")
                             .read_text(encoding="utf-8"))
        obj = payload["payload"]["object"]
        obj.pop("files", None)  # their links would be read from the API
        obj.update(message=text, message_id=message_id or f"MSG-{self.sent}", channel_id=channel,
                   rich_text=[], at_items=[])
        return dict(payload)

    def whatsapp(self, *, text: str = "hello", message_id: str | None = None,
                 sender: str = "16505551234") -> dict[str, Any]:
        self.sent += 1
        payload = json.loads((FIXTURES / "whatsapp" / "text_message_meta_docs.json")
                             .read_text(encoding="utf-8"))
        value = payload["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["wa_id"] = sender
        [message] = value["messages"]
        message.update({"from": sender, "id": message_id or f"wamid.{self.sent}",
                        "text": {"body": text}})
        return dict(payload)

    def payload(self, platform: str, **fields: str) -> dict[str, Any]:
        return copy.deepcopy({"slack": self.slack, "zoom": self.zoom,
                              "whatsapp": self.whatsapp}[platform](**fields))


@pytest.fixture
async def rig(store_url: str) -> AsyncIterator[Rig]:
    slack = SlackEmulator(token=SLACK_TOKEN, signing_secret=SLACK_SIGNING)
    slack.add_channel("C0LISBON")
    slack.add_user("U0ANA", "Ana Souza")
    zoom = ZoomEmulator(ZoomAccount(client_secret=ZOOM_CLIENT_SECRET,
                                    secret_token=ZOOM_SECRET_TOKEN))
    async with contextlib.AsyncExitStack() as stack:
        for emulator in (slack, zoom):
            await stack.enter_async_context(serve_emulator(emulator))
        settings = HubSettings.model_validate({
            "store": {"url": store_url},
            "web": {"port": 0},
            "connections": {
                "slack": {"type": "slack", "bot_token": SLACK_TOKEN,
                          "signing_secret": SLACK_SIGNING, "base_url": f"{slack.base_url}/api"},
                "whatsapp": {"type": "whatsapp", "base_url": "http://127.0.0.1:9",
                             "phone_number_id": WHATSAPP_NUMBER,
                             "access_token": WHATSAPP_TOKEN, "app_secret": WHATSAPP_APP_SECRET,
                             "verify_token": WHATSAPP_VERIFY},
                "zoom": {"type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
                         "account_id": zoom.account.account_id,
                         "client_id": zoom.account.client_id,
                         "client_secret": ZOOM_CLIENT_SECRET,
                         "secret_token": ZOOM_SECRET_TOKEN},
            },
        })
        hub = await stack.enter_async_context(Hub.start(settings))
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=30.0))
        yield Rig(hub, http)


# The field each connector puts the value in, as the refusal names it.
TOO_LONG_CASES = [
    ("slack", {"ts": "1764149400." + "0" * 500}, "Ref.native_id"),
    ("slack", {"channel": "C" + TOO_LONG}, "Ref.endpoint"),
    ("zoom", {"message_id": TOO_LONG}, "Ref.native_id"),
    ("zoom", {"channel": TOO_LONG}, "Ref.endpoint"),
]


@pytest.mark.parametrize(("platform", "fields", "field"), TOO_LONG_CASES)
async def test_an_id_too_long_to_store_is_refused_with_a_400_naming_the_field(
        rig: Rig, platform: str, fields: dict[str, str], field: str,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        refused = await rig.send(platform, rig.payload(platform, **fields))
    assert refused.status_code == 400, refused.text
    assert field in refused.text and "500" in refused.text
    assert any(platform in record.getMessage() and field in record.getMessage()
               for record in caplog.records), "no log line names the connection and the field"
    assert await rig.stored() == []

    accepted = await rig.send(platform, rig.payload(platform, text="next"))
    assert accepted.status_code == 200, accepted.text
    assert [event.body for event in await rig.stored()] == ["next"]


@pytest.mark.parametrize("fields", [{"message_id": "wamid." + TOO_LONG},
                                    {"sender": TOO_LONG}])
async def test_whatsapp_skips_a_message_too_long_to_store_and_says_so(
        rig: Rig, fields: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        skipped = await rig.send("whatsapp", rig.payload("whatsapp", **fields))
    assert skipped.status_code == 200, skipped.text  # Meta retries anything else for days
    assert any('"whatsapp"' in record.getMessage() and "skipped" in record.getMessage()
               for record in caplog.records), "no log line names the connection"
    assert await rig.stored() == []

    accepted = await rig.send("whatsapp", rig.payload("whatsapp", text="next"))
    assert accepted.status_code == 200, accepted.text
    assert [event.body for event in await rig.stored()] == ["next"]


@pytest.mark.parametrize(("platform", "id_field"), [
    ("slack", "ts"), ("zoom", "message_id"), ("whatsapp", "message_id")])
async def test_nul_and_lone_surrogates_are_stored_as_replacement_characters(
        rig: Rig, platform: str, id_field: str) -> None:
    native = {"ts": "1764149400.000001" + BAD, "message_id": "M-" + BAD}[id_field]
    response = await rig.send(platform, rig.payload(platform, text=BAD, **{id_field: native}))
    assert response.status_code == 200, response.text
    [event] = await rig.stored()
    assert MENDED in event.body
    assert event.source.native_id.endswith(MENDED)
    assert MENDED in json.dumps(event.raw, ensure_ascii=False)
    assert "\x00" not in event.model_dump_json()

    accepted = await rig.send(platform, rig.payload(platform, text="next"))
    assert accepted.status_code == 200, accepted.text
    assert [event.body for event in await rig.stored()][-1] == "next"
