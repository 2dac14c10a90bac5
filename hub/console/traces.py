"""What the console shows of an event: where it came from, its copies, its translations.

Shared by the live stream (each event with everything it became) and the dead letters (each
refused copy with the event it carried). Everything is read from the store and the network:
nothing here guesses what a delivery did.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from hub.connector import Address
from hub.errors import HubError
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
    return connector.platform_name()


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
    text: str | None  # the body's; None: no translation stored (see `why`)
    provider: str | None = None
    why: str = ""  # "same", "untranslated" or "" when a translation is given
    title: str | None = None  # the title's, when the event has one and it was translated


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
    link: str | None = None  # where people open the original on its platform

    @property
    def settled(self) -> bool:
        """Nothing more will change: routed, and every copy done, dead or unsupported."""
        return self.routed and all(view.copy.settled for view in self.copies)

    @property
    def state(self) -> str:
        """A short mark of everything shown that can change: an item asking for itself again
        gets nothing (and keeps its place, focus and quiet) while it is the same."""
        shown = (self.routed, self.made_by_hub,
                 [(v.copy.delivery_id, v.copy.state, v.copy.attempts, v.copy.last_error, v.link)
                  for v in self.copies],
                 [(t.language, t.text, t.title, t.why) for t in self.translations])
        return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]


async def items(hub: Hub, stored: Sequence[StoredEvent]) -> list[Item]:
    """`stored` events with their copies and translations, in the order given."""
    from hub.app import ROUTER  # the hub serves the console: its module is read when used

    store = hub.store
    seqs = [s.seq for s in stored]
    copies = await store.run(store.copies, seqs)
    made = [(Address.parse(c.target).connection, c.native_id)
            for found in copies.values() for c in found if c.native_id is not None]
    reports = await store.run(store.reported, made)
    routed_through = await store.run(store.position, ROUTER)
    echoes = await store.run(store.made_by_hub, seqs)
    asked = {s.seq: _Asked.of(hub, s.event, _languages_wanted(hub, copies.get(s.seq, [])))
             for s in stored}
    cached = await store.run(store.cached_translations,
                             [key for one in asked.values() for key in one.cache_keys()])
    shown = []
    for s in stored:
        views = tuple([CopyView(c, place_of(hub, c.target),
                                await copy_link(hub, c.target, c.native_id, reports)
                                if c.state == "done" else None)
                       for c in copies.get(s.seq, [])])
        shown.append(Item(s.seq, s.event, Place(_platform_of(hub, s.event),
                                               _origin_address(s.event)),
                         s.event.occurred_at, excerpt(s.event.body or s.event.title or ""),
                         views, asked[s.seq].found(cached), routed=s.seq <= routed_through,
                         made_by_hub=s.seq in echoes, link=await _permalink(hub, s.event)))
    return shown


def _platform_of(hub: Hub, event: Event) -> str:
    if event.source.connection in hub.network.connectors:
        return platform_name(hub, event.source.connection)
    return event.source.platform


def _origin_address(event: Event) -> str:
    return f"{event.source.connection}/{event.source.endpoint}"


async def copy_link(hub: Hub, target: str, native_id: str | None,
                    reports: Mapping[tuple[str, str], Event]) -> str | None:
    """Where people open a copy the hub made on `target` (connection/kind/id): from its
    platform's own report of it when one came back (`reports`, from `Store.reported`: the
    connector's permalink, as for any item of its own), else from the connector's
    `copy_link`, for platforms that never report the hub's own items."""
    if native_id is None:
        return None
    address = Address.parse(target)
    connector = hub.network.connectors.get(address.connection)
    if connector is None:
        return None
    report = reports.get((address.connection, native_id))
    try:
        if report is not None and (link := await connector.permalink(report)):
            return link
        return await connector.copy_link(address, native_id)
    except HubError:  # a link is a courtesy: the page shows the copy without it
        return None


async def _permalink(hub: Hub, event: Event) -> str | None:
    connector = hub.network.connectors.get(event.source.connection)
    if connector is None:
        return None
    try:
        return await connector.permalink(event)
    except HubError:
        return None


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


@dataclass(frozen=True, slots=True)
class _Asked:
    """The translations of one event's body and title the service was asked for: per target
    language, the cache keys it used, one per provider of its chain, in order."""

    wanted: dict[str, tuple[str, ...]]  # language -> the places reading it
    body: _Text
    title: _Text | None

    @classmethod
    def of(cls, hub: Hub, event: Event, wanted: dict[str, tuple[str, ...]]) -> _Asked:
        title = _Text.of(hub, event.title, event.language, wanted) if event.title else None
        return cls(wanted, _Text.of(hub, event.body, event.language, wanted), title)

    def cache_keys(self) -> list[str]:
        texts = [self.body, *([self.title] if self.title else [])]
        return [key for text in texts for keys in text.keys.values() for key in keys]

    def found(self, cached: dict[str, CachedTranslation]) -> tuple[TranslationView, ...]:
        views = []
        for language, places in sorted(self.wanted.items()):
            if self.body.source is not None and same_language(self.body.source, language):
                views.append(TranslationView(language, places, None, why="same"))
                continue
            body = self.body.lookup(language, cached)
            title = self.title.lookup(language, cached) if self.title else None
            views.append(TranslationView(
                language, places, body.text if body else None,
                body.provider if body else title.provider if title else None,
                why="" if body or title else "untranslated",
                title=title.text if title else None))
        return tuple(views)


@dataclass(frozen=True, slots=True)
class _Text:
    source: str | None
    keys: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, hub: Hub, text: str, language: str | None, wanted: dict[str, tuple[str, ...]]
           ) -> _Text:
        # As hub.translate.localise asks: a text stored without a language is detected again.
        source = language if language is not None else hub.detector.detect(text, None)
        service = hub.translation
        if service is None or not text.strip():
            return cls(source, {})
        return cls(source, {target: tuple(cache_key(text, source, target, translator.name,
                                                    service.glossary.version)
                                          for translator in service.chain)
                            for target in wanted})

    def lookup(self, language: str, cached: dict[str, CachedTranslation]
               ) -> CachedTranslation | None:
        return next((cached[key] for key in self.keys.get(language, ()) if key in cached), None)
