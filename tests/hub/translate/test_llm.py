"""The OpenAI-compatible chat-completions provider against routes shaped as documented."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from hub.errors import AuthError, ConfigError, PermanentError, TransientError
from hub.store import Store
from hub.translate.provider import QuotaExhausted
from hub.translate.providers.llm import LLMTranslator, answer_text, prompt
from hub.translate.service import NOTE_PROTECTED, TranslationService
from hub.translate.settings import LLMSettings, TranslationSettings

URL = "http://127.0.0.1:11434/v1/chat/completions"
KEY = "sk-test-0123456789abcdef"


def completion(content: str, finish: str = "stop") -> dict[str, Any]:
    """A chat completion as the API documents it."""
    return {
        "id": "chatcmpl-123", "object": "chat.completion", "created": 1700000000,
        "model": "qwen2.5:7b",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": finish}],
        "usage": {"prompt_tokens": 90, "completion_tokens": 12, "total_tokens": 102},
    }


def error(status: int, kind: str, code: str | None, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={
        "error": {"message": "…", "type": kind, "param": None, "code": code}})


@pytest.fixture
def api() -> respx.Router:
    return respx.Router(assert_all_mocked=True)


@pytest.fixture
async def client(api: respx.Router) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        yield http


def llm(client: httpx.AsyncClient, **options: Any) -> LLMTranslator:
    return LLMTranslator(LLMSettings(model="qwen2.5:7b", **options), client)


async def test_request_and_response(api: respx.Router, client: httpx.AsyncClient) -> None:
    route = api.post(URL).mock(side_effect=[
        httpx.Response(200, json=completion('Hello <x id="1"/>!')),
        httpx.Response(200, json=completion('The <g id="2">minutes</g> &amp; more')),
    ])
    out = await llm(client, api_key=KEY, max_tokens=400).translate(
        ['Bonjour <x id="1"/> !', 'Le <g id="2">compte rendu</g> &amp; la suite'], "fr", "en")
    assert out == ['Hello <x id="1"/>!', 'The <g id="2">minutes</g> &amp; more']
    first = route.calls[0].request
    assert first.headers["Authorization"] == f"Bearer {KEY}"
    body = json.loads(first.content)
    assert body["model"] == "qwen2.5:7b"
    assert (body["temperature"], body["max_tokens"]) == (0.0, 400)
    system, user = body["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    assert "from French into English" in system["content"]
    assert '<x id="N"/>' in system["content"] and "Keep every tag" in system["content"]
    assert user["content"] == 'Bonjour <x id="1"/> !'


async def test_a_local_server_needs_no_key(api: respx.Router, client: httpx.AsyncClient) -> None:
    route = api.post("http://127.0.0.1:8080/v1/chat/completions").respond(
        200, json=completion("Olá"))
    out = await llm(client, url="http://127.0.0.1:8080/v1/").translate(["Hello"], None, "pt-BR")
    assert out == ["Olá"]
    request = route.calls.last.request
    assert "Authorization" not in request.headers
    system = json.loads(request.content)["messages"][0]["content"]
    assert "into Portuguese (pt-BR)" in system and "from" not in system.split("(")[0][-30:]


@pytest.mark.parametrize(
    ("content", "sent", "expected"),
    [
        ("<think>The user wants French.</think>\n\nBonjour", "Hello", "Bonjour"),
        ("```\nBonjour <x id=\"1\"/>\n```", 'Hello <x id="1"/>', 'Bonjour <x id="1"/>'),
        ("```\nx = 1\n```", "```\nx = 1\n```", "```\nx = 1\n```"),
        ("  Bonjour\n", "Hello", "Bonjour"),
    ],
)
def test_the_translation_is_taken_out_of_the_answer(content: str, sent: str,
                                                    expected: str) -> None:
    assert answer_text(content, sent) == expected


def test_instructions_are_added_to_the_prompt() -> None:
    text = prompt("en", "pt", "Write European Portuguese.")
    assert "from English into Portuguese" in text and text.endswith("Write European Portuguese.")


@pytest.mark.parametrize(
    ("response", "raised"),
    [
        (error(401, "invalid_request_error", "invalid_api_key"), AuthError),
        (error(404, "invalid_request_error", "model_not_found"), PermanentError),
        (error(400, "invalid_request_error", None), PermanentError),
        (error(429, "requests", "rate_limit_exceeded", **{"Retry-After": "7"}), TransientError),
        (error(429, "insufficient_quota", "insufficient_quota"), QuotaExhausted),
        (httpx.Response(500, text="upstream failed"), TransientError),
        (httpx.Response(200, json={"object": "chat.completion", "choices": []}),
         TransientError),
        (httpx.Response(200, json=completion("")), TransientError),
        (httpx.Response(200, json=completion("Bonjour, la réu", finish="length")),
         PermanentError),
    ],
)
async def test_errors_are_mapped(
    api: respx.Router, client: httpx.AsyncClient, response: httpx.Response,
    raised: type[Exception],
) -> None:
    api.post(URL).mock(return_value=response)
    with pytest.raises(raised) as caught:
        await llm(client, api_key=KEY).translate(["Hello"], "en", "fr")
    assert type(caught.value) is raised
    assert KEY not in str(caught.value)
    if response.status_code == 429 and raised is TransientError:
        assert caught.value.retry_after == 7  # type: ignore[attr-defined]
    if response.status_code == 404:
        assert "[translation.llm].model" in str(caught.value)


async def test_a_translation_that_loses_a_placeholder_is_refused(
    api: respx.Router, client: httpx.AsyncClient, store: Store
) -> None:
    """The model's answer goes through the same span check as every provider's."""
    api.post(URL).respond(200, json=completion("Hello, the meeting is tomorrow."))
    settings = TranslationSettings(providers=["llm"], llm=LLMSettings(model="qwen2.5:7b"),
                                   default_glossary=False)
    service = TranslationService(settings, {"llm": LLMTranslator}, store, client)
    body = "Bonjour <@slack:U024BE7LH>, la réunion est demain."
    outcome = await service.translate(body, "fr", "en")
    assert (outcome.translated, outcome.text, outcome.note) == (False, body, NOTE_PROTECTED)


async def test_glossary_terms_come_back_as_renderings(
    api: respx.Router, client: httpx.AsyncClient, store: Store
) -> None:
    route = api.post(URL).respond(200, json=completion('The <x id="1"/> meets tomorrow.'))
    settings = TranslationSettings(providers=["llm"], llm=LLMSettings(model="qwen2.5:7b"))
    service = TranslationService(settings, {"llm": LLMTranslator}, store, client)
    outcome = await service.translate("Le réseau se réunit demain.", "fr", "en")
    assert outcome.text == "The network meets tomorrow."
    sent = json.loads(route.calls.last.request.content)["messages"][1]["content"]
    assert sent == 'Le <x id="1"/> se réunit demain.'


def test_the_table_needs_a_model() -> None:
    settings = TranslationSettings(providers=["llm"])
    with pytest.raises(ConfigError, match=r"\[translation.llm\] is missing"):
        settings.provider_settings("llm", LLMSettings)
