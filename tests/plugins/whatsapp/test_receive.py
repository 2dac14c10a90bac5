"""receive(): members' messages land on their circle; keywords and statuses are not content."""

from __future__ import annotations

import json
from datetime import timedelta

from hub.connector import Address, DeliveryStatus, Shape, Target
from hub.events import Kind
from plugins.whatsapp.circles import Member
from tests.plugins.whatsapp.conftest import fixture, message_payload, signed, text_from
from tests.plugins.whatsapp.helpers import NOW, Graph, make_connector, outgoing

SEEDED = "972987654321"
STRANGER = "447700900123"
T0 = int(NOW.timestamp()) - 3600


async def test_member_message_enters_their_circle() -> None:
    connector = make_connector(Graph())
    inbound = await connector.receive(signed(fixture("text_reply_with_context.json")))
    [event] = inbound.events
    assert event.source.endpoint == "circle/general"
    assert event.parent is not None and event.parent.endpoint == "circle/general"
    member = await connector.roster.load(SEEDED)
    assert member is not None and member.last_inbound == event.occurred_at
    assert member.user_id == "US.13491208655302741918"


async def test_stranger_message_stays_on_their_own_chat() -> None:
    connector = make_connector(Graph())
    payload = message_payload(text_from(STRANGER, "hello?", "wamid.s1", T0))
    [event] = (await connector.receive(signed(payload))).events
    assert event.source.endpoint == f"member/{STRANGER}"


async def test_a_lone_surrogate_is_kept_as_a_replacement_character() -> None:
    connector = make_connector(Graph())
    payload = message_payload(text_from(STRANGER, "ol\ud800á", "wamid.s2", T0))
    body = json.dumps(payload).encode()  # the escape "\\ud800", as JSON may carry it
    [event] = (await connector.receive(signed(body))).events
    assert event.body == "ol\ufffdá"
    event.model_dump_json()  # what the store writes


async def test_stop_is_honoured_at_once_and_start_brings_back() -> None:
    connector = make_connector(Graph())
    stop = message_payload(text_from(SEEDED, "STOP", "wamid.k1", T0))
    assert (await connector.receive(signed(stop))).events == []
    assert [m.key for m in await connector.roster.circle_members("general")] == ["351912345678"]
    after = message_payload(text_from(SEEDED, "still here", "wamid.k2", T0 + 5))
    [event] = (await connector.receive(signed(after))).events
    assert event.source.endpoint == f"member/{SEEDED}"  # no longer fed into the bridge
    start = message_payload(text_from(SEEDED, "start", "wamid.k3", T0 + 10))
    assert (await connector.receive(signed(start))).events == []
    assert [m.key for m in await connector.roster.circle_members("general")] == [
        SEEDED, "351912345678"]


async def test_stranger_joins_an_open_circle_by_keyword() -> None:
    connector = make_connector(Graph())
    join = message_payload(text_from(STRANGER, "START lisbon", "wamid.j1", T0))
    assert (await connector.receive(signed(join))).events == []
    assert [m.key for m in await connector.roster.circle_members("lisbon")] == [STRANGER]
    hello = message_payload(text_from(STRANGER, "olá", "wamid.j2", T0 + 1))
    [event] = (await connector.receive(signed(hello))).events
    assert event.source.endpoint == "circle/lisbon"


async def test_keywords_in_groups_are_ordinary_messages() -> None:
    connector = make_connector(Graph(), phone_number_id="106540352242922")
    payload = fixture("group_text_message_meta_docs.json")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "STOP"
    [event] = (await connector.receive(signed(payload))).events
    assert event.source.endpoint.startswith("group/")


async def test_statuses_are_reported_not_stored_as_content() -> None:
    connector = make_connector(Graph())
    inbound = await connector.receive(signed(fixture("status_read.json")))
    assert inbound.events == []
    assert inbound.statuses == [DeliveryStatus("wamid.xyzxyz", "read", None)]


