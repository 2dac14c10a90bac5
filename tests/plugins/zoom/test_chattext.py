"""Team Chat text ⇄ canonical markup, on real spans and mentions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub import markup
from plugins.zoom import chattext


@pytest.mark.parametrize(("text", "rich", "at", "expected"), [
    ("plain *stars* and _under_", None, None, r"plain \*stars\* and \_under\_"),
    ("Hello world", [{"start_position": 6, "end_position": 11, "format_type": "Bold"}], None,
     "Hello **world**"),
    ("see docs", [{"start_position": 4, "end_position": 8, "format_type": "AddLink",
                   "format_attr": "https://example.org/d"}], None,
     "see [docs](https://example.org/d)"),
    ("@Ana hi", None, [{"at_contact_member_id": "M1", "at_type": 1, "start_position": 0,
                        "end_position": 4}], "<@zoom:M1|Ana> hi"),
    ("@Jill Chill, hi", None, [{"at_contact": "JChill@example.com", "at_contact_member_id":
                                "R4VM29Oj", "at_type": 1, "start_position": 0,
                                "end_position": 11}], "<@zoom:jchill@example.com|Jill Chill>, hi"),
    ("@ hi", None, [{"at_contact": "jchill@example.com", "at_type": 1, "start_position": 0,
                     "end_position": 1}], "<@zoom:jchill@example.com|jchill> hi"),
    ("@all hi", None, [{"at_type": 2, "start_position": 0, "end_position": 4}], "@all hi"),
    ("short", [{"start_position": 2, "end_position": 99, "format_type": "Italic"}], None,
     "sh*ort*"),
    ("a bold move", [{"start_position": 1, "end_position": 7, "format_type": "Bold"}], None,
     "a **bold** move"),
    ("styled", [{"start_position": 0, "end_position": 6, "format_type": "FontColor",
                 "format_attr": "FF0000"}], None, "styled"),
])
def test_to_canonical(text: str, rich: Any, at: Any, expected: str) -> None:
    assert chattext.to_canonical(text, rich, at) == expected


@pytest.mark.parametrize("body", [
    "Hello **network**, see https://example.org",
    "a *b* ~~c~~ [d](https://e.org/x)",
    "line one\nline two",
    r"literal \*stars\* stay",
])
def test_canonical_round_trips_through_team_chat_text(body: str) -> None:
    text = chattext.to_zoom_text(body)
    assert markup.plain_text(chattext.to_canonical(text.message, text.rich_text,
                                                  text.at_items)) == markup.plain_text(body)
    assert chattext.to_canonical(text.message, text.rich_text, text.at_items) == body


def test_a_mention_made_elsewhere_is_an_at_item_of_the_address_with_the_name() -> None:
    text = chattext.to_zoom_text("ask <@zoom:hugo@lyon.example|Hugo Bernard>")
    assert text.message == "ask @Hugo Bernard"
    assert text.at_items == [{"at_contact": "hugo@lyon.example", "at_type": 1,
                               "start_position": 4, "end_position": 17}]
    assert chattext.to_canonical(text.message, None, text.at_items) == \
        "ask <@zoom:hugo@lyon.example|Hugo Bernard>"


def test_zoom_mentions_become_at_items() -> None:
    text = chattext.to_zoom_text("hi <@zoom:M1> and <@slack:U1>")
    assert text.message == "hi @M1 and @U1"
    assert text.at_items == [{"at_contact": "M1", "at_type": 1, "start_position": 3,
                               "end_position": 6}]


def test_long_messages_split_at_word_ends_and_lose_nothing() -> None:
    words = " ".join(f"word{i}" for i in range(400))
    chunks = chattext.split_message(chattext.ChatText(words), limit=100)
    assert all(len(c.message) <= 100 for c in chunks)
    assert " ".join(c.message for c in chunks) == words


PLAIN = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"),
                                       exclude_characters="\r\n"),
                min_size=1, max_size=60).filter(lambda t: t.strip() == t)


@given(PLAIN)
def test_plain_team_chat_text_survives_both_ways(text: str) -> None:
    canonical = chattext.to_canonical(text)
    assert markup.plain_text(canonical) == text
    assert chattext.to_zoom_text(canonical).message == text
