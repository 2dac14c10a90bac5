"""The console's Search page: the archive searched in any language, narrowed by a form.

The form is a plain GET form, so a search is a link an admin can keep or send, and works
without JavaScript. A query is asked in every language of the network (hub/archive/search.py);
each passage found is shown in the console's language where the hub made a text in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from hub.archive.records import Filters, ItemKind
from hub.archive.search import Hit
from hub.archive.text import Snippet
from hub.console.i18n import N_
from hub.console.pages.thread import CopyLink, copy_links, thread_path
from hub.console.traces import Place, excerpt, place_of
from hub.router import Bridge
from hub.translate.languages import display_name

if TYPE_CHECKING:
    from hub.console.app import Console

SHOWN = 50  # items found at most, best first
HEADING = 80  # characters of a body that stand for an item without a title
FIELDS = ("q", "platform", "bridge", "kind", "language", "author", "since", "until", "has_file")
HAS_FILE = {"yes": True, "no": False}


@dataclass(frozen=True, slots=True)
class Problem:
    """A field of the form that could not be read: which, and what was written in it."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class Asked:
    """A search as the form gives it."""

    words: str
    filters: Filters
    problems: tuple[Problem, ...]

    @property
    def narrowed(self) -> bool:
        return self.filters != Filters()


def asked(params: Mapping[str, str], bridges: Sequence[Bridge]) -> Asked:
    """Pure: the form's fields to the words and filters of a search, and what is wrong in
    them. Dates are whole days in UTC, both included."""
    problems: list[Problem] = []

    def one(name: str) -> str:
        return params.get(name, "").strip()

    def day(name: str) -> date | None:
        written = one(name)
        if not written:
            return None
        try:
            return date.fromisoformat(written)
        except ValueError:
            problems.append(Problem(name, written))
            return None

    since, until = day("since"), day("until")
    if since and until and since > until:
        problems.append(Problem("order", f"{since} > {until}"))
    endpoints: frozenset[str] = frozenset()
    if bridge_name := one("bridge"):
        bridge = next((b for b in bridges if b.name == bridge_name), None)
        if bridge is None:
            problems.append(Problem("bridge", bridge_name))
        else:
            endpoints = frozenset(str(member.address) for member in bridge.endpoints)
    kinds: frozenset[ItemKind] = frozenset()
    if kind := one("kind"):
        if kind in {k.value for k in ItemKind}:
            kinds = frozenset({ItemKind(kind)})
        else:
            problems.append(Problem("kind", kind))
    has_file = HAS_FILE.get(one("has_file"))
    if one("has_file") and has_file is None:
        problems.append(Problem("has_file", one("has_file")))
    filters = Filters(
        platforms=frozenset(filter(None, [one("platform")])), endpoints=endpoints,
        authors=frozenset(filter(None, [one("author")])),
        languages=frozenset(filter(None, [one("language")])), kinds=kinds,
        since=_start_of(since), until=_start_of(_day_after(until)),
        has_file=has_file)
    return Asked(one("q"), filters, tuple(problems))


def _day_after(day: date | None) -> date | None:
    """The end of `day` (the filter's `until` leaves its moment out); None for the last day
    a calendar has, which everything comes before."""
    return day + timedelta(days=1) if day is not None and day < date.max else None


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), UTC) if day is not None else None


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of a passage: marked where it is a word that matched."""

    text: str
    marked: bool


def parts(snippet: Snippet) -> tuple[Part, ...]:
    """Pure: a passage cut at its marks, so the page marks the matches up while escaping
    every piece of the text."""
    pieces, at = [], 0
    for start, end in sorted(snippet.marks):
        if start < at:
            continue  # overlapping marks: the first one shows
        if start > at:
            pieces.append(Part(snippet.text[at:start], False))
        pieces.append(Part(snippet.text[start:end], True))
        at = end
    if at < len(snippet.text):
        pieces.append(Part(snippet.text[at:], False))
    return tuple(pieces)


@dataclass(frozen=True, slots=True)
class Found:
    """One item found, as the page lists it."""

    hit: Hit
    heading: str
    parts: tuple[Part, ...]
    place: Place
    copies: tuple[CopyLink, ...]
    thread: str  # the thread page, at this item


def heading(hit: Hit) -> str:
    """What names an item in the list: its title, else the first words of its text."""
    shown = hit.shown
    return shown.title or excerpt(shown.body, HEADING) or ", ".join(hit.item.files)


def routes(console: Console) -> list[BaseRoute]:
    hub = console.hub

    async def show(request: Request) -> Response:
        params = request.query_params
        search = asked(params, hub.network.bridges)
        reader = console.language_of(request)
        results, found, also = None, [], []
        if search.words and not search.problems:
            results = await hub.searcher().search(search.words, search.filters,
                                                  reader=reader, limit=SHOWN)
            hits = results.hits
            # The words asked as written of texts nobody could tell the language of ("")
            # go without saying.
            also = [p for p in results.probes if p.language not in ("", results.language)]
            links = await copy_links(hub, [hit.item for hit in hits])
            found = [Found(hit, heading(hit), parts(hit.snippet),
                           place_of(hub, hit.item.address), links.get(hit.item.key, ()),
                           thread_path(request, hit.item.thread, hit.item.key))
                     for hit in hits]
        return console.render(request, "search.html", {
            "form": _form(params), "search": search, "results": results, "found": found,
            "also": also, "also_names": ", ".join(display_name(p.language, reader) for p in also),
            "archive_off": hub.indexer is None,
            "choices": await _choices(console, reader), "kinds": [k.value for k in ItemKind],
            "language_name": lambda code: display_name(code, reader)})

    return [console.page("/search", show, name="search", nav=N_("Search"))]


def _form(params: QueryParams) -> dict[str, str]:
    """The form's fields as they were sent, to show them again."""
    return {name: params.get(name, "") for name in FIELDS}


async def _choices(console: Console, reader: str) -> dict[str, list[tuple[str, str]]]:
    """The values the form's lists offer: (value, what a person reads)."""
    hub = console.hub
    platforms = {c.name: c.platform_name() for c in hub.network.connectors.values()}
    return {
        "platform": sorted(platforms.items(), key=lambda entry: entry[1]),
        "bridge": [(b.name, b.name) for b in hub.network.bridges],
        "language": [(code, display_name(code, reader)) for code in
                     await hub.store.run(hub.store.archive_languages)],
    }
