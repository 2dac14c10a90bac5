"""The network's words: parsing, the pair's terms, and what comes back in their place."""

from __future__ import annotations

import tomllib
from pathlib import Path

import httpx
import pytest

from hub.errors import ConfigError
from hub.store import Store
from hub.translate.agreement import agree
from hub.translate.glossary import DEFAULT_PATH, Forms, Glossary, load, parse, parse_forms
from hub.translate.protect import protect_with
from hub.translate.service import TranslationService
from hub.translate.settings import TranslationSettings

from .fakes import counting

SHIPPED = load(default=True)


@pytest.mark.parametrize(
    ("text", "forms"),
    [
        ("réseau | réseaux (m)", Forms(("réseau", "réseaux"), "m")),
        ("presidente da câmara | presidentes da câmara", Forms(
            ("presidente da câmara", "presidentes da câmara"))),
        ("données ouvertes (f pl)", Forms(("données ouvertes",), "f", plural_only=True)),
        ("webinar", Forms(("webinar",))),
    ],
)
def test_forms_are_read(text: str, forms: Forms) -> None:
    assert parse_forms(text) == forms


@pytest.mark.parametrize("text", ["réseau (x)", "a | b | c", "réseau | ", "a (m f)", "()"])
def test_malformed_forms_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_forms(text)


def test_the_shipped_glossary_is_valid_and_written_in_four_languages() -> None:
    data = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert len(SHIPPED.terms) == len(data["term"]) >= 30
    for term in SHIPPED.terms:
        assert {"en", "fr", "es", "pt"} <= set(term.languages)
    assert {"Basecamp", "Slack", "WhatsApp", "Zoom"} <= set(SHIPPED.keep)


@pytest.mark.parametrize(
    ("source", "target", "found", "rendering"),
    [
        ("fr", "en", "réseau", "network"),
        ("fr", "en", "Réseaux", "networks"),  # the plural for a plural, in any case
        ("pt", "en", "rede", "network"),
        ("en", "pt", "mayor", "presidente da câmara"),
        ("en", "pt-BR", "mayor", "prefeito"),  # a variant's own rendering
        ("pt-BR", "en", "prefeito", "mayor"),
        ("en", "fr", "open data", "données ouvertes"),
        ("en", "fr", "attendance", "présence"),
        ("fr", "en", "présence", None),  # looked for in English only
        ("fr", "en", "commune", None),  # French "commune" is also "common"
        ("en", "fr", "municipality", "commune"),
        ("fr", "de", "réseau", None),  # no German rendering: the engine decides
    ],
)
def test_a_pair_renders_its_terms(source: str, target: str, found: str,
                                  rendering: str | None) -> None:
    got = SHIPPED.for_pair(source, target).rendering(found)
    assert (got.text if got else None) == rendering


def test_without_a_source_only_names_are_kept() -> None:
    terms = SHIPPED.for_pair(None, "en")
    assert not terms.renderings and "Zoom" in terms.keep


def _restore(body: str, source: str, target: str, translated: str) -> str:
    protected = protect_with(body, SHIPPED.for_pair(source, target))
    return protected.restore([translated])


@pytest.mark.parametrize(
    ("body", "source", "target", "texts", "translated", "expected"),
    [
        # The cases, and the article that must agree with a rendering.
        ("La réunion du réseau", "fr", "en", ['La réunion du <x id="1"/>'],
         'The meeting of the <x id="1"/>', "The meeting of the network"),
        ("A reunião da rede", "pt", "en", ['A reunião da <x id="1"/>'],
         'The meeting of the <x id="1"/>', "The meeting of the network"),
        ("please confirm your attendance", "en", "fr", ['please confirm your <x id="1"/>'],
         'merci de confirmer votre <x id="1"/>', "merci de confirmer votre présence"),
        ("Zoom meeting at noon", "en", "fr", ['<x id="1"/> at noon'],
         '<x id="1"/> à midi', "Réunion Zoom à midi"),
        ("The network meets", "en", "pt", ['The <x id="1"/> meets'],
         'O <x id="1"/> reúne-se', "A rede reúne-se"),
        ("the assembly of the network", "en", "pt", ['the assembly of the <x id="1"/>'],
         'a assembleia do <x id="1"/>', "a assembleia da rede"),
        ("the general assembly", "en", "fr", ['the <x id="1"/>'],
         'la <x id="1"/>', "l'assemblée générale"),
        ("an interpreter", "en", "fr", ['an <x id="1"/>'], 'un <x id="1"/>', "un interprète"),
        ("la liste des interprètes", "es", "en", ["la liste des interprètes"],
         "the list of interpreters", "the list of interpreters"),
        # Case: capitals kept, a sentence's start capitalised, a name kept as one.
        ("RÉSEAU", "fr", "en", [], "", "NETWORK"),
        ("Réseau et mobilité", "fr", "en", ['<x id="1"/> et mobilité'],
         'Mobility and <x id="1"/>', "Mobility and network"),
        ("Le Réseau a décidé", "fr", "en", ['Le <x id="1"/> a décidé'],
         'The <x id="1"/> decided', "The Network decided"),
        ("la réunion. réseau", "fr", "en", ['la réunion. <x id="1"/>'],
         'the meeting. <x id="1"/>', "the meeting. Network"),
    ],
)
def test_terms_come_back_as_the_targets_rendering(
    body: str, source: str, target: str, texts: list[str], translated: str, expected: str
) -> None:
    protected = protect_with(body, SHIPPED.for_pair(source, target))
    assert protected.texts() == texts
    assert protected.restore([translated] if texts else []) == expected


