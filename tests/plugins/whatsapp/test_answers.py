"""Answers from WhatsApp: the reply buttons an announcement carries inside the 24-hour window,
and a button pressed read back as the member's answer about the hub's copy of it."""

from __future__ import annotations

import copy
import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.calendar.answers import Reply
from hub.calendar.marks import ATTENDANCE
from hub.connector import Address, Form, LocalFile, Outgoing, Shape, Target
from hub.errors import NotSupported
from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.rendering.announcement import Status, announce
from plugins.whatsapp import answers, mapping
from plugins.whatsapp.circles import Member
from plugins.whatsapp.connector import WhatsAppConnector
from tests.plugins.whatsapp.conftest import fixture, signed
from tests.plugins.whatsapp.helpers import NOW, Graph, make_connector

A, B = "972987654321", "351912345678"
CIRCLE = Target(Address.parse("wa/circle/general"), Shape.CHAT, "pt")
PORTUGUESE = [("answer:yes", "Vou"), ("answer:no", "Não posso"), ("answer:maybe", "Talvez")]
ASSEMBLY = Event(kind=Kind.EVENT_CREATED,
                 source=Ref(platform="basecamp", connection="network-basecamp",
                            endpoint="calendar/1", native_id="900"),
                 actor=Actor(platform="basecamp", native_id="1", name="Camille Martin"),
                 occurred_at=NOW, title="Assembleia das cidades", body="Ordem do dia.",
                 language="pt",
                 schedule=Schedule(starts_at=datetime(2026, 12, 8, 15, tzinfo=UTC),
                                   ends_at=datetime(2026, 12, 8, 16, 30, tzinfo=UTC)))


def announcement(body: str = "Ordem do dia.", *, key: str = "passerelle-9",
                 files: tuple[LocalFile, ...] = ()) -> Outgoing:
    return Outgoing(form=Form.MESSAGE, event=ASSEMBLY, title="Assembleia das cidades",
                    body=body, idempotency_key=key, files=files, source_label="Basecamp",
                    announcement=announce(ASSEMBLY, "pt", "Europe/Lisbon"))


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    assert message["type"] == "interactive" and message["interactive"]["type"] == "button"
    return [(b["reply"]["id"], b["reply"]["title"])
            for b in message["interactive"]["action"]["buttons"]]


async def open_windows(connector: WhatsAppConnector, *keys: str) -> None:
    for key in keys:
        await connector.roster.save(Member(key=key, last_inbound=NOW - timedelta(hours=2)))


# -- the payload -----------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "titles"), [
    ("pt", ["Vou", "Não posso", "Talvez"]),
    ("en", ["I'll come", "I can't", "Maybe"]),
    ("fr", ["Je viens", "Je ne peux pas", "Peut-être"]),
])
def test_the_buttons_speak_the_readers_language(language: str, titles: list[str]) -> None:
    message = answers.buttons_message("*Assembleia*", language)
    assert message["interactive"]["body"] == {"text": "*Assembleia*"}
    assert buttons(message) == list(zip(["answer:yes", "answer:no", "answer:maybe"], titles,
                                        strict=True))
    assert all(b["type"] == "reply" for b in message["interactive"]["action"]["buttons"])


def test_a_body_over_the_limit_is_cut_with_an_ellipsis() -> None:
    body = answers.buttons_message("a" * 2000, "pt")["interactive"]["body"]["text"]
    assert len(body) == answers.BODY_LIMIT and body.endswith("…")


def test_a_short_text_carries_the_buttons_itself() -> None:
    parts = [mapping.text_message("*Ana*\nOlá"), mapping.media_message("document", "m1")]
    asked, index = answers.with_buttons(parts, "question", "pt")
    assert index == 0 and asked[1:] == parts[1:]
    assert asked[0]["interactive"]["body"]["text"] == "*Ana*\nOlá"


