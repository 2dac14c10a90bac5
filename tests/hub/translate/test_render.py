"""Rendering per endpoint: pure examples."""

from __future__ import annotations

import pytest

from hub import markup
from hub.settings import Render
from hub.translate.render import carries_translation, render
from hub.translate.service import NOTE_FAILED, Outcome

ORIGINAL = "La réunion aura lieu **demain**.\n\n- point un"
DONE = Outcome("The meeting will take place **tomorrow**.\n\n- item one", True, "deepl", "fr")
FAILED = Outcome(ORIGINAL, False, None, "fr", NOTE_FAILED)
SKIPPED = Outcome(ORIGINAL, False, None, "fr", None)


@pytest.mark.parametrize(
    ("outcome", "mode", "reader", "expected"),
    [
        (DONE, Render.TRANSLATED, "en",
         "The meeting will take place **tomorrow**.\n\n- item one\n\n"
         "_🌐 Translated from French_"),
        (DONE, Render.TRANSLATED, "pt",
         "The meeting will take place **tomorrow**.\n\n- item one\n\n"
         "_🌐 Traduzido do francês_"),
        (DONE, Render.BOTH, "en",
         "The meeting will take place **tomorrow**.\n\n- item one\n\n"
         "_🌐 Original (French):_\n\n> La réunion aura lieu **demain**.\n>\n> - point un"),
        (DONE, Render.ORIGINAL, "en", ORIGINAL),
        (FAILED, Render.TRANSLATED, "en", f"{ORIGINAL}\n\n_🌐 {NOTE_FAILED}_"),
        (FAILED, Render.BOTH, "es", f"{ORIGINAL}\n\n_🌐 traducción no disponible_"),
        (FAILED, Render.ORIGINAL, "en", ORIGINAL),
        (SKIPPED, Render.TRANSLATED, "fr", ORIGINAL),
        (Outcome("Hello", True, "deepl", None), Render.TRANSLATED, "en",
         "Hello\n\n_🌐 Machine translation_"),
    ],
)
def test_render(outcome: Outcome, mode: Render, reader: str, expected: str) -> None:
    assert render(ORIGINAL, outcome, mode, reader) == expected


def test_the_original_is_reachable_by_its_address() -> None:
    out = render(ORIGINAL, DONE, Render.TRANSLATED, "en",
                 original_url="https://3.basecamp.com/1/buckets/2/messages/3")
    assert out.endswith(
        "_🌐 Translated from French · [original](https://3.basecamp.com/1/buckets/2/messages/3)_"
    )
    last = markup.parse(out)[-1]
    assert isinstance(last, markup.Paragraph)
    styled = last.inlines[0]
    assert isinstance(styled, markup.Styled) and styled.style == "italic"
    assert any(isinstance(node, markup.Link) for node in styled.children)


def test_both_keeps_the_original_structure_inside_the_quote() -> None:
    out = render(ORIGINAL, DONE, Render.BOTH, "en")
    quote = markup.parse(out)[-1]
    assert isinstance(quote, markup.Quote)
    assert [type(block) for block in quote.blocks] == [markup.Paragraph, markup.ListItems]


def test_rendered_bodies_are_recognised() -> None:
    for outcome, mode in [(DONE, Render.TRANSLATED), (DONE, Render.BOTH),
                          (FAILED, Render.TRANSLATED)]:
        assert carries_translation(render(ORIGINAL, outcome, mode, "en"))
    assert not carries_translation(ORIGINAL)
    assert not carries_translation("I love the 🌐 emoji")