async def test_window_error_in_a_status_closes_the_window() -> None:
    connector = make_connector(Graph())
    await connector.roster.save(Member(key=SEEDED, last_inbound=NOW - timedelta(hours=1)))
    payload = fixture("status_failed.json")
    error = payload["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]
    error.update(code=131047, title="Re-engagement message")
    [status] = (await connector.receive(signed(payload))).statuses
    assert status.state == "failed" and status.error is not None and "131047" in status.error
    member = await connector.roster.load(SEEDED)
    assert member is not None and member.last_inbound is None


async def test_statuses_of_fanned_out_copies_name_the_representative() -> None:
    graph = Graph()
    connector = make_connector(graph)
    for key in (SEEDED, "351912345678"):
        await connector.roster.save(Member(key=key, last_inbound=NOW - timedelta(hours=1)))
    target = Target(Address.parse("wa/circle/general"), Shape.CHAT)
    receipt = await connector.send(outgoing(), target)
    second = graph.to("351912345678")[0]
    assert receipt.native_id == "wamid.out1" and second
    payload = fixture("status_read.json")
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(id="wamid.out2", recipient_id="351912345678")
    [reported] = (await connector.receive(signed(payload))).statuses
    assert reported.native_id == "wamid.out1"


async def test_quote_reply_to_a_fanned_out_copy_points_at_the_representative() -> None:
    graph = Graph()
    connector = make_connector(graph)
    for key in (SEEDED, "351912345678"):
        await connector.roster.save(Member(key=key, last_inbound=NOW - timedelta(hours=1)))
    await connector.send(outgoing(), Target(Address.parse("wa/circle/general"), Shape.CHAT))
    reply = text_from("351912345678", "agreed", "wamid.r1", T0,
                      context={"from": "972123456789", "id": "wamid.out2"})
    [event] = (await connector.receive(signed(message_payload(reply)))).events
    assert event.parent is not None and event.parent.native_id == "wamid.out1"


async def test_a_member_known_later_only_by_bsuid_is_the_same_member() -> None:
    connector = make_connector(Graph())
    await connector.receive(signed(fixture("text_reply_with_context.json")))
    message = {"from_user_id": "US.13491208655302741918", "id": "wamid.b1",
               "timestamp": str(T0), "type": "text", "text": {"body": "Hey"}}
    payload = message_payload(message)
    payload["entry"][0]["changes"][0]["value"]["contacts"] = [
        {"profile": {"name": "Test Name"}, "user_id": "US.13491208655302741918"}]
    [event] = (await connector.receive(signed(payload))).events
    assert event.source.endpoint == "circle/general"


async def test_reactions_and_revokes_follow_the_member_to_the_circle() -> None:
    connector = make_connector(Graph())
    [reaction] = (await connector.receive(signed(fixture("reaction.json")))).events
    assert reaction.kind is Kind.REACTION_ADDED
    assert reaction.source.endpoint == "circle/general"
    assert reaction.parent is not None and reaction.parent.endpoint == "circle/general"


def test_parse_leaves_keywords_out() -> None:
    connector = make_connector(Graph())
    assert connector.parse(message_payload(text_from(SEEDED, "STOP", "wamid.p1", T0))) == []
    assert len(connector.parse(message_payload(text_from(SEEDED, "hi", "wamid.p2", T0)))) == 1


async def test_a_member_who_changes_number_keeps_their_circle() -> None:
    connector = make_connector(Graph())
    assert (await connector.receive(signed(fixture("system_number_change.json")))).events == []
    members = [m.key for m in await connector.roster.circle_members("general")]
    assert members == ["351912345678", "972912345678"]  # the old number left, the new came
    moved = await connector.roster.load("972912345678")
    assert moved is not None and moved.last_inbound is None  # a notice opens no window


def window_failure(wamid: str, recipient: str) -> dict[str, object]:
    """Meta's `failed` status (fixture) turned into a late 131047 for one of our sends."""
    payload = fixture("status_failed.json")
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(id=wamid, recipient_id=recipient)
    status["errors"][0].update(code=131047, title="Re-engagement message",
                               message="Re-engagement message")
    return payload


async def test_a_late_window_failure_sends_the_template_once() -> None:
    graph = Graph()
    connector = make_connector(graph)
    for key in (SEEDED, "351912345678"):
        await connector.roster.save(Member(key=key, last_inbound=NOW - timedelta(hours=1)))
    target = Target(Address.parse("wa/circle/general"), Shape.CHAT)
    await connector.send(outgoing("Agenda for **Monday**"), target)
    refused = graph.to("351912345678")[0]
    assert refused["type"] == "text"
    inbound = await connector.receive(signed(window_failure("wamid.out2", "351912345678")))
    [status] = inbound.statuses
    assert (status.native_id, status.state) == ("wamid.out1", "failed")
    replacement = graph.to("351912345678")[1]
    assert replacement["type"] == "template"
    assert replacement["template"]["components"][0]["parameters"][1] == {
        "type": "text", "text": "Agenda for Monday"}
    # Meta retries webhooks: the same report again sends nothing more.
    await connector.receive(signed(window_failure("wamid.out2", "351912345678")))
    assert len(graph.to("351912345678")) == 2
    member = await connector.roster.load("351912345678")
    assert member is not None and member.last_inbound is None and member.pending == ()
    # A quote-reply to the template points at the circle's id for the message.
    assert member.representative_of("wamid.out3") == "wamid.out1"


async def test_delivered_status_settles_a_pending_send() -> None:
    graph = Graph()
    connector = make_connector(graph)
    await connector.roster.save(Member(key=SEEDED, last_inbound=NOW - timedelta(hours=1)))
    await connector.send(outgoing(), Target(Address.parse(f"wa/member/{SEEDED}"), Shape.CHAT))
    member = await connector.roster.load(SEEDED)
    assert member is not None and [p.own for p in member.pending] == ["wamid.out1"]
    payload = fixture("status_read.json")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = "wamid.out1"
    await connector.receive(signed(payload))
    member = await connector.roster.load(SEEDED)
    assert member is not None and member.pending == ()
