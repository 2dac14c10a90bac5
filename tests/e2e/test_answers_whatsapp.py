"""Answers from WhatsApp over the demo's sandboxes: the assembly's announcement reaches each
member of the circle with three buttons in Portuguese; a press comes back through the hub's
webhook as the member's answer about the hub's copy there, and is counted for the event; a
reminder asks again. The summary of who comes stays off WhatsApp, which cannot edit it in
place."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hub.calendar.answers import Reply
from hub.demo.runner import settle
from hub.demo.story import members_join, schedule_entry
from hub.demo.world import BASECAMP, CIRCLE, WHATSAPP, World, sandboxes
from hub.events import Actor, Ref
from hub.sandbox.whatsapp import Sent
from tests.e2e.test_reminders import hub_on, the_entry
from tests.plugins.whatsapp.conftest import signed

pytestmark = pytest.mark.slow

PORTUGUESE = [("answer:yes", "Vou"), ("answer:no", "Não posso"), ("answer:maybe", "Talvez")]


def with_buttons(world: World, person: str) -> Sent:
    [asked] = [s for s in world.whatsapp.sent_to(person) if s.type == "interactive"]
    return asked


def buttons(sent: Sent) -> list[tuple[str, str]]:
    return [(b["reply"]["id"], b["reply"]["title"]) for b in sent.body["action"]["buttons"]]


async def test_a_press_on_whatsapp_is_counted_for_the_event(tmp_path: Path) -> None:
    async with sandboxes() as world, hub_on(world, tmp_path) as hub:
        people = world.people
        await members_join(world)
        await schedule_entry(world)
        await settle(hub, world)
        for person in (people.ana, people.bea):
            asked = with_buttons(world, person)
            assert buttons(asked) == PORTUGUESE
            assert asked.body["body"]["text"].startswith("*Assembleia das cidades*\n🗓 ")
        ana, bea = with_buttons(world, people.ana), with_buttons(world, people.bea)
        sent_before = len(world.whatsapp.sent)

        await world.whatsapp.user_presses(people.ana, ana.wamid, "answer:yes", name="Ana Souza")
        await settle(hub, world)
        entry = str(the_entry(world)["id"])
        attendees = await hub.store.run(hub.store.attendance_of, BASECAMP, entry)
        assert [(a.name, a.reply, a.via) for a in attendees] == [
            ("Ana Souza", "yes", WHATSAPP)]
        # What the connector handed the hub: Ana's answer about the hub's copy in the circle,
        # which the hub's links lead back to the Basecamp entry.
        [press] = [p for p in world.whatsapp.fired if "button_reply" in json.dumps(p)]
        inbound = await hub.network.connector(WHATSAPP).receive(
            signed(press, world.whatsapp.app_secret))
        assert inbound.events == []
        [answer] = inbound.answers
        assert answer.person == Actor(platform="whatsapp", native_id=people.ana,
                                      name="Ana Souza")
        assert answer.reply is Reply.YES
        # The circle's copy is named by the first member's first message (the invitation,
        # the announcement as its caption), whichever copy the buttons pressed were under.
        first = next(s for s in world.whatsapp.sent if s.type == "document")
        assert answer.about == Ref(platform="whatsapp", connection=WHATSAPP,
                                   endpoint=f"circle/{CIRCLE}", native_id=first.wamid)
        origins = await hub.store.run(hub.store.archive_origins,
                                      [(WHATSAPP, answer.about.native_id)])
        assert origins[(WHATSAPP, answer.about.native_id)] == (BASECAMP, entry)

        # Beatriz answers on her own copy: the same event.
        await world.whatsapp.user_presses(people.bea, bea.wamid, "answer:no",
                                          name="Beatriz Lima")
        await settle(hub, world)
        attendees = await hub.store.run(hub.store.attendance_of, BASECAMP, entry)
        assert sorted((a.name, a.reply) for a in attendees) == [("Ana Souza", "yes"),
                                                                ("Beatriz Lima", "no")]
        # The summary went to Basecamp; WhatsApp got nothing more (no edits in place there).
        assert any("Ana Souza" in r["content"] and "Beatriz Lima" in r["content"]
                   for r in world.basecamp.recordings.values() if r["type"] == "Comment")
        assert len(world.whatsapp.sent) == sent_before


async def test_a_reminder_asks_again_and_its_press_counts_for_the_event(tmp_path: Path) -> None:
    async with sandboxes() as world, hub_on(world, tmp_path) as hub:
        people = world.people
        await members_join(world)
        await schedule_entry(world)
        await settle(hub, world)
        entry = the_entry(world)
        assert await hub.remind(datetime.fromisoformat(entry["starts_at"]) - timedelta(days=1))
        await settle(hub, world)
        [_, reminder] = [s for s in world.whatsapp.sent_to(people.bea)
                         if s.type == "interactive"]
        assert "Lembrete" in reminder.body["body"]["text"] and reminder.context
        assert buttons(reminder) == PORTUGUESE
        await world.whatsapp.user_presses(people.bea, reminder.wamid, "answer:maybe")
        await settle(hub, world)
        attendees = await hub.store.run(hub.store.attendance_of, BASECAMP, str(entry["id"]))
        assert [(a.name, a.reply) for a in attendees] == [("Beatriz Lima", "maybe")]
