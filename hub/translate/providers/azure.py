"""Azure AI Translator v3: `POST /translate?api-version=3.0&to=…[&from=…]&textType=html`.

Documented behaviour relied on: headers `Ocp-Apim-Subscription-Key` and, for regional or
multi-service resources, `Ocp-Apim-Subscription-Region`; body `[{"Text": "…"}]` (≤ 1,000
elements, ≤ 50,000 characters); answer `[{"translations": [{"text", "to"}],
"detectedLanguage"?}]`; errors `{"error": {"code": 6 digits, "message"}}` where 401xxx is the
key, 403001 the free tier's quota spent, 429xxx too many requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import httpx

from hub.translate.languages import normalize, primary
from hub.translate.provider import QuotaExhausted, Translator
from hub.translate.providers._http import call_json, error_json, shape_error
from hub.translate.settings import AzureSettings, ProviderSettings

MAX_ELEMENTS = 1000
MAX_CHARACTERS = 50_000
REGIONAL = {"pt-PT", "pt-BR", "fr-CA", "zh-Hans", "zh-Hant"}


def language_code(tag: str) -> str:
    code = normalize(tag)
    return code if code in REGIONAL else primary(code)


def _on_error(response: httpx.Response) -> None:
    body = error_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if code == 403001:
        raise QuotaExhausted(
            "Azure Translator answered 403001: the free tier's characters are spent; move "
            "the resource to a paid tier or wait for the next month",
            connection="azure",
        )


def _batches(texts: Sequence[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for text in texts:
        if batches[-1] and (len(batches[-1]) == MAX_ELEMENTS or size + len(text) > MAX_CHARACTERS):
            batches.append([])
            size = 0
        batches[-1].append(text)
        size += len(text)
    return batches


class AzureTranslator(Translator):
    """Azure AI Translator (Text Translation v3)."""

    name: ClassVar[str] = "azure"
    settings_model: ClassVar[type[ProviderSettings]] = AzureSettings

    def __init__(self, settings: ProviderSettings, http: httpx.AsyncClient) -> None:
        super().__init__(settings, http)
        assert isinstance(settings, AzureSettings)
        self.options = settings
        self.base = str(settings.url).rstrip("/")

    def _headers(self) -> dict[str, str]:
        headers = {"Ocp-Apim-Subscription-Key": self.options.key.get_secret_value()}
        if self.options.region:
            headers["Ocp-Apim-Subscription-Region"] = self.options.region
        return headers

    async def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """Translate within the per-request limits, as HTML so placeholders are kept."""
        params = {"api-version": "3.0", "to": language_code(target), "textType": "html"}
        if source is not None:
            params["from"] = language_code(source)
        result: list[str] = []
        for batch in _batches(texts):
            request = self.http.build_request(
                "POST", f"{self.base}/translate", params=params,
                json=[{"Text": text} for text in batch], headers=self._headers(),
            )
            data = await call_json(
                self.http, request, provider=self.name, what="Azure translate",
                on_error=_on_error,
            )
            if not isinstance(data, list) or len(data) != len(batch):
                raise shape_error(self.name, "Azure translate", "one result per text expected")
            try:
                result.extend(str(item["translations"][0]["text"]) for item in data)
            except (KeyError, IndexError, TypeError) as exc:
                raise shape_error(self.name, "Azure translate", "a result lacks text") from exc
        return result
