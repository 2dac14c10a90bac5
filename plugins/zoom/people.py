"""The account's users (`GET /users`) as the people's directory meets them. Pure.

A Zoom user is known to the directory by their e-mail address: it is the one thing Zoom
gives everywhere the hub meets them. The user list has it (with the user id, but no Team
Chat member id); a Team Chat message names its sender by member id and e-mail address; a
meeting names its host by user id and e-mail address; and Team Chat takes an address as the
`at_contact` of a mention it sends. So one person has one Zoom identity, and a mention of
them written elsewhere becomes a Zoom at-mention of that address.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.events import Actor
from hub.people.model import Identity, normal_email
from plugins.zoom.settings import PLATFORM


def identities(users: Iterable[Any], connection: str) -> list[Identity]:
    """The users of `/users` pages that have an address (every real Zoom user has one)."""
    return [found for user in users if (found := identity(user, connection))]


def identity(user: Any, connection: str) -> Identity | None:
    if not isinstance(user, Mapping):
        return None
    address = normal_email(_text(user.get("email")))
    if address is None:
        return None
    full = " ".join(n for n in (_text(user.get("first_name")), _text(user.get("last_name"))) if n)
    return Identity(connection, PLATFORM, address,
                    _text(user.get("display_name")) or full or address, email=address,
                    city=_text(user.get("location")), organisation=_text(user.get("company")),
                    role=_text(user.get("job_title")), timezone=_text(user.get("timezone")))


def identity_of(actor: Actor, connection: str) -> Identity:
    """An author as the directory meets them: by address when Zoom gave one (a member of
    another account may come with their member id only)."""
    address = normal_email(actor.email)
    # Zoom names a sender by their address where it has no display name: that is no name.
    name = "" if normal_email(actor.name) else actor.name
    return Identity(connection, PLATFORM, address or actor.native_id, name, email=address)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
