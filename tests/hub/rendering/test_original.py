"""The original beside a translation: quoted below it, or linked."""

from __future__ import annotations

import pytest

from hub.rendering.original import original


@pytest.mark.parametrize(("written_in", "reader", "label"), [
    ("fr", "en", "Original (French)"), ("fr", "pt", "Original (francês)"),
    ("pt-BR", "es", "Original (portugués de Brasil)"), ("en", "fr", "Original (anglais)"),
    (None, "de", "Original"), ("xx", "it", "Originale"),
])
def test_the_label_names_the_language_in_the_readers(written_in: str | None, reader: str,
                                                      label: str) -> None:
    assert original(None, "text", written_in, reader).label == label


def test_below_quotes_title_and_body_under_the_label() -> None:
    shown = original("Notre rencontre", "La rencontre aura lieu.\n\n- à Lisbonne", "fr", "pt")
    assert shown.markup() == ("_🌐 Original (francês):_\n> **Notre rencontre**\n>\n"
                              "> La rencontre aura lieu.\n>\n> - à Lisbonne")


def test_a_link_replaces_the_words() -> None:
    shown = original("T", "words", "fr", "en", url="https://3.basecamp.com/1/buckets/2/messages/3")
    assert shown.markup() == ("_🌐 [See the original (French)]"
                              "(https://3.basecamp.com/1/buckets/2/messages/3)_")
    assert original("T", "w", None, "pt", url="https://x.test/1").label == "Ver o original"


def test_a_title_with_markup_characters_stays_text() -> None:
    assert original("*Urgent* [1]", "", "fr", "en").markup() == \
        "_🌐 Original (French):_\n> **\\*Urgent\\* \\[1\\]**"
