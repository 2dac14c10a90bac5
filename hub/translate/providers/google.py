"""Google Cloud Translation, basic edition (v2): `POST /language/translate/v2`.

Documented behaviour relied on: JSON body `{"q": [...], "target", "source"?, "format"}` with
at most 128 segments; `format` defaults to html, which is what the placeholders need (tags are
kept, entities come back escaped); the answer is `{"data": {"translations": [{"translatedText",
"detectedSourceLanguage"?}]}}`; errors are `{"error": {"code", "message", "errors": [{"reason"}],
"status"}}`. The API key travels in the `X-Goog-Api-Key` header, never in the URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import httpx

from hub.errors import AuthError, TransientError
from hub.http import parse_retry_after
from hub.translate.languages import normalize, primary
from hub.translate.provider import QuotaExhausted, Translator
from hub.translate.providers._http import call_json, error_json, shape_error
from hub.translate.settings import GoogleSettings, ProviderSettings

BATCH = 128
# Google keeps the region for these; everything else is the bare language.
REGIONAL = {"zh-CN", "zh-TW", "pt-PT", "pt-BR"}
QUOTA_REASONS = {"dailyLimitExceeded", "quotaExceeded", "dailyLimitExceededUnreg"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


def language_code(tag: str) -> str:
    code = normalize(tag)
    return code if code in REGIONAL else primary(code)


def _on_error(response: httpx.Response) -> None:
    body = error_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return
    reasons = {
        str(item.get("reason")) for item in error.get("errors") or [] if isinstance(item, dict)
    } | {
        str(item.get("reason")) for item in error.get("details") or [] if isinstance(item, dict)
    }
    if "API_KEY_INVALID" in reasons or "keyInvalid" in reasons:
        raise AuthError(
            "Google answered that the API key is not valid; create a key allowed to call the "
            "Cloud Translation API and set [translation.google].api_key",
            connection="google",
        )
    if reasons & RATE_REASONS:
        raise TransientError(
            "Google answered 403: too many requests for now", connection="google",
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    if reasons & QUOTA_REASONS:
        raise QuotaExhausted(
            "Google answered that the daily Translation quota is spent; raise it in the "
            "Cloud console (Quotas) or wait for tomorrow",
            connection="google",
        )


class GoogleTranslator(Translator):
    """Google Cloud Translation v2 with an API key."""

    name: ClassVar[str] = "google"
    settings_model: ClassVar[type[ProviderSettings]] = GoogleSettings

    def __init__(self, settings: ProviderSettings, http: httpx.AsyncClient) -> None:
        super().__init__(settings, http)
        assert isinstance(settings, GoogleSettings)
        self.options = settings
        self.base = str(settings.url).rstrip("/")

    async def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """Translate in batches of 128 segments, as HTML so placeholders are kept."""
        result: list[str] = []
        for start in range(0, len(texts), BATCH):
            chunk = list(texts[start : start + BATCH])
            body: dict[str, Any] = {"q": chunk, "target": language_code(target), "format": "html"}
            if source is not None:
                body["source"] = language_code(source)
            request = self.http.build_request(
                "POST", f"{self.base}/language/translate/v2", json=body,
                headers={"X-Goog-Api-Key": self.options.api_key.get_secret_value()},
            )
            data = await call_json(
                self.http, request, provider=self.name, what="Google translate",
                on_error=_on_error,
            )
            try:
                translations = data["data"]["translations"]
                texts_out = [str(item["translatedText"]) for item in translations]
            except (KeyError, TypeError) as exc:
                raise shape_error(self.name, "Google translate", "no data.translations") from exc
            if len(texts_out) != len(chunk):
                raise shape_error(self.name, "Google translate", "fewer translations than q")
            result.extend(texts_out)
        return result
