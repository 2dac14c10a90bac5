"""Zoom Team Chat and Slack, both sandboxes, bridged by a real hub over loopback: a thread
started on either side continues as a thread on the other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.app import Hub
from hub.sandbox.base import serve_emulator
from hub.sandbox.slack import SlackEmulator
from hub.sandbox.zoom import ZoomEmulator
from hub.settings import HubSettings

CHANNEL = "C0LISBON"


@dataclass
class Network:
    hub: Hub
    zoom: ZoomEmulator
    slack: SlackEmulator

    async def settle(self) -> None:
        for _ in range(3):  # deliveries make echo events, which are taken in too
            await self.slack.quiet()
            await self.hub.settle(60)


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Network]:
    slack = SlackEmulator(token="xoxb-e2e", signing_secret="e2e-signing-secret",
                          channel_interval=0.05)
    slack.add_channel(CHANNEL)
    slack.add_user("U0ANA", "Ana Souza")
    async with serve_emulator(slack), serve_emulator(ZoomEmulator()) as zoom:
        account = zoom.account
        settings = HubSettings.model_validate({
            "store": {"url": f"sqlite:///{tmp_path}/hub.db"},
            "web": {"port": 0},
            "delivery": {"backoff_base_seconds": 0.1, "backoff_cap_seconds": 1.0},
            "connections": {
                "network-zoom": {
                    "type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
                    "account_id": account.account_id, "client_id": account.client_id,
                    "client_secret": account.client_secret,
                    "secret_token": account.secret_token, "chat_user": account.host_email},
                "lisbon-slack": {"type": "slack", "bot_token": slack.token,
                                 "signing_secret": slack.signing_secret,
                                 "base_url": f"{slack.base_url}/api",
                                 "channel_interval_seconds": 0.06},
            },
            "bridges": {"chat": {"translate": False, "endpoints": [
                {"at": "network-zoom/chat/C1"}, {"at": f"lisbon-slack/chat/{CHANNEL}"}]}},
        })
        async with Hub.start(settings) as hub:
            zoom.webhook_url = f"{hub.url}/webhooks/network-zoom"
            slack.webhook_url = f"{hub.url}/webhooks/lisbon-slack"
            yield Network(hub, zoom, slack)


async def test_zoom_thread_continues_in_slack_and_back(network: Network) -> None:
    zoom, slack = network.zoom, network.slack
    first = await zoom.user_posts("C1", "Who comes to the **summit**?")
    await zoom.user_posts("C1", "I do", sender="li@example.org", reply_to=first["id"])
    await network.settle()
    root, reply = slack.messages(CHANNEL)
    assert "Who comes to the" in root["text"]
    assert reply["thread_ts"] == root["ts"]
    assert "I do" in reply["text"]

    await slack.post(CHANNEL, "U0ANA", "Me too", thread_ts=root["ts"])
    await network.settle()
    [answer] = [m for m in zoom.messages.values()
                if m.get("reply_main_message_id") == first["id"]
                and m["sender"] == zoom.account.host_email]
    assert answer["message"] == "Ana Souza (Slack)\nMe too"
    assert len(slack.messages(CHANNEL)) == 3  # nothing came back as an echo


async def test_files_travel_both_ways_intact(network: Network) -> None:
    zoom, slack = network.zoom, network.slack
    minutes = b"%PDF-1.7\n" + bytes(range(256)) * 64
    await slack.share_file(CHANNEL, "U0ANA", "minutes.pdf", minutes, "application/pdf",
                           text="The minutes")
    await network.settle()
    [posted] = zoom.messages.values()
    assert posted["message"].startswith("Ana Souza (Slack)")
    [carried] = posted["files"]
    assert carried["file_name"] == "minutes.pdf"
    assert zoom.chat_files[carried["file_id"]].content == minutes
    upload = f"/file-node/v2/chat/users/{zoom.account.host_email}/files"
    assert ("POST", upload) in zoom.requests  # followed the file API's redirect

    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000
    await zoom.user_posts("C1", "Foto do encontro", files={"encontro.png": (photo, "image/png")})
    await network.settle()
    [shared] = [m for m in slack.messages(CHANNEL) if m.get("files")
                and m["files"][0]["name"] == "encontro.png"]
    assert slack.blobs[shared["files"][0]["id"]] == photo
