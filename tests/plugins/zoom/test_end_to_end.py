"""The hub, the Zoom emulator and another platform, all over real loopback HTTP.

A calendar event from the other platform becomes a Zoom meeting with interpretation for the
bridge's languages and its join link comes back; moving the event moves the meeting; a
finished recording's bytes reach the other platform intact; a Team Chat message and its reply
arrive as a thread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.app import Hub
from hub.sandbox.base import Fault, serve, serve_emulator
from hub.sandbox.zoom import ZoomEmulator
from hub.settings import HubSettings
from hub.store import DONE
from tests.plugins.zoom.almanac import AlmanacPlatform, AlmanacPlugin

ALMANAC_TOKEN = "almanac-token"


@dataclass
class World:
    hub: Hub
    zoom: ZoomEmulator
    almanac: AlmanacPlatform
    http: httpx.AsyncClient

    async def almanac_says(self, **item: Any) -> None:
        """A person acts on the other platform, which tells the hub by webhook."""
        response = await self.http.post(f"{self.hub.url}/webhooks/almanac", json=item,
                                        headers={"x-almanac-token": ALMANAC_TOKEN})
        assert response.status_code == 200, response.text


def settings(tmp_path: Path, zoom: ZoomEmulator, almanac_url: str) -> HubSettings:
    host = zoom.account.host_id
    return HubSettings.model_validate({
        "store": {"url": f"sqlite:///{tmp_path}/hub.db"},
        "web": {"port": 0},
        "delivery": {"backoff_base_seconds": 0.05, "backoff_cap_seconds": 0.2},
        "connections": {
            "net-zoom": {
                "type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
                "account_id": zoom.account.account_id, "client_id": zoom.account.client_id,
                "client_secret": zoom.account.client_secret,
                "secret_token": zoom.account.secret_token,
                "interpreters": [{"email": "ana@example.org", "languages": ["en", "pt"]},
                                 {"email": "li@example.org", "languages": ["en", "zh"]}],
            },
            "almanac": {"type": "almanac", "base_url": almanac_url, "token": ALMANAC_TOKEN},
        },
        "bridges": {
            "meetings": {"translate": False, "endpoints": [
                {"at": "almanac/calendar/team", "language": "pt"},
                {"at": f"net-zoom/calendar/{host}", "language": "en"},
                {"at": "almanac/chat/general", "language": "pt"},
            ]},
            "recordings": {"translate": False, "endpoints": [
                {"at": f"net-zoom/files/{host}", "direction": "in"},
                {"at": "almanac/files/shelf", "direction": "out"},
            ]},
            "chat": {"translate": False, "endpoints": [
                {"at": "net-zoom/chat/C1"}, {"at": "almanac/chat/lobby"},
            ]},
        },
    })


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    almanac = AlmanacPlatform()
    async with serve_emulator(ZoomEmulator()) as zoom, serve(almanac.app) as almanac_url, \
            Hub.start(settings(tmp_path, zoom, almanac_url),
                      extra_plugins={"almanac": AlmanacPlugin()}) as hub, \
            httpx.AsyncClient() as http:
        zoom.webhook_url = f"{hub.url}/webhooks/net-zoom"
        yield World(hub, zoom, almanac, http)


def at(hours: int) -> str:
    return (datetime(2026, 12, 1, 15, tzinfo=UTC) + timedelta(hours=hours)).isoformat()


async def test_url_validation_handshake_over_http(world: World) -> None:
    response = await world.zoom.validate_endpoint("qgg8vlvZRS6UYooatFL8Aw")
    assert response.status_code == 200
    expected = hmac.new(world.zoom.account.secret_token.encode(), b"qgg8vlvZRS6UYooatFL8Aw",
                        hashlib.sha256).hexdigest()
    assert response.json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw",
                               "encryptedToken": expected}


async def test_forged_webhook_is_refused_and_nothing_is_stored(world: World) -> None:
    body = b'{"event":"meeting.deleted","payload":{"object":{"id":1}}}'
    headers = world.zoom.signature_headers(body)
    headers["x-zm-signature"] = headers["x-zm-signature"][:-2] + "00"
    response = await world.zoom.fire(body, headers)
    assert response.status_code == 401
    assert await world.hub.store.run(world.hub.store.events_after, 0, 10) == []


async def test_calendar_event_becomes_a_meeting_and_follows_its_moves(world: World) -> None:
    await world.almanac_says(kind="event.created", id="ev-1", endpoint="calendar/team",
                             at=at(-48), title="Rede: reunião mensal", body="Ordem do dia",
                             starts_at=at(0), ends_at=at(1))
    await world.hub.settle()

    [meeting] = world.zoom.meetings.values()
    assert meeting["topic"] == "Rede: reunião mensal"
    assert meeting["start_time"] == "2026-12-01T15:00:00Z"
    assert meeting["duration"] == 60
    assert meeting["settings"]["language_interpretation"] == {"enable": True, "interpreters": [
        {"email": "ana@example.org", "interpreter_languages": "English,Portuguese"}]}

    [announcement] = [i for i in world.almanac.on("chat/general") if i["form"] == "message"]
    [notice] = [i for i in world.almanac.on("chat/general") if i["form"] == "reply"]
    assert notice["thread"] == announcement["id"]
    assert meeting["join_url"] in notice["body"]
    assert "English ⇄ Portuguese" in notice["body"]

    await world.almanac_says(kind="event.updated", id="ev-1", endpoint="calendar/team",
                             at=at(-24), title="Rede: reunião mensal", body="Ordem do dia",
                             starts_at=at(2), ends_at=at(4), rev="2")
    await world.hub.settle()
    assert meeting["start_time"] == "2026-12-01T17:00:00Z"
    assert meeting["duration"] == 120

    await world.almanac_says(kind="event.cancelled", id="ev-1", endpoint="calendar/team",
                             at=at(-12), title="Rede: reunião mensal", starts_at=at(2),
                             ends_at=at(4))
    await world.hub.settle()
    assert world.zoom.meetings == {}


async def test_recording_bytes_arrive_intact(world: World) -> None:
    meeting = await world.zoom.user_schedules_meeting("Network call",
                                                      datetime(2026, 12, 1, 15, tzinfo=UTC))
    video = bytes(range(256)) * 4096  # 1 MiB that a text decoding would mangle
    audio = b"\x00\x00\x00\x20ftypM4A " + b"\xff" * 50_000
    response = await world.zoom.meeting_recorded(meeting["id"], {"MP4": video, "M4A": audio})
    assert response.status_code == 200
    await world.hub.settle()
    shelf = world.almanac.on("files/shelf")
    received = {item["files"][0]["name"]: base64.b64decode(item["files"][0]["content"])
                for item in shelf}
    assert received == {"Network call - shared_screen_with_speaker_view.mp4": video,
                        "Network call - audio_only.m4a": audio}


async def test_team_chat_message_and_reply_mirror_as_a_thread(world: World) -> None:
    first = await world.zoom.user_posts("C1", "Bom dia a todos")
    await world.zoom.user_posts("C1", "Good morning!", sender="li@example.org",
                                reply_to=first["id"])
    await world.hub.settle()
    lobby = world.almanac.on("chat/lobby")
    [top] = [i for i in lobby if i["thread"] is None]
    [reply] = [i for i in lobby if i["thread"] is not None]
    assert top["body"] == "Bom dia a todos"
    assert reply["body"] == "Good morning!"
    assert reply["thread"] == top["id"]


async def test_almanac_reply_lands_in_the_zoom_thread(world: World) -> None:
    first = await world.zoom.user_posts("C1", "Agenda?")
    await world.hub.settle()
    [copy] = world.almanac.on("chat/lobby")
    await world.almanac_says(kind="message.created", id="m-9", endpoint="chat/lobby",
                             at=at(-1), body="Vou enviar **hoje**", parent=copy["id"])
    await world.hub.settle()
    [answer] = [m for m in world.zoom.messages.values() if m.get("reply_main_message_id")]
    assert answer["reply_main_message_id"] == first["id"]
    assert answer["message"] == "Marta Reis (Almanac)\nVou enviar hoje"


async def test_rate_limited_send_is_retried(world: World) -> None:
    world.zoom.rate_limit("/v2/chat/users/me/messages", times=2)  # per second: no Retry-After
    await world.almanac_says(kind="message.created", id="m-1", endpoint="chat/lobby",
                             at=at(-1), body="Olá")
    await world.hub.settle()
    assert [m["message"] for m in world.zoom.messages.values()] == [
        "Marta Reis (Almanac)\nOlá"]
    [delivery] = await world.hub.store.run(world.hub.store.deliveries, DONE)
    assert delivery.attempts == 2  # two refused attempts, backing off, then done


async def test_meeting_scheduled_and_moved_in_zoom_reaches_the_calendar(world: World) -> None:
    meeting = await world.zoom.user_schedules_meeting(
        "Conselho", datetime(2026, 12, 3, 10, tzinfo=UTC), agenda="Contas")
    await world.hub.settle()
    [entry] = world.almanac.on("calendar/team")
    assert (entry["form"], entry["title"], entry["body"]) == ("calendar", "Conselho", "Contas")
    assert entry["starts_at"] == "2026-12-03T10:00:00+00:00"
    response = await world.zoom.user_moves_meeting(meeting["id"],
                                                   datetime(2026, 12, 3, 11, tzinfo=UTC))
    assert response.status_code == 200
    await world.hub.settle()
    stored = await world.hub.store.run(world.hub.store.events_after, 0, 100)
    updated = [item.event for item in stored if item.event.kind.value == "event.updated"]
    [event] = updated
    assert event.schedule is not None
    assert event.schedule.starts_at == datetime(2026, 12, 3, 11, tzinfo=UTC)
    assert event.title == "Conselho"  # read again: the webhook itself carried only the time
    assert entry["starts_at"] == "2026-12-03T11:00:00+00:00"  # the entry was moved too
    announcements = world.almanac.on("chat/general")
    assert [i["form"] for i in announcements] == ["message", "reply"]


async def test_echoes_of_the_hub_s_own_meetings_are_not_mirrored_back(world: World) -> None:
    world.zoom.echo_api_changes = True  # Zoom tells the account about API changes too
    await world.almanac_says(kind="event.created", id="ev-2", endpoint="calendar/team",
                             at=at(-48), title="Assembleia", starts_at=at(0), ends_at=at(1))
    await world.hub.settle()
    assert [e["event"] for e in world.zoom.fired] == ["meeting.created"]
    assert world.almanac.on("calendar/team") == []  # nothing came back to its origin
    [announcement, notice] = world.almanac.on("chat/general")
    assert (announcement["form"], notice["form"]) == ("message", "reply")


async def test_edits_and_deletes_travel_both_ways(world: World) -> None:
    first = await world.zoom.user_posts("C1", "Reunião às 10h")
    await world.hub.settle()
    [copy] = world.almanac.on("chat/lobby")
    await world.zoom.user_edits(first["id"], "Reunião às 11h")
    await world.hub.settle()
    assert copy["body"] == "Reunião às 11h"
    await world.zoom.user_deletes(first["id"])
    await world.hub.settle()
    assert copy.get("deleted") is True

    await world.almanac_says(kind="message.created", id="m-5", endpoint="chat/lobby",
                             at=at(-3), body="Primeira versão")
    await world.hub.settle()
    [mirrored] = world.zoom.messages.values()
    await world.almanac_says(kind="message.updated", id="m-5", endpoint="chat/lobby",
                             at=at(-2), body="Segunda versão", rev="2")
    await world.hub.settle()
    assert mirrored["message"] == "Marta Reis (Almanac)\nSegunda versão"
    await world.almanac_says(kind="message.deleted", id="m-5", endpoint="chat/lobby", at=at(-1))
    await world.hub.settle()
    assert world.zoom.messages == {}


async def test_lost_answer_to_a_meeting_creation_makes_no_second_meeting(world: World) -> None:
    host = world.zoom.account.host_id
    world.zoom.faults.inject(f"/v2/users/{host}/meetings", Fault(drop=True))
    await world.almanac_says(kind="event.created", id="ev-3", endpoint="calendar/team",
                             at=at(-48), title="Plenária", starts_at=at(0), ends_at=at(1))
    await world.hub.settle()
    [meeting] = world.zoom.meetings.values()  # made once, though its answer was lost
    [delivery] = [d for d in await world.hub.store.run(world.hub.store.deliveries, DONE)
                  if d.target == f"net-zoom/calendar/{host}"]
    assert delivery.attempts == 1
    assert delivery.native_id == str(meeting["id"])
    notices = [i for i in world.almanac.on("chat/general") if i["form"] == "reply"]
    assert [meeting["join_url"] in n["body"] for n in notices] == [True]


async def test_lost_answer_to_a_chat_post_makes_no_second_message(world: World) -> None:
    world.zoom.faults.inject("/v2/chat/users/me/messages", Fault(drop=True))
    await world.almanac_says(kind="message.created", id="m-8", endpoint="chat/lobby",
                             at=at(-1), body="Só uma vez")
    await world.hub.settle()
    assert [m["message"] for m in world.zoom.messages.values()] == [
        "Marta Reis (Almanac)\nSó uma vez"]
