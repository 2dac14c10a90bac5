"""The connection's members as people, and mentions that reach a member beyond the circle."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from hub.connector import Address, Outgoing, Shape, Target
from hub.events import Actor
from hub.people.model import Identity
from plugins.whatsapp.circles import Member
from plugins.whatsapp.connector import WhatsAppConnector
from tests.plugins.whatsapp.helpers import NOW, Graph, make_connector, outgoing

A, B = "972987654321", "351912345678"  # configured in "general"
HUGO = "33612345678"  # joined "lisbon"
BSUID = "US.13491208655302741918"  # a user who shares no number
GENERAL = Target(Address.parse("wa/circle/general"), Shape.CHAT)


async def seat(connector: WhatsAppConnector, key: str, *, circle: str | None = None,
               opted_in: bool = True, window: bool = True, name: str | None = None) -> None:
    await connector.roster.save(Member(
        key=key, circle=circle, opted_in=opted_in, name=name,
        wa_id=key if key.isdigit() else None, user_id=None if key.isdigit() else key,
        last_inbound=NOW - timedelta(hours=2) if window else None))


def mentioning(*keys: str, body: str = "Ask <@whatsapp:33612345678|Hugo Bernard>",
               key: str = "passerelle-1") -> Outgoing:
    return dataclasses.replace(outgoing(body, key=key), mentioned=keys)


async def test_people_are_the_circles_members_with_their_numbers() -> None:
    connector = make_connector(Graph())
    await seat(connector, A, name="Ana Souza")
    await seat(connector, HUGO, circle="lisbon", opted_in=False, name="Hugo")
    await seat(connector, BSUID, circle="lisbon", name="Rui")
    assert await connector.people() == [
        Identity("wa", "whatsapp", A, "Ana Souza", phone=A),
        Identity("wa", "whatsapp", B, "", phone=B),  # configured, never wrote
        Identity("wa", "whatsapp", HUGO, "Hugo", phone=HUGO),  # opted out: still a member
        Identity("wa", "whatsapp", BSUID, "Rui"),  # a BSUID is never a phone
    ]


def test_an_author_has_their_number_as_phone_and_a_bsuid_none() -> None:
    connector = make_connector(Graph())
    by_number = connector.identity_of(Actor(platform="whatsapp", native_id=HUGO, name="Hugo"))
    by_bsuid = connector.identity_of(Actor(platform="whatsapp", native_id=BSUID, name="Rui"))
    assert (by_number.phone, by_bsuid.phone) == (HUGO, None)


async def test_a_mentioned_member_of_another_circle_gets_the_item() -> None:
    graph = Graph()
    connector = make_connector(graph)
    for key in (A, B):
        await seat(connector, key)
    await seat(connector, HUGO, circle="lisbon")
    await connector.send(mentioning(HUGO), GENERAL)
    [to_hugo] = graph.to(HUGO)
    assert to_hugo["text"]["body"] == "*Ana Souza (Slack)*\nAsk @Hugo Bernard"
    assert len(graph.to(A)) == len(graph.to(B)) == 1


async def test_a_member_who_opted_out_gets_it_only_when_mentioned() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await seat(connector, A, opted_in=False)  # sent STOP
    await seat(connector, B, opted_in=False)
    await connector.send(mentioning(A), GENERAL)
    assert len(graph.to(A)) == 1
    assert graph.to(B) == []


async def test_outside_their_window_a_mentioned_member_gets_the_template() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await seat(connector, A)
    await seat(connector, HUGO, circle="lisbon", opted_in=False, window=False)
    await connector.send(mentioning(HUGO), GENERAL)
    [to_hugo] = graph.to(HUGO)
    assert to_hugo["type"] == "template"
    assert to_hugo["template"]["name"] == "new_post"


async def test_a_number_the_connection_never_met_is_not_written_to() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await seat(connector, A)
    await connector.send(mentioning("4915112345678"), GENERAL)
    assert graph.to("4915112345678") == []


async def test_a_mentioned_member_who_got_the_item_gets_its_edit_too() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await seat(connector, A)
    await seat(connector, HUGO, circle="lisbon", opted_in=False)
    receipt = await connector.send(mentioning(HUGO), GENERAL)
    await connector.update(mentioning(HUGO, body="Ask Hugo, please", key="passerelle-2"),
                           GENERAL, receipt.native_id)
    assert [m["text"]["body"].splitlines()[-1] for m in graph.to(HUGO)] == [
        "Ask @Hugo Bernard", "Ask Hugo, please"]
