"""The people file: read, checked, and every mistake named with its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.people.declared import read_people_file


def test_the_file_declares_people_with_normalised_addresses_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "people.toml"
    path.write_text('''
[people.hugo]
name = "Hugo Bernard"
city = "Lyon"
emails = [" Hugo.Bernard@Lyon.example"]
phones = ["+33 6 12 34 56 78"]
identities = ["net-slack:U0HUGO"]
tags = ["#Mobilité", "open data"]
notify = ["mobility"]
''', encoding="utf-8")
    [(person_id, hugo)] = read_people_file(path).items()
    assert person_id == "hugo" and hugo.name == "Hugo Bernard"
    assert hugo.emails == ["hugo.bernard@lyon.example"]
    assert hugo.phones == ["33612345678"]
    assert hugo.tags == ["mobilite", "open data"]
    assert hugo.reach_when_mentioned  # the default: a mention reaches them


def test_no_file_declares_no_one() -> None:
    assert read_people_file(None) == {}


@pytest.mark.parametrize(("text", "message"), [
    ('[people.x]\nname = "X"\nemails = ["nope"]',
     r"\[people.x\] emails: 'nope' is not an e-mail address$"),
    ('[people.x]\nname = "X"\nphones = ["12"]', "is not an international phone number"),
    ('[people.x]\nname = "X"\nidentities = ["U0HUGO"]', 'is not "connection:native_id"'),
    ('[people.x]\ncity = "Lyon"', r"\[people.x\] name: Field required"),
    ('[people.x]\nname = "X"\nnickname = "x"', "nickname: Extra inputs are not permitted"),
    ('[members.x]\nname = "X"', r"unknown table\(s\) members"),
    ('[people.x\nname = "X"', "people file"),
])
def test_a_mistake_is_named_with_the_file_and_the_person(tmp_path: Path, text: str,
                                                         message: str) -> None:
    path = tmp_path / "people.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_people_file(path)


def test_a_missing_file_says_how_to_mend_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not found — create it or unset \[people\] file"):
        read_people_file(tmp_path / "absent.toml")
