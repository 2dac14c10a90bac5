"""Matching: the platforms' identities, the people file and the admins' mends, made into one
person per member. Pure: the same inputs always give the same people with the same ids.

Two identities are one person when they share a verified e-mail address or a phone number,
when the people file claims both, or when an admin merged them; an identity an admin split
off stands alone, whatever its addresses say, until merged again."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from hub.people.declared import DeclaredPerson
from hub.people.model import Directory, Identity, Person, normal_email, normal_phone

#: Whose name wins among a person's identities when the file gives none: the platforms
#: where people write their full name first.
_NAME_ORDER = ("basecamp", "zoom", "email", "slack", "whatsapp")


@dataclass(frozen=True, slots=True)
class Mend:
    """An admin's correction, in the order made: `merge` joins identity `a` with `b`;
    `split` sets `a` apart from everyone (`b` is empty)."""

    action: Literal["merge", "split"]
    a: str
    b: str = ""


def match(identities: Iterable[Identity], declared: Mapping[str, DeclaredPerson],
          mends: Sequence[Mend] = (), platforms: Mapping[str, str] | None = None
          ) -> Directory:
    """Every person the identities, the file and the mends describe. `platforms` names the
    platform of each configured connection: an identity the file claims there counts before
    the hub meets it (a mention of someone who never wrote yet)."""
    seen = {i.text: i for i in _claimed(declared, platforms or {})}
    seen.update((i.text, i) for i in identities)
    groups = _Groups()
    split_at = {m.a: n for n, m in enumerate(mends) if m.action == "split"}
    claims: dict[str, str] = {}  # an address or identity text -> the file's person id
    for person_id, entry in sorted(declared.items()):
        groups.add(_declared(person_id))
        for claim in (*entry.emails, *entry.phones, *entry.identities):
            claims.setdefault(claim, person_id)
    by_address: dict[str, str] = {}
    for text, identity in sorted(seen.items()):
        groups.add(text)
        if text in split_at:
            continue
        for address in _addresses(identity):
            if address in claims:
                groups.join(text, _declared(claims[address]))
            if address in by_address:
                groups.join(text, by_address[address])
            else:
                by_address[address] = text
        if text in claims:
            groups.join(text, _declared(claims[text]))
    for number, mend in enumerate(mends):
        if mend.action != "merge" or mend.a not in seen or mend.b not in seen:
            continue
        if split_at.get(mend.a, -1) > number or split_at.get(mend.b, -1) > number:
            continue  # split again since
        groups.join(mend.a, mend.b)
    people = [_person(members, seen, declared) for members in groups.sets()]
    return Directory.of(p for p in people if p is not None)


def _claimed(declared: Mapping[str, DeclaredPerson],
             platforms: Mapping[str, str]) -> list[Identity]:
    claimed = []
    for entry in declared.values():
        for text in entry.identities:
            connection, _, native_id = text.partition(":")
            if connection in platforms:
                claimed.append(Identity(connection, platforms[connection], native_id, entry.name))
    return claimed


def _declared(person_id: str) -> str:
    return f"\0{person_id}"  # never an identity's text: those are "connection:native_id"


def _addresses(identity: Identity) -> list[str]:
    return [a for a in (normal_email(identity.email), normal_phone(identity.phone)) if a]


def _person(members: list[str], seen: Mapping[str, Identity],
            declared: Mapping[str, DeclaredPerson]) -> Person | None:
    identities = tuple(sorted((seen[m] for m in members if m in seen), key=_name_rank))
    files = sorted(m[1:] for m in members if m.startswith("\0"))
    entry = declared[files[0]] if files else None
    if entry is None and not identities:
        return None
    emails = _unique([*(entry.emails if entry else ()),
                      *(normal_email(i.email) for i in identities)])
    phones = _unique([*(entry.phones if entry else ()),
                      *(normal_phone(i.phone) for i in identities)])

    def profile(name: str) -> str | None:
        given = getattr(entry, name, None) if entry else None
        return given or next((getattr(i, name) for i in identities if getattr(i, name)), None)

    return Person(
        id=files[0] if files else _derived_id(identities),
        name=entry.name if entry else _best_name(identities),
        identities=identities,
        city=profile("city"), organisation=profile("organisation"), role=profile("role"),
        timezone=profile("timezone"),
        languages=tuple(entry.languages) if entry else (),
        tags=frozenset(entry.tags) if entry else frozenset(),
        emails=emails, phones=phones,
        reach_when_mentioned=entry.reach_when_mentioned if entry else True,
        notify=frozenset(entry.notify) if entry else frozenset(),
        declared=entry is not None,
    )


def _name_rank(identity: Identity) -> tuple[int, str]:
    order = _NAME_ORDER.index(identity.platform) if identity.platform in _NAME_ORDER else 99
    return (order, identity.text)


def _best_name(identities: Sequence[Identity]) -> str:
    """A full name where some platform knows one (`Ana Souza` over `ana`), else the first."""
    named = [i.name for i in identities if i.name and i.name not in (i.native_id, i.phone)
             and normal_email(i.name) is None and normal_phone(i.name) is None]
    full = [n for n in named if " " in n.strip()]
    # Never an address or a number: the name signs their items on every platform.
    fallback = next((i.native_id for i in identities
                     if not i.phone and normal_email(i.native_id) is None),
                    f"{identities[0].platform.capitalize()} member")
    return (full or named or [fallback])[0]


def _derived_id(identities: Sequence[Identity]) -> str:
    """A stable id for a person nobody declared: from their first identity ever matched."""
    first = min(i.text for i in identities)
    return "p-" + hashlib.sha256(first.encode()).hexdigest()[:10]


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


class _Groups:
    """Union-find over text keys."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def add(self, key: str) -> None:
        self._parent.setdefault(key, key)

    def root(self, key: str) -> str:
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def join(self, a: str, b: str) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def sets(self) -> list[list[str]]:
        found: dict[str, list[str]] = {}
        for key in self._parent:
            found.setdefault(self.root(key), []).append(key)
        return list(found.values())
