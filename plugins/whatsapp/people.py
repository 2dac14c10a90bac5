"""The connection's members as the people's directory meets them. Pure.

A WhatsApp user is their phone number (`wa_id`, E.164 digits) where WhatsApp shares it, else
a business-scoped user id (BSUID, `CC.digits…`): only the number is a phone, and only the
number matches a person's `phones` in the people file or another platform's profile.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.events import Actor
from hub.people.model import Identity, normal_phone
from plugins.whatsapp.circles import Member
from plugins.whatsapp.mapping import PLATFORM


def phone_of(native_id: str | None) -> str | None:
    """The phone number a member id is, or None for a BSUID (never a number to match)."""
    if not native_id or not native_id.isdigit():
        return None
    return normal_phone(native_id)


def identities(members: Iterable[Member], connection: str) -> list[Identity]:
    """The roster's members, each with their number where the hub knows it."""
    return [Identity(connection, PLATFORM, m.key, m.name or "",
                     phone=phone_of(m.wa_id) or phone_of(m.key)) for m in members]


def identity_of(actor: Actor, connection: str) -> Identity:
    """A message's author: their number is their id, when it is one."""
    return Identity(connection, PLATFORM, actor.native_id, actor.name,
                    phone=phone_of(actor.native_id))
