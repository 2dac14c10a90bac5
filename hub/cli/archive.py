"""`passerelle search`, `thread` and `forget`: the network's memory from the command line.

Each imports what it needs when it runs (see hub/cli/base.py).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli.base import ConfigOption, JsonOption, app, fail, load, open_store, print_json, say

if TYPE_CHECKING:
    from hub.archive.records import ArchivedItem, Erased, Filters
    from hub.archive.search import Hit, Results
    from hub.settings import HubSettings
    from hub.store import Store
    from hub.store.archive import CacheKey

PlatformOption = Annotated[list[str] | None, typer.Option(
    "--platform", help="only items written there: basecamp, slack, whatsapp, zoom (repeatable)")]
BridgeOption = Annotated[str | None, typer.Option(
    "--bridge", help="only items of this bridge's endpoints")]
EndpointOption = Annotated[list[str] | None, typer.Option(
    "--endpoint", help="only items of this endpoint, connection/kind/id (repeatable)")]
AuthorOption = Annotated[list[str] | None, typer.Option(
    "--author", help="only items by this person: their name, or platform:id (repeatable)")]
LanguageOption = Annotated[list[str] | None, typer.Option(
    "--written-in", help="only items written in this language (repeatable)")]
KindOption = Annotated[list[str] | None, typer.Option(
    "--kind", help="only items of this kind: post, comment, chat, event, file (repeatable)")]
SinceOption = Annotated[str | None, typer.Option(
    "--since", help="only items written on or after this day (YYYY-MM-DD, UTC)")]
UntilOption = Annotated[str | None, typer.Option(
    "--until", help="only items written before the end of this day (YYYY-MM-DD, UTC)")]
FileOption = Annotated[bool | None, typer.Option(
    "--has-file/--no-file", help="only items with (or without) a file", show_default=False)]


@app.command()
def search(query: Annotated[str, typer.Argument(help="words in any of the network's "
                                                 'languages; "a phrase" in quotes')],
           config: ConfigOption = None, as_json: JsonOption = False,
           platform: PlatformOption = None, bridge: BridgeOption = None,
           endpoint: EndpointOption = None, author: AuthorOption = None,
           written_in: LanguageOption = None, kind: KindOption = None,
           since: SinceOption = None, until: UntilOption = None, has_file: FileOption = None,
           language: Annotated[str | None, typer.Option(
               "--language", "-l", help="the query's language (told apart when not given)")
           ] = None,
           reader: Annotated[str | None, typer.Option(
               "--in", help="show the passages in this language (default: the query's)")
           ] = None,
           limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500)] = 20) -> None:
    """Find what was shared on any platform, in any language: the query is asked in every
    language of the network (translated), and each item shows where it was written and
    where the hub mirrored it."""
    settings = load(config)
    filters = filters_from(settings, platform=platform, bridge=bridge, endpoint=endpoint,
                           author=author, written_in=written_in, kind=kind, since=since,
                           until=until, has_file=has_file)
    results = asyncio.run(_search(settings, query, filters, language, reader, limit))
    if as_json:
        from hub.archive.as_json import results_json

        print_json(results_json(results))
        return
    if not results.hits:
        narrowed = " with these filters" if filters != _none() else ""
        raise fail(f'nothing found for "{query}"{narrowed}', 1)
    # The last probe, of texts of no known language, is the query as written: not news.
    asked = ", ".join(f"{p.language}: {p.query}" for p in results.probes if p.language)
    typer.echo(f"{len(results.hits)} found (asked as {asked})\n", err=True)
    for hit in results.hits:
        typer.echo(hit_text(hit))


@app.command()
def thread(item: Annotated[str, typer.Argument(help="an item, connection/native_id (as "
                                                "`search --json` gives it)")],
           config: ConfigOption = None, as_json: JsonOption = False,
           reader: Annotated[str | None, typer.Option(
               "--in", help="read it in this language where the hub translated it")] = None
           ) -> None:
    """An item with its replies from every platform, in one language."""
    connection, _, native_id = item.partition("/")
    if not native_id:
        raise fail("name the item as connection/native_id, e.g. network-basecamp/7001")
    store = open_store(load(config))
    try:
        found = store.archive_item(connection, native_id)
        items = store.archive_thread(found.thread) if found else []
    finally:
        store.close()
    if not items:
        raise fail(f"the archive holds no item {item}", 1)
    if as_json:
        from hub.archive.as_json import item_json

        print_json({"thread": [item_json(i) for i in items]})
        return
    for entry in items:
        shown = entry.text_in(reader)
        depth = "  " if entry.parent else ""
        typer.echo(f"{depth}{_heading(entry)}")
        for line in _lines(shown.title, shown.body):
            typer.echo(f"{depth}  {line}")
        for copy in entry.copies:
            typer.echo(f"{depth}  ↳ copy on {copy.connection} {copy.endpoint} {copy.native_id}")


@app.command()
def forget(config: ConfigOption = None, as_json: JsonOption = False,
           author: Annotated[str, typer.Option(
               "--author", help="the person: their name as the archive shows it, or "
               "platform:id")] = "",
           person: Annotated[str, typer.Option(
               "--person", help="a person of the directory (their id, or "
               "connection:native_id): every account of theirs, and what the directory "
               "keeps of them")] = "",
           yes: Annotated[bool, typer.Option(
               "--yes", help="erase; without it, only say what would be erased")] = False
           ) -> None:
    """Erase a person's items (the right to erasure): from the archive, the text of their
    events in the store, and their deliveries not yet made. Copies already on the
    platforms stay there: delete them on each platform. With --person, also the identities
    the directory met and the admins' mends naming them (see docs/people.md)."""
    if not author and not person:
        raise fail("name the person: --author NAME, --author platform:id or --person ID")
    if author and person:
        raise fail("name the person once: --author or --person")
    settings = load(config)
    store = open_store(settings)
    if person:
        from hub.cli.people import forget_person

        try:
            forget_person(settings, store, person, yes=yes, as_json=as_json)
        finally:
            store.close()
        return
    try:
        authors = store.archive_authors(author)
        if not authors:
            raise fail(f'the archive holds nothing by "{author}"', 1)
        listed = [{"author_id": a, "name": name, "items": n} for a, name, n in authors]
        if not yes:
            if as_json:
                print_json({"would_erase": listed, "erased": None})
            for entry in listed:
                say(f"would erase {entry['items']} item(s) by {entry['name']} "
                    f"({entry['author_id']})", as_json=as_json)
            say("run again with --yes to erase", as_json=as_json)
            return
        erased = erase_authors(settings, store, [a for a, _, _ in authors])
    finally:
        store.close()
    report = {"authors": listed, "items": erased.items, "texts": erased.texts,
              "events": erased.events, "deliveries_cancelled": erased.deliveries,
              "translations": erased.translations}
    if as_json:
        print_json({"would_erase": None, "erased": report})
        return
    names = ", ".join(f"{e['name']} ({e['author_id']})" for e in listed)
    typer.echo(f"erased {names}: {erased.items} archived item(s) with {erased.texts} "
               f"text(s), the words of {erased.events} stored event(s), "
               f"{erased.deliveries} delivery(ies) not yet made, "
               f"{erased.translations} cached translation(s) of their words")


