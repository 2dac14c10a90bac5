"""The few words an announcement needs in each reader's language. Dates, times, zones and
language names come from CLDR (hub.rendering.when); these are the rest. A language missing here
reads English."""

from __future__ import annotations

from collections.abc import Mapping

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {"reminder": "Reminder: {title}, {delay}",
           "join": "Join", "interpretation": "Interpretation: {languages}",
           "moved": "Moved to {when}", "changed": "Changed", "cancelled": "Cancelled",
           "original": "Original ({language})", "see_original": "See the original ({language})"},
    "fr": {"reminder": "Rappel : {title}, {delay}",
           "join": "Rejoindre", "interpretation": "Interprétation : {languages}",
           "moved": "Déplacé au {when}", "changed": "Modifié", "cancelled": "Annulé",
           "original": "Original ({language})", "see_original": "Voir l’original ({language})"},
    "pt": {"reminder": "Lembrete: {title}, {delay}",
           "join": "Entrar", "interpretation": "Interpretação: {languages}",
           "moved": "Remarcado para {when}", "changed": "Alterado", "cancelled": "Cancelado",
           "original": "Original ({language})", "see_original": "Ver o original ({language})"},
    "es": {"reminder": "Recordatorio: {title}, {delay}",
           "join": "Unirse", "interpretation": "Interpretación: {languages}",
           "moved": "Trasladado al {when}", "changed": "Modificado", "cancelled": "Cancelado",
           "original": "Original ({language})", "see_original": "Ver el original ({language})"},
    "de": {"reminder": "Erinnerung: {title}, {delay}",
           "join": "Teilnehmen", "interpretation": "Dolmetschen: {languages}",
           "moved": "Verschoben auf {when}", "changed": "Geändert", "cancelled": "Abgesagt",
           "original": "Original ({language})", "see_original": "Original ansehen ({language})"},
    "it": {"reminder": "Promemoria: {title}, {delay}",
           "join": "Partecipa", "interpretation": "Interpretariato: {languages}",
           "moved": "Spostato a {when}", "changed": "Modificato", "cancelled": "Annullato",
           "original": "Originale ({language})", "see_original": "Vedi l’originale ({language})"},
}


def words(language: str | None) -> Mapping[str, str]:
    """The words of a BCP-47 language (`pt-BR` reads `pt`), English when it has none here."""
    primary = (language or "").replace("_", "-").split("-", 1)[0].lower()
    return WORDS.get(primary, WORDS["en"])