@pytest.mark.parametrize("first", [
    mapping.text_message("x" * 1025),
    mapping.media_message("document", "m1", caption="*Ana*", filename="a.ics"),
])
def test_the_buttons_follow_a_document_or_a_long_text(first: dict[str, Any]) -> None:
    asked, index = answers.with_buttons([first], "*Assembleia*", "pt")
    assert index == 1 and asked[0] == first
    assert asked[1]["interactive"]["body"]["text"] == "*Assembleia*"


def test_the_question_names_the_event_and_its_time() -> None:
    question = answers.question(announcement()).replace("\u2009", " ").replace("\u202f", " ")
    assert question == ("*Assembleia das cidades*\n🗓 terça-feira, 8 de dezembro de 2026 "
                        "15:00 – 16:30 (Horário Padrão da Europa Ocidental)")


# -- the press, as WhatsApp reports it -------------------------------------------------------

def pressed(button: str = "answer:maybe", on: str = "wamid.xyzxyz", wa_id: str = A
            ) -> dict[str, Any]:
    """The Cloud API's `button_reply` webhook (tests/fixtures/whatsapp), with our button."""
    payload = copy.deepcopy(fixture("interactive_button_reply.json"))
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = wa_id
    del value["contacts"][0]["user_id"]  # the fixture's person's, not whoever presses here
    message = value["messages"][0]
    message.update({"from": wa_id, "id": f"wamid.press-{button}-{on}-{wa_id}",
                    "timestamp": str(int(NOW.timestamp()))})
    message["context"]["id"] = on
    message["interactive"]["button_reply"] = {"id": button, "title": "Talvez"}
    return payload


def test_the_fixtures_press_is_read_with_the_message_it_was_on() -> None:
    [item] = mapping.read_delivery(fixture("interactive_button_reply.json"), connection="wa",
                                   phone_number_id=None).received
    assert item.pressed == answers.Press("callback_data", "title", "wamid.xyzxyz")


@pytest.mark.parametrize("name", ["interactive_list_reply.json", "text_reply_with_context.json",
                                  "template_quick_reply_bsuid.json"])
def test_other_messages_press_nothing(name: str) -> None:
    [item] = mapping.read_delivery(fixture(name), connection="wa",
                                   phone_number_id=None).received
    assert item.pressed is None


def test_a_press_naming_no_message_is_read_with_none() -> None:
    message = copy.deepcopy(fixture("interactive_button_reply.json"))["entry"][0]["changes"][0]
    body = message["value"]["messages"][0]
    del body["context"]
    assert answers.press_of(body) == answers.Press("callback_data", "title", "")


# -- the connector ---------------------------------------------------------------------------

async def test_open_windows_get_one_message_with_the_buttons_closed_ones_the_template(
        ) -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A)  # B's window is closed
    receipt = await connector.send(announcement(), CIRCLE)
    [to_a] = graph.to(A)
    assert buttons(to_a) == PORTUGUESE
    assert to_a["interactive"]["body"]["text"].startswith("*Camille Martin (Basecamp)*\n"
                                                          "*Assembleia das cidades*\n🗓 ")
    assert receipt.native_id == "wamid.out1"
    [to_b] = graph.to(B)
    assert to_b["type"] == "template"


async def test_an_invitation_keeps_its_caption_and_the_buttons_follow(tmp_path: Path) -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A)
    path = tmp_path / "invitation.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    ics = LocalFile(path, "Assembleia das cidades.ics", "text/calendar", path.stat().st_size)
    await connector.send(announcement(files=(ics,)), CIRCLE)
    document, question = graph.to(A)
    assert document["type"] == "document" and "Ordem do dia." in document["document"]["caption"]
    assert buttons(question) == PORTUGUESE
    assert question["interactive"]["body"]["text"].startswith("*Assembleia das cidades*\n🗓 ")


