"""WhatsApp formatting ⇄ canonical markup, on a table of real-looking examples."""

from __future__ import annotations

import pytest

from hub import markup
from plugins.whatsapp.formatting import clip, from_whatsapp, to_whatsapp

INBOUND = [
    ("*bold* _italic_ ~strike~", "**bold** _italic_ ~~strike~~"),
    ("```mono``` and `code`", "`mono` and `code`"),
    ("snake_case and 2*3*4 stay", "snake\\_case and 2\\*3\\*4 stay"),
    ("see https://example.org/a_b_c?x=1", "see https://example.org/a_b_c?x=1"),
    ("> quoted *word*", "> quoted **word**"),
    ("- one\n* two\n1. three", "- one\n- two\n1. three"),
    ("```\nline 1\nline 2\n```", "```\nline 1\nline 2\n```"),
    ("-5 degrees, a<b, [x](y)", "\\-5 degrees, a\\<b, \\[x\\](y)"),
    ("*unclosed bold", "\\*unclosed bold"),
    ("Olá *mundo* — ção", "Olá **mundo** — ção"),
]


@pytest.mark.parametrize(("whatsapp", "canonical"), INBOUND)
def test_from_whatsapp(whatsapp: str, canonical: str) -> None:
    assert from_whatsapp(whatsapp) == canonical


@pytest.mark.parametrize("whatsapp", ["plain text, nothing special", "-5 degrees, a<b, [x](y)",
                                      "snake_case and 2*3*4 stay", "*unclosed bold"])
def test_literal_text_survives_the_round_trip(whatsapp: str) -> None:
    canonical = from_whatsapp(whatsapp)
    assert markup.plain_text(canonical) == whatsapp
    assert to_whatsapp(canonical) == whatsapp


OUTBOUND = [
    ("**bold** _italic_ ~~strike~~ `code`", "*bold* _italic_ ~strike~ `code`"),
    ("[the agenda](https://example.org/a) and https://example.org",
     "the agenda (https://example.org/a) and https://example.org"),
    ("Hi <@slack:U123>", "Hi @U123"),
    ("first\n\nsecond", "first\n\nsecond"),
    ("> quoted\n\n- a\n- b", "> quoted\n\n- a\n- b"),
    ("```\nx = 1\n```", "```x = 1```"),
]


@pytest.mark.parametrize(("canonical", "whatsapp"), OUTBOUND)
def test_to_whatsapp(canonical: str, whatsapp: str) -> None:
    assert to_whatsapp(canonical) == whatsapp


def test_clip() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("abcdef", 4) == "abc…"
