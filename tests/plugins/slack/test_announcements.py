"""A calendar event announced in a Slack channel, with its invitation, and the original under
a translation as a context block."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from hub.connector import Address, Form, LocalFile, MemoryStateBox, Outgoing, Shape, Target
from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.rendering.announcement import announce
from hub.rendering.original import original
from plugins.slack import mapping
from plugins.slack.connector import SlackConnector
from plugins.slack.settings import SlackSettings

TARGET = Target(Address("lisbon-slack", "chat", "C0123ABC"), Shape.CHAT, "en")
SCHEDULE = Schedule(starts_at=datetime(2026, 12, 8, 15, tzinfo=UTC),
                    ends_at=datetime(2026, 12, 8, 16, 30, tzinfo=UTC),
                    location="Paços do Concelho", join_url="https://zoom.us/j/8000")
ASSEMBLY = Event(kind=Kind.EVENT_CREATED,
                 source=Ref(platform="basecamp", connection="network-basecamp",
                            endpoint="calendar/1", native_id="900"),
                 actor=Actor(platform="basecamp", native_id="1", name="Camille Martin"),
                 occurred_at=datetime(2026, 12, 1, 9, tzinfo=UTC), title="Assemblée des villes",
                 body="Ordre du jour : la rencontre de Lisbonne.", language="fr",
                 schedule=SCHEDULE)


def outgoing(*, files: tuple[LocalFile, ...] = (), shown: str | None = None,
             body: str = "Agenda: the meeting in Lisbon.") -> Outgoing:
    return Outgoing(form=Form.MESSAGE, event=ASSEMBLY, title="Assembly of the cities",
                    body=body, idempotency_key="passerelle-d9", files=files,
                    source_label="Basecamp",
                    announcement=announce(ASSEMBLY, "en", "Europe/Lisbon"),
                    original=None if shown is None else original(
                        ASSEMBLY.title, ASSEMBLY.body, "fr", "en", url=shown or None))


def plain(text: str) -> str:
    return text.replace("\u2009", " ").replace("\u202f", " ")


def test_the_announcement_sits_between_title_and_body() -> None:
    assert plain(mapping.render(outgoing(), prefix=True)) == (
        "*Camille Martin (Basecamp):* *Assembly of the cities*\n"
        "🗓 Tuesday, December 8, 2026, 3:00 – 4:30 PM (Western European Standard Time)\n"
        "📍 Paços do Concelho\n"
        "🔗 <https://zoom.us/j/8000|Join>\n\n"
        "Agenda: the meeting in Lisbon.")
    assert plain(mapping.render(outgoing(body=""), prefix=False)).endswith("|Join>")


def test_no_original_no_blocks() -> None:
    assert mapping.blocks(outgoing(), "text") is None


def test_the_original_below_is_a_context_block() -> None:
    text = mapping.render(outgoing(shown=""), prefix=False)
    blocks = mapping.blocks(outgoing(shown=""), text)
    assert blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
            "🌐 _Original (French):_\n*Assemblée des villes*\n"
            "Ordre du jour : la rencontre de Lisbonne."}]}]


def test_the_original_as_a_link() -> None:
    blocks = mapping.blocks(outgoing(shown="https://3.basecamp.com/1/buckets/2/schedule_entries"
                                           "/900"), "text")
    assert blocks is not None and blocks[-1] == {"type": "context", "elements": [
        {"type": "mrkdwn", "text": "🌐 <https://3.basecamp.com/1/buckets/2/schedule_entries/900"
                                   "|See the original (French)>"}]}


def test_long_text_fills_several_sections_and_a_long_original_is_cut() -> None:
    text = "\n".join(f"line {n} " + "x" * 90 for n in range(80))
    out = dataclasses.replace(outgoing(shown=""),
                              original=original(None, "y" * 5000, "fr", "en"))
    blocks = mapping.blocks(out, text)
    assert blocks is not None
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(sections) == 3 and all(len(s) <= mapping.SECTION_LIMIT for s in sections)
    assert "\n".join(sections) == text
    context = blocks[-1]["elements"][0]["text"]
    assert len(context) == mapping.SECTION_LIMIT and context.endswith("…")


@pytest.mark.parametrize(("ts", "thread", "link"), [
    ("1764149400.000200", None, "https://lisbon.slack.com/archives/C0123ABC/p1764149400000200"),
    ("1764149500.000300", "1764149400.000200",
     "https://lisbon.slack.com/archives/C0123ABC/p1764149500000300"
     "?thread_ts=1764149400.000200&cid=C0123ABC"),
])
def test_permalinks_are_slacks_own_form(ts: str, thread: str | None, link: str) -> None:
    assert mapping.permalink("https://lisbon.slack.com/", "C0123ABC", ts, thread) == link


# -- through the connector -------------------------------------------------------------------

@pytest.fixture
async def connector(api: respx.Router) -> AsyncIterator[SlackConnector]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        settings = SlackSettings.model_validate({
            "type": "slack", "bot_token": "xoxb-1-fake",
            "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5",
            # An announcement and its invitation go to one channel: no second between them.
            "channel_interval_seconds": 0.001})
        yield SlackConnector("lisbon-slack", settings, http, MemoryStateBox(),
                             clock=time.monotonic)


def sent(route: respx.Route) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls[-1].request.content)
    return body


async def test_an_announcement_with_its_original_posts_blocks_and_a_fallback(
        connector: SlackConnector, api: respx.Router) -> None:
    await connector.send(outgoing(shown=""), TARGET)
    body = sent(api.routes["send"])
    assert "🗓 Tuesday, December 8, 2026" in body["text"]  # what notifications show
    assert [b["type"] for b in body["blocks"]] == ["section", "context"]
    assert body["blocks"][0]["text"]["text"] == body["text"]
    update = api.post("chat.update").respond(json={"ok": True})
    await connector.update(outgoing(shown=""), TARGET, "C0123ABC/1764149400.000200")
    assert sent(update)["blocks"][-1]["type"] == "context"


async def test_an_announcement_without_an_original_is_text_alone(
        connector: SlackConnector, api: respx.Router) -> None:
    await connector.send(outgoing(), TARGET)
    assert "blocks" not in sent(api.routes["send"])


async def test_the_invitation_is_shared_with_the_announcement(
        connector: SlackConnector, api: respx.Router, tmp_path: Path) -> None:
    path = tmp_path / "invitation.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    ics = LocalFile(path, "Assembly of the cities.ics", "text/calendar", path.stat().st_size)
    api.post("files.getUploadURLExternal").respond(json={
        "ok": True, "upload_url": "https://files.slack.com/upload/v1/ICS", "file_id": "F0ICS"})
    api.post("https://files.slack.com/upload/v1/ICS").respond(text="OK - 30")
    complete = api.post("files.completeUploadExternal").respond(json={
        "ok": True, "files": [{"id": "F0ICS"}]})
    api.post("files.info").respond(json={"ok": True, "file": {
        "id": "F0ICS", "shares": {"public": {"C0123ABC": [{"ts": "1764149600.000100"}]}}}})
    receipt = await connector.send(outgoing(files=(ics,)), TARGET)
    assert receipt.native_id == "C0123ABC/1764149600.000100"
    body = sent(complete)
    assert body["files"] == [{"id": "F0ICS", "title": "Assembly of the cities.ics"}]
    assert "🗓 Tuesday, December 8, 2026" in body["initial_comment"] and "blocks" not in body
    # With the original shown, blocks introduce the file (Slack ignores them beside a comment).
    await connector.send(dataclasses.replace(outgoing(files=(ics,), shown=""),
                                             idempotency_key="passerelle-d10"), TARGET)
    body = sent(complete)
    assert "initial_comment" not in body and body["blocks"][-1]["type"] == "context"


async def test_a_slack_message_links_to_itself(connector: SlackConnector) -> None:
    reply = Event(kind=Kind.MESSAGE_CREATED,
                  source=Ref(platform="slack", connection="lisbon-slack", endpoint="chat/C1",
                             native_id="C1/1764149500.000300"),
                  parent=Ref(platform="slack", connection="lisbon-slack", endpoint="chat/C1",
                             native_id="C1/1764149400.000200"),
                  actor=Actor(platform="slack", native_id="U1", name="Emma"),
                  occurred_at=datetime(2026, 12, 1, tzinfo=UTC), body="hi")
    assert await connector.permalink(reply) == (
        "https://lisbon.slack.com/archives/C1/p1764149500000300?thread_ts=1764149400.000200"
        "&cid=C1")
    reaction = reply.model_copy(update={"kind": Kind.REACTION_ADDED})
    assert await connector.permalink(reaction) is None


async def test_no_permalink_when_slack_cannot_say_who_it_is(
        connector: SlackConnector, api: respx.Router) -> None:
    api.routes["check"].respond(json={"ok": False, "error": "invalid_auth"})
    message = Event(kind=Kind.MESSAGE_CREATED,
                    source=Ref(platform="slack", connection="lisbon-slack", endpoint="chat/C1",
                               native_id="C1/1764149500.000300"),
                    actor=Actor(platform="slack", native_id="U1", name="Emma"),
                    occurred_at=datetime(2026, 12, 1, tzinfo=UTC), body="hi")
    assert await connector.permalink(message) is None
