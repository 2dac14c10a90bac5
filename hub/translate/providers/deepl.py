"""DeepL API v2 (`POST /v2/translate`), with XML tag handling so placeholders stay put.

Documented behaviour relied on: `Authorization: DeepL-Auth-Key …`; JSON body with `text`
(≤ 50 per request), `target_lang` (EN-GB/EN-US and PT-PT/PT-BR as targets), optional
`source_lang`, `tag_handling: "xml"` and `ignore_tags: ["x"]`; `context` is not billed;
429 is too many requests and 456 is the quota (Free limit or Cost Control) spent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import httpx

from hub.translate.languages import normalize, primary
from hub.translate.provider import QuotaExhausted, Translator
from hub.translate.providers._http import call_json, shape_error
from hub.translate.settings import DeepLSettings, ProviderSettings

BATCH = 50
FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# Targets DeepL wants with their variant; the hub's bare code picks the first.
TARGET_VARIANTS = {"en": ("EN-GB", "EN-US"), "pt": ("PT-PT", "PT-BR"), "zh": ("ZH-HANS", "ZH-HANT")}


def target_code(tag: str) -> str:
    """`en` → EN-GB, `en-US` → EN-US, `pt-BR` → PT-BR, `fr` → FR."""
    code = normalize(tag).upper()
    variants = TARGET_VARIANTS.get(primary(tag))
    if variants is None:
        return primary(tag).upper()
    return code if code in variants else variants[0]


def _on_error(response: httpx.Response) -> None:
    if response.status_code == 456:
        raise QuotaExhausted(
            "DeepL answered 456: the character quota is spent (Free monthly limit or Pro "
            "Cost Control); raise it in the DeepL account or wait for the next period",
            connection="deepl",
        )


class DeepLTranslator(Translator):
    """DeepL, Free or Pro (the key's `:fx` suffix picks the host unless `url` is set)."""

    name: ClassVar[str] = "deepl"
    settings_model: ClassVar[type[ProviderSettings]] = DeepLSettings

    def __init__(self, settings: ProviderSettings, http: httpx.AsyncClient) -> None:
        super().__init__(settings, http)
        assert isinstance(settings, DeepLSettings)
        self.options = settings
        key = settings.auth_key.get_secret_value()
        default = FREE_URL if key.endswith(":fx") else PRO_URL
        self.base = str(settings.url or default).rstrip("/")

    def _request(self, texts: Sequence[str], source: str | None, target: str) -> httpx.Request:
        body: dict[str, Any] = {
            "text": list(texts),
            "target_lang": target_code(target),
            "tag_handling": "xml",
            "ignore_tags": ["x"],
        }
        if source is not None:
            body["source_lang"] = primary(source).upper()
        if self.options.formality != "default":
            body["formality"] = self.options.formality
        if self.options.context:
            body["context"] = self.options.context
        key = self.options.auth_key.get_secret_value()
        return self.http.build_request(
            "POST", f"{self.base}/v2/translate", json=body,
            headers={"Authorization": f"DeepL-Auth-Key {key}"},
        )

    async def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """Translate in batches of 50, as the API allows."""
        result: list[str] = []
        for start in range(0, len(texts), BATCH):
            chunk = texts[start : start + BATCH]
            data = await call_json(
                self.http, self._request(chunk, source, target),
                provider=self.name, what="DeepL translate", on_error=_on_error,
            )
            translations = data.get("translations") if isinstance(data, dict) else None
            if not isinstance(translations, list) or len(translations) != len(chunk):
                raise shape_error(self.name, "DeepL translate", "translations missing or short")
            try:
                result.extend(str(item["text"]) for item in translations)
            except (KeyError, TypeError) as exc:
                raise shape_error(self.name, "DeepL translate", "a translation lacks text") from exc
        return result
