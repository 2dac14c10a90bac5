"""LibreTranslate (self-hosted): `POST /translate`, `GET /languages`.

Documented behaviour relied on: JSON body `{"q": [...], "source": "fr"|"auto", "target",
"format": "html", "api_key"?}` answered `{"translatedText": [...]}` for a list `q`;
`GET /languages` lists `[{"code", "name", "targets": [...]}]`; errors are `{"error": "…"}`
with 400 (bad request), 403 (bad or missing key), 429 (slow down) and 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import httpx

from hub.translate.languages import normalize, primary
from hub.translate.provider import Translator
from hub.translate.providers._http import call_json, shape_error
from hub.translate.settings import LibreTranslateSettings, ProviderSettings


def _on_error(response: httpx.Response) -> None:
    # The status says it all; the `error` text may echo the request.
    return None


class LibreTranslateTranslator(Translator):
    """A LibreTranslate server, usually the network's own."""

    name: ClassVar[str] = "libretranslate"
    settings_model: ClassVar[type[ProviderSettings]] = LibreTranslateSettings

    def __init__(self, settings: ProviderSettings, http: httpx.AsyncClient) -> None:
        super().__init__(settings, http)
        assert isinstance(settings, LibreTranslateSettings)
        self.options = settings
        self.base = str(settings.url).rstrip("/")
        self._pairs: frozenset[tuple[str, str]] | None = None

    async def pairs(self) -> frozenset[tuple[str, str]] | None:
        """The pairs the server's loaded models serve, from `GET /languages` (asked once)."""
        if self._pairs is None:
            request = self.http.build_request("GET", f"{self.base}/languages")
            data = await call_json(
                self.http, request, provider=self.name, what="LibreTranslate languages",
                on_error=_on_error,
            )
            if not isinstance(data, list):
                raise shape_error(self.name, "LibreTranslate languages", "a list expected")
            self._pairs = frozenset(
                (normalize(str(item["code"])), normalize(str(target)))
                for item in data if isinstance(item, dict) and "code" in item
                for target in item.get("targets") or []
            )
        return self._pairs

    async def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """Translate every segment in one request, as HTML so placeholders are kept."""
        body: dict[str, Any] = {
            "q": list(texts),
            "source": primary(source) if source else "auto",
            "target": primary(target),
            "format": "html",
        }
        if self.options.api_key is not None:
            body["api_key"] = self.options.api_key.get_secret_value()
        request = self.http.build_request("POST", f"{self.base}/translate", json=body)
        data = await call_json(
            self.http, request, provider=self.name, what="LibreTranslate translate",
            on_error=_on_error,
        )
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(translated, str) and len(texts) == 1:
            translated = [translated]
        if not isinstance(translated, list) or len(translated) != len(texts):
            raise shape_error(self.name, "LibreTranslate translate", "translatedText per q")
        return [str(text) for text in translated]