@pytest.mark.parametrize(
    ("before", "rendering", "language", "gender", "plural", "expected"),
    [
        ("O ", "rede", "pt", "f", False, "A "),
        ("do ", "rede", "pt", "f", False, "da "),
        ("ao ", "câmara municipal", "pt", "f", False, "à "),
        ("os ", "redes", "pt", "f", True, "as "),
        ("o vosso ", "presença", "pt", "f", False, "o vossa "),
        ("el ", "red", "es", "f", False, "la "),
        ("del ", "red", "es", "f", False, "de la "),
        ("de la ", "secretariado", "es", "m", False, "del "),
        ("la ", "assemblée", "fr", "f", False, "l'"),
        ("du ", "assemblée", "fr", "f", False, "de l'"),
        ("l'", "réseau", "fr", "m", False, "le "),
        ("l'", "maire", "fr", None, False, "l'"),  # no gender to choose by: left alone
        ("le ", "transports en commun", "fr", "m", True, "les "),
        ("ce ", "ordre du jour", "fr", "m", False, "cet "),
        ("liste de ", "interprètes", "fr", None, True, "liste d'"),
        ("a ", "interpreter", "en", None, False, "an "),
        ("an ", "network", "en", None, False, "a "),
        ("a ", "university", "en", None, False, "a "),
        ("after the ", "network", "en", None, False, "after the "),
        ("Du ", "assemblée", "fr", "f", False, "De l'"),
    ],
)
def test_the_word_before_agrees(before: str, rendering: str, language: str,
                                gender: str | None, plural: bool, expected: str) -> None:
    assert agree(before, rendering, language, gender, plural) == expected


def test_an_admins_file_adds_and_replaces_terms(tmp_path: Path) -> None:
    own = tmp_path / "glossary.toml"
    own.write_text(
        'keep = ["Kigali"]\n\n'
        '[[term]]\nen = "network | networks"\nfr = "réseau | réseaux (m)"\npt = "malha (f)"\n\n'
        '[[term]]\nen = "urban lab"\nfr = "laboratoire urbain (m)"\n',
        encoding="utf-8",
    )
    glossary = load(["Lisboa"], own)
    assert {"Kigali", "Lisboa", "Zoom"} <= set(glossary.keep)
    assert glossary.for_pair("en", "pt").rendering("network").text == "malha"  # type: ignore[union-attr]
    assert glossary.for_pair("fr", "es").rendering("réseau") is None  # replaced, no Spanish
    assert glossary.for_pair("en", "fr").rendering("urban lab").text == "laboratoire urbain"  # type: ignore[union-attr]
    assert len(glossary.terms) == len(SHIPPED.terms) + 1
    assert glossary.version != SHIPPED.version
    assert load(default=False).terms == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[[term]]\nen = "network"\n', "at least two languages"),
        ('[[term]]\nen = "network"\nfr = "réseau (n)"\n', "(n) is not"),
        ('[[term]]\nen = "a"\nfr = "b"\n\n[[term]]\nen = "a"\nes = "c"\n', "also in term 1"),
        ('keep = "Kigali"\n', "keep must be a list"),
        ('terms = []\n', "unknown keys terms"),
        ('[[term]]\nen = "a"\nfr = "b"\nfrom = "en"\n', "from must list"),
        ("[[term]\n", "not valid TOML"),
    ],
)
def test_a_bad_file_says_where_and_how_to_fix_it(tmp_path: Path, text: str,
                                                 problem: str) -> None:
    own = tmp_path / "mine.toml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"mine\.toml") as caught:
        load(path=own)
    assert problem in str(caught.value)


def test_a_missing_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="glossary_path"):
        load(path=tmp_path / "absent.toml")


def test_the_version_follows_the_content() -> None:
    a = parse({"keep": ["Kigali"], "term": [{"en": "network", "fr": "réseau (m)"}]}, "t")
    b = parse({"keep": ["Kigali", "Kigali"], "term": [{"fr": "réseau (m)", "en": "network"}]},
              "t")
    c = parse({"keep": ["Kigali"], "term": [{"en": "network", "fr": "réseau (f)"}]}, "t")
    assert a.version == b.version != c.version != Glossary().version


async def test_a_body_of_glossary_terms_alone_is_rendered_without_a_provider(
    store: Store, http: httpx.AsyncClient
) -> None:
    fake = counting("fake")
    service = TranslationService(TranslationSettings(providers=["fake"]), {"fake": fake},
                                 store, http)
    outcome = await service.translate("Ordre du jour", "fr", "en")
    assert (outcome.text, outcome.translated, outcome.provider) == ("Agenda", True, "glossary")
    assert fake.calls == []


async def test_every_provider_gets_the_glossary_as_placeholders(
    store: Store, http: httpx.AsyncClient
) -> None:
    fake = counting("fake", transform=staticmethod(lambda text: text))
    service = TranslationService(TranslationSettings(providers=["fake"]), {"fake": fake},
                                 store, http)
    outcome = await service.translate("Les maires du réseau se réunissent sur Zoom.", "fr", "pt")
    assert fake.calls[0][0] == ('Les <x id="1"/> du <x id="2"/> se réunissent sur <x id="3"/>.',)
    # The engine's words are its own (here none translated, so "du" is no Portuguese article
    # to agree); the terms are the target's, the kept name as written.
    assert outcome.text == "Les presidentes da câmara du rede se réunissent sur Zoom."
