"""Each HTTP provider against routes shaped as its documentation shows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from hub.errors import AuthError, PermanentError, TransientError
from hub.store import Store
from hub.translate.provider import QuotaExhausted
from hub.translate.providers.azure import AzureTranslator
from hub.translate.providers.deepl import DeepLTranslator, target_code
from hub.translate.providers.google import GoogleTranslator
from hub.translate.providers.libretranslate import LibreTranslateTranslator
from hub.translate.service import TranslationService
from hub.translate.settings import (
    AzureSettings,
    DeepLSettings,
    GoogleSettings,
    LibreTranslateSettings,
    TranslationSettings,
)

SEGMENTS = ['Bonjour <x id="1"/> !', 'Le <g id="2">compte rendu</g> &amp; la suite']


@pytest.fixture
def api() -> respx.Router:
    return respx.Router(assert_all_mocked=True)


@pytest.fixture
async def client(api: respx.Router) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        yield http


# -- DeepL ---------------------------------------------------------------------------------


def deepl(client: httpx.AsyncClient, key: str = "f63c02c5-f056-4b0f-9f6e-4b0a3c5a1d2e:fx"
          ) -> DeepLTranslator:
    return DeepLTranslator(DeepLSettings(auth_key=key), client)


async def test_deepl_request_and_response(api: respx.Router, client: httpx.AsyncClient) -> None:
    route = api.post("https://api-free.deepl.com/v2/translate").respond(200, json={
        "translations": [
            {"detected_source_language": "FR", "text": 'Hello <x id="1"/>!'},
            {"detected_source_language": "FR", "text": 'The <g id="2">minutes</g> &amp; more'},
        ]
    })
    out = await deepl(client).translate(SEGMENTS, "fr", "en")
    assert out == ['Hello <x id="1"/>!', 'The <g id="2">minutes</g> &amp; more']
    request = route.calls.last.request
    assert request.headers["Authorization"] == (
        "DeepL-Auth-Key f63c02c5-f056-4b0f-9f6e-4b0a3c5a1d2e:fx"
    )
    body = json.loads(request.content)
    assert body["text"] == SEGMENTS
    assert (body["source_lang"], body["target_lang"]) == ("FR", "EN-GB")
    assert (body["tag_handling"], body["ignore_tags"]) == ("xml", ["x"])
    assert body["formality"] == "prefer_less"
    assert "context" in body


async def test_deepl_pro_key_uses_the_pro_host_and_batches_by_fifty(
    api: respx.Router, client: httpx.AsyncClient
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["text"]
        return httpx.Response(200, json={"translations": [{"text": t} for t in texts]})

    route = api.post("https://api.deepl.com/v2/translate").mock(side_effect=answer)
    texts = [f"t{n}" for n in range(120)]
    out = await deepl(client, key="deepl-pro-key-0001").translate(texts, None, "de")
    assert out == [f"t{n}" for n in range(120)]
    sizes = [len(json.loads(call.request.content)["text"]) for call in route.calls]
    assert sizes == [50, 50, 20]
    assert "source_lang" not in json.loads(route.calls.last.request.content)


@pytest.mark.parametrize(
    ("status", "error"),
    [(456, QuotaExhausted), (429, TransientError), (403, AuthError), (413, PermanentError),
     (503, TransientError)],
)
async def test_deepl_errors(
    api: respx.Router, client: httpx.AsyncClient, status: int, error: type[Exception]
) -> None:
    api.post("https://api-free.deepl.com/v2/translate").respond(
        status, json={"message": "Quota Exceeded"}, headers={"Retry-After": "3"}
    )
    with pytest.raises(error) as raised:
        await deepl(client).translate(SEGMENTS, "fr", "en")
    assert "f63c02c5" not in str(raised.value)


def test_deepl_target_codes() -> None:
    assert [target_code(t) for t in ("en", "en-US", "pt", "pt-BR", "fr", "de-CH")] == [
        "EN-GB", "EN-US", "PT-PT", "PT-BR", "FR", "DE",
    ]


# -- Google v2 -----------------------------------------------------------------------------


def google(client: httpx.AsyncClient) -> GoogleTranslator:
    return GoogleTranslator(GoogleSettings(api_key="AIzaSyFakeKey0123456789"), client)


async def test_google_request_and_response(api: respx.Router, client: httpx.AsyncClient) -> None:
    route = api.post("https://translation.googleapis.com/language/translate/v2").respond(
        200, json={"data": {"translations": [
            {"translatedText": "Hello <x id=\"1\"></x>!"},
            {"translatedText": "The <g id=\"2\">minutes</g> &amp; what&#39;s next"},
        ]}}
    )
    out = await google(client).translate(SEGMENTS, "fr", "pt-BR")
    assert out[1] == 'The <g id="2">minutes</g> &amp; what&#39;s next'
    request = route.calls.last.request
    assert request.headers["X-Goog-Api-Key"] == "AIzaSyFakeKey0123456789"
    assert "key=" not in str(request.url)
    assert json.loads(request.content) == {
        "q": SEGMENTS, "target": "pt-BR", "source": "fr", "format": "html"
    }


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                         "errors": [{"message": "API key not valid.", "domain": "global",
                                     "reason": "badRequest"}],
                         "status": "INVALID_ARGUMENT",
                         "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                      "reason": "API_KEY_INVALID"}]}}, AuthError),
        (403, {"error": {"code": 403, "message": "Daily Limit Exceeded",
                         "errors": [{"message": "Daily Limit Exceeded", "domain": "usageLimits",
                                     "reason": "dailyLimitExceeded"}]}}, QuotaExhausted),
        (403, {"error": {"code": 403, "message": "User Rate Limit Exceeded",
                         "errors": [{"reason": "userRateLimitExceeded"}]}}, TransientError),
        (403, {"error": {"code": 403, "message": "Requests from this referer are blocked.",
                         "errors": [{"reason": "forbidden"}],
                         "status": "PERMISSION_DENIED"}}, AuthError),
        (429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}}, TransientError),
        (400, {"error": {"code": 400, "message": "Invalid Value",
                         "errors": [{"reason": "invalid"}]}}, PermanentError),
    ],
)
async def test_google_errors(
    api: respx.Router, client: httpx.AsyncClient, status: int, body: object,
    error: type[Exception],
) -> None:
    api.post("https://translation.googleapis.com/language/translate/v2").respond(status, json=body)
    with pytest.raises(error) as raised:
        await google(client).translate(SEGMENTS, "fr", "en")
    assert "AIzaSy" not in str(raised.value)


# -- Azure v3 ------------------------------------------------------------------------------


def azure(client: httpx.AsyncClient) -> AzureTranslator:
    return AzureTranslator(AzureSettings(key="0123456789abcdef", region="westeurope"), client)


async def test_azure_request_and_response(api: respx.Router, client: httpx.AsyncClient) -> None:
    route = api.post("https://api.cognitive.microsofttranslator.com/translate").respond(
        200, json=[
            {"translations": [{"text": 'Hello <x id="1"/>!', "to": "en"}]},
            {"translations": [{"text": 'The <g id="2">minutes</g> &amp; more', "to": "en"}]},
        ]
    )
    out = await azure(client).translate(SEGMENTS, "fr", "en")
    assert out == ['Hello <x id="1"/>!', 'The <g id="2">minutes</g> &amp; more']
    request = route.calls.last.request
    assert dict(request.url.params) == {
        "api-version": "3.0", "to": "en", "from": "fr", "textType": "html"
    }
    assert request.headers["Ocp-Apim-Subscription-Key"] == "0123456789abcdef"
    assert request.headers["Ocp-Apim-Subscription-Region"] == "westeurope"
    assert json.loads(request.content) == [{"Text": t} for t in SEGMENTS]


async def test_azure_detects_when_no_source(api: respx.Router, client: httpx.AsyncClient) -> None:
    route = api.post("https://api.cognitive.microsofttranslator.com/translate").respond(
        200, json=[{"detectedLanguage": {"language": "fr", "score": 1.0},
                    "translations": [{"text": "Hello", "to": "en"}]}]
    )
    assert await azure(client).translate(["Bonjour"], None, "en") == ["Hello"]
    assert "from" not in route.calls.last.request.url.params


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [(403, 403001, QuotaExhausted), (401, 401000, AuthError), (429, 429001, TransientError),
     (400, 400036, PermanentError), (503, 503000, TransientError)],
)
async def test_azure_errors(
    api: respx.Router, client: httpx.AsyncClient, status: int, code: int,
    error: type[Exception],
) -> None:
    api.post("https://api.cognitive.microsofttranslator.com/translate").respond(
        status, json={"error": {"code": code, "message": "The request is not authorized."}}
    )
    with pytest.raises(error):
        await azure(client).translate(SEGMENTS, "fr", "en")


async def test_azure_401_without_a_body(api: respx.Router, client: httpx.AsyncClient) -> None:
    api.post("https://api.cognitive.microsofttranslator.com/translate").respond(401)
    with pytest.raises(AuthError):
        await azure(client).translate(SEGMENTS, "fr", "en")


# -- LibreTranslate ------------------------------------------------------------------------


def libre(client: httpx.AsyncClient, key: str | None = None) -> LibreTranslateTranslator:
    return LibreTranslateTranslator(
        LibreTranslateSettings(url="http://127.0.0.1:5000", api_key=key), client
    )


async def test_libretranslate_request_and_response(
    api: respx.Router, client: httpx.AsyncClient
) -> None:
    route = api.post("http://127.0.0.1:5000/translate").respond(200, json={
        "translatedText": ['Hello <x id="1"/>!', 'The <g id="2">minutes</g> &amp; more'],
    })
    out = await libre(client, key="libre-key-0001").translate(SEGMENTS, "fr", "en")
    assert out[0] == 'Hello <x id="1"/>!'
    assert json.loads(route.calls.last.request.content) == {
        "q": SEGMENTS, "source": "fr", "target": "en", "format": "html", "api_key": "libre-key-0001"
    }


async def test_libretranslate_auto_source_and_single_answer(
    api: respx.Router, client: httpx.AsyncClient
) -> None:
    route = api.post("http://127.0.0.1:5000/translate").respond(200, json={
        "detectedLanguage": {"confidence": 90.0, "language": "fr"}, "translatedText": "Hello",
    })
    assert await libre(client).translate(["Bonjour"], None, "en") == ["Hello"]
    body = json.loads(route.calls.last.request.content)
    assert body["source"] == "auto" and "api_key" not in body


async def test_libretranslate_languages_give_the_pairs(
    api: respx.Router, client: httpx.AsyncClient
) -> None:
    api.get("http://127.0.0.1:5000/languages").respond(200, json=[
        {"code": "en", "name": "English", "targets": ["fr", "pt"]},
        {"code": "fr", "name": "French", "targets": ["en"]},
    ])
    provider = libre(client)
    assert await provider.pairs() == frozenset({("en", "fr"), ("en", "pt"), ("fr", "en")})
    assert await provider.supports("fr", "en")
    assert not await provider.supports("fr", "pt")


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, PermanentError), (403, AuthError), (429, TransientError), (500, TransientError)],
)
async def test_libretranslate_errors(
    api: respx.Router, client: httpx.AsyncClient, status: int, error: type[Exception]
) -> None:
    api.post("http://127.0.0.1:5000/translate").respond(status, json={"error": "Slowdown"})
    with pytest.raises(error):
        await libre(client).translate(SEGMENTS, "fr", "en")


async def test_a_malformed_answer_is_transient(
    api: respx.Router, client: httpx.AsyncClient
) -> None:
    api.post("http://127.0.0.1:5000/translate").respond(200, json={"translatedText": ["one"]})
    with pytest.raises(TransientError, match="unexpected shape"):
        await libre(client).translate(SEGMENTS, "fr", "en")


async def test_a_network_failure_is_transient(api: respx.Router, client: httpx.AsyncClient) -> None:
    api.post("http://127.0.0.1:5000/translate").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransientError):
        await libre(client).translate(SEGMENTS, "fr", "en")


# -- DeepL's own glossaries ------------------------------------------------------------------


def _deepl_service(client: httpx.AsyncClient, store: Store) -> TranslationService:
    key = "f63c02c5-f056-4b0f-9f6e-4b0a3c5a1d2e:fx"
    settings = TranslationSettings(providers=["deepl"], deepl=DeepLSettings(auth_key=key))
    return TranslationService(settings, {"deepl": DeepLTranslator}, store, client)


async def test_deepl_gets_the_glossary_as_its_own_and_inflects_it(
    api: respx.Router, client: httpx.AsyncClient, store: Store
) -> None:
    host = "https://api-free.deepl.com"
    listed = api.get(f"{host}/v3/glossaries").respond(200, json={"glossaries": []})
    created = api.post(f"{host}/v3/glossaries").respond(201, json={
        "glossary_id": "def3a26b-3e84-45b3-84ae-0c0aaf3525f7", "name": "passerelle",
        "dictionaries": [{"source_lang": "fr", "target_lang": "en", "entry_count": 60}],
        "creation_time": "2021-08-03T14:16:18.329Z",
    })
    translated = api.post(f"{host}/v2/translate").respond(200, json={"translations": [
        {"detected_source_language": "FR", "text": "The networks met in Lisbon."}]})
    service = _deepl_service(client, store)
    outcome = await service.translate("Les réseaux se sont réunis à Lisbonne.", "fr", "en")
    assert outcome.text == "The networks met in Lisbon."
    body = json.loads(translated.calls.last.request.content)
    # The terms travel as words, for DeepL to inflect; the glossary goes with the pair.
    assert body["text"] == ["Les réseaux se sont réunis à Lisbonne."]
    assert body["glossary_id"] == "def3a26b-3e84-45b3-84ae-0c0aaf3525f7"
    assert body["source_lang"] == "FR"
    made = json.loads(created.calls.last.request.content)
    assert made["name"].startswith("passerelle ") and made["name"].endswith("fr→en")
    [dictionary] = made["dictionaries"]
    assert (dictionary["source_lang"], dictionary["target_lang"]) == ("fr", "en")
    assert dictionary["entries_format"] == "tsv"
    entries = dict(line.split("\t") for line in dictionary["entries"].split("\n"))
    assert entries["réseau"] == "network" and entries["réseaux"] == "networks"
    assert entries["maire"] == "mayor"
    # Made once for the direction: the next message uses it as it is.
    await service.translate("Le réseau se réunit demain.", "fr", "en")
    assert (listed.call_count, created.call_count) == (1, 1)
    assert json.loads(translated.calls.last.request.content)["glossary_id"] == (
        "def3a26b-3e84-45b3-84ae-0c0aaf3525f7")


async def test_deepl_finds_its_glossary_again_by_name(
    api: respx.Router, client: httpx.AsyncClient, store: Store
) -> None:
    host = "https://api-free.deepl.com"
    names: list[str] = []

    def create(request: httpx.Request) -> httpx.Response:
        names.append(json.loads(request.content)["name"])
        return httpx.Response(201, json={"glossary_id": "g-1", "name": names[-1]})

    def listing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"glossaries": [
            {"glossary_id": f"g-{n + 1}", "name": name, "dictionaries": []}
            for n, name in enumerate(names)]})

    api.get(f"{host}/v3/glossaries").mock(side_effect=listing)
    created = api.post(f"{host}/v3/glossaries").mock(side_effect=create)
    api.post(f"{host}/v2/translate").respond(200, json={"translations": [{"text": "x"}]})
    await _deepl_service(client, store).translate("Le réseau.", "fr", "en")
    await _deepl_service(client, store).translate("Le réseau, encore.", "fr", "en")  # restart
    assert created.call_count == 1


async def test_a_glossary_deepl_refuses_leaves_the_terms_to_placeholders(
    api: respx.Router, client: httpx.AsyncClient, store: Store
) -> None:
    host = "https://api-free.deepl.com"
    api.get(f"{host}/v3/glossaries").respond(200, json={"glossaries": []})
    created = api.post(f"{host}/v3/glossaries").respond(
        400, json={"message": "Unsupported glossary language pair"})
    translated = api.post(f"{host}/v2/translate").respond(200, json={"translations": [
        {"text": 'The <x id="1"/> meets tomorrow.'}]})
    service = _deepl_service(client, store)
    outcome = await service.translate("Le réseau se réunit demain.", "fr", "en")
    assert outcome.text == "The network meets tomorrow."
    body = json.loads(translated.calls.last.request.content)
    assert body["text"] == ['Le <x id="1"/> se réunit demain.'] and "glossary_id" not in body
    await service.translate("Le réseau se réunira.", "fr", "en")
    assert created.call_count == 1  # refused once is refused for this content
