"""Who is who: a platform identity, a person (one or several identities, matched), and the
directory that finds a person by any of their identities. Pure values: no store, no clock."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: An identity's key: the connection it lives on and its native id there.
IdentityKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Identity:
    """One account of a person on one connection, as the platform describes it.

    `email` and `phone` are what match identities into one person; they never leave the hub
    in a mirrored item. `phone` is in E.164 digits without the `+` (WhatsApp's `wa_id`)."""

    connection: str
    platform: str
    native_id: str
    name: str = ""
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    organisation: str | None = None
    role: str | None = None
    timezone: str | None = None

    @property
    def key(self) -> IdentityKey:
        return (self.connection, self.native_id)

    @property
    def text(self) -> str:
        """`connection:native_id`, as admins write an identity (`passerelle people merge`)."""
        return f"{self.connection}:{self.native_id}"


@dataclass(frozen=True, slots=True)
class Person:
    """One member of the network across their platforms.

    `id` is stable: the admin's name for them in the people file, else derived from their
    first identity. `reach_when_mentioned`: a mention reaches them on a platform where they
    muted the place it was written for (their choice). `notify`: expertise groups whose posts
    they asked to be told of directly."""

    id: str
    name: str
    identities: tuple[Identity, ...]
    city: str | None = None
    organisation: str | None = None
    role: str | None = None
    languages: tuple[str, ...] = ()
    timezone: str | None = None
    tags: frozenset[str] = frozenset()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    reach_when_mentioned: bool = True
    notify: frozenset[str] = frozenset()
    declared: bool = False  # described in the people file, not only matched

    def on(self, connection: str) -> Identity | None:
        """Their identity on `connection`, if they have one there; of two (a member id met
        as an author, the account the member list gives), the one with an address."""
        there = [i for i in self.identities if i.connection == connection]
        return next((i for i in there if i.email), there[0] if there else None)

    @property
    def platforms(self) -> list[str]:
        return sorted({i.platform for i in self.identities})

    @property
    def connections(self) -> list[str]:
        return sorted({i.connection for i in self.identities})

    @property
    def signature(self) -> str:
        """How their items are signed on every platform: `Hugo Bernard, Lyon`."""
        return f"{self.name}, {self.city}" if self.city else self.name


@dataclass(frozen=True)
class Directory:
    """Every person, found by identity, e-mail address, phone number, id or tag."""

    people: tuple[Person, ...] = ()
    _by_identity: Mapping[IdentityKey, Person] = field(default_factory=dict, repr=False)
    _by_address: Mapping[str, Person] = field(default_factory=dict, repr=False)
    _by_id: Mapping[str, Person] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, people: Iterable[Person]) -> Directory:
        listed = tuple(sorted(people, key=lambda p: (p.name.casefold(), p.id)))
        by_identity = {i.key: p for p in listed for i in p.identities}
        by_address: dict[str, Person] = {}
        for person in listed:
            for address in (*person.emails, *person.phones):
                by_address.setdefault(address, person)
        return cls(listed, by_identity, by_address, {p.id: p for p in listed})

    def __len__(self) -> int:
        return len(self.people)

    def get(self, person_id: str) -> Person | None:
        return self._by_id.get(person_id)

    def of_identity(self, connection: str, native_id: str) -> Person | None:
        return self._by_identity.get((connection, native_id))

    def of_address(self, email: str | None = None, phone: str | None = None) -> Person | None:
        """The person an e-mail address or phone number belongs to (normalised here)."""
        for address in (normal_email(email), normal_phone(phone)):
            if address and address in self._by_address:
                return self._by_address[address]
        return None

    def on_platform(self, platform: str, native_id: str,
                    prefer: str | None = None) -> Person | None:
        """The person behind `native_id` on some connection of `platform`, the connection
        `prefer` first (a mention names a platform's user, not the connection)."""
        found = self.of_identity(prefer, native_id) if prefer is not None else None
        if found is not None and any(i.platform == platform for i in found.identities):
            return found
        return next((p for p in self.people for i in p.identities
                     if i.platform == platform and i.native_id == native_id), None)

    def with_tag(self, tag: str) -> list[Person]:
        wanted = normal_tag(tag)
        return [p for p in self.people if wanted in p.tags]


def normal_email(address: str | None) -> str | None:
    """An e-mail address as matched: trimmed, lower-cased; None when it is not one."""
    if not address:
        return None
    text = address.strip().lower()
    return text if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) else None


def normal_phone(number: str | None) -> str | None:
    """A phone number in E.164 digits without `+` (WhatsApp's `wa_id`); None when it has too
    few digits to be international."""
    if not number:
        return None
    digits = re.sub(r"[^\d]", "", number)
    if number.strip().startswith("00"):
        digits = digits[2:]
    return digits if 8 <= len(digits) <= 15 else None


def normal_tag(tag: str) -> str:
    """A tag or hashtag as compared: no `#`, case-folded, accents kept apart from letters
    (`#Mobilité` and `mobilite` are one tag)."""
    text = unicodedata.normalize("NFKD", tag.strip().lstrip("#")).casefold()
    return "".join(c for c in text if not unicodedata.combining(c))
