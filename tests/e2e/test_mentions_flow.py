"""Mentions that arrive, over the sandboxes and a real hub: Camille, on Slack, mentions Hugo,
who is on Slack, Basecamp and Zoom under one e-mail address and on WhatsApp under the number
the people file gives him. Basecamp gets a real mention of Hugo (his attachable_sgid), Zoom
an at-mention of his address, WhatsApp a message that names him; Camille is signed
"Camille Martin, Lyon" on all three. Hugo, who left the WhatsApp circle with STOP, still gets
the message because he is mentioned; Ana, who left it too, does not."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.app import Hub
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.sandbox.slack import SlackEmulator
from hub.sandbox.whatsapp import Sent, WhatsAppEmulator
from hub.sandbox.zoom import ZoomEmulator
from hub.settings import HubSettings

pytestmark = pytest.mark.slow

BASECAMP, SLACK, WHATSAPP, ZOOM = "lyon-basecamp", "lyon-slack", "lyon-whatsapp", "lyon-zoom"
CHANNEL, ZOOM_CHANNEL, CIRCLE = "C0LYON", "C1", "lyon"
CAMILLE, HUGO = "U0CAMILLE", "U0HUGO"  # on Slack
HUGO_PHONE, ANA_PHONE, BEA_PHONE = "33612345678", "351912345678", "351913333333"
SIGNED = "Camille Martin, Lyon"
PEOPLE_FILE = """\
[people.camille]
name = "Camille Martin"
city = "Lyon"
emails = ["camille@lyon.example"]

[people.hugo]
name = "Hugo Bernard"
city = "Lyon"
emails = ["hugo@lyon.example"]
phones = ["+33 6 12 34 56 78"]

