"""The account's people (`GET /people.json`) as the people's directory meets them. Pure.

Basecamp lists everyone the hub's user can see, clients and people since removed included;
each person brings the address they sign in with, their title, company, time zone and, where
they gave one, their location (taken as their city).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.people.model import Identity, normal_email
from plugins.basecamp.richtext import PLATFORM

#: The kinds of person who write in Basecamp; chatbots and integrations are left out.
PEOPLE = frozenset({"User", "Client"})


def identities(listed: Iterable[Any], connection: str, *, own: str | None = None
               ) -> list[Identity]:
    """The people of one or more pages of `/people.json`, the hub's own user (`own`) left out."""
    return [found for person in listed
            if (found := identity(person, connection)) and found.native_id != own]


def identity(person: Any, connection: str) -> Identity | None:
    """One person as an identity, or None for what is no person (a chatbot, a malformed row)."""
    if not isinstance(person, Mapping) or not isinstance(person.get("id"), int | str):
        return None
    kind = person.get("personable_type")
    if kind is not None and kind not in PEOPLE:
        return None
    company = person.get("company")
    company = company if isinstance(company, Mapping) else {}
    return Identity(connection, PLATFORM, str(person["id"]), _text(person.get("name")) or "",
                    email=normal_email(_text(person.get("email_address"))),
                    city=_text(person.get("location")),
                    organisation=_text(company.get("name")),
                    role=_text(person.get("title")), timezone=_text(person.get("time_zone")))


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
