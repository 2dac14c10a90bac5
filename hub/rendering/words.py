"""The few words an announcement needs in each reader's language. Dates, times, zones and
language names come from CLDR (hub.rendering.when); these are the rest. A language missing here
reads English."""

from __future__ import annotations

from collections.abc import Mapping

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {"tally": "{label} ({count}): {names}",
           "answer_yes": "I'll come", "answer_no": "I can't", "answer_maybe": "Maybe",
           "attendance": "Who is coming to {title}", "coming": "Coming",
           "not_coming": "Not coming",
           "undecided": "Maybe",
           "reminder": "Reminder: {title}, {delay}",
           "unanswered": "Still unanswered:",
           "join": "Join", "interpretation": "Interpretation: {languages}",
           "moved": "Moved to {when}", "changed": "Changed", "cancelled": "Cancelled",
           "original": "Original ({language})", "see_original": "See the original ({language})"},
    "fr": {"tally": "{label} ({count}) : {names}",
           "answer_yes": "Je viens", "answer_no": "Je ne peux pas", "answer_maybe": "Peut-être",
           "attendance": "Qui vient à {title}", "coming": "Viennent",
           "not_coming": "Ne viennent pas",
           "undecided": "Peut-être",
           "reminder": "Rappel : {title}, {delay}",
           "unanswered": "Toujours sans réponse :",
           "join": "Rejoindre", "interpretation": "Interprétation : {languages}",
           "moved": "Déplacé au {when}", "changed": "Modifié", "cancelled": "Annulé",
           "original": "Original ({language})", "see_original": "Voir l’original ({language})"},
    "pt": {"tally": "{label} ({count}): {names}",
           "answer_yes": "Vou", "answer_no": "Não posso", "answer_maybe": "Talvez",
           "attendance": "Quem vem a {title}", "coming": "Vêm",
           "not_coming": "Não vêm",
           "undecided": "Talvez",
           "reminder": "Lembrete: {title}, {delay}",
           "unanswered": "Ainda sem resposta:",
           "join": "Entrar", "interpretation": "Interpretação: {languages}",
           "moved": "Remarcado para {when}", "changed": "Alterado", "cancelled": "Cancelado",
           "original": "Original ({language})", "see_original": "Ver o original ({language})"},
    "es": {"tally": "{label} ({count}): {names}",
           "answer_yes": "Voy", "answer_no": "No puedo", "answer_maybe": "Quizás",
           "attendance": "Quién viene a {title}", "coming": "Vienen",
           "not_coming": "No vienen",
           "undecided": "Quizás",
           "reminder": "Recordatorio: {title}, {delay}",
           "unanswered": "Todavía sin respuesta:",
           "join": "Unirse", "interpretation": "Interpretación: {languages}",
           "moved": "Trasladado al {when}", "changed": "Modificado", "cancelled": "Cancelado",
           "original": "Original ({language})", "see_original": "Ver el original ({language})"},
    "de": {"tally": "{label} ({count}): {names}",
           "answer_yes": "Ich komme", "answer_no": "Ich kann nicht", "answer_maybe": "Vielleicht",
           "attendance": "Wer kommt zu {title}", "coming": "Kommen",
           "not_coming": "Kommen nicht",
           "undecided": "Vielleicht",
           "reminder": "Erinnerung: {title}, {delay}",
           "unanswered": "Noch unbeantwortet:",
           "join": "Teilnehmen", "interpretation": "Dolmetschen: {languages}",
           "moved": "Verschoben auf {when}", "changed": "Geändert", "cancelled": "Abgesagt",
           "original": "Original ({language})", "see_original": "Original ansehen ({language})"},
    "it": {"tally": "{label} ({count}): {names}",
           "answer_yes": "Ci sarò", "answer_no": "Non posso", "answer_maybe": "Forse",
           "attendance": "Chi viene a {title}", "coming": "Vengono",
           "not_coming": "Non vengono",
           "undecided": "Forse",
           "reminder": "Promemoria: {title}, {delay}",
           "unanswered": "Ancora senza risposta:",
           "join": "Partecipa", "interpretation": "Interpretariato: {languages}",
           "moved": "Spostato a {when}", "changed": "Modificato", "cancelled": "Annullato",
           "original": "Originale ({language})", "see_original": "Vedi l’originale ({language})"},
}


def words(language: str | None) -> Mapping[str, str]:
    """The words of a BCP-47 language (`pt-BR` reads `pt`), English when it has none here."""
    primary = (language or "").replace("_", "-").split("-", 1)[0].lower()
    return WORDS.get(primary, WORDS["en"])
