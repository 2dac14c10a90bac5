"""The router and its conversion table, as tables of real cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.connector import Action, Address, Form, Shape
from hub.events import Actor, Attachment, Event, Kind, Ref
from hub.router import Bridge, BridgeEndpoint, anchor, conversion, kinds_received, plan
from hub.settings import Direction
from hub.store import StoredEvent

M, E, F, R = Kind.MESSAGE_CREATED, Kind.EVENT_CREATED, Kind.FILE_CREATED, Kind.REACTION_ADDED


@pytest.mark.parametrize(("kind", "parent", "files", "shape", "expected"), [
    (M, False, False, Shape.CHAT, (Form.MESSAGE, Action.CREATE)),
    (M, True, False, Shape.CHAT, (Form.REPLY, Action.CREATE)),
    (M, False, False, Shape.BOARD, (Form.POST, Action.CREATE)),
    (M, True, False, Shape.BOARD, (Form.COMMENT, Action.CREATE)),
    (M, False, False, Shape.CALENDAR, None),
    (M, False, False, Shape.FILES, None),
    (M, False, True, Shape.FILES, (Form.FILE, Action.CREATE)),
    (Kind.MESSAGE_UPDATED, False, False, Shape.CHAT, (Form.MESSAGE, Action.UPDATE)),
    (Kind.MESSAGE_DELETED, True, False, Shape.BOARD, (Form.COMMENT, Action.DELETE)),
    (Kind.MESSAGE_UPDATED, False, True, Shape.FILES, None),
    (E, False, False, Shape.CALENDAR, (Form.CALENDAR, Action.CREATE)),
    (Kind.EVENT_UPDATED, False, False, Shape.CALENDAR, (Form.CALENDAR, Action.UPDATE)),
    (Kind.EVENT_CANCELLED, False, False, Shape.CALENDAR, (Form.CALENDAR, Action.DELETE)),
    (E, False, False, Shape.CHAT, (Form.MESSAGE, Action.CREATE)),
    (Kind.EVENT_UPDATED, False, False, Shape.CHAT, (Form.REPLY, Action.CREATE)),
    (Kind.EVENT_CANCELLED, False, False, Shape.CHAT, (Form.REPLY, Action.CREATE)),
    (E, False, False, Shape.BOARD, (Form.POST, Action.CREATE)),
    (Kind.EVENT_UPDATED, False, False, Shape.BOARD, (Form.POST, Action.UPDATE)),
    (Kind.EVENT_CANCELLED, False, False, Shape.BOARD, (Form.COMMENT, Action.CREATE)),
    (E, False, False, Shape.FILES, None),
    (F, False, True, Shape.CHAT, (Form.FILE, Action.CREATE)),
    (F, False, True, Shape.BOARD, (Form.FILE, Action.CREATE)),
    (F, False, True, Shape.FILES, (Form.FILE, Action.CREATE)),
    (Kind.FILE_DELETED, False, True, Shape.FILES, (Form.FILE, Action.DELETE)),
    (F, False, True, Shape.CALENDAR, None),
    (R, True, False, Shape.CHAT, (Form.REACTION, Action.CREATE)),
    (Kind.REACTION_REMOVED, True, False, Shape.CHAT, (Form.REACTION, Action.DELETE)),
    (R, True, False, Shape.BOARD, None),
])
def test_conversion_table(kind: Kind, parent: bool, files: bool, shape: Shape,
                          expected: tuple[Form, Action] | None) -> None:
    assert conversion(kind, parent, files, shape) == expected


def endpoint(at: str, shape: Shape = Shape.CHAT, **options: object) -> BridgeEndpoint:
    return BridgeEndpoint(address=Address.parse(at), shape=shape, **options)  # type: ignore[arg-type]


def event(connection: str = "east", endpoint_id: str = "chat/general", native_id: str = "1",
          kind: Kind = M, actor: str = "u1", parent: str | None = None,
          files: bool = False) -> Event:
    ref = Ref(platform="pigeon", connection=connection, endpoint=endpoint_id, native_id=native_id)
    return Event(kind=kind, source=ref, actor=Actor(platform="pigeon", native_id=actor, name="A"),
                 parent=ref.model_copy(update={"native_id": parent}) if parent else None,
                 occurred_at=datetime(2026, 11, 26, tzinfo=UTC),
                 attachments=(Attachment(name="a.pdf"),) if files else ())


GENERAL = Bridge("general", (
    endpoint("east/chat/general"),
    endpoint("west/chat/lobby"),
    endpoint("board/board/2001", Shape.BOARD),
    endpoint("cal/calendar/9", Shape.CALENDAR),
))


def targets(events: list[Event], bridges: tuple[Bridge, ...] = (GENERAL,),
            copies: frozenset[tuple[str, str]] = frozenset(),
            own: dict[str, frozenset[str]] | None = None) -> list[tuple[int, str, Form]]:
    stored = [StoredEvent(n + 1, e) for n, e in enumerate(events)]
    return [(p.event_seq, p.target, p.form) for p in plan(stored, bridges, copies, own or {})]


def test_a_message_reaches_every_other_endpoint_that_can_show_it() -> None:
    assert targets([event()]) == [(1, "west/chat/lobby", Form.MESSAGE),
                                  (1, "board/board/2001", Form.POST)]


def test_a_calendar_event_reaches_every_shape_but_files() -> None:
    assert {t for _, t, _ in targets([event(kind=E)])} == {
        "west/chat/lobby", "board/board/2001", "cal/calendar/9"}


def test_copies_and_the_hubs_own_posts_are_never_routed() -> None:
    assert targets([event()], copies=frozenset({("east", "1")})) == []
    assert targets([event(actor="hub-bot")], own={"east": frozenset({"hub-bot"})}) == []
    assert targets([event(actor="hub-bot")], own={"west": frozenset({"hub-bot"})}) != []


def test_an_endpoint_in_no_bridge_routes_nowhere() -> None:
    assert targets([event(endpoint_id="chat/random")]) == []


def test_directions_and_kinds_filter() -> None:
    bridge = Bridge("one-way", (
        endpoint("east/chat/general", direction=Direction.IN),
        endpoint("west/chat/lobby", direction=Direction.OUT),
        endpoint("board/board/2001", Shape.BOARD, kinds=frozenset({E})),
    ))
    assert targets([event()], (bridge,)) == [(1, "west/chat/lobby", Form.MESSAGE)]
    assert targets([event(connection="west", endpoint_id="chat/lobby")], (bridge,)) == []


def test_two_bridges_sharing_ends_deliver_once() -> None:
    twin = Bridge("twin", GENERAL.endpoints[:2])
    assert targets([event()], (GENERAL, twin)).count((1, "west/chat/lobby", Form.MESSAGE)) == 1


def test_ordering_keys_follow_the_source_conversation() -> None:
    stored = [StoredEvent(1, event()), StoredEvent(2, event(native_id="2"))]
    keys = {p.ordering_key for p in plan(stored, (GENERAL,), frozenset(), {})
            if p.target == "west/chat/lobby"}
    assert keys == {"east/chat/general>west/chat/lobby"}


def test_anchor_is_the_parent_or_the_announced_event() -> None:
    reply = event(parent="root")
    assert anchor(reply, Form.REPLY) == reply.parent
    assert anchor(reply, Form.MESSAGE) is None
    assert anchor(event(kind=R, parent="m"), Form.REACTION) == event(parent="m").parent
    moved = event(kind=Kind.EVENT_UPDATED)
    assert anchor(moved, Form.REPLY) == moved.source


def test_kinds_received_by_a_calendar() -> None:
    assert kinds_received(endpoint("cal/calendar/1", Shape.CALENDAR)) == {
        Kind.EVENT_CREATED, Kind.EVENT_UPDATED, Kind.EVENT_CANCELLED}


# -- expertise groups ---------------------------------------------------------------------

MOBILITY = Bridge("group:mobility", (
    endpoint("slack/chat/C0MOBILITY", direction=Direction.OUT, language="en"),
    endpoint("west/chat/lobby", direction=Direction.OUT),
    endpoint("wa/member/351911111111", direction=Direction.OUT,
             notice_for=frozenset({("wa", "351911111111"), ("slack", "U0ANA")})),
), hashtags=frozenset({"mobility", "mobilidade", "mobilite"}))


def said(body: str, title: str | None = None, **fields: object) -> Event:
    return event(**fields).model_copy(update={"body": body, "title": title})  # type: ignore[arg-type]


def planned(events: list[Event], grouped: dict[tuple[str, str], set[str]] | None = None,
            bridges: tuple[Bridge, ...] = (GENERAL, MOBILITY)) -> list[tuple[str, str]]:
    stored = [StoredEvent(n + 1, e) for n, e in enumerate(events)]
    return [(p.bridge, p.target) for p in plan(stored, bridges, frozenset(), {}, grouped)]


@pytest.mark.parametrize(("text", "title", "grouped"), [
    ("Alguém conhece bons exemplos? #mobilidade", None, True),
    ("#Mobilidade: o que fazem as vossas cidades?", None, True),
    ("Nos villes et la #mobilité douce", None, True),  # accents fold: mobilite
    ("**#MOBILITY** matters", None, True),
    ("See [our #mobility plan](https://example.org/plan)", None, True),  # a link's words
    ("", "#mobility: a question", True),  # a title's hashtag
    ("mobility without a hash", None, False),
    ("See https://example.org/page#mobility", None, False),  # inside an address
    ("Run `grep #mobility` on it", None, False),  # inside code
    ("#mobilityplan is another tag", None, False),
    ("C#mobility is glued to a word", None, False),
])
def test_a_tagged_item_also_goes_to_its_group(text: str, title: str | None,
                                              grouped: bool) -> None:
    group = [t for b, t in planned([said(text, title)]) if b == "group:mobility"]
    # The lobby is reached by the general bridge already; the author is not told of their
    # own post, and no one else asked.
    expected = ["slack/chat/C0MOBILITY", "wa/member/351911111111"] if grouped else []
    assert group == expected


def test_a_group_never_sends_back_where_the_post_was_written_nor_twice() -> None:
    from_group = said("#mobility news", connection="slack", endpoint_id="chat/C0MOBILITY")
    assert planned([from_group]) == [("group:mobility", "west/chat/lobby"),
                                     ("group:mobility", "wa/member/351911111111")]
    general = planned([said("#mobility news")])
    assert general.count(("general", "west/chat/lobby")) == 1
    assert ("group:mobility", "west/chat/lobby") not in general


def test_a_member_is_not_told_of_what_they_wrote_themselves() -> None:
    for own in (said("#mobility?", connection="wa", endpoint_id="circle/general",
                     actor="351911111111"),
                said("#mobility?", connection="slack", endpoint_id="chat/C0OTHER",
                     actor="U0ANA")):
        assert ("group:mobility", "wa/member/351911111111") not in planned([own])


def test_replies_and_changes_follow_a_tagged_post_into_its_group() -> None:
    reply = said("Lisboa tem um plano.", parent="root")
    took = {("east", "root"): {"group:mobility"}}
    assert planned([reply], took, (MOBILITY,)) == [("group:mobility", "slack/chat/C0MOBILITY"),
                                                   ("group:mobility", "west/chat/lobby")]
    assert planned([reply], {}, (MOBILITY,)) == []  # its post went to no group
    edit = said("edited, no tag left", kind=Kind.MESSAGE_UPDATED, native_id="root")
    assert [t for _, t in planned([edit], took, (MOBILITY,))] == [
        "slack/chat/C0MOBILITY", "west/chat/lobby"]  # a direct notice is not edited


def test_an_unanswered_questions_reminder_goes_to_its_group_only() -> None:
    reminder = said("Alguém sabe?", parent="q1", native_id="unanswered/mobility/q1",
                    actor="passerelle").model_copy(
        update={"raw": {"unanswered": {"group": "mobility"}}})
    assert planned([reminder]) == [("group:mobility", "slack/chat/C0MOBILITY"),
                                   ("group:mobility", "west/chat/lobby"),
                                   ("group:mobility", "wa/member/351911111111")]
    other = reminder.model_copy(update={"raw": {"unanswered": {"group": "waste"}}})
    assert planned([other]) == []
