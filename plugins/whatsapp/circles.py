"""Pure rules of circles: who is in which circle, opt-out/opt-in keywords, the 24-hour window.

A member's record is the connector's durable memory (kept as JSON in the StateBox); nothing
here reads a clock or performs I/O. A member belongs to at most one circle at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from plugins.whatsapp.settings import WhatsAppSettings

#: Meta's customer-service window; a minute of margin so a send never races its end.
WINDOW = timedelta(hours=24) - timedelta(minutes=1)
#: How many recent (representative id, own id) pairs a member keeps for quote-replies.
RECENT = 200
#: How many free-form sends a member keeps the template values of, should WhatsApp report
#: later (in a `failed` status) that the window was closed after all.
PENDING = 20
INBOUND = ""  # the idempotency key of entries that record a member's own messages
REACTED = "reacted:"  # prefix of entries recording which message a hub reaction is on
#: Prefix of entries recording the message that carries a hub item's answer buttons, followed
#: by the endpoint the item was sent to: a press names that message's wamid, and the answer
#: must name the hub's copy (the representative) where the hub's links know it.
ASKED = "asked:"


class Choice(StrEnum):
    OUT = "out"
    IN = "in"


@dataclass(frozen=True, slots=True)
class Keyword:
    """A keyword message: opt out or in, optionally naming a circle."""

    choice: Choice
    circle: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One message in a member's chat: the hub's id for it and the member's own wamid."""

    key: str  # the delivery's idempotency key, or INBOUND for the member's own messages
    representative: str
    own: str


@dataclass(frozen=True, slots=True)
class Pending:
    """A free-form send not yet known to have arrived, and the template to send instead."""

    own: str
    representative: str
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class Member:
    """What the hub remembers of one WhatsApp user."""

    key: str
    circle: str | None = None
    opted_in: bool = True
    changed_at: datetime | None = None  # when the last keyword was sent
    last_inbound: datetime | None = None
    wa_id: str | None = None
    user_id: str | None = None
    name: str | None = None
    recent: tuple[Entry, ...] = field(default=())
    pending: tuple[Pending, ...] = field(default=())

    def to_json(self) -> str:
        return json.dumps({
            "circle": self.circle, "opted_in": self.opted_in,
            "changed_at": _iso(self.changed_at), "last_inbound": _iso(self.last_inbound),
            "wa_id": self.wa_id, "user_id": self.user_id, "name": self.name,
            "recent": [[e.key, e.representative, e.own] for e in self.recent],
            "pending": [[p.own, p.representative, p.values] for p in self.pending],
        })

    @classmethod
    def from_json(cls, key: str, text: str | None) -> Member | None:
        if not text:
            return None
        data: dict[str, Any] = json.loads(text)
        return cls(
            key=key, circle=data.get("circle"), opted_in=bool(data.get("opted_in", True)),
            changed_at=_parse(data.get("changed_at")),
            last_inbound=_parse(data.get("last_inbound")),
            wa_id=data.get("wa_id"), user_id=data.get("user_id"), name=data.get("name"),
            recent=tuple(Entry(*item) for item in data.get("recent", [])),
            pending=tuple(Pending(*item) for item in data.get("pending", [])),
        )

    @property
    def address(self) -> dict[str, str]:
        """The recipient fields of a send: `to` a phone number, else `recipient` a BSUID."""
        if self.wa_id or "." not in self.key:
            return {"to": self.wa_id or self.key}
        return {"recipient": self.user_id or self.key}

    def remember(self, entry: Entry) -> Member:
        kept = [e for e in self.recent if (e.key, e.representative) != (entry.key,
                                                                        entry.representative)]
        return replace(self, recent=(*kept, entry)[-RECENT:])

    def expect(self, pending: Pending) -> Member:
        return replace(self, pending=(*self.pending, pending)[-PENDING:])

    def take_pending(self, own: str) -> tuple[Member, Pending | None]:
        """The member without the pending send `own`, and that send if it was pending."""
        found = next((p for p in self.pending if p.own == own), None)
        if found is None:
            return self, None
        return replace(self, pending=tuple(p for p in self.pending if p.own != own)), found

    def closed(self) -> Member:
        """The member after WhatsApp said their window is closed (error 131047)."""
        return replace(self, last_inbound=None)

    def done(self, idempotency_key: str) -> Entry | None:
        """This member's part of a delivery, if it was already sent (a retried delivery)."""
        return next((e for e in self.recent if e.key == idempotency_key), None)

    def own_id(self, representative: str) -> str | None:
        """The wamid, in this member's chat, of the message the hub knows as `representative`."""
        return next((e.own for e in reversed(self.recent) if e.representative == representative
                     and not e.key.startswith(ASKED)), None)

    def asked(self, own: str) -> tuple[str, str] | None:
        """The endpoint and the hub's id of the item whose answer buttons are on the message
        `own` of this member's chat, if they are."""
        found = next((e for e in reversed(self.recent)
                      if e.own == own and e.key.startswith(ASKED)), None)
        return (found.key.removeprefix(ASKED), found.representative) if found else None

    def reaction_target(self, representative: str) -> str | None:
        """The wamid a hub reaction (known by `representative`) was put on in this chat."""
        return next((e.key.removeprefix(REACTED) for e in reversed(self.recent)
                     if e.key.startswith(REACTED) and e.representative == representative), None)

    def representative_of(self, own: str) -> str:
        """The hub's id for a message of this member's chat (itself when unknown)."""
        return next((e.representative for e in reversed(self.recent) if e.own == own), own)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def seeded_circle(settings: WhatsAppSettings, key: str) -> str | None:
    """The first circle whose configured members include `key`."""
    return next((name for name, circle in settings.circles.items() if key in circle.members),
                None)