async def test_no_buttons_in_groups_on_notices_or_on_a_cancelled_event() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A)
    group = Target(Address.parse("wa/group/G1"), Shape.CHAT, "pt")
    await connector.send(announcement(), group)
    assert graph.sent[-1]["type"] == "text"
    receipt = await connector.send(announcement(key="passerelle-10"), CIRCLE)
    await connector.update(announcement(body="Nova ordem do dia.", key="passerelle-11"),
                           CIRCLE, receipt.native_id)
    assert graph.to(A)[-1]["type"] == "text" and graph.to(A)[-1]["context"]
    told = announcement().announcement
    assert told is not None
    cancelled = dataclasses.replace(announcement(key="passerelle-12"),
                                    announcement=dataclasses.replace(
                                        told, status=Status.CANCELLED))
    await connector.send(cancelled, CIRCLE)
    assert graph.to(A)[-1]["type"] == "text"


async def test_the_attendance_summary_is_not_sent_to_whatsapp() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A)
    summary = ASSEMBLY.model_copy(update={
        "kind": Kind.MESSAGE_CREATED, "schedule": None,
        "actor": Actor(platform="hub", native_id=ATTENDANCE, name="Hub"),
        "raw": {ATTENDANCE: {"event": "900"}}})
    out = Outgoing(form=Form.REPLY, event=summary, title=None, body="Vou: Ana",
                   idempotency_key="passerelle-20", reply_to="wamid.out1")
    with pytest.raises(NotSupported, match="cannot edit a message in place"):
        await connector.send(out, CIRCLE)
    with pytest.raises(NotSupported, match="arrive again with every answer"):
        await connector.update(out, CIRCLE, "wamid.out1")
    assert graph.sent == []


async def test_each_members_press_is_an_answer_about_the_hubs_copy() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A, B)
    receipt = await connector.send(announcement(), CIRCLE)
    [to_a], [to_b] = graph.to(A), graph.to(B)
    assert receipt.native_id == "wamid.out1"  # A's copy stands for the circle's
    inbound = await connector.receive(signed(pressed("answer:yes", "wamid.out2", B)))
    assert inbound.events == []
    [answer] = inbound.answers
    # B pressed on their own copy (wamid.out2); the hub's links know the circle's, wamid.out1.
    assert answer.about == Ref(platform="whatsapp", connection="wa", endpoint="circle/general",
                               native_id="wamid.out1")
    assert answer.person == Actor(platform="whatsapp", native_id=B, name="Test Name")
    assert answer.reply is Reply.YES and answer.at == NOW
    [again] = (await connector.receive(signed(pressed("answer:no", "wamid.out1", A)))).answers
    assert (again.about, again.person.native_id, again.reply) == (answer.about, A, Reply.NO)
    assert buttons(to_a) == buttons(to_b) == PORTUGUESE


async def test_a_press_opens_the_window_like_any_message() -> None:
    graph = Graph()
    clock = [NOW]
    connector = make_connector(graph, clock)
    await open_windows(connector, A)
    await connector.send(announcement(), CIRCLE)
    clock[0] = NOW + timedelta(hours=23)
    await connector.receive(signed(pressed("answer:yes", "wamid.out1", A)))
    member = await connector.roster.load(A)
    assert member is not None and member.last_inbound == NOW


async def test_unknown_buttons_and_messages_answer_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    graph = Graph()
    connector = make_connector(graph)
    await open_windows(connector, A)
    await connector.send(announcement(), CIRCLE)
    caplog.set_level(logging.INFO, logger="plugins.whatsapp.connector")
    for payload in (fixture("interactive_button_reply.json"),  # "callback_data"
                    pressed("answer:later", "wamid.out1"),
                    pressed("answer:yes", "wamid.elsewhere")):
        inbound = await connector.receive(signed(payload))
        assert (inbound.events, inbound.answers) == ([], [])
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(logged) == 3
    assert "'callback_data' that is no answer button" in logged[0]
    assert "'answer:later' that is no answer button" in logged[1]
    assert "'wamid.elsewhere', which carries no answer buttons" in logged[2]
