"""Bodies of real platform payloads (tests/fixtures, via each connector's parse) through
detection, protection and the service."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from hub import markup
from hub.connector import MemoryStateBox
from hub.plugins import Registry, make_plugin_manager
from hub.store import Store
from hub.translate.detect import Detector
from hub.translate.protect import protect
from hub.translate.service import TranslationService
from hub.translate.settings import TranslationSettings

from .fakes import counting

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PAYLOADS = [
    ("slack", "event_message_new.json"),
    ("slack", "event_message_subtype_bot_message.json"),
    ("whatsapp", "group_text_message_meta_docs.json"),
    ("whatsapp", "text_message_meta_docs.json"),
    ("whatsapp", "document_message_forwarded.json"),
    ("basecamp", "campfire_line_get.json"),
    ("basecamp", "comment_get.json"),
    ("basecamp", "message_get.json"),
    ("basecamp", "webhook_message_created_docs.json"),
]


def bodies(platform: str, name: str) -> list[str]:
    path = FIXTURES / platform / name
    registry = Registry.collect(make_plugin_manager(allow=[platform]))
    cls = registry.connectors[platform]
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    connector = cls(platform, cls.settings_model.model_construct(type=platform), http,
                    MemoryStateBox())
    return [e.body for e in connector.parse(json.loads(path.read_text(encoding="utf-8")))
            if e.body]


@pytest.mark.parametrize(("platform", "name"), PAYLOADS)
async def test_real_bodies_keep_every_span(
    platform: str, name: str, store: Store, http: httpx.AsyncClient
) -> None:
    fake = counting("fake")
    service = TranslationService(TranslationSettings(providers=["fake"]), {"fake": fake},
                                 store, http)
    detector = Detector(["en", "fr", "es", "pt"], 0.5)
    for body in bodies(platform, name):
        protected = protect(body)
        assert markup.parse(protected.restore(protected.texts())) == markup.parse(body)
        language = detector.detect(body, fallback="fr")
        assert language in ("en", "fr")  # English, or too short to say (the fallback)
        before = len(fake.calls)
        outcome = await service.translate(body, "fr", "en")
        assert len(fake.calls) - before == (1 if protected.to_translate else 0)
        assert outcome.translated is bool(protected.to_translate)
        for span in protected.spans.values():
            assert span in outcome.text


def test_long_english_payloads_are_detected_as_english() -> None:
    detector = Detector(["en", "fr", "es", "pt"], 0.5)
    for name in ("comment_get.json", "message_get.json"):
        for body in bodies("basecamp", name):
            assert detector.detect(body, fallback=None) == "en"
