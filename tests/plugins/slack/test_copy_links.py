"""Links to the hub's own Slack posts, asked of the Slack sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.connector import Address, MemoryStateBox
from hub.sandbox.base import serve_emulator
from hub.sandbox.slack import SlackEmulator
from plugins.slack.connector import SlackConnector
from plugins.slack.settings import SlackSettings


@pytest.fixture
async def connector() -> AsyncIterator[SlackConnector]:
    async with serve_emulator(SlackEmulator()) as slack, httpx.AsyncClient() as http:
        settings = SlackSettings.model_validate({
            "type": "slack", "bot_token": slack.token, "signing_secret": slack.signing_secret,
            "base_url": f"{slack.base_url}/api"})
        yield SlackConnector("lisbon-slack", settings, http, MemoryStateBox())


@pytest.mark.parametrize(("native_id", "link"), [
    ("C0NETWORK/1796166653.147337",
     "https://sandbox.slack.test/archives/C0NETWORK/p1796166653147337"),
    ("C0NETWORK/1796166653.147337/:tada:/U0HUB", None),  # a reaction the hub added
    ("not-a-slack-id", None),
])
async def test_a_copy_links_to_its_message(connector: SlackConnector, native_id: str,
                                           link: str | None) -> None:
    # As the console asks it: the connector's own copy_link, for the copy's endpoint.
    assert await connector.copy_link(Address.parse("lisbon-slack/chat/C0NETWORK"),
                                     native_id) == link
