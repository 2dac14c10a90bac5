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

from hub.errors import PermanentError
from hub.store import Store
from hub.translate.providers.apertium import (
    ApertiumTranslator,
    Hop,
    from_html,
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
async def test_the_command_translates_french_to_english_through_spanish(
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
    assert '<g id="1">meeting</g> will' in marked and '<x id="2"/> with' in marked


def test_placeholders_travel_as_inline_html() -> None:
    text = 'a <x id="1"/> <g id="2">b</g>'
    assert to_html(text) == 'a <br id="1"/> <span id="2">b</span>'
    # What the html reformatter gives back.
    assert from_html('a <br id="1"> <span id="2">b</span>') == text


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
