"""`passerelle people`: who is where and knows what, and the admins' mends of who is who.

The listing reads the same model as the console's People page (hub/people/views.py) and speaks
the asker's language with the console's catalogs. Each command imports what it needs when it
runs (see hub/cli/base.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.cli.base import ConfigOption, JsonOption, app, fail, load, open_store, print_json, say

if TYPE_CHECKING:
    from hub.people.declared import DeclaredPerson
    from hub.people.matching import Mend
    from hub.people.model import Directory, Identity, Person
    from hub.settings import HubSettings
    from hub.store import Store

people_app = typer.Typer(help="The network's people: each member once, where they are and "
                         "what they know; merge and split mend who is who.",
                         invoke_without_command=True, rich_markup_mode=None)
app.add_typer(people_app, name="people")

PersonArgument = Annotated[str, typer.Argument(
    help="a person's id (as `passerelle people` lists it) or an identity, connection:native_id")]
ContactsOption = Annotated[bool, typer.Option(
    "--contacts", help="also show e-mail addresses and phone numbers")]
#: The locale variables a terminal's language is read from, first found wins (as gettext).
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


@people_app.callback()
def people(context: typer.Context, config: ConfigOption = None, as_json: JsonOption = False,
           tag: Annotated[str | None, typer.Option(
               "--tag", help="only those who know this (an expertise tag, # or not)")] = None,
           contacts: ContactsOption = False,
           lang: Annotated[str | None, typer.Option(
               "--lang", help="the labels' language: en, fr, pt, es (default: $LANG)")] = None
           ) -> None:
    """List each person once: name, city, organisation, role, languages, expertise and where
    they are. E-mail addresses and phone numbers only with --contacts."""
    if context.invoked_subcommand is not None:
        return
    from hub.people.views import listed, person_json

    directory = _read(load(config)).directory
    found = listed(directory, tag)
    speaker = Speaker.of(lang)
    if as_json:
        print_json([person_json(p, contacts=contacts) for p in found])
    else:
        for person in found:
            typer.echo(speaker.card(person, contacts=contacts))
    say(speaker.count(len(found), tag), as_json=as_json)


@people_app.command()
def show(person: PersonArgument, config: ConfigOption = None, as_json: JsonOption = False,
         contacts: ContactsOption = False,
         lang: Annotated[str | None, typer.Option("--lang", help="the labels' language")] = None
         ) -> None:
    """One person: what the directory says of them and each of their identities."""
    from hub.people.views import person_json

    found = _one(_read(load(config)).directory, person)
    if as_json:
        print_json(person_json(found, contacts=contacts))
        return
    typer.echo(Speaker.of(lang).card(found, contacts=contacts, identities=True))


@people_app.command("export")
def export_person(person: PersonArgument, config: ConfigOption = None) -> None:
    """Everything the hub keeps about a person, as JSON (their right of access): the person
    as matched, each identity as its platform described it, the mends naming them, their
    people file entry and how many archived items each of their accounts wrote."""
    from hub.people.views import author_ids, export

    settings = load(config)
    read = _read(settings)
    found = _one(read.directory, person)
    store = open_store(settings)
    try:
        archive = [row for author in author_ids(found) for row in store.archive_authors(author)
                   if row[0] == author]
    finally:
        store.close()
    print_json(export(found, read.identities, read.mends, read.declared.get(found.id),
                      archive))


@people_app.command()
def merge(a: PersonArgument, b: PersonArgument, config: ConfigOption = None,
          as_json: JsonOption = False) -> None:
    """Make two people one (a person id stands for their first identity). A merge is kept
    until an admin splits one of them off again."""
    from hub.people.views import UnknownPerson, merging

    settings = load(config)
    try:
        mend = merging(_read(settings).directory, a, b)
    except UnknownPerson as exc:
        raise fail(str(exc), 1) from None
    _mended(settings, mend, as_json)


@people_app.command()
def split(identity: Annotated[str, typer.Argument(
              help="the identity to set apart, connection:native_id")],
          config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Set an identity apart from the person it was matched with, whatever its addresses or
    the people file say, until it is merged again."""
    from hub.people.views import UnknownPerson, splitting

    settings = load(config)
    try:
        mend = splitting(_read(settings).directory, identity)
    except UnknownPerson as exc:
        raise fail(str(exc), 1) from None
    _mended(settings, mend, as_json)


def _mended(settings: HubSettings, mend: Mend, as_json: bool) -> None:
    from hub.people.members import FRESH_SECONDS
    from hub.people.views import person_json

    store = open_store(settings)
    try:
        store.people_mend(mend)
    finally:
        store.close()
    directory = _read(settings).directory
    connection, _, native_id = mend.a.partition(":")
    now = directory.of_identity(connection, native_id)
    if as_json:
        print_json({"mend": {"action": mend.action, "a": mend.a, "b": mend.b or None},
                    "person": person_json(now) if now else None})
    done = f"merged {mend.a} with {mend.b}" if mend.action == "merge" \
        else f"split {mend.a} off"
    if now is not None:
        done += f": {now.name} ({now.id}) is on {', '.join(i.text for i in now.identities)}"
    say(done, as_json=as_json)
    say(f"a running hub follows within {FRESH_SECONDS:.0f} s", as_json=as_json)


