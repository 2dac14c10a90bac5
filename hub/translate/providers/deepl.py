"""DeepL API v2 (`POST /v2/translate`), with XML tag handling so placeholders stay put.

Documented behaviour relied on: `Authorization: DeepL-Auth-Key …`; JSON body with `text`
(≤ 50 per request), `target_lang` (EN-GB/EN-US and PT-PT/PT-BR as targets), optional
`source_lang`, `tag_handling: "xml"` and `ignore_tags: ["x"]`; `context` is not billed;
429 is too many requests and 456 is the quota (Free limit or Cost Control) spent.

The glossary's terms go to DeepL as a glossary of its own (v3 endpoints: `GET /v3/glossaries`
lists `{"glossaries": [{"glossary_id", "name", "dictionaries"}]}`, `POST /v3/glossaries` with
`{"name", "dictionaries": [{"source_lang", "target_lang", "entries", "entries_format": "tsv"}]}`
answers the new `glossary_id`), used with `glossary_id` and `source_lang` on /v2/translate,
so DeepL inflects the renderings itself. One glossary per direction and content, named
`passerelle <digest> fr→en`, found again by name after a restart; one DeepL refuses leaves
the terms to the hub's placeholders.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any, ClassVar

import httpx

from hub.errors import ConnectorError, PermanentError
from hub.translate.glossary import Terms
from hub.translate.languages import normalize, primary
from hub.translate.provider import QuotaExhausted, Translator
from hub.translate.providers._http import call_json, shape_error
from hub.translate.settings import DeepLSettings, ProviderSettings

log = logging.getLogger(__name__)

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
        # (source, target) -> (digest of the entries, glossary id, or None when refused)
        self._glossaries: dict[tuple[str, str], tuple[str, str | None]] = {}

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"DeepL-Auth-Key {self.options.auth_key.get_secret_value()}"}

    async def renders_glossary(self, terms: Terms, source: str, target: str) -> bool:
        """Whether DeepL applies the pair's terms through a glossary of its own, made or found
        once per direction and content."""
        pair = (primary(source), primary(target))
        entries = "\n".join(f"{form}\t{rendering}" for form, rendering in sorted(terms.pairs()))
        digest = hashlib.sha256(entries.encode()).hexdigest()[:12]
        known = self._glossaries.get(pair)
        if known is not None and known[0] == digest:
            return known[1] is not None
        name = f"passerelle {digest} {pair[0]}→{pair[1]}"
        try:
            glossary_id = await self._find(name) or await self._create(name, pair, entries)
        except PermanentError as exc:
            log.warning("DeepL refused a glossary for %s→%s (%s); its terms travel as "
                        "placeholders", *pair, exc)
            self._glossaries[pair] = (digest, None)
            return False
        except ConnectorError as exc:
            log.info("DeepL glossary for %s→%s not ready (%s); placeholders this time", *pair,
                     exc)
            return False
        self._glossaries[pair] = (digest, glossary_id)
        return True

    async def _find(self, name: str) -> str | None:
        request = self.http.build_request("GET", f"{self.base}/v3/glossaries",
                                          headers=self._headers())
        data = await call_json(self.http, request, provider=self.name,
                               what="DeepL glossaries", on_error=_on_error)
        found = data.get("glossaries") if isinstance(data, dict) else None
        if not isinstance(found, list):
            raise shape_error(self.name, "DeepL glossaries", "no glossaries list")
        for item in found:
            if isinstance(item, dict) and item.get("name") == name and item.get("glossary_id"):
                return str(item["glossary_id"])
        return None

    async def _create(self, name: str, pair: tuple[str, str], entries: str) -> str:
        body = {"name": name, "dictionaries": [{
            "source_lang": pair[0], "target_lang": pair[1], "entries": entries,
            "entries_format": "tsv",
        }]}
        request = self.http.build_request("POST", f"{self.base}/v3/glossaries", json=body,
                                          headers=self._headers())
        data = await call_json(self.http, request, provider=self.name,
                               what="DeepL glossary", on_error=_on_error)
        glossary_id = data.get("glossary_id") if isinstance(data, dict) else None
        if not glossary_id:
            raise shape_error(self.name, "DeepL glossary", "no glossary_id")
        return str(glossary_id)

    def _request(self, texts: Sequence[str], source: str | None, target: str) -> httpx.Request:
        body: dict[str, Any] = {
            "text": list(texts),
            "target_lang": target_code(target),
            "tag_handling": "xml",
            "ignore_tags": ["x"],
        }
        if source is not None:
            body["source_lang"] = primary(source).upper()
            known = self._glossaries.get((primary(source), primary(target)))
            if known is not None and known[1] is not None:
                body["glossary_id"] = known[1]
        if self.options.formality != "default":
            body["formality"] = self.options.formality
        if self.options.context:
            body["context"] = self.options.context
        return self.http.build_request(
            "POST", f"{self.base}/v2/translate", json=body, headers=self._headers(),
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
