"""Who comes to the demo's assembly: answers from Slack and from a Basecamp comment gathered
into one summary, kept up to date in place on Basecamp and in Slack's announcement thread."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.calendar.answers import Answer, Reply
from hub.demo.runner import settle
from hub.demo.story import members_join, schedule_entry
from hub.demo.world import BASECAMP, CHANNEL, SLACK, World, sandboxes
from hub.events import Actor, Ref
from tests.e2e.test_reminders import hub_on

pytestmark = pytest.mark.slow


def slack_announcement(world: World) -> dict[str, Any]:
    return next(m for m in world.slack.messages(CHANNEL)
                if m.get("bot_id") == world.slack.bot_id and "Assembly" in str(m.get("text"))
                and "thread_ts" not in m)


def summaries(world: World) -> list[dict[str, Any]]:
    """The summary's copies on Basecamp: comments saying who comes."""
    return [r for r in world.basecamp.recordings.values()
            if r["type"] == "Comment" and "Qui vient" in r["content"]]


def slack_summary(world: World) -> list[dict[str, Any]]:
    return [m for m in world.slack.messages(CHANNEL) if "Who is coming" in str(m.get("text"))]


async def test_answers_from_two_platforms_make_one_summary_kept_in_place(
        tmp_path: Path) -> None:
    async with sandboxes() as world, hub_on(world, tmp_path) as hub:
        await members_join(world)
        await schedule_entry(world)
        await settle(hub, world)
        announced = slack_announcement(world)
        emma = Actor(platform="slack", native_id="U0EMMA", name="Emma Wilson")
        on_slack = Ref(platform="slack", connection=SLACK, endpoint=f"chat/{CHANNEL}",
                       native_id=f"{CHANNEL}/{announced['ts']}")  # as Slack items are named
        await hub.answered([Answer(on_slack, emma, Reply.YES, datetime.now(UTC))])
        await settle(hub, world)
        [first] = summaries(world)
        assert "Viennent (1) : Emma Wilson (Slack)" in first["content"]
        [in_thread] = slack_summary(world)
        assert in_thread["thread_ts"] == announced["ts"]

        # Hugo answers on Basecamp, in a comment under the announcement, in French.
        [post] = [r for r in world.basecamp.recordings.values()
                  if r["type"] == "Message" and "Assembl" in r.get("subject", "")]
        await world.basecamp.comment(post["id"], world.people.hugo, "<div>Je viens !</div>")
        await settle(hub, world)
        # Emma changes her mind: her newer answer replaces the older one.
        await hub.answered([Answer(on_slack, emma, Reply.MAYBE, datetime.now(UTC))])
        await settle(hub, world)
        [kept] = summaries(world)
        assert kept["id"] == first["id"]  # the same comment, edited in place
        assert "Viennent (1) : Hugo Bernard (Basecamp)" in kept["content"]
        assert "Peut-être (1) : Emma Wilson (Slack)" in kept["content"]
        [edited] = slack_summary(world)
        assert edited["ts"] == in_thread["ts"]
        assert "Maybe (1): Emma Wilson (Slack)" in edited["text"]
        people = await hub.store.run(hub.store.attendance_of, BASECAMP,
                                     str(next(r["id"] for r in world.basecamp.recordings.values()
                                              if r["type"] == "Schedule::Entry")))
        assert [(p.name, p.reply) for p in people] == [("Hugo Bernard", "yes"),
                                                      ("Emma Wilson", "maybe")]


async def test_an_answer_about_nothing_the_hub_knows_changes_nothing(tmp_path: Path) -> None:
    async with sandboxes() as world, hub_on(world, tmp_path) as hub:
        before = hub.store.last_seq()
        await hub.answered([Answer(Ref(platform="slack", connection=SLACK, endpoint="chat/C1",
                                       native_id="1.000"),
                                   Actor(platform="slack", native_id="U1", name="Someone"),
                                   Reply.YES, datetime.now(UTC))])
        assert hub.store.last_seq() == before


async def test_members_answering_on_whatsapp_and_slack_show_in_the_summary_on_basecamp(
        tmp_path: Path) -> None:
    """The issue's own check: two members press "I'll come" where they are, one on WhatsApp
    and one on Slack; Basecamp's summary names both."""
    async with sandboxes() as world, hub_on(world, tmp_path) as hub:
        await members_join(world)
        await schedule_entry(world)
        await settle(hub, world)
        [on_phone] = [s for s in world.whatsapp.sent_to(world.people.ana)
                      if s.type == "interactive"]
        assert [b["reply"]["title"] for b in on_phone.body["action"]["buttons"]] == [
            "Vou", "Não posso", "Talvez"]
        await world.whatsapp.user_presses(world.people.ana, on_phone.wamid, "answer:yes",
                                          name="Ana Souza")
        pressed = await world.slack.user_clicks(CHANNEL, slack_announcement(world)["ts"],
                                                world.people.emma, "answer:yes")
        assert pressed.status_code == 200
        await settle(hub, world)
        [summary] = summaries(world)
        assert "Viennent (2) : " in summary["content"]
        assert "Ana Souza (WhatsApp)" in summary["content"]
        assert "Emma Wilson (Slack)" in summary["content"]
        [in_thread] = slack_summary(world)  # and in the announcement's thread on Slack
        assert "Coming (2): " in in_thread["text"]
        # WhatsApp cannot edit in place: no summary there.
        assert not [s for s in world.whatsapp.sent if "Quem vem" in str(s.body)]
