"""What the console shows of an event: where it came from, its copies, its translations.

Shared by the live stream (each event with everything it became) and the dead letters (each
refused copy with the event it carried). Everything is read from the store and the network:
nothing here guesses what a delivery did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from hub.connector import Address
from hub.events import Event
from hub.router import Bridge, BridgeEndpoint
from hub.settings import Render
from hub.store.records import StoredEvent
from hub.store.tracing import CachedTranslation, Copy
from hub.translate.languages import same_language
from hub.translate.service import cache_key

if TYPE_CHECKING:
    from hub.app import Hub

EXCERPT = 160  # characters of a body shown in a list
_MARKUP = re.compile(r"<[^>]+>|[*_~`#>]+")
_SPACE = re.compile(r"\s+")


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of a canonical body as plain words, on one line."""
    plain = _SPACE.sub(" ", _MARKUP.sub(" ", text)).strip()
    return plain if len(plain) <= limit else plain[:limit - 1].rstrip() + "…"


def platform_name(hub: Hub, connection: str) -> str:
    """The platform of a connection as people write it ("WhatsApp"), or the connection's
    name when it is not (or no longer) configured."""
    connector = hub.network.connectors.get(connection)
    if connector is None:
        return connection
    return connector.display_name or connector.name.capitalize()


@dataclass(frozen=True, slots=True)
class Place:
    """An endpoint as a person reads it: its platform and its address."""

    platform: str
    address: str


def place_of(hub: Hub, address: str) -> Place:
    return Place(platform_name(hub, address.split("/", 1)[0]), address)


@dataclass(frozen=True, slots=True)
class CopyView:
    copy: Copy
    place: Place
    link: str | None


@dataclass(frozen=True, slots=True)
class TranslationView:
    """What the translation cache holds for this event's body in one reader's language."""

    language: str
    places: tuple[str, ...]  # the endpoints that read it
    text: str | None  # None: no translation stored (see `why`)
    provider: str | None = None
    why: str = ""  # "same", "untranslated" or "" when `text` is given


@dataclass(frozen=True, slots=True)
class Item:
    """One event of the stream with everything it became."""

    seq: int
    event: Event
    origin: Place
    occurred_at: datetime
    excerpt: str
    copies: tuple[CopyView, ...]
    translations: tuple[TranslationView, ...]
    routed: bool  # the router has planned its deliveries
    made_by_hub: bool = False  # the platform telling of a copy the hub made: never mirrored

    @property
    def settled(self) -> bool:
        """Nothing more will change: routed, and every copy done, dead or unsupported."""
        return self.routed and all(view.copy.settled for view in self.copies)


async def items(hub: Hub, stored: Sequence[StoredEvent]) -> list[Item]:
    """`stored` events with their copies and translations, in the order given."""
    from hub.app import ROUTER

    store = hub.store
    copies = await store.run(store.copies, [s.seq for s in stored])
    routed_through = await store.run(store.position, ROUTER)
    echoes = await store.run(store.made_by_hub, [s.seq for s in stored])
    wanted = {s.seq: _languages_wanted(hub, copies.get(s.seq, [])) for s in stored}
    keys = {s.seq: _cache_keys(hub, s.event, wanted[s.seq]) for s in stored}
    cached = await store.run(store.cached_translations,
                             [key for per_event in keys.values()
                              for per_language in per_event.values() for key in per_language])
    made = []
    for s in stored:
        views = tuple([CopyView(c, place_of(hub, c.target), await _copy_link(hub, c))
                       for c in copies.get(s.seq, [])])
        translations = tuple(_translation(s.event, hub, language, places,
                                          keys[s.seq].get(language, ()), cached)
                             for language, places in sorted(wanted[s.seq].items()))
        made.append(Item(s.seq, s.event, Place(_platform_of(hub, s.event),
                                               _origin_address(s.event)),
                         s.event.occurred_at, excerpt(s.event.body or s.event.title or ""),
                         views, translations, routed=s.seq <= routed_through,
                         made_by_hub=s.seq in echoes))
    return made


def _platform_of(hub: Hub, event: Event) -> str:
    if event.source.connection in hub.network.connectors:
        return platform_name(hub, event.source.connection)
    return event.source.platform


def _origin_address(event: Event) -> str:
    return f"{event.source.connection}/{event.source.endpoint}"


async def _copy_link(hub: Hub, copy: Copy) -> str | None:
    if copy.native_id is None or copy.state != "done":
        return None
    address = Address.parse(copy.target)
    connector = hub.network.connectors.get(address.connection)
    return await connector.copy_link(address, copy.native_id) if connector else None


def _languages_wanted(hub: Hub, copies: Sequence[Copy]) -> dict[str, tuple[str, ...]]:
    """The languages this event's copies are read in, where their bridge translates for them,
    each with the places that read it."""
    wanted: dict[str, list[str]] = {}
    for copy in copies:
        found = hub.network.member(copy.bridge, copy.target)
        if found is None:
            continue
        language = _translated_for(*found)
        if language is not None:
            wanted.setdefault(language, []).append(copy.target)
    return {language: tuple(places) for language, places in wanted.items()}


def _translated_for(bridge: Bridge, member: BridgeEndpoint) -> str | None:
    # As hub.translate.localise decides it.
    if not bridge.translate or member.language is None or member.render is Render.ORIGINAL:
        return None
    return member.language


def _source_language(hub: Hub, event: Event) -> str | None:
    # A delivery detects again what ingest could not name (hub.translate.localise).
    if event.language is not None:
        return event.language
    return hub.detector.detect(event.body, None)


def _cache_keys(hub: Hub, event: Event, wanted: dict[str, tuple[str, ...]]
                ) -> dict[str, tuple[str, ...]]:
    """The cache keys the translation service used (or would use) for this body, per target
    language: one per provider of the chain, in its order."""
    service = hub.translation
    if service is None or not event.body.strip():
        return {}
    source = _source_language(hub, event)
    return {language: tuple(cache_key(event.body, source, language, translator.name,
                                      service.glossary.version)
                            for translator in service.chain)
            for language in wanted}


def _translation(event: Event, hub: Hub, language: str, places: tuple[str, ...],
                 keys: Sequence[str], cached: dict[str, CachedTranslation]) -> TranslationView:
    source = _source_language(hub, event)
    if source is not None and same_language(source, language):
        return TranslationView(language, places, None, why="same")
    for key in keys:
        found = cached.get(key)
        if found is not None:
            return TranslationView(language, places, found.text, found.provider)
    return TranslationView(language, places, None, why="untranslated")
