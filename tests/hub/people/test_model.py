"""Addresses and tags as they are compared, and the directory's lookups."""

from __future__ import annotations

import pytest

from hub.people.model import (
    Directory,
    Identity,
    Person,
    normal_email,
    normal_phone,
    normal_tag,
)


@pytest.mark.parametrize(("given", "normal"), [
    (" Hugo.Bernard@Lyon.example ", "hugo.bernard@lyon.example"),
    ("not-an-address", None),
    ("two@@at.example", None),
    ("", None),
    (None, None),
])
def test_email_addresses(given: str | None, normal: str | None) -> None:
    assert normal_email(given) == normal


@pytest.mark.parametrize(("given", "normal"), [
    ("+33 6 12 34 56 78", "33612345678"),
    ("0033 6 12 34 56 78", "33612345678"),
    ("351912345678", "351912345678"),  # a wa_id as WhatsApp sends it
    ("(555) 12", None),  # too short to be international
    ("+1234567890123456", None),  # longer than E.164 allows
    (None, None),
])
def test_phone_numbers(given: str | None, normal: str | None) -> None:
    assert normal_phone(given) == normal


@pytest.mark.parametrize(("given", "normal"), [
    ("#Mobilité", "mobilite"),
    ("mobilidade", "mobilidade"),
    ("#MOVILIDAD", "movilidad"),
    ("  #open-data ", "open-data"),
])
def test_tags_fold_case_and_accents(given: str, normal: str) -> None:
    assert normal_tag(given) == normal


HUGO = Person(
    id="hugo", name="Hugo Bernard", city="Lyon", tags=frozenset({"mobility"}),
    emails=("hugo@lyon.example",), phones=("33612345678",),
    identities=(Identity("net-slack", "slack", "U0HUGO", "hugo"),
                Identity("net-basecamp", "basecamp", "42", "Hugo Bernard")),
)
ANA = Person(id="ana", name="Ana Souza",
             identities=(Identity("members-wa", "whatsapp", "351912345678", "Ana"),))


def test_the_directory_finds_a_person_by_each_of_their_identities_and_addresses() -> None:
    directory = Directory.of([HUGO, ANA])
    assert [p.id for p in directory.people] == ["ana", "hugo"]  # by name
    assert directory.of_identity("net-basecamp", "42") is HUGO
    assert directory.of_identity("net-slack", "42") is None
    assert directory.of_address(email="HUGO@lyon.example") is HUGO
    assert directory.of_address(phone="+33 6 12 34 56 78") is HUGO
    assert directory.get("ana") is ANA and len(directory) == 2
    assert directory.with_tag("#Mobility") == [HUGO]


def test_a_mention_names_a_platform_user_the_source_connection_first() -> None:
    other = Person(id="other", name="Someone Else",
                   identities=(Identity("other-slack", "slack", "U0HUGO", "else"),))
    directory = Directory.of([HUGO, other])
    assert directory.on_platform("slack", "U0HUGO", prefer="net-slack") is HUGO
    assert directory.on_platform("slack", "U0HUGO", prefer="other-slack") is other
    assert directory.on_platform("zoom", "U0HUGO") is None


def test_a_person_signs_with_their_city_where_it_is_known() -> None:
    assert HUGO.signature == "Hugo Bernard, Lyon"
    assert ANA.signature == "Ana Souza"
    assert HUGO.on("net-basecamp") == HUGO.identities[1] and HUGO.on("members-wa") is None
    assert HUGO.platforms == ["basecamp", "slack"]


def test_of_two_accounts_on_one_connection_the_one_with_an_address_is_theirs() -> None:
    guest = Identity("net-zoom", "zoom", "m-1", "Hugo")
    account = Identity("net-zoom", "zoom", "hugo@lyon.example", "Hugo Bernard",
                       email="hugo@lyon.example")
    person = Person(id="hugo", name="Hugo Bernard", identities=(guest, account))
    assert person.on("net-zoom") is account