def circle_of(settings: WhatsAppSettings, key: str, member: Member | None) -> str | None:
    """The circle a user's messages enter, or None when they are in none (or opted out)."""
    if member is None:
        return seeded_circle(settings, key)
    if not member.opted_in:
        return None
    circle = member.circle or seeded_circle(settings, key)
    return circle if circle in settings.circles else None


def read_keyword(settings: WhatsAppSettings, text: str) -> Keyword | None:
    """`STOP`, `START` or `START <circle>` (any case); None for anything else."""
    words = text.strip().casefold().split()
    if not words or len(words) > 2:
        return None
    names = {name.casefold(): name for name in settings.circles}
    circle = names.get(words[1]) if len(words) == 2 else None
    if len(words) == 2 and circle is None:
        return None
    if words[0] in settings.opt_out_words:
        return Keyword(Choice.OUT, circle)
    if words[0] in settings.opt_in_words:
        return Keyword(Choice.IN, circle)
    return None


def apply_keyword(settings: WhatsAppSettings, member: Member, keyword: Keyword,
                  at: datetime) -> Member:
    """The member after a keyword sent at `at`; older keywords than the last one are ignored
    (webhooks arrive out of order)."""
    if member.changed_at and at < member.changed_at:
        return member
    if keyword.choice is Choice.OUT:
        return replace(member, opted_in=False, changed_at=at)
    current = member.circle or seeded_circle(settings, member.key)
    wanted = keyword.circle or current or _only_open_circle(settings)
    if wanted is None:
        return member
    allowed = (wanted == current or settings.circles[wanted].open
               or member.key in settings.circles[wanted].members)
    if not allowed:
        return member
    return replace(member, circle=wanted, opted_in=True, changed_at=at)


def _only_open_circle(settings: WhatsAppSettings) -> str | None:
    open_circles = [name for name, circle in settings.circles.items() if circle.open]
    return open_circles[0] if len(open_circles) == 1 else None


def candidates(settings: WhatsAppSettings, circle: str, joined: list[str]) -> list[str]:
    """Everyone who may be in a circle, in a stable order: configured members, then joiners.
    Each must still be checked with `circle_of` against their record."""
    return list(dict.fromkeys([*settings.circles[circle].members, *joined]))


def window_open(member: Member | None, now: datetime) -> bool:
    """Whether free-form messages may reach this member now (Meta's 24-hour rule)."""
    return bool(member and member.last_inbound and now - member.last_inbound < WINDOW)
