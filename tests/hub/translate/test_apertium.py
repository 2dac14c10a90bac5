"""Apertium for real: the installed command and an APy server on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import respx
from pydantic import ValidationError

from hub.errors import PermanentError
from hub.store import Store
from hub.translate.providers.apertium import (
    ApertiumTranslator,
    Hop,
    from_html,
    keep_case,
    measured_routes,
    route,
    strip_marks,
    to_html,
)
from hub.translate.service import NOTE_UNSUPPORTED, TranslationService
from hub.translate.settings import ApertiumSettings, TranslationSettings

needs_apertium = pytest.mark.skipif(
    shutil.which("apertium") is None,
    reason="apt-get install apertium apertium-eng-spa apertium-fr-es apertium-es-pt",
)
MODES = Path("/usr/share/apertium/modes")
FRENCH = "La réunion du réseau aura lieu demain à Kigali."

HOPS = [Hop("fr", "es", "fr-es"), Hop("es", "fr", "es-fr"), Hop("es", "en", "spa-eng"),
        Hop("es", "en-US", "spa-eng_US"), Hop("en", "es", "eng-spa"), Hop("es", "pt", "es-pt"),
        Hop("es", "pt-BR", "es-pt_BR"), Hop("pt", "es", "pt-es")]


@pytest.mark.parametrize(
    ("source", "target", "natives"),
    [
        ("fr", "es", ["fr-es"]),
        ("fr", "en", ["fr-es", "spa-eng"]),
        ("fr", "en-US", ["fr-es", "spa-eng_US"]),
        ("en", "fr", ["eng-spa", "es-fr"]),
        ("pt-BR", "en", ["pt-es", "spa-eng"]),
        ("en", "pt-BR", ["eng-spa", "es-pt_BR"]),
        ("fr", "de", None),
    ],
)
def test_route_takes_the_shortest_way(
    source: str, target: str, natives: list[str] | None
) -> None:
    found = route(HOPS, source, target)
    assert (None if found is None else [hop.native for hop in found]) == natives


@pytest.mark.parametrize(
    ("source", "translated", "expected"),
    [
        ("Le chat", "The *cat", "The cat"),
        ("x", "#went @there ~together", "went there together"),
        ("a *star* here", "una *estrella* aquí", "una *estrella* aquí"),
        ('<x id="1"/> ok', '<x id="1"/> ok', '<x id="1"/> ok'),
    ],
)
def test_unknown_word_marks_are_removed(source: str, translated: str, expected: str) -> None:
    assert strip_marks(source, translated) == expected


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield http


@needs_apertium
async def test_the_command_lists_its_pairs_and_pivots(client: httpx.AsyncClient) -> None:
    apertium = ApertiumTranslator(ApertiumSettings(), client)
    pairs = await apertium.pairs()
    assert pairs is not None and {("fr", "es"), ("es", "en"), ("en", "es")} <= pairs
    assert ("fr", "en") not in pairs
    assert await apertium.supports("fr", "en")
    assert not await apertium.supports(None, "en")


@needs_apertium
@pytest.mark.slow
async def test_the_command_translates_french_to_english_along_a_route(
    client: httpx.AsyncClient,
) -> None:
    apertium = ApertiumTranslator(ApertiumSettings(), client)
    [english] = await apertium.translate([FRENCH], "fr", "en")
    assert "meeting" in english and "Kigali" in english
    assert "*" not in english and "#" not in english and "@" not in english
    [marked] = await apertium.translate(
        ["La <g id=\"1\">réunion</g> aura lieu demain à <x id=\"2\"/> avec l'équipe."],
        "fr", "en",
    )
    # Placeholders are inline: no capital letter after them as after a sentence break.
    assert 'meeting</g> will' in marked and '<x id="2"/> with' in marked


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        # Standing alone between words, a placeholder is a name Apertium keeps in place.
        ('a <x id="1"/> <g id="2">b</g>', 'a Zxqcx <span id="2">b</span>'),
        ('Voir <x id="12"/>.', "Voir Zxqcdx."),
        ("l'<x id=\"3\"/> et (<x id=\"4\"/>)", "l'Zxqfx et (Zxqgx)"),
        # Glued to a word (a line break within text), it stays inline markup.
        ('ligne un<x id="5"/>ligne deux', 'ligne un<br id="5"/>ligne deux'),
    ],
)
def test_placeholders_travel_as_names_or_inline_html(text: str, sent: str) -> None:
    assert to_html(text) == sent
    assert from_html(sent) == text


@pytest.mark.parametrize(
    ("translated", "expected"),
    [
        ('a <br id="1"> <span id="2">b</span>', 'a <x id="1"/> <g id="2">b</g>'),
        ("The ZXQCX of zxqdx", 'The <x id="1"/> of <x id="2"/>'),
        ("le Zxqcxha parler", 'le <x id="1"/>ha parler'),  # "'s" read as "has", glued on
    ],
)
def test_what_apertium_gives_back_is_read_back(translated: str, expected: str) -> None:
    assert from_html(translated) == expected


@pytest.mark.parametrize(
    ("source", "translated", "expected"),
    [
        ("Zxqcx will be available", "Zxqcx Será disponible", "Zxqcx será disponible"),
        ("« Zxqcx will", "« Zxqcx Será", "« Zxqcx será"),
        ("Zxqcx Lisbon", "Zxqcx Lisboa", "Zxqcx Lisboa"),
        ("Zxqcx will", "Zxqcx OTAN", "Zxqcx OTAN"),
        ("The Zxqcx will", "El Zxqcx Será", "El Zxqcx Será"),
    ],
)
def test_a_leading_name_does_not_pass_its_capital_on(
    source: str, translated: str, expected: str
) -> None:
    assert keep_case(source, translated) == expected


ROUTED = [*HOPS, Hop("fr", "ca", "fra-cat"), Hop("ca", "es", "cat-spa"),
          Hop("ca", "en", "cat-eng"), Hop("ca", "en-US", "cat-eng_US"),
          Hop("en", "ca-Valencia", "eng-cat_valencia"), Hop("en", "ca", "eng-cat"),
          Hop("ca", "pt", "cat-por"), Hop("ca", "fr", "cat-fra")]


@pytest.mark.parametrize(
    ("source", "target", "preferred", "natives"),
    [
        ("fr", "en", [["fr", "ca", "es", "en"]], ["fra-cat", "cat-spa", "spa-eng"]),
        ("fr", "en-US", [["fr", "ca", "en"]], ["fra-cat", "cat-eng_US"]),
        # A pivot goes into the plain language, not one of its variants.
        ("en", "fr", [["en", "ca", "fr"]], ["eng-cat", "cat-fra"]),
        # The first installed route wins; one with a missing pair is passed over.
        ("en", "pt", [["en", "gl", "pt"], ["en", "ca", "pt"]], ["eng-cat", "cat-por"]),
        # No measured route installed: the shortest way.
        ("pt", "fr", [["pt", "gl", "fr"]], ["pt-es", "es-fr"]),
        ("fr", "de", [["fr", "de"]], None),
    ],
)
def test_route_takes_the_first_installed_preferred_route(
    source: str, target: str, preferred: list[list[str]], natives: list[str] | None
) -> None:
    found = route(ROUTED, source, target, preferred)
    assert (None if found is None else [hop.native for hop in found]) == natives


def test_the_measured_routes_are_read_and_an_admin_may_replace_one() -> None:
    measured = measured_routes()
    for direction in ("fr-en", "en-fr", "pt-en", "en-pt", "fr-pt", "pt-fr"):
        first = measured[direction][0]
        assert [first[0], first[-1]] == direction.split("-")
    own = ApertiumTranslator(ApertiumSettings(routes={"fr-en": ["fr", "es", "en"]}),
                             httpx.AsyncClient())
    assert own.routes["fr-en"] == [["fr", "es", "en"]]
    assert own.routes["en-fr"] == measured["en-fr"]


@pytest.mark.parametrize("routes", [{"fr-en": ["fr", "es"]}, {"fren": ["fr", "en"]},
                                    {"fr-en": ["fr"]}])
def test_a_route_must_go_where_it_says(routes: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationError, match="names its direction"):
        ApertiumSettings(routes=routes)


@needs_apertium
async def test_the_service_translates_a_body_with_apertium(
    tmp_path: Path, client: httpx.AsyncClient
) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/t.db")
    try:
        service = TranslationService(
            TranslationSettings(), {"apertium": ApertiumTranslator}, store, client
        )
        body = "Bonjour <@slack:U024BE7LH>, la **réunion** aura lieu demain : https://ex.org/r"
        outcome = await service.translate(body, "fr", "en")
        assert outcome.translated and outcome.provider == "apertium"
        assert "<@slack:U024BE7LH>" in outcome.text and "https://ex.org/r" in outcome.text
        assert "**" in outcome.text and "*" not in outcome.text.replace("**", "")
        missing = await service.translate(FRENCH, "fr", "de")
        assert (missing.translated, missing.note) == (False, NOTE_UNSUPPORTED)
    finally:
        store.close()


async def test_a_missing_command_serves_nothing(client: httpx.AsyncClient) -> None:
    apertium = ApertiumTranslator(ApertiumSettings(command="no-such-apertium"), client)
    assert await apertium.pairs() == frozenset()
    assert not await apertium.supports("fr", "es")
    with pytest.raises(PermanentError, match="no installed Apertium pair"):
        await apertium.translate(["Bonjour"], "fr", "es")


# -- APy -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def apy() -> Iterator[str]:
    program = shutil.which("apertium-apy")
    if program is None or shutil.which("apertium") is None:
        pytest.skip("apt-get install apertium-apy apertium apertium-eng-spa apertium-fr-es")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (a fixed, installed program)
        [program, "-p", str(port), str(MODES)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/listPairs", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                pytest.fail("apertium-apy exited at start")
            subprocess.run(["sleep", "0.1"], check=True)  # noqa: S607
        else:
            pytest.fail("apertium-apy did not answer within 10 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_apy_lists_pairs_and_translates_through_a_pivot(
    apy: str, client: httpx.AsyncClient
) -> None:
    apertium = ApertiumTranslator(ApertiumSettings(apy_url=apy), client)
    pairs = await apertium.pairs()
    assert pairs is not None and {("fr", "es"), ("es", "en")} <= pairs
    [english, marked] = await apertium.translate(
        [FRENCH, 'Merci <x id="1"/> &amp; à demain'], "fr", "en"
    )
    assert "meeting" in english and "*" not in english
    assert '<x id="1"/>' in marked and "&amp;" in marked


async def test_apy_refusal_is_permanent() -> None:
    api = respx.Router(assert_all_mocked=True)
    api.get("http://127.0.0.1:2737/listPairs").respond(200, json={
        "responseData": [{"sourceLanguage": "fra", "targetLanguage": "spa"}],
        "responseDetails": None, "responseStatus": 200,
    })
    translate = api.post("http://127.0.0.1:2737/translate").respond(400, json={
        "status": "error", "code": 400, "message": "Bad Request",
        "explanation": "That pair is not installed",
    })
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        apertium = ApertiumTranslator(ApertiumSettings(apy_url="http://127.0.0.1:2737"), http)
        with pytest.raises(PermanentError):
            await apertium.translate(["Bonjour"], "fr", "es")
    sent = dict(httpx.QueryParams(translate.calls.last.request.content.decode()))
    assert sent == {"langpair": "fra|spa", "q": "Bonjour", "markUnknown": "no", "format": "html"}