[people.ana]
name = "Ana Souza"
city = "Lisboa"
phones = ["+351 912 345 678"]
"""


@dataclass
class Network:
    basecamp: BasecampEmulator
    slack: SlackEmulator
    whatsapp: WhatsAppEmulator
    zoom: ZoomEmulator
    project: int
    hugo: dict[str, Any]  # on Basecamp


@contextlib.asynccontextmanager
async def network() -> AsyncIterator[Network]:
    basecamp, slack = BasecampEmulator(), SlackEmulator(channel_interval=0.01)
    slack.add_channel(CHANNEL)
    slack.add_user(CAMILLE, "Camille Martin", email="camille@lyon.example", tz="Europe/Paris")
    slack.add_user(HUGO, "Hugo Bernard", email="hugo@lyon.example", tz="Europe/Paris")
    basecamp.add_person("Camille Martin", "camille@lyon.example")
    hugo = basecamp.add_person("Hugo Bernard", "hugo@lyon.example", title="Urbanist")
    async with (serve_emulator(basecamp), serve_emulator(slack),
                serve_emulator(WhatsAppEmulator()) as whatsapp,
                serve_emulator(ZoomEmulator()) as zoom):
        zoom.add_user("hugo@lyon.example", "Hugo", "Bernard")
        yield Network(basecamp, slack, whatsapp, zoom, basecamp.add_project("Lyon"), hugo)


def settings(net: Network, folder: Path) -> HubSettings:
    people = folder / "people.toml"
    people.write_text(PEOPLE_FILE, encoding="utf-8")
    slack, whatsapp, zoom = net.slack, net.whatsapp, net.zoom
    return HubSettings.model_validate({
        "store": {"url": f"sqlite:///{folder / 'passerelle.db'}"},
        "web": {"host": "127.0.0.1", "port": 0},
        "scheduler": {"delivery_interval_seconds": 0.2, "poll_interval_seconds": 300.0},
        "delivery": {"backoff_base_seconds": 0.2, "backoff_cap_seconds": 2.0},
        "files": {"temp_dir": str(folder)},
        "translation": {"enabled": False},
        "people": {"file": str(people)},
        "connections": {
            BASECAMP: net.basecamp.connection(projects=[net.project]),
            SLACK: {"type": "slack", "bot_token": slack.token,
                    "signing_secret": slack.signing_secret, "base_url": f"{slack.base_url}/api",
                    "channel_interval_seconds": 0.02},
            WHATSAPP: {"type": "whatsapp", "base_url": whatsapp.base_url,
                       "phone_number_id": whatsapp.phone_number_id,
                       "access_token": whatsapp.access_token, "app_secret": whatsapp.app_secret,
                       "verify_token": "lyon-verify-token",
                       "circles": {CIRCLE: {"members": [HUGO_PHONE, ANA_PHONE, BEA_PHONE]}}},
            ZOOM: {"type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
                   "account_id": zoom.account.account_id, "client_id": zoom.account.client_id,
                   "client_secret": zoom.account.client_secret,
                   "secret_token": zoom.account.secret_token,
                   "chat_user": zoom.account.host_email},
        },
        "bridges": {"lyon": {"translate": False, "endpoints": [
            {"at": f"{SLACK}/chat/{CHANNEL}"},
            {"at": f"{BASECAMP}/board/{net.project}"},
            {"at": f"{WHATSAPP}/circle/{CIRCLE}"},
            {"at": f"{ZOOM}/chat/{ZOOM_CHANNEL}"}]}},
    })


@contextlib.asynccontextmanager
async def hub_on(net: Network, folder: Path) -> AsyncIterator[Hub]:
    async with Hub.start(settings(net, folder)) as hub:
        net.slack.webhook_url = f"{hub.url}/webhooks/{SLACK}"
        net.whatsapp.webhook_url = f"{hub.url}/webhooks/{WHATSAPP}"
        yield hub


async def settle(hub: Hub, net: Network) -> None:
    """Every webhook in, its authors met, routed and delivered, echoes included."""
    assert hub.members is not None
    for _ in range(3):
        await net.slack.quiet()
        await net.whatsapp.settle()
        await hub.members.catch_up()
        await hub.settle(30)


def texts(sent: list[Sent]) -> list[str]:
    return [str(s.body["body"]) for s in sent if s.type == "text"]


async def test_a_slack_mention_arrives_as_each_platforms_own(tmp_path: Path) -> None:
    async with network() as net, hub_on(net, tmp_path) as hub:
        # Bea follows the circle; Hugo and Ana left it. Keywords are not content.
        await net.whatsapp.user_sends_text(BEA_PHONE, "START lyon", name="Bea")
        await net.whatsapp.user_sends_text(HUGO_PHONE, "STOP", name="Hugo")
        await net.whatsapp.user_sends_text(ANA_PHONE, "STOP", name="Ana")
        await settle(hub, net)
        assert hub.members is not None
        await hub.members.refresh()  # every connection's member list
        await hub.members.catch_up()  # every author so far
        directory = await hub.members.directory()
        hugo = directory.get("hugo")
        assert hugo is not None and hugo.connections == [BASECAMP, SLACK, WHATSAPP, ZOOM]

        await net.slack.post(CHANNEL, CAMILLE,
                             f"<@{HUGO}> could you share the mobility plan with the network?")
        await settle(hub, net)

        # Basecamp: a real mention of Hugo, the attachment of his sgid; Camille signed.
        [post] = [r for r in net.basecamp.recordings.values() if r["type"] == "Message"]
        assert net.basecamp.mentioned(post) == [net.hugo]
        assert f'<bc-attachment sgid="{net.hugo["attachable_sgid"]}"' in post["content"]
        assert f"{SIGNED} (Slack)" in post["content"]

        # Zoom Team Chat: an at-mention of Hugo's address; Camille signed the same way.
        [chat] = [m for m in net.zoom.messages.values() if m["channel_id"] == ZOOM_CHANNEL]
        assert chat["message"].splitlines()[0] == f"{SIGNED} (Slack)"
        [at] = chat["at_items"]
        assert at["at_contact"] == "hugo@lyon.example" and at["at_type"] == 1
        assert chat["message"][at["start_position"]:at["end_position"]] == "@Hugo Bernard"

        # WhatsApp: the message names Hugo, signed the same; Hugo gets it though he left the
        # circle (he is mentioned), Ana does not (she is not), Bea does (she follows it).
        expected = (f"*{SIGNED} (Slack)*\n@Hugo Bernard could you share the mobility plan "
                    "with the network?")
        assert texts(net.whatsapp.sent_to(HUGO_PHONE)) == [expected]
        assert texts(net.whatsapp.sent_to(BEA_PHONE)) == [expected]
        assert net.whatsapp.sent_to(ANA_PHONE) == []

        # No address or number travelled in any copy.
        copies = [post["content"], chat["message"], expected]
        assert not any(re.search(r"@lyon\.example|33612345678", c) for c in copies)
