"""Members' answers to an event ("I'll come", "I can't", "maybe"), from where they are: a
button under the announcement (WhatsApp, Slack) or a comment with a keyword in any of the
network's languages (Basecamp, or any platform's reply).

Connectors hand answers to the hub beside events (`Inbound.answers`): an answer is not content
to mirror but a fact about a person and an event. Each names the item it was given on, on its
own platform (the hub's copy of the announcement there); the hub finds the event it is about
through its links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.archive.text import fold
from hub.connector import Outgoing
from hub.events import Actor, Ref
from hub.rendering.announcement import Status
from hub.rendering.words import words


class Reply(StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


@dataclass(frozen=True, slots=True)
class Answer:
    """`person` answered `reply` on the item `about` (on their platform) at `at`."""

    about: Ref
    person: Actor
    reply: Reply
    at: datetime


ANSWER_ID = "answer:"  # what a button's id or value starts with: answer:yes, answer:no…


def button_id(reply: Reply) -> str:
    return f"{ANSWER_ID}{reply.value}"


def reply_of(button: str) -> Reply | None:
    """The answer a button's id or value carries, if it is one of ours."""
    if not button.startswith(ANSWER_ID):
        return None
    try:
        return Reply(button.removeprefix(ANSWER_ID))
    except ValueError:
        return None


def labels(language: str | None) -> dict[Reply, str]:
    """The buttons' words in a reader's language (at most 20 characters: WhatsApp's limit)."""
    said = words(language)
    return {Reply.YES: said["answer_yes"], Reply.NO: said["answer_no"],
            Reply.MAYBE: said["answer_maybe"]}


def asks_for_answers(outgoing: Outgoing) -> bool:
    """Whether an item carries the answer buttons: an event's announcement or reminder,
    the event still on."""
    told = outgoing.announcement
    return told is not None and told.status is not Status.CANCELLED


# Keywords people write in a comment, in the network's languages, folded (no case or accents).
_KEYWORDS: dict[Reply, tuple[str, ...]] = {
    Reply.YES: ("i'll come", "i will come", "i'm coming", "count me in", "attending",
                "je viens", "je serai la", "present", "presente", "j'y serai",
                "vou", "eu vou", "estarei", "estarei presente", "confirmo",
                "voy", "ire", "asistire", "alli estare", "vinc", "hi sere",
                "ich komme", "ci saro", "vengo"),
    Reply.NO: ("i can't", "i cannot", "i can't come", "not coming", "can't make it",
               "je ne peux pas", "je ne viendrai pas", "absent", "absente",
               "nao posso", "nao vou", "nao poderei", "no puedo", "no ire", "no podre",
               "no puc", "ich kann nicht", "non posso"),
    Reply.MAYBE: ("maybe", "perhaps", "peut-etre", "peut etre", "talvez", "quizas", "quiza",
                  "tal vez", "potser", "vielleicht", "forse"),
}
_PATTERNS = {reply: re.compile(r"^\W*(?:" + "|".join(re.escape(k) for k in keys) + r")\W*$")
             for reply, keys in _KEYWORDS.items()}


def keyword_reply(text: str) -> Reply | None:
    """The answer a short comment gives ("Je viens !", "Não posso.", "maybe"), if it is
    nothing but one; a longer comment that only mentions one is a comment."""
    folded = fold(text).replace("’", "'").strip()
    if not folded or len(folded) > 40:
        return None
    for reply in (Reply.NO, Reply.MAYBE, Reply.YES):  # "je ne peux pas" before "je"…
        if _PATTERNS[reply].match(folded):
            return reply
    return None
