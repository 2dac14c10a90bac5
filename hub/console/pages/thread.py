"""The console's Thread page: an archived item with its replies from every platform, in one
language of the reader's choice.

A thread is read from the archive (hub/archive), not from the event log: it holds every reply
whatever platform it was written on, with the texts the hub made of it in each language. The
page is addressed by any of the thread's items: an item that is a reply sends the browser to
its thread's page, at the reply.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from hub.archive.records import ArchivedItem, ItemText, Key
from hub.console.app import path_for
from hub.console.traces import Place, copy_link, place_of
from hub.translate.languages import display_name

if TYPE_CHECKING:
    from hub.app import Hub
    from hub.console.app import Console

AS_WRITTEN = "original"  # the language choice that shows each item as its author wrote it


@dataclass(frozen=True, slots=True)
class CopyLink:
    """Where the hub mirrored an item, with the address people open it at where known."""

    place: Place
    link: str | None


@dataclass(frozen=True, slots=True)
class Reading:
    """One item of a thread as the reader reads it."""

    item: ArchivedItem
    anchor: str
    place: Place
    shown: ItemText
    original: ItemText | None  # the text as written, when `shown` is a translation
    parent: Parent | None  # the item it answers, when the thread holds it
    copies: tuple[CopyLink, ...]


@dataclass(frozen=True, slots=True)
class Parent:
    """The item a reply answers, as the reply points to it."""

    anchor: str
    author: str


def anchor(key: Key) -> str:
    """The id of an item's element on the thread page: native ids hold characters ("/", ".",
    "=") an id and a URL fragment are better without, so it is a digest of the key."""
    digest = hashlib.sha256(f"{key[0]}/{key[1]}".encode()).hexdigest()[:12]
    return f"item-{digest}"


def thread_path(request: Request, thread: Key, item: Key | None = None) -> str:
    """The thread page of `thread`, at `item` when given."""
    path = path_for(request, "thread", connection=quote(thread[0], safe=""),
                    native_id=quote(thread[1], safe="/"))
    return f"{path}#{anchor(item)}" if item is not None else path


async def copy_links(hub: Hub, items: Sequence[ArchivedItem]) -> dict[Key, tuple[CopyLink, ...]]:
    """Each item's copies with their links, found as the live stream finds them: from the
    platform's own report of the copy where one came back, else from its connector."""
    made = [(c.connection, c.native_id) for item in items for c in item.copies]
    reports = await hub.store.run(hub.store.reported, made)
    found: dict[Key, tuple[CopyLink, ...]] = {}
    for item in items:
        links = []
        for copy in item.copies:  # copies that were made: each has its native id
            target = f"{copy.connection}/{copy.endpoint}"
            links.append(CopyLink(place_of(hub, target),
                                  await copy_link(hub, target, copy.native_id, reports)))
        found[item.key] = tuple(links)
    return found


def languages_of(items: Sequence[ArchivedItem]) -> list[str]:
    """The languages the thread can be read in: every language one of its texts is in."""
    return sorted({text.language for item in items for text in item.texts if text.language})


def chosen_language(asked: str | None, console: str, available: Sequence[str]) -> str:
    """The language to show: the one asked for, else the console's, when the thread has
    texts in it; "" (each item as written) otherwise, or when that is what was asked."""
    if asked == AS_WRITTEN:
        return ""
    for language in (asked, console):
        if language and language in available:
            return language
    return ""


def readings(hub: Hub, items: Sequence[ArchivedItem], language: str,
             links: dict[Key, tuple[CopyLink, ...]]) -> list[Reading]:
    """The thread's items as shown in `language` ("": each as written)."""
    parents = {item.key: Parent(anchor(item.key), item.author) for item in items}
    shown = []
    for item in items:
        text = item.text_in(language or None)
        shown.append(Reading(item, anchor(item.key), place_of(hub, item.address), text,
                             None if text.original else item.original(),
                             parents.get(item.parent) if item.parent else None,
                             links.get(item.key, ())))
    return shown


def routes(console: Console) -> list[BaseRoute]:
    hub = console.hub

    async def show(request: Request) -> Response:
        key = (str(request.path_params["connection"]), str(request.path_params["native_id"]))
        items = await hub.store.run(hub.store.archive_thread, key)
        if not items:
            item = await hub.store.run(hub.store.archive_item, *key)
            if item is not None and item.thread != key:
                return RedirectResponse(thread_path(request, item.thread, item.key),
                                        status_code=303)
            return console.render(request, "thread.html", {"items": [], "key": key},
                                  status=404)
        reader = console.language_of(request)
        available = languages_of(items)
        language = chosen_language(request.query_params.get("language"), reader, available)
        links = await copy_links(hub, items)
        return console.render(request, "thread.html", {
            "key": key, "items": readings(hub, items, language, links),
            "available": available, "chosen": language, "as_written": AS_WRITTEN,
            "here": thread_path(request, key),
            "language_name": lambda code: display_name(code, reader)})

    # `{native_id:path}`: a native id may hold slashes (a Slack message is channel/ts).
    return [console.page("/threads/{connection}/{native_id:path}", show, name="thread")]
