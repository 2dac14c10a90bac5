"""Who comes to an event, as the readers of one place read it: in their language, each
person with the platform they answered from."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from babel.lists import format_list

from hub import markup
from hub.rendering.when import locale
from hub.rendering.words import words

GROUPS = (("yes", "✅", "coming"), ("maybe", "❔", "undecided"), ("no", "❌", "not_coming"))


def attendance(answers: Mapping[str, Sequence[Mapping[str, str]]], title: str | None,
               language: str | None, platform_of: Callable[[str], str]) -> str:
    """The summary as canonical markup: a headline, then one line per answer with the
    people who gave it (`platform_of` names a connection's platform)."""
    said = words(language)
    lines = [f"**{markup.escape(said['attendance'].format(title=title or ''))}**"]
    for reply, symbol, label in GROUPS:
        people = [f"{person['name']} ({platform_of(person['via'])})"
                  for person in answers.get(reply, ())]
        if people:
            told = said["tally"].format(label=said[label], count=len(people),
                                        names=format_list(people, locale=locale(language)))
        else:
            told = f"{said[label]} (0)"
        lines.append(f"{symbol} {markup.escape(told)}")
    return "\n".join(lines)
