"""The directory as admins read it: the one read model `passerelle people` and the console's
People page both show (DESIGN §10), so the two never disagree.

Pure: a `Directory` (hub/people/model.py) in, rows and JSON out. E-mail addresses and phone
numbers appear only when asked for (`contacts=True`) and in a person's export.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.people.declared import DeclaredPerson
from hub.people.matching import Mend
from hub.people.model import Directory, Identity, Person, normal_tag

#: The fields a listing names, with their English labels. The console's People page shows
#: the same labels (templates/people.html), so the console's catalogs translate them for the
#: command line too: one translation table (tests/console/test_people.py holds it).
LABELS = {
    "city": "City", "organisation": "Organisation", "role": "Role",
    "languages": "Languages", "tags": "Expertise", "places": "Where",
    "emails": "E-mail", "phones": "Phone",
}
#: What a listing says of itself, in the same catalogs (singular and plural, then none).
COUNT = ("%(num)s person", "%(num)s people")
NOBODY = "Nobody is in the directory yet."
NOBODY_KNOWS = "Nobody in the directory knows %(tag)s."


class UnknownPerson(LookupError):
    """A person id or identity the directory does not hold; the message says how to find one."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a person is: one of their identities, as a listing names it."""

    connection: str
    platform: str
    native_id: str
    name: str

    @property
    def text(self) -> str:
        return f"{self.connection}:{self.native_id}"


def places(person: Person) -> list[Place]:
    return [Place(i.connection, i.platform, i.native_id, i.name) for i in person.identities]


def listed(directory: Directory, tag: str | None = None) -> list[Person]:
    """Each person once, by name; only those who know `tag` when one is given."""
    if tag and normal_tag(tag):
        return directory.with_tag(tag)
    return list(directory.people)


def person_json(person: Person, *, contacts: bool = False) -> dict[str, Any]:
    """A person as `passerelle people --json` lists them: the same keys for everyone."""
    found: dict[str, Any] = {
        "id": person.id, "name": person.name, "city": person.city,
        "organisation": person.organisation, "role": person.role,
        "languages": list(person.languages), "timezone": person.timezone,
        "tags": sorted(person.tags), "platforms": person.platforms,
        "places": [{"connection": p.connection, "platform": p.platform,
                    "native_id": p.native_id, "name": p.name} for p in places(person)],
        "declared": person.declared,
    }
    if contacts:
        found["emails"] = list(person.emails)
        found["phones"] = list(person.phones)
    return found


def find(directory: Directory, person_id: str) -> Person:
    """The person `person_id` names: their id, or one of their identities."""
    person = directory.get(person_id)
    if person is None and ":" in person_id:
        connection, _, native_id = person_id.partition(":")
        person = directory.of_identity(connection, native_id)
    if person is None:
        raise UnknownPerson(f"no person {person_id!r}: `passerelle people` lists each one's id "
                            "and their identities (connection:native_id)")
    return person


def identity_text(directory: Directory, given: str) -> str:
    """The identity a mend names: `connection:native_id` as given, or a person's first
    identity (the one their name comes from) when `given` is a person id."""
    connection, _, native_id = given.partition(":")
    if native_id and directory.of_identity(connection, native_id) is not None:
        return given
    person = directory.get(given)
    if person is not None and person.identities:
        return person.identities[0].text
    if person is not None:
        raise UnknownPerson(f"{given!r} is only in the people file, on no platform yet: "
                            "name one of the identities to merge instead")
    raise UnknownPerson(f"no person or identity {given!r}: `passerelle people` lists each "
                        "one's id and identities (connection:native_id)")


def merging(directory: Directory, a: str, b: str) -> Mend:
    """The mend that makes `a` and `b` one person, or `UnknownPerson`."""
    first, second = identity_text(directory, a), identity_text(directory, b)
    if first == second:
        raise UnknownPerson(f"{a!r} and {b!r} are one identity: nothing to merge")
    return Mend("merge", first, second)


def splitting(directory: Directory, identity: str) -> Mend:
    """The mend that sets `identity` (`connection:native_id`) apart, or `UnknownPerson`."""
    connection, _, native_id = identity.partition(":")
    if not native_id or directory.of_identity(connection, native_id) is None:
        raise UnknownPerson(f"no identity {identity!r}: name one as connection:native_id, "
                            "as `passerelle people show` lists them")
    return Mend("split", identity)


def export(person: Person, identities: Iterable[Identity], mends: Sequence[Mend],
           declared: DeclaredPerson | None,
           archive: Sequence[tuple[str, str, int]] = ()) -> dict[str, Any]:
    """Everything the hub keeps about `person` (the privacy export): the person as matched,
    each identity as its platform described it, the mends naming them, the people file's
    entry, and how many archived items each of their accounts wrote."""
    theirs = {i.text for i in person.identities}
    return {
        "person": person_json(person, contacts=True),
        "identities": [{"connection": i.connection, "platform": i.platform,
                        "native_id": i.native_id, "name": i.name, "email": i.email,
                        "phone": i.phone, "city": i.city, "organisation": i.organisation,
                        "role": i.role, "timezone": i.timezone}
                       for i in identities if i.text in theirs],
        "mends": [{"action": m.action, "a": m.a, "b": m.b or None} for m in mends
                  if m.a in theirs or m.b in theirs],
        "people_file": declared.model_dump(mode="json") if declared is not None else None,
        "archive": [{"author_id": author_id, "name": name, "items": items}
                    for author_id, name, items in archive],
    }


def author_ids(person: Person) -> list[str]:
    """How the archive names their accounts as authors (`platform:native_id`)."""
    return sorted({f"{i.platform}:{i.native_id}" for i in person.identities})
