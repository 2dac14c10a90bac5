"""Words as the archive indexes them, and the passages that show where a query matched."""

from __future__ import annotations

from hub.archive.text import fold, primary, snippet, terms


def test_folding_drops_case_and_diacritics() -> None:
    assert fold("Qualité à São Paulo, ÉTÉ") == "qualite a sao paulo, ete"


def test_each_language_stems_its_own_words_and_leaves_out_function_words() -> None:
    assert terms("Les jardins partagés", "fr") == terms("jardin partagé", "fr")
    assert terms("cidades", "pt") == terms("Cidade", "pt")
    assert terms("de la", "fr") == []
    assert terms("the gardens", "en") == ["garden"]
    # A language without a stemmer keeps its words, folded.
    assert terms("Ĉiu ĝardeno", "xx") == ["ciu", "gardeno"]


def test_primary_subtags() -> None:
    assert (primary("pt-BR"), primary("en_GB"), primary(""), primary(None)) == (
        "pt", "en", None, None)


def test_a_snippet_marks_every_matching_word_in_its_own_spelling() -> None:
    found = snippet("Nous pouvons présenter notre Projet de jardins.",
                    terms("projets jardin", "fr"), "fr")
    assert found.marked() == "Nous pouvons présenter notre [Projet] de [jardins]."


def test_a_long_text_is_cut_around_the_matches_at_word_boundaries() -> None:
    text = ("Lorem ipsum dolor sit amet. " * 20) + "Le budget participatif de Porto. " + (
        "Consectetur adipiscing elit. " * 20)
    found = snippet(text, terms("budget", "fr"), "fr", width=80)
    assert found.text.startswith("…") and found.text.endswith("…")
    assert len(found.text) <= 82
    [(start, end)] = found.marks
    assert found.text[start:end] == "budget"
    assert not found.text[1].isspace()


def test_without_a_match_the_snippet_is_the_beginning() -> None:
    found = snippet("Short text.", ["absent"], "en")
    assert (found.text, found.marks) == ("Short text.", ())
