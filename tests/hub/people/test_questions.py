"""Questions nobody answered: planned as data, then at work in a hub over two fake platforms,
with the clock set by the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.events import Actor, Event, Kind, Ref
from hub.people.groups import reminded_group
from hub.people.questions import Question, Questions, asked, is_answer, unanswered, waits
from hub.scheduler import remind_questions
from hub.settings import GroupSettings
from tests.hub.conftest import Network

ASKED_AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # when the fake platforms say it was
WAIT = timedelta(minutes=30)
GROUPS = {"mobility": GroupSettings(hashtags=["#mobility", "#mobilidade"],
                                    endpoints=[{"at": "west/chat/mobility"}],
                                    question_reminder_minutes=30),
          "waste": GroupSettings(hashtags=["#waste"])}  # reminds nothing


def item(body: str, *, parent: str | None = None, actor: str = "u-ana",
         kind: Kind = Kind.MESSAGE_CREATED, raw: dict[str, Any] | None = None) -> Event:
    ref = Ref(platform="pigeon", connection="east", endpoint="chat/general", native_id="q1")
    return Event(kind=kind, source=ref, body=body, raw=raw or {},
                 parent=ref.model_copy(update={"native_id": parent}) if parent else None,
                 actor=Actor(platform="pigeon", native_id=actor, name="Ana"),
                 occurred_at=ASKED_AT, language="pt")


@pytest.mark.parametrize(("event", "groups"), [
    (item("Alguém tem um plano de ciclovias? #mobilidade"), ["mobility"]),
    (item("#Mobility: who has a bike plan?"), ["mobility"]),
    (item("We have a bike plan. #mobility"), []),  # no question
    (item("Who has a bike plan?"), []),  # no group's tag
    (item("Who recycles glass? #waste"), []),  # its group reminds nothing
    (item("Who knows? #mobility", parent="q0"), []),  # a reply
    (item("Who knows? #mobility", actor="passerelle"), []),  # the hub's own words
])
def test_which_posts_are_questions_a_group_reminds(event: Event, groups: list[str]) -> None:
    assert [q.group for q in asked(event, waits(GROUPS))] == groups


def test_a_reminder_is_the_hubs_reply_under_the_question_named_for_it() -> None:
    question = Question(item("Quem sabe? #mobilidade"), "mobility", WAIT)
    assert question.due_at == ASKED_AT + WAIT
    reminder = question.as_event(ASKED_AT + WAIT)
    assert reminder.source.native_id == "unanswered/mobility/q1"  # one whoever makes it
    assert (reminder.source.connection, reminder.source.endpoint) == ("east", "chat/general")
    assert reminder.parent == question.event.source
    assert (reminder.body, reminder.language) == ("Quem sabe? #mobilidade", "pt")
    assert reminded_group(reminder) == "mobility"
    assert not asked(reminder, waits(GROUPS)) and not is_answer(reminder)


@pytest.mark.parametrize(("event", "answer"), [
    (item("Lisboa tem um.", parent="q1"), True),
    (item("👍", parent="q1", kind=Kind.REACTION_ADDED), False),
    (item("edited", parent="q1", kind=Kind.MESSAGE_UPDATED), False),
    (item("Quem sabe?", parent="q1", actor="passerelle",
          raw={"unanswered": {"group": "mobility"}}), False),
])
def test_what_answers_a_question(event: Event, answer: bool) -> None:
    assert is_answer(event) is answer


@pytest.mark.parametrize(("language", "headline"), [
    ("en", "Still unanswered:"), ("fr", "Toujours sans réponse :"),
    ("pt-BR", "Ainda sem resposta:"), ("es", "Todavía sin respuesta:"),
    ("ja", "Still unanswered:"), (None, "Still unanswered:"),
])
def test_the_reminder_reads_in_its_readers_language(language: str | None,
                                                    headline: str) -> None:
    assert unanswered("Who knows?", language) == f"{headline}\n\nWho knows?"


def settings(network: Network) -> Any:
    return network.settings(groups={"mobility": {
        "hashtags": ["#mobility"], "question_reminder_minutes": 30,
        "endpoints": [{"at": "west/chat/mobility"}]}})


def in_mobility(network: Network) -> list[dict[str, Any]]:
    return [i for i in network.west.items.values() if i["channel"] == "mobility"]


async def test_an_unanswered_question_is_reminded_to_its_group_once(
        network: Network, fire: Any) -> None:
    async with network.start(settings(network)) as hub:
        await fire(hub, "east", network.east.add("general", "Who has a bike plan? #mobility"))
        await hub.settle()
        [copy] = in_mobility(network)
        questions = Questions(hub.store, hub.settings.groups)
        assert await remind_questions(hub, questions, ASKED_AT + WAIT - timedelta(seconds=1)) == 0
        assert await remind_questions(hub, questions, ASKED_AT + WAIT) == 1
        await hub.settle()
        # Another hub on the same store makes the same reminder: nothing new.
        assert await remind_questions(hub, Questions(hub.store, hub.settings.groups),
                                      ASKED_AT + WAIT + timedelta(minutes=1)) == 0
        await hub.settle()
    reminders = [i for i in in_mobility(network) if i is not copy]
    # Under the question's copy, the question's words after the reminder's headline.
    [reminder] = reminders
    assert reminder["thread"] == copy["id"]
    assert reminder["text"].endswith("Who has a bike plan? #mobility")
    # The general bridge's lobby got the question, never its reminder.
    assert [i["text"] for i in network.west.items.values() if i["channel"] == "lobby"] == [
        "Who has a bike plan? #mobility"]


async def test_an_answer_under_any_copy_or_a_late_hub_reminds_nothing(
        network: Network, fire: Any) -> None:
    async with network.start(settings(network)) as hub:
        questions = Questions(hub.store, hub.settings.groups)
        await fire(hub, "east", network.east.add("general", "Who has a bike plan? #mobility"))
        await fire(hub, "east", network.east.add("general", "Who has a tram plan? #mobility"))
        await hub.settle()
        bike, tram = in_mobility(network)
        # Someone answers on the other platform, in the group's place, under the copy.
        await fire(hub, "west", network.west.add("mobility", "Lyon has one.", user="u-hugo",
                                                 thread=bike["id"]))
        await hub.settle()
        # Too late for a hub that was down: as long again after it fell due, it is old news.
        late = await questions.due(ASKED_AT + 2 * WAIT + timedelta(seconds=1))
        assert late == []
        fresh = await Questions(hub.store, hub.settings.groups).due(ASKED_AT + WAIT)
    assert [e.body for e in fresh] == [tram["text"]]
