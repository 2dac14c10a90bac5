"""Zoom and Basecamp, both sandboxes, bridged by a real hub over loopback.

A Basecamp schedule entry becomes a Zoom meeting with interpretation for the bridge's languages
and the join link comes back as a comment under the entry's announcement on the message board;
a finished Zoom recording lands in the project's Docs & Files with its bytes intact.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.app import Hub
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.sandbox.zoom import ZoomEmulator
from hub.settings import HubSettings

SECRET = "zoom-e2e-webhook-secret-0123456789"


@dataclass
class Network:
    basecamp: BasecampEmulator
    zoom: ZoomEmulator
    project: int
    settings: HubSettings

    @contextlib.asynccontextmanager
    async def hub(self) -> AsyncIterator[Hub]:
        async with Hub.start(self.settings) as hub:
            self.basecamp.add_webhook(self.project, f"{hub.url}/webhooks/network-basecamp/"
                                      f"{SECRET}", ["Message", "Comment", "Schedule::Entry"])
            self.zoom.webhook_url = f"{hub.url}/webhooks/network-zoom"
            yield hub

    async def settle(self, hub: Hub) -> None:
        for _ in range(3):  # deliveries make echo events, which are taken in too
            await self.basecamp.quiet()
            await hub.settle(60)


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Network]:
    basecamp = BasecampEmulator()
    async with serve_emulator(basecamp), serve_emulator(ZoomEmulator()) as zoom:
        project = basecamp.add_project("Cities network")
        host, account = zoom.account.host_id, zoom.account
        settings = HubSettings.model_validate({
            "store": {"url": f"sqlite:///{tmp_path}/hub.db"},
            "web": {"port": 0},
            "delivery": {"backoff_base_seconds": 0.1, "backoff_cap_seconds": 1.0},
            "connections": {
                "network-basecamp": basecamp.connection(webhook_secret=SECRET,
                                                        initial_lookback_minutes=5),
                "network-zoom": {
                    "type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
                    "account_id": account.account_id, "client_id": account.client_id,
                    "client_secret": account.client_secret,
                    "secret_token": account.secret_token, "chat_user": account.host_email,
                    "interpreters": [{"email": "ana@example.org", "languages": ["pt", "en"]},
                                     {"email": "li@example.org", "languages": ["en", "zh"]}]},
            },
            "bridges": {
                "assemblies": {"translate": False, "endpoints": [
                    {"at": f"network-basecamp/calendar/{project}", "language": "pt"},
                    {"at": f"network-zoom/calendar/{host}", "language": "en"},
                    {"at": f"network-basecamp/board/{project}", "language": "pt",
                     "direction": "out"}]},
                "recordings": {"translate": False, "endpoints": [
                    {"at": f"network-zoom/files/{host}", "direction": "in"},
                    {"at": f"network-basecamp/files/{project}", "direction": "out"}]},
            },
        })
        yield Network(basecamp, zoom, project, settings)


async def test_schedule_entry_becomes_a_meeting_whose_link_comes_back(network: Network) -> None:
    basecamp, zoom = network.basecamp, network.zoom
    ana = basecamp.add_person("Ana Souza", "ana.souza@example.org")
    async with network.hub() as hub:
        await basecamp.add_entry(network.project, ana, "Assembleia da rede",
                                 datetime(2026, 12, 1, 15, tzinfo=UTC),
                                 datetime(2026, 12, 1, 16, 30, tzinfo=UTC),
                                 "<div>Ordem do dia</div>")
        await network.settle(hub)

    [meeting] = zoom.meetings.values()
    assert meeting["topic"] == "Assembleia da rede"
    assert (meeting["start_time"], meeting["duration"]) == ("2026-12-01T15:00:00Z", 90)
    assert meeting["settings"]["language_interpretation"]["interpreters"] == [
        {"email": "ana@example.org", "interpreter_languages": "Portuguese,English"}]
    [post] = basecamp.active("Message", network.project)
    assert "Assembleia da rede" in post["subject"]
    comments = [c for c in basecamp.active("Comment", network.project)
                if c["parent"]["id"] == post["id"]]
    assert [meeting["join_url"] in c["content"] for c in comments] == [True]
    assert "Portuguese ⇄ English" in comments[0]["content"]


async def test_recording_lands_in_docs_and_files_intact(network: Network) -> None:
    basecamp, zoom = network.basecamp, network.zoom
    async with network.hub() as hub:
        meeting = await zoom.user_schedules_meeting("Network call",
                                                    datetime(2026, 12, 1, 15, tzinfo=UTC))
        video = bytes(range(256)) * 2048
        await zoom.meeting_recorded(meeting["id"], {"MP4": video})
        await network.settle(hub)
    [upload] = basecamp.active("Upload", network.project)
    assert upload["filename"] == "Network call - shared_screen_with_speaker_view.mp4"
    data, _ = basecamp.blobs[f"upload-{upload['id']}"]
    assert data == video
