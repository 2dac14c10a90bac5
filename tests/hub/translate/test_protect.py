"""Protected spans survive any translation, or the translation is refused."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub import markup
from hub.store import Store
from hub.translate.protect import SpanLost, protect
from hub.translate.service import NOTE_PROTECTED, TranslationService
from hub.translate.settings import TranslationSettings

from .fakes import Adversary, counting, shout

GLOSSARY = ["Kigali", "Passerelle", "Lisboa", "Urban Lab"]


@pytest.mark.parametrize(
    ("body", "texts", "spans"),
    [
        ("Bonjour à tous", ["Bonjour à tous"], []),
        ("Salut <@slack:U024BE7LH> !", ['Salut <x id="1"/> !'], ["<@slack:U024BE7LH>"]),
        ("Voir https://example.org/a?b=1&c=2.", ['Voir <x id="1"/>.'],
         ["https://example.org/a?b=1&c=2"]),
        ("Le **grand** jour", ['Le <g id="1">grand</g> jour'], []),
        ("Lire [le compte rendu](https://ex.org/cr)", ['Lire <g id="1">le compte rendu</g>'], []),
        ("Écrire à ana.silva@kigali.rw", ['Écrire à <x id="1"/>'], ["ana.silva@kigali.rw"]),
        ("Lancer `make test` puis 🎉👍🏽", ['Lancer <x id="1"/> puis <x id="2"/>'],
         ["`make test`", "🎉👍🏽"]),
        ("Famille 👨‍👩‍👧 et :tada: #climat @joao", [
            'Famille <x id="1"/> et <x id="2"/> <x id="3"/> <x id="4"/>'
        ], ["👨‍👩‍👧", ":tada:", "#climat", "@joao"]),
        ("Rendez-vous à Kigali avec Urban Lab", [
            'Rendez-vous à <x id="1"/> avec <x id="2"/>'
        ], ["Kigali", "Urban Lab"]),
        ("A & B < C", ["A &amp; B &lt; C"], []),
        ("ligne un\nligne deux", ['ligne un<x id="1"/>ligne deux'], ["\n"]),
        ("- un\n- deux\n\n> cité", ["un", "deux", "cité"], []),
        ("```\ncode à ne pas traduire\n```", [], []),
        ("10:30 👍", [], ["👍"]),
    ],
)
def test_segments_and_spans(body: str, texts: list[str], spans: list[str]) -> None:
    protected = protect(body, GLOSSARY)
    assert protected.texts() == texts
    assert list(protected.spans.values()) == spans


@pytest.mark.parametrize(
    "body",
    [
        "Bonjour <@slack:U1>, voir **le [site](https://x.org) neuf** 🎉 :tada: `x`\nà Kigali.",
        "- un _deux_\n- ~~trois~~\n\n> cité\n> > profond\n\n```py\nx = 1\n```\n\nfin",
        "Texte avec \\*étoiles\\* et \\_soulignés\\_ échappés",
    ],
)
def test_restoring_the_untranslated_segments_gives_the_same_document(body: str) -> None:
    protected = protect(body, GLOSSARY)
    assert markup.parse(protected.restore(protected.texts())) == markup.parse(body)


@pytest.mark.parametrize(
    ("translated", "reason"),
    [
        ('Hello <x id="1"/> <x id="1"/>', "duplicated"),
        ("Hello", "did not come back"),
        ('Hello <x id="9"/> <x id="1"/>', "foreign"),
        ('Hello <x id="1"/> <b>bold</b>', "unexpected tag"),
        ('Hello <x id="1"/> </g>', "closing"),
    ],
)
def test_a_broken_translation_is_refused(translated: str, reason: str) -> None:
    protected = protect("Bonjour <@slack:U1>", GLOSSARY)
    with pytest.raises(SpanLost, match=reason):
        protected.restore([translated])


def test_engines_spellings_of_tags_are_accepted() -> None:
    protected = protect("Le **chat** de <@slack:U1>", GLOSSARY)
    out = protected.restore(["The <g id = '1' > cat </g >'s <x id=\"2\"></x>"])
    assert out == "The **cat** 's <@slack:U1>"


def test_an_html_engine_closing_a_placeholder_late_is_fine() -> None:
    protected = protect("Salut <@slack:U1> et merci", GLOSSARY)
    assert protected.restore(['Hi <x id="1">and thanks</x>']) == "Hi <@slack:U1>and thanks"


def test_entities_and_markup_characters_from_the_engine_stay_literal() -> None:
    protected = protect("A & B", GLOSSARY)
    out = protected.restore(["A &amp; B *not bold* &#39;quoted&#39;\n- no list"])
    assert markup.plain_text(out) == "A & B *not bold* 'quoted' - no list"


# -- property: the adversarial engine (goal T1) -----------------------------------------

WORDS = ["la", "réunion", "du", "réseau", "aura", "lieu", "demain", "projet", "équipe",
         "merci", "pour", "le", "compte", "rendu", "été", "très", "utile"]
SPANS = [
    "<@slack:U024BE7LH>", "<@basecamp:BAhbB2kC>", "<@whatsapp:351912345678>",
    "https://example.org/agenda?id=7&x=1", "http://lisboa.pt/cidade", "ana.silva@kigali.rw",
    "`make test`", "`a < b`", "🎉", "👍🏽", "👨‍👩‍👧", "🇵🇹", ":tada:", "#climat", "@joao",
    "Kigali", "Passerelle", "Urban Lab", "Lisboa",
]


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, list[str]]:
    pieces: list[str] = []
    used: list[str] = []
    for _ in range(draw(st.integers(1, 14))):
        kind = draw(st.sampled_from(["word", "word", "span", "bold", "link", "break", "para"]))
        if kind == "word":
            pieces.append(draw(st.sampled_from(WORDS)))
        elif kind == "span":
            span = draw(st.sampled_from(SPANS))
            used.append(span)
            pieces.append(span)
        elif kind == "bold":
            pieces.append(f"**{draw(st.sampled_from(WORDS))} {draw(st.sampled_from(WORDS))}**")
        elif kind == "link":
            pieces.append(f"[{draw(st.sampled_from(WORDS))}](https://ex.org/{len(pieces)})")
            used.append(f"https://ex.org/{len(pieces) - 1}")
        elif kind == "break":
            pieces.append("\n")
        else:
            pieces.append("\n\n")
    body = " ".join(pieces).replace(" \n", "\n").replace("\n ", "\n").strip()
    return body, used


def _occurrences(text: str, span: str) -> int:
    return text.count(span)


async def _run(
    tmp_path: Path, body: str, adversary: Adversary
) -> tuple[str, bool, str | None]:
    fake = counting("adversary", transform=staticmethod(adversary))
    store = Store.open(f"sqlite:///{tmp_path}/p{random.random()}.db")
    try:
        transport = httpx.MockTransport(lambda request: httpx.Response(500))
        async with httpx.AsyncClient(transport=transport) as http:
            service = TranslationService(
                TranslationSettings(providers=["adversary"], glossary=GLOSSARY),
                {"adversary": fake}, store, http,
            )
            outcome = await service.translate(body, "fr", "en")
    finally:
        store.close()
    return outcome.text, outcome.translated, outcome.note


def _mentions(body: str) -> list[markup.Mention]:
    found: list[markup.Mention] = []

    def walk(nodes: tuple[markup.Inline, ...]) -> None:
        for node in nodes:
            if isinstance(node, markup.Mention):
                found.append(node)
            elif isinstance(node, markup.Styled | markup.Link):
                walk(node.children)

    def blocks(items: list[markup.Block] | tuple[markup.Block, ...]) -> None:
        for block in items:
            if isinstance(block, markup.Paragraph):
                walk(block.inlines)
            elif isinstance(block, markup.Quote):
                blocks(block.blocks)
            elif isinstance(block, markup.ListItems):
                for item in block.items:
                    walk(item)

    blocks(markup.parse(body))
    return sorted(found, key=repr)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=bodies(), seed=st.integers(0, 2**32 - 1), may_break=st.booleans())
async def test_adversarial_engine_keeps_every_span_or_falls_back(
    tmp_path: Path, drawn: tuple[str, list[str]], seed: int, may_break: bool
) -> None:
    body, used = drawn
    text, translated, note = await _run(tmp_path, body, Adversary(random.Random(seed),
                                                                    may_break=may_break))
    if not translated:
        # Refused: the reader gets exactly what was written, and is told why.
        assert text == body
        assert note == NOTE_PROTECTED or not protect(body, GLOSSARY).to_translate
        return
    for span in used:
        assert _occurrences(text, span) >= _occurrences(body, span), span
    assert _mentions(text) == _mentions(body)
    original = protect(body, GLOSSARY)
    restored = protect(text, GLOSSARY)
    # Every span is back, byte for byte (line breaks are layout: an engine may move one).
    values = [v for v in original.spans.values() if v != "\n"]
    for value in set(values):
        assert text.count(value) >= values.count(value), value
    # Links, addresses, hashtags and glossary terms still stand on their own: read again,
    # they are found whole (no word glued on that would change where they point).
    found = list(restored.spans.values())
    for number, guard in original.guards.items():
        value = original.spans[number]
        assert found.count(value) >= values.count(value), (guard, value)


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=bodies(), seed=st.integers(0, 2**32 - 1))
async def test_a_mangling_but_faithful_engine_is_accepted(
    tmp_path: Path, drawn: tuple[str, list[str]], seed: int
) -> None:
    """Reordered words, re-spaced and re-spelled tags are fine: the spans are ours to restore."""
    body, _ = drawn
    _text, translated, _note = await _run(tmp_path, body, Adversary(random.Random(seed),
                                                                     may_break=False))
    has_words = bool(protect(body, GLOSSARY).to_translate)
    assert translated is has_words


def test_shout_leaves_markup_alone() -> None:
    marked = 'le <g id="1">chat</g> &amp; <x id="2"/>'
    assert shout(marked) == 'LE <g id="1">CHAT</g> &amp; <x id="2"/>'
