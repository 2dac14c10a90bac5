"""Detection restricted to the network's languages, with the endpoint's language as fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.settings import HubSettings
from hub.translate.detect import Detector, network_languages

NETWORK = Detector(["fr", "en", "pt-BR", "es"], min_confidence=0.6)

LABELLED = [
    ("La réunion du réseau aura lieu demain à Kigali.", "fr"),
    ("Merci pour le compte rendu, c'était très utile", "fr"),
    ("Quelqu'un a les chiffres du budget 2026 ?", "fr"),
    ("The meeting is moved to Thursday afternoon", "en"),
    ("Can someone share the slides from yesterday?", "en"),
    ("Thanks everyone, see you next week", "en"),
    ("Bom dia a todos, a reunião é amanhã às 10h", "pt-BR"),
    ("Obrigado pelo relatório, foi muito útil", "pt-BR"),
    ("Vocês já viram o novo calendário do projeto?", "pt-BR"),
    ("Hola a todos, ¿quién viene a la reunión del jueves?", "es"),
    ("Gracias por el informe, fue muy útil", "es"),
    ("Mañana enviamos el presupuesto revisado", "es"),
]


@pytest.mark.parametrize(("text", "language"), LABELLED)
def test_detects_the_networks_languages(text: str, language: str) -> None:
    assert NETWORK.detect(text, fallback=None) == language


@pytest.mark.parametrize(
    "text",
    ["ok", "👍🎉", "<@slack:U024BE7LH>", "https://example.org/agenda", "`make test`",
     "ana.silva@kigali.rw", "10:30", ":tada: #climat @joao", ""],
)
def test_too_little_to_tell_gives_the_fallback(text: str) -> None:
    assert NETWORK.detect(text, fallback="pt-BR") == "pt-BR"


def test_markup_names_and_links_do_not_sway_detection() -> None:
    text = "**Reunião** amanhã com <@slack:U024BE7LH> em https://example.org/the-english-page"
    assert NETWORK.detect(text, fallback="en") == "pt-BR"
    assert NETWORK.words(text) == "Reunião amanhã com em"


def test_ambiguous_text_under_the_threshold_gives_the_fallback() -> None:
    strict = Detector(["fr", "en", "es", "pt"], min_confidence=0.99)
    assert strict.detect("Taxi hotel restaurant", fallback="en") == "en"


def test_a_single_language_network_needs_no_model() -> None:
    assert Detector(["fr"], 0.5).detect("Anything at all here", fallback=None) == "fr"


def test_an_unknown_language_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match='"xx"'):
        Detector(["fr", "xx"], 0.5)


def test_accuracy_on_short_chat_messages() -> None:
    """Goal: at least 95 % right among the network's languages; the rest may be unknown
    (then the endpoint's language applies) but never another language too often."""
    rows = [
        line.split("\t")
        for line in (Path(__file__).parent / "short_messages.tsv")
        .read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    detector = Detector(["fr", "en", "es", "pt"], min_confidence=0.5)
    results = [(language, detector.detect(text, fallback=None)) for language, text in rows]
    right = sum(expected == found for expected, found in results)
    wrong = [(e, f) for e, f in results if f is not None and f != e]
    assert len(rows) == 80
    assert right / len(rows) >= 0.95, results
    assert len(wrong) <= 2, wrong


def test_the_network_detector_knows_the_bridges_languages() -> None:
    settings = HubSettings(
        translation={"min_confidence": 0.7},
        bridges={"general": {"endpoints": [
            {"at": "a/chat/1", "language": "fr"},
            {"at": "b/chat/2", "language": "pt-BR"},
            {"at": "c/chat/3"},
        ]}, "lisbon": {"endpoints": [{"at": "d/chat/4", "language": "en"}]}},
    )
    assert network_languages(settings) == ["en", "fr", "pt-BR"]
    detector = Detector.for_network(settings)
    assert detector.min_confidence == 0.7
    assert detector.detect("Bom dia a todos, a reunião é amanhã", None) == "pt-BR"
    assert detector.detect("Hola a todos, la reunión es mañana", "fr") in ("fr", "pt-BR")