def erase_authors(settings: HubSettings, store: Store, author_ids: list[str]) -> Erased:
    """Erase what the store keeps written by these authors (`platform:native_id`)."""
    return store.archive_forget(author_ids, _cache_key(settings))


def _cache_key(settings: HubSettings) -> CacheKey:
    """How this configuration's translation cache names an entry (its glossary in force)."""
    from hub.translate.service import cache_key

    glossary = settings.translation.glossary_version
    return lambda text, source, target, provider: cache_key(text, source, target, provider,
                                                             glossary)


# -- what the commands share -------------------------------------------------------------


def filters_from(settings: HubSettings, *, platform: list[str] | None = None,
                 bridge: str | None = None, endpoint: list[str] | None = None,
                 author: list[str] | None = None, written_in: list[str] | None = None,
                 kind: list[str] | None = None, since: str | None = None,
                 until: str | None = None, has_file: bool | None = None) -> Filters:
    """The filters as given on the command line, or an exit saying which one is wrong."""
    from hub.archive.filters import read_filters

    try:
        return read_filters(
            {name: [member.at for member in b.endpoints] for name, b in settings.bridges.items()},
            platforms=platform or (), bridge=bridge, endpoints=endpoint or (),
            authors=author or (), written_in=written_in or (), kinds=kind or (), since=since,
            until=until, has_file=has_file)
    except ValueError as exc:
        raise fail(f"passerelle search: {exc}") from None


def _none() -> Filters:
    from hub.archive.records import Filters

    return Filters()


async def _search(settings: HubSettings, query: str, filters: Filters, language: str | None,
                  reader: str | None, limit: int) -> Results:
    from hub.archive.search import Searcher
    from hub.cli.base import registry_of
    from hub.http import make_client
    from hub.translate.detect import Detector, network_languages
    from hub.translate.service import TranslationService

    store = open_store(settings)
    try:
        languages = network_languages(settings) or store.archive_languages()
        detector = Detector(languages, settings.translation.min_confidence) if languages \
            else None
        async with make_client() as http:
            translation = None
            if settings.translation.enabled and len(languages) > 1:
                translation = TranslationService(settings.translation.for_a_few_texts(),
                                                 registry_of(settings).translators, store, http)
            try:
                searcher = Searcher(store, languages, detector=detector, translation=translation)
                return await searcher.search(query, filters, language=language, reader=reader,
                                             limit=limit)
            finally:
                if translation is not None:
                    await translation.aclose()
    finally:
        store.close()


def hit_text(hit: Hit) -> str:
    """A result as a terminal shows it: where and when, the passage, where it went."""
    lines = [_heading(hit.item)]
    if hit.shown.title:
        lines.append(f"  {hit.shown.title}")
    lines.append(f"  {hit.snippet.marked('[', ']')}")
    if hit.shown.language != (hit.item.language or ""):
        lines.append(f"  (translated from {hit.item.language or 'its language'}"
                     f"{' by ' + hit.shown.provider if hit.shown.provider else ''})")
    if hit.item.url:
        lines.append(f"  {hit.item.url}")
    for copy in hit.item.copies:
        lines.append(f"  ↳ copy on {copy.connection} ({copy.endpoint})")
    lines.append(f"  thread: passerelle thread {hit.item.connection}/{hit.item.native_id}")
    return "\n".join(lines) + "\n"


def _heading(item: ArchivedItem) -> str:
    when = item.occurred_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"{when}  {item.platform} {item.kind.value} by {item.author} in {item.address}"


def _lines(title: str | None, body: str) -> list[str]:
    return ([title] if title else []) + [line for line in body.splitlines() if line.strip()]
