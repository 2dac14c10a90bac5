"""A language model behind an OpenAI-compatible chat-completions API, prompted to translate.

Works with whatever speaks `POST {url}/chat/completions`: Ollama, vLLM, llama.cpp's server,
LM Studio, OpenAI, Mistral. Documented behaviour relied on: a JSON body `{"model", "messages":
[{"role": "system"|"user", "content"}], "temperature", "max_tokens"?}` with `Authorization:
Bearer …` when a key is set, answered `{"choices": [{"message": {"role": "assistant",
"content"}, "finish_reason": "stop"|"length"|"content_filter"}], "usage": {…}}`; errors are
`{"error": {"message", "type", "code"}}` with 401 (bad key), 404 (no such model), 429 (slow
down, `Retry-After`; or `insufficient_quota`: the account's credit is spent) and 5xx.

One request per segment, the segment being the hub's XML-like text: the prompt asks for its
tags back as written. Nothing is taken on trust: what comes back goes through the same span
check as every provider's, and an answer cut short (`finish_reason` "length") is refused.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import httpx

from hub.errors import PermanentError
from hub.translate.languages import display_name, normalize, primary
from hub.translate.provider import QuotaExhausted, Translator
from hub.translate.providers._http import call_json, error_json, shape_error
from hub.translate.settings import LLMSettings, ProviderSettings

PROMPT = (
    "You translate chat messages exchanged in an international network of cities "
    "(mayors, city staff, meetings, mobility, air quality, waste, open data, participation) "
    "{direction}. The message may contain tags: <x id=\"N\"/> stands for a name, a link, a "
    "mention or a line break, and <g id=\"N\">…</g> marks words in bold, italics or a link. "
    "Keep every tag exactly as written, each once, where it belongs in the translation, and "
    "translate the words inside <g> tags. Keep &amp;, &lt; and &gt; as they are. Answer with "
    "the translated message only: no quotes, notes or explanations."
)
_THINKING = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)
_FENCE = re.compile(r"^\s*```[\w-]*\n(.*)\n```\s*$", re.DOTALL)


def language_name(tag: str) -> str:
    """`fr` → French, `pt-BR` → Portuguese (pt-BR): what a model reads best."""
    name = display_name(tag, "en")
    return name if normalize(tag) == primary(tag) else f"{name} ({normalize(tag)})"


def prompt(source: str | None, target: str, instructions: str | None = None) -> str:
    """The system message for one direction."""
    into = f"into {language_name(target)}"
    direction = f"from {language_name(source)} {into}" if source else into
    text = PROMPT.format(direction=direction)
    return f"{text} {instructions.strip()}" if instructions and instructions.strip() else text


def answer_text(content: str, sent: str) -> str:
    """The translation in a model's answer: without a reasoning block some models put first,
    nor a code fence around the whole answer when the message had none."""
    content = _THINKING.sub("", content)
    fenced = _FENCE.match(content)
    if fenced and not sent.lstrip().startswith("```"):
        content = fenced.group(1)
    return content.strip()


def _on_error(response: httpx.Response) -> None:
    data = error_json(response)
    error = data.get("error") if isinstance(data, dict) else None
    kind = {str(error.get(key)) for key in ("type", "code")} if isinstance(error, dict) else set()
    if response.status_code == 429 and "insufficient_quota" in kind:
        raise QuotaExhausted(
            "the chat-completions API answered 429 insufficient_quota: the account's credit is "
            "spent; add credit, or wait for the next period", connection="llm",
        )
    if response.status_code == 404:
        raise PermanentError(
            f"{response.request.url.path} answered 404: no such model or route; check "
            "[translation.llm].model (e.g. `ollama list`) and that url ends in /v1",
            connection="llm",
        )


class LLMTranslator(Translator):
    """A chat model told to translate and to keep the placeholders."""

    name: ClassVar[str] = "llm"
    settings_model: ClassVar[type[ProviderSettings]] = LLMSettings

    def __init__(self, settings: ProviderSettings, http: httpx.AsyncClient) -> None:
        super().__init__(settings, http)
        assert isinstance(settings, LLMSettings)
        self.options = settings
        self.endpoint = str(settings.url).rstrip("/") + "/chat/completions"
        self._slots = asyncio.Semaphore(settings.concurrency)

    def _request(self, text: str, source: str | None, target: str) -> httpx.Request:
        body: dict[str, Any] = {
            "model": self.options.model,
            "messages": [
                {"role": "system",
                 "content": prompt(source, target, self.options.instructions)},
                {"role": "user", "content": text},
            ],
            "temperature": self.options.temperature,
        }
        if self.options.max_tokens is not None:
            body["max_tokens"] = self.options.max_tokens
        headers = {}
        if self.options.api_key is not None:
            headers["Authorization"] = f"Bearer {self.options.api_key.get_secret_value()}"
        return self.http.build_request("POST", self.endpoint, json=body, headers=headers)

    async def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """One request per segment, `concurrency` at a time."""
        return list(await asyncio.gather(*(self._one(text, source, target) for text in texts)))

    async def _one(self, text: str, source: str | None, target: str) -> str:
        async with self._slots:
            data = await call_json(
                self.http, self._request(text, source, target), provider=self.name,
                what="chat completions", on_error=_on_error,
            )
        try:
            choice = data["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise shape_error(self.name, "chat completions", "no choices[0].message") from exc
        finish = choice.get("finish_reason") if isinstance(choice, dict) else None
        if finish in ("length", "content_filter"):
            raise PermanentError(
                f"the model stopped its answer ({finish}); the original is delivered"
                + ("; raise [translation.llm].max_tokens" if finish == "length" else ""),
                connection=self.name,
            )
        if not isinstance(content, str) or not content.strip():
            raise shape_error(self.name, "chat completions", "an empty answer")
        return answer_text(content, text)
