"""Mentions that arrive: a real mention where the target has the person, their name elsewhere."""

from __future__ import annotations

import pytest

from hub.people.mentions import localise_mentions
from hub.people.model import Directory, Identity, Person

HUGO = Person(id="hugo", name="Hugo Bernard", identities=(
    Identity("net-slack", "slack", "U0HUGO"), Identity("net-basecamp", "basecamp", "42"),
    Identity("members-wa", "whatsapp", "33612345678", phone="33612345678")))
DIRECTORY = Directory.of([HUGO])


@pytest.mark.parametrize(("target", "platform", "body"), [
    ("net-basecamp", "basecamp", "Ask <@basecamp:42|Hugo Bernard> about it"),
    # A number is never written into an item: the token keeps the name, which WhatsApp shows
    # as "@Hugo Bernard".
    ("members-wa", "whatsapp", "Ask <@slack:U0HUGO|Hugo Bernard> about it"),
    ("net-slack", "slack", "Ask <@slack:U0HUGO|Hugo Bernard> about it"),
    # Another workspace, where Hugo has no account: his name.
    ("other-slack", "slack", "Ask <@slack:U0HUGO|Hugo Bernard> about it"),
])
def test_a_mention_becomes_the_targets_own_or_the_persons_one_name(
        target: str, platform: str, body: str) -> None:
    got, people = localise_mentions("Ask <@slack:U0HUGO> about it", DIRECTORY,
                                    source="net-slack", target=target,
                                    target_platform=platform)
    assert got == body and people == (HUGO,)


def test_a_mention_of_someone_unknown_is_left_as_written() -> None:
    body = "Ask <@slack:U0ELSE|Else> and <@zoom:abc>"
    assert localise_mentions(body, DIRECTORY, source="net-slack", target="net-basecamp",
                             target_platform="basecamp") == (body, ())


def test_each_person_is_counted_once() -> None:
    body = "<@slack:U0HUGO> and again <@basecamp:42|Hugo>"
    got, people = localise_mentions(body, DIRECTORY, source="net-slack", target="members-wa",
                                    target_platform="whatsapp")
    assert people == (HUGO,)
    assert got == "<@slack:U0HUGO|Hugo Bernard> and again <@basecamp:42|Hugo Bernard>"
    got, _ = localise_mentions(body, DIRECTORY, source="net-slack", target="net-basecamp",
                               target_platform="basecamp")
    assert got == "<@basecamp:42|Hugo Bernard> and again <@basecamp:42|Hugo Bernard>"
