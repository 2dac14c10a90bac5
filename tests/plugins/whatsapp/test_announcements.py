"""A calendar event announced to a WhatsApp circle, its invitation as a document, and the
original quoted under a translation."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.connector import Address, Form, LocalFile, Outgoing, Shape, Target
from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.rendering.announcement import announce
from hub.rendering.original import original
from plugins.whatsapp import mapping
from plugins.whatsapp.circles import Member
from tests.plugins.whatsapp.helpers import NOW, Graph, make_connector

A, B = "972987654321", "351912345678"
CIRCLE = Target(Address.parse("wa/circle/general"), Shape.CHAT, "pt")
SCHEDULE = Schedule(starts_at=datetime(2026, 12, 8, 15, tzinfo=UTC),
                    ends_at=datetime(2026, 12, 8, 16, 30, tzinfo=UTC),
                    join_url="https://zoom.us/j/8000")
ASSEMBLY = Event(kind=Kind.EVENT_CREATED,
                 source=Ref(platform="basecamp", connection="network-basecamp",
                            endpoint="calendar/1", native_id="900"),
                 actor=Actor(platform="basecamp", native_id="1", name="Camille Martin"),
                 occurred_at=NOW, title="Assemblée des villes",
                 body="Ordre du jour : la rencontre de Lisbonne.", language="fr",
                 schedule=SCHEDULE)


def outgoing(*, files: tuple[LocalFile, ...] = (), shown: bool = False) -> Outgoing:
    return Outgoing(form=Form.MESSAGE, event=ASSEMBLY, title="Assembleia das cidades",
                    body="Ordem do dia: o encontro de Lisboa.", idempotency_key="passerelle-9",
                    files=files, source_label="Basecamp",
                    announcement=announce(ASSEMBLY, "pt", "Europe/Lisbon"),
                    original=original(ASSEMBLY.title, ASSEMBLY.body, "fr", "pt")
                    if shown else None)


def plain(text: str) -> str:
    return text.replace("\u2009", " ").replace("\u202f", " ")


ANNOUNCED = ("*Camille Martin (Basecamp)*\n*Assembleia das cidades*\n"
             "🗓 terça-feira, 8 de dezembro de 2026 15:00 – 16:30 (Horário Padrão da Europa "
             "Ocidental)\n🔗 Entrar (https://zoom.us/j/8000)\n\n"
             "Ordem do dia: o encontro de Lisboa.")


def test_the_text_tells_when_and_how_to_join_before_the_agenda() -> None:
    out = outgoing()
    assert out.announcement is not None
    assert plain(mapping.compose_text(out.author, out.title, out.body,
                                      announcement=out.announcement.markup())) == ANNOUNCED


def test_the_original_is_quoted_below() -> None:
    out = outgoing(shown=True)
    assert out.original is not None
    assert mapping.compose_text(out.author, out.title, out.body,
                                original=out.original.markup()).endswith(
        "Ordem do dia: o encontro de Lisboa.\n\n_🌐 Original (francês):_\n\n"
        "> *Assemblée des villes*\n> \n> Ordre du jour : la rencontre de Lisbonne.")


def test_an_invitation_is_uploaded_as_text_under_its_ics_name() -> None:
    assert mapping.upload_type("text/calendar") == "text/plain"
    assert mapping.upload_type("application/pdf") == "application/pdf"
    assert mapping.media_kind("text/calendar", 600) == "document"


async def test_each_member_gets_the_invitation_with_the_announcement_as_its_caption(
        tmp_path: Path) -> None:
    graph = Graph()
    connector = make_connector(graph)
    for key in (A, B):
        await connector.roster.save(Member(key=key, last_inbound=NOW - timedelta(hours=2)))
    path = tmp_path / "invitation.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    ics = LocalFile(path, "Assembleia das cidades.ics", "text/calendar", path.stat().st_size)
    await connector.send(outgoing(files=(ics,)), CIRCLE)
    assert graph.uploads == 1  # once for the circle
    upload = graph.media.calls[0].request.content
    assert b'filename="Assembleia das cidades.ics"' in upload
    assert b"Content-Type: text/plain" in upload and b"text/calendar" not in upload
    for member in (A, B):
        [sent, buttons] = graph.to(member)  # the answer buttons follow (test_answers.py)
        assert buttons["type"] == "interactive"
        assert sent["type"] == "document"
        assert sent["document"]["filename"] == "Assembleia das cidades.ics"
        assert plain(sent["document"]["caption"]) == ANNOUNCED


async def test_the_template_quotes_the_time_for_a_closed_window() -> None:
    graph = Graph()
    connector = make_connector(graph, template={
        "name": "new_event", "language": "pt_PT", "parameters": ["{title}", "{when}"]})
    await connector.roster.save(Member(key=B, circle="general", opted_in=True))
    await connector.send(dataclasses.replace(outgoing(), idempotency_key="passerelle-10"),
                         CIRCLE)
    [template] = graph.to(B)
    values = [p["text"] for p in template["template"]["components"][0]["parameters"]]
    assert values[0] == "Assembleia das cidades"
    assert plain(values[1]) == ("terça-feira, 8 de dezembro de 2026 15:00 – 16:30 (Horário "
                                "Padrão da Europa Ocidental)")
