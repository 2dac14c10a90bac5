"""How a translation is shown on an endpoint: pure text in, text out.

`translated`: the translation, then a line naming the original language (and linking to the
original when its address is known). `both`: the translation, then the original quoted.
`original`: the original, untouched. A message that could not be translated is delivered as
written, with a line saying so. The line starts with 🌐, which is also how the hub recognises
its own translations and never translates them again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.settings import Render
from hub.translate.languages import display_name, primary

if TYPE_CHECKING:
    from hub.translate.service import Outcome

MARK = "🌐"

LABELS: dict[str, dict[str, str]] = {
    "en": {"from": "Translated from {language}", "auto": "Machine translation",
           "original": "Original ({language})", "link": "original",
           "unavailable": "translation unavailable"},
    "fr": {"from": "Traduit de : {language}", "auto": "Traduction automatique",
           "original": "Original ({language})", "link": "original",
           "unavailable": "traduction indisponible"},
    "es": {"from": "Traducido del {language}", "auto": "Traducción automática",
           "original": "Original ({language})", "link": "original",
           "unavailable": "traducción no disponible"},
    "pt": {"from": "Traduzido do {language}", "auto": "Tradução automática",
           "original": "Original ({language})", "link": "original",
           "unavailable": "tradução indisponível"},
    "de": {"from": "Übersetzt aus: {language}", "auto": "Maschinelle Übersetzung",
           "original": "Original ({language})", "link": "Original",
           "unavailable": "Übersetzung nicht verfügbar"},
    "it": {"from": "Tradotto da: {language}", "auto": "Traduzione automatica",
           "original": "Originale ({language})", "link": "originale",
           "unavailable": "traduzione non disponibile"},
}


def _labels(reader: str) -> dict[str, str]:
    return LABELS.get(primary(reader), LABELS["en"])


def _line(text: str) -> str:
    return f"_{MARK} {text}_"


def _quote(body: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))


def carries_translation(body: str) -> bool:
    """Whether a body is one the hub rendered (a translation line of its own)."""
    return any(line.startswith(f"_{MARK} ") for line in body.split("\n"))


def render(
    original: str,
    outcome: Outcome,
    mode: Render,
    target_language: str,
    *,
    original_url: str | None = None,
) -> str:
    """The canonical markup to deliver to an endpoint that reads `target_language`."""
    if mode is Render.ORIGINAL:
        return original
    labels = _labels(target_language)
    if not outcome.translated:
        if outcome.note is None:
            return original
        # An English reader gets the reason; others a short phrase in their language.
        note = outcome.note if primary(target_language) == "en" else labels["unavailable"]
        return f"{original}\n\n{_line(note)}"
    language = display_name(outcome.source, target_language) if outcome.source else None
    if mode is Render.BOTH:
        label = labels["original"].format(language=language) if language else labels["auto"]
        return f"{outcome.text}\n\n{_line(label + ':')}\n\n{_quote(original)}"
    label = labels["from"].format(language=language) if language else labels["auto"]
    if original_url:
        label += f" · [{labels['link']}]({original_url})"
    return f"{outcome.text}\n\n{_line(label)}"
