"""Members' answers from WhatsApp: the reply buttons under an announcement or a reminder, and
the webhook of a button pressed. Pure: payloads in, payloads out.

Reply buttons exist only in an interactive message, and WhatsApp takes one only inside the
member's 24-hour window (outside it, only an approved template, and the hub's has no buttons).
An interactive message's body holds 1,024 characters and no attachment of its own kind, so an
announcement that travels as a document (its invitation) or is longer than that keeps its
messages as they are, and the buttons follow in a short message naming the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub import markup
from hub.calendar.answers import button_id, labels
from hub.connector import Outgoing
from plugins.whatsapp.formatting import clip, to_whatsapp

#: Meta's limits of an interactive reply buttons message.
BODY_LIMIT = 1024
TITLE_LIMIT = 20
ID_LIMIT = 256
MAX_BUTTONS = 3


@dataclass(frozen=True, slots=True)
class Press:
    """A reply button pressed: its id and words, and the wamid of the message it was on."""

    button: str
    title: str
    on: str  # `context.id`; "" when WhatsApp named no message


def press_of(message: Mapping[str, Any]) -> Press | None:
    """The reply button a `messages[]` entry presses, or None for any other message."""
    interactive = message.get("interactive")
    if message.get("type") != "interactive" or not isinstance(interactive, Mapping) \
            or interactive.get("type") != "button_reply":
        return None
    reply = interactive.get("button_reply")
    context = message.get("context")
    reply = reply if isinstance(reply, Mapping) else {}
    context = context if isinstance(context, Mapping) else {}
    return Press(str(reply.get("id") or ""), str(reply.get("title") or ""),
                 str(context.get("id") or ""))


def buttons_message(text: str, language: str | None) -> dict[str, Any]:
    """An interactive message: `text` (WhatsApp formatting) above the three answer buttons,
    in the reader's language, each button's id naming its answer (`answer:yes`…)."""
    return {"type": "interactive", "interactive": {
        "type": "button",
        "body": {"text": clip(text, BODY_LIMIT)},
        "action": {"buttons": [{"type": "reply", "reply": {"id": button_id(reply),
                                                            "title": title}}
                               for reply, title in labels(language).items()]},
    }}


def question(outgoing: Outgoing) -> str:
    """The short text above the buttons when they follow the item in a message of their own:
    what the item is about and when."""
    told = outgoing.announcement
    lines = [f"*{outgoing.title.strip()}*"] if outgoing.title and outgoing.title.strip() else []
    if told is not None and told.headline:
        lines.append(told.headline)
    if told is not None and told.when:
        lines.append(f"🗓 {told.when}")
    return "\n".join(lines) or to_whatsapp(markup.first_line(outgoing.body)) or "🗓"


def with_buttons(parts: list[dict[str, Any]], question: str, language: str | None
                 ) -> tuple[list[dict[str, Any]], int]:
    """The messages of an item that asks for answers, and the index of the one carrying the
    buttons: the text itself when it is one short enough, else a message after the rest."""
    first = parts[0]
    if first.get("type") == "text" and len(first["text"]["body"]) <= BODY_LIMIT:
        return [buttons_message(first["text"]["body"], language), *parts[1:]], 0
    return [*parts, buttons_message(question, language)], len(parts)