# -- forgetting a person (`passerelle forget --person`) -------------------------------------


def forget_person(settings: HubSettings, store: Store, given: str, *, yes: bool,
                  as_json: bool) -> None:
    """List what erasing a person takes, or with `yes` erase it: the archived items of each of
    their accounts, their identities and every mend naming them."""
    from hub.cli.archive import erase_authors
    from hub.people.views import author_ids

    found = _one(_read(settings, store).directory, given)
    authors = [row for author in author_ids(found) for row in store.archive_authors(author)
               if row[0] == author]
    mends = [m for m in store.people_mends()
             if {m.a, m.b} & {i.text for i in found.identities}]
    plan = {"person": found.id, "name": found.name,
            "identities": [i.text for i in found.identities], "mends": len(mends),
            "archive": [{"author_id": a, "name": n, "items": c} for a, n, c in authors]}
    if not yes:
        if as_json:
            print_json({"would_erase": plan, "erased": None})
        say(f"would erase {found.name} ({found.id}): {len(found.identities)} identity(ies), "
            f"{len(mends)} mend(s), {sum(c for _, _, c in authors)} archived item(s)",
            as_json=as_json)
        say("run again with --yes to erase", as_json=as_json)
        return
    erased = erase_authors(settings, store, [a for a, _, _ in authors]) if authors else None
    identities = store.people_forget(i.key for i in found.identities)
    report: dict[str, Any] = {**plan, "identities_erased": identities,
                              "items": erased.items if erased else 0,
                              "texts": erased.texts if erased else 0,
                              "events": erased.events if erased else 0}
    if as_json:
        print_json({"would_erase": None, "erased": report})
    say(f"erased {found.name} ({found.id}): {identities} identity(ies), {len(mends)} mend(s), "
        f"{report['items']} archived item(s) with {report['texts']} text(s), the words of "
        f"{report['events']} stored event(s)", as_json=as_json)
    if found.declared:
        say(f"the people file still describes them: remove [people.{found.id}] from it",
            as_json=as_json)


# -- what the commands share ---------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """What the directory is made of, read once, and the directory matched from it."""

    directory: Directory
    identities: list[Identity]
    mends: list[Mend]
    declared: dict[str, DeclaredPerson]


def _read(settings: HubSettings, store: Store | None = None) -> Read:
    from hub.errors import ConfigError
    from hub.people.declared import read_people_file
    from hub.people.matching import match

    try:
        declared = read_people_file(settings.people.file)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    opened = store or open_store(settings)
    try:
        identities, mends = opened.people_identities(), opened.people_mends()
    finally:
        if store is None:
            opened.close()
    # As the running hub matches: an identity the file claims on a configured connection
    # counts before the hub meets it (hub/people/members.py).
    platforms = {name: str(connection.get("type", ""))
                 for name, connection in settings.connections.items()}
    return Read(match(identities, declared, mends, platforms), identities, mends, declared)


def _one(directory: Directory, given: str) -> Person:
    from hub.people.views import UnknownPerson, find

    try:
        return find(directory, given)
    except UnknownPerson as exc:
        raise fail(str(exc), 1) from None


@dataclass(frozen=True)
class Speaker:
    """The listing's words in one language, from the console's catalogs."""

    language: str
    gettext: Callable[[str], str]
    ngettext: Callable[[str, str, int], str]

    @classmethod
    def of(cls, chosen: str | None) -> Speaker:
        """`chosen`, else the terminal's language ($LC_ALL, $LC_MESSAGES, $LANG), else
        English."""
        from hub.console.i18n import negotiate, translations

        wanted = chosen or next((os.environ[v] for v in LOCALE_VARIABLES if os.environ.get(v)),
                                "")
        language = negotiate(None, wanted.split(".")[0].split("@")[0])
        catalog = translations(language)
        return cls(language, catalog.ugettext, catalog.ungettext)

    def card(self, person: Person, *, contacts: bool, identities: bool = False) -> str:
        """A person as the terminal shows them: their name and id, then one line a field."""
        from hub.people.views import LABELS, places
        from hub.translate.languages import display_name

        fields: list[tuple[str, str]] = [
            ("city", person.city or ""), ("organisation", person.organisation or ""),
            ("role", person.role or ""),
            ("languages", ", ".join(display_name(c, self.language) for c in person.languages)),
            ("tags", ", ".join(sorted(person.tags)))]
        where = [f"{p.platform} {p.text}" + (f" ({p.name})" if identities and p.name else "")
                 for p in places(person)]
        fields.append(("places", "; ".join(where) if identities else
                       ", ".join(f"{p.platform} ({p.connection})" for p in places(person))))
        if contacts:
            fields += [("emails", ", ".join(person.emails)), ("phones", ", ".join(person.phones))]
        lines = [f"{person.name}  [{person.id}]"]
        lines += [f"  {self.gettext(LABELS[name])}: {value}" for name, value in fields if value]
        return "\n".join(lines) + "\n"

    def count(self, number: int, tag: str | None) -> str:
        from hub.people.views import COUNT, NOBODY, NOBODY_KNOWS

        if number == 0:
            return self.gettext(NOBODY_KNOWS) % {"tag": tag} if tag else self.gettext(NOBODY)
        return self.ngettext(*COUNT, number) % {"num": number}
