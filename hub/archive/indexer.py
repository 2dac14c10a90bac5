"""The archive's indexer: reads the event log after its position and keeps each item, as it
stands now, with its translations, in the archive (hub/store/archive.py).

A consumer of the canonical stream, never a step of delivery: it keeps its own position,
moved in the transaction that writes what it made of the events, so each event is indexed
once even across a crash or several hubs on one PostgreSQL. Its translations come from the
hub's translation service, whose cache the deliveries fill with the same keys: an item
delivered translated costs nothing more to index, and nothing is translated that the bridges
would not translate for delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from hub.archive.documents import document_text
from hub.archive.records import ArchivedItem, ItemKind, ItemText, Key
from hub.archive.text import primary
from hub.calendar.marks import is_attendance, is_reminder
from hub.connector import Capability, Shape
from hub.events import Event, Kind
from hub.markup import plain_text
from hub.network import Network
from hub.people.groups import reminded_group
from hub.settings import ArchiveSettings, Render
from hub.store import Store
from hub.store.archive import ARCHIVE
from hub.translate.service import TranslationService

log = logging.getLogger(__name__)


class Indexer:
    def __init__(self, store: Store, network: Network,
                 translation: TranslationService | None, settings: ArchiveSettings) -> None:
        self.store = store
        self.network = network
        self.translation = translation
        self.settings = settings

    async def catch_up(self) -> int:
        """Index every event stored so far; returns how many were read."""
        total = 0
        while count := await self.index_batch():
            total += count
        return total

    async def index_batch(self) -> int:
        """Index the next batch of events; 0 when there was none."""
        start = await self.store.run(self.store.position, ARCHIVE)
        batch = await self.store.run(self.store.events_after, start, self.settings.batch)
        if not batch:
            return 0
        copies = await self.store.run(self.store.made_by_hub, [s.seq for s in batch])
        parents = [_key_of_parent(s.event) for s in batch if s.event.parent is not None]
        origins = await self.store.run(self.store.archive_origins, parents)
        threads = await self.store.run(self.store.archive_threads,
                                       [origins.get(p, p) for p in parents])
        kept: dict[Key, ArchivedItem] = {}
        removed: list[Key] = []
        for stored in batch:
            event = stored.event
            if stored.seq in copies or not _archived(event, self.network):
                continue
            key = (event.source.connection, event.source.native_id)
            if event.kind in (Kind.MESSAGE_DELETED, Kind.FILE_DELETED):
                kept.pop(key, None)
                removed.append(key)
                continue
            parent = None
            if event.parent is not None:
                parent = origins.get(_key_of_parent(event), _key_of_parent(event))
            thread = key if parent is None else (
                kept[parent].thread if parent in kept else threads.get(parent, parent))
            kept[key] = await self._item(event, parent, thread)
        written = await self.store.run(self.store.archive_keep, list(kept.values()), removed,
                                       start, batch[-1].seq)
        if not written:
            log.info("another hub indexed events %d–%d first", start + 1, batch[-1].seq)
        return len(batch)

    async def _item(self, event: Event, parent: Key | None, thread: Key) -> ArchivedItem:
        language = primary(event.language)
        files = tuple(a.name for a in event.attachments)
        inside = await self._inside_files(event)
        texts = [ItemText(language or "", event.title, plain_text(event.body), True,
                          extra="\n".join([*files, *inside]))]
        for target in self._languages(event, language):
            translated = await self._translated(event, target, files)
            if translated is not None:
                texts.append(translated)
        return ArchivedItem(
            connection=event.source.connection, native_id=event.source.native_id,
            endpoint=event.source.endpoint, platform=event.source.platform,
            kind=self._kind(event), event_id=event.id, author=event.actor.name,
            author_id=f"{event.actor.platform}:{event.actor.native_id}", language=language,
            occurred_at=event.occurred_at, parent=parent, thread=thread,
            url=await self._permalink(event), files=files, texts=tuple(texts))

    def _languages(self, event: Event, language: str | None) -> list[str]:
        """The languages the bridges carrying this item translate it into for delivery (an
        endpoint that reads originals asks for none)."""
        if self.translation is None:
            return []
        wanted: set[str] = set()
        for bridge in self.network.bridges:
            source = bridge.member(event.source.connection, event.source.endpoint)
            if not bridge.translate or source is None or not source.direction.feeds:
                continue
            for member in bridge.endpoints:
                target = primary(member.language)
                if (member is not source and target and target != language
                        and member.direction.receives and member.render is not Render.ORIGINAL):
                    wanted.add(target)
        return sorted(wanted)

    async def _translated(self, event: Event, target: str,
                          files: tuple[str, ...]) -> ItemText | None:
        assert self.translation is not None
        body = await self.translation.translate(event.body, event.language, target)
        title = None
        if event.title:
            title = (await self.translation.translate(event.title, event.language, target)).text
        if not body.translated and title in (None, event.title):
            return None
        return ItemText(target, title, plain_text(body.text), False, body.provider,
                        extra="\n".join(files))

    def _kind(self, event: Event) -> ItemKind:
        noun = event.kind.noun
        if noun == "event":
            return ItemKind.EVENT
        if noun == "file":
            return ItemKind.FILE
        membership = self.network.endpoint(f"{event.source.connection}/{event.source.endpoint}")
        on_board = membership is not None and membership[1].shape is Shape.BOARD
        if on_board or (membership is None and event.title):
            return ItemKind.COMMENT if event.parent is not None else ItemKind.POST
        return ItemKind.CHAT

    async def _permalink(self, event: Event) -> str | None:
        connector = self.network.connectors.get(event.source.connection)
        if connector is None:
            return None
        try:
            return await connector.permalink(event)
        except Exception as exc:  # a link is a convenience: the item is archived without it
            log.warning("no link to %s item %s: %s", connector.platform_name(),
                        event.source.native_id, exc)
            return None

    async def _inside_files(self, event: Event) -> Sequence[str]:
        connector = self.network.connectors.get(event.source.connection)
        if (not self.settings.file_text or connector is None
                or Capability.DOWNLOAD not in connector.capabilities):
            return ()
        found = []
        for attachment in event.attachments:
            inside = await document_text(connector, attachment, self.settings.file_text_max_bytes)
            if inside:
                found.append(inside)
        return found


def _key_of_parent(event: Event) -> Key:
    assert event.parent is not None
    return (event.parent.connection, event.parent.native_id)


def _archived(event: Event, network: Network) -> bool:
    """Whether an event is something people wrote or shared (not a reaction, not the hub's
    own words: a reminder, an attendance summary, a question's reminder)."""
    if event.kind.noun == "reaction" or is_reminder(event) or is_attendance(event) \
            or reminded_group(event) is not None:
        return False
    return event.actor.native_id not in network.own_identities.get(event.source.connection, ())

