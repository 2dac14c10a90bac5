"""Calendar events → Zoom meetings, and what goes back: join notices. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from hub import markup
from hub.events import Schedule
from plugins.zoom.settings import INTERPRETATION_LANGUAGES, Interpreter, primary_language

TOPIC_LIMIT = 200
AGENDA_LIMIT = 2000
# The older `languages` spelling names interpretation languages by country ids.
LANGUAGE_IDS = {"US": "English", "CN": "Chinese", "JP": "Japanese", "DE": "German",
                "FR": "French", "RU": "Russian", "PT": "Portuguese", "ES": "Spanish",
                "KR": "Korean"}


def select_interpreters(interpreters: Sequence[Interpreter],
                        languages: Sequence[str] | None) -> list[Interpreter]:
    """Interpreters whose two languages are both spoken on the bridge (all, if unknown)."""
    if languages is None:
        return list(interpreters)
    spoken = {primary_language(code) for code in languages}
    return [person for person in interpreters if set(person.languages) <= spoken]


def meeting_request(title: str | None, body: str, schedule: Schedule, *,
                    default_minutes: int, interpreters: Sequence[Interpreter]) -> dict[str, Any]:
    """The body of POST /users/{userId}/meetings (and of PATCH /meetings/{id})."""
    start = schedule.starts_at.astimezone(UTC)
    minutes = default_minutes
    if schedule.ends_at is not None and schedule.ends_at > schedule.starts_at:
        minutes = max(1, round((schedule.ends_at - schedule.starts_at).total_seconds() / 60))
    request: dict[str, Any] = {
        "topic": (title or markup.first_line(body) or "Meeting")[:TOPIC_LIMIT],
        "type": 2,  # scheduled
        "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": minutes,
        "agenda": markup.plain_text(body)[:AGENDA_LIMIT],
    }
    if schedule.timezone:
        request["timezone"] = schedule.timezone
    if interpreters:
        request["settings"] = {"language_interpretation": {
            "enable": True,
            "interpreters": [
                {"email": person.email,
                 "interpreter_languages": ",".join(INTERPRETATION_LANGUAGES[code]
                                                   for code in person.languages)}
                for person in interpreters
            ],
        }}
    return request


def interpreters_of(meeting: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(email, languages) of a meeting's interpreters, in either of Zoom's two spellings:
    `interpreter_languages: "English,French"` or the older `languages: "US,FR"`."""
    settings = meeting.get("settings")
    block = settings.get("language_interpretation") if isinstance(settings, Mapping) else None
    people = block.get("interpreters") if isinstance(block, Mapping) else None
    return [(str(p.get("email")), str(p.get("interpreter_languages") or p.get("languages") or ""))
            for p in people or () if isinstance(p, Mapping)]


def interpretation_pairs(meeting: Mapping[str, Any]) -> list[str]:
    """The language pairs a meeting really has ("English ⇄ Portuguese"), as Zoom returned it:
    interpretation the account cannot use is dropped silently by Zoom, and not claimed here."""
    settings = meeting.get("settings")
    block = settings.get("language_interpretation") if isinstance(settings, Mapping) else None
    if not isinstance(block, Mapping) or block.get("enable") is False:
        return []
    pairs: list[str] = []
    for _, languages in interpreters_of(meeting):
        names = [LANGUAGE_IDS.get(part.strip(), part.strip())
                 for part in languages.split(",") if part.strip()]
        pair = " ⇄ ".join(names)
        if pair and pair not in pairs:
            pairs.append(pair)
    return pairs


def interpretation_languages(meeting: Mapping[str, Any]) -> tuple[str, ...]:
    """The BCP-47 languages a meeting is interpreted between, as Zoom returned it."""
    codes = {name: code for code, name in INTERPRETATION_LANGUAGES.items()}
    found: list[str] = []
    for pair in interpretation_pairs(meeting):
        for name in pair.split(" ⇄ "):
            code = codes.get(name)
            if code is not None and code not in found:
                found.append(code)
    return tuple(found)


def join_notice(meeting: Mapping[str, Any]) -> str | None:
    """What goes back to the calendar event's origin: the join link, and the interpretation."""
    url = meeting.get("join_url")
    if not isinstance(url, str) or not url.startswith("https://"):
        return None
    lines = [f"Zoom meeting: {url}"]
    pairs = interpretation_pairs(meeting)
    if pairs:
        lines.append(f"Interpretation: {markup.escape(', '.join(pairs))}")
    return "\n".join(lines)
