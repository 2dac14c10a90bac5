"""The network's members as the hub knows them now: it meets each event's author (a consumer
of the stream, apart from delivery), reads each connection's member list, and keeps the
directory matched from those, the people file and the admins' mends."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from hub.calendar.marks import is_attendance, is_reminder
from hub.errors import ConnectorError
from hub.events import Event
from hub.network import Network
from hub.people.declared import DeclaredPerson, read_people_file
from hub.people.matching import Mend, match
from hub.people.model import Directory, Identity, Person
from hub.settings import PeopleSettings
from hub.store import Store

log = logging.getLogger(__name__)

#: How long a directory is trusted before it is matched again from the store: what another
#: process on the same PostgreSQL met reaches this one within that time.
FRESH_SECONDS = 60.0
BATCH = 500


class Members:
    """The directory, kept up to date. Reads of `directory()` are cheap: it is rebuilt only
    when something new was met, mended, or it grew old."""

    def __init__(self, store: Store, network: Network, settings: PeopleSettings,
                 declared: dict[str, DeclaredPerson] | None = None) -> None:
        self.store = store
        self.network = network
        self.settings = settings
        self.declared = read_people_file(settings.file) if declared is None else declared
        self._directory: Directory | None = None
        self._built_at = 0.0
        self._failing: set[str] = set()  # connections whose member list failed last time

    async def directory(self) -> Directory:
        if self._directory is None or time.monotonic() - self._built_at > FRESH_SECONDS:
            identities = await self.store.run(self.store.people_identities)
            mends = await self.store.run(self.store.people_mends)
            platforms = {name: c.name for name, c in self.network.connectors.items()}
            self._directory = match(identities, self.declared, mends, platforms)
            self._built_at = time.monotonic()
        return self._directory

    def changed(self) -> None:
        """Something the directory is made of changed: match again at the next read."""
        self._directory = None

    async def author(self, event: Event) -> Person | None:
        """The person who wrote `event`: by their identity, else by the address it carries
        (an author met for the first time a moment ago)."""
        directory = await self.directory()
        source = event.source
        return (directory.of_identity(source.connection, event.actor.native_id)
                or directory.of_address(email=event.actor.email))

    async def mend(self, mend: Mend) -> None:
        await self.store.run(self.store.people_mend, mend)
        self.changed()

    async def catch_up(self) -> int:
        """Meet the authors of every event stored so far; returns how many events were read."""
        total = 0
        while count := await self.meet_batch():
            total += count
        return total

    async def meet_batch(self) -> int:
        """Meet the authors of the next batch of events; 0 when there was none."""
        start = await self.store.run(self.store.position, "people")
        batch = await self.store.run(self.store.events_after, start, BATCH)
        if not batch:
            return 0
        copies = await self.store.run(self.store.made_by_hub, [s.seq for s in batch])
        met = [identity for stored in batch if stored.seq not in copies
               and (identity := self._identity(stored.event)) is not None]
        if await self.store.run(self.store.people_meet, met, start, batch[-1].seq):
            self.changed()  # someone new, or described anew: not every author met again
        return len(batch)

    async def refresh(self) -> None:
        """Read each connection's member list. A connection that fails is logged once when
        it starts failing and once when it recovers, and tried again at the next refresh."""
        for name, connector in self.network.connectors.items():
            try:
                listed: Sequence[Identity] = await connector.people()
            except ConnectorError as exc:
                if name not in self._failing:
                    log.warning("connection %s: its member list cannot be read (%s); "
                                "trying again at the next refresh", name, exc)
                self._failing.add(name)
                continue
            if name in self._failing:
                log.info("connection %s: its member list is read again", name)
                self._failing.discard(name)
            if await self.store.run(self.store.people_meet, listed):
                self.changed()

    def _identity(self, event: Event) -> Identity | None:
        source = event.source.connection
        connector = self.network.connectors.get(source)
        if connector is None or connector.is_own(event.actor.native_id):
            return None
        if is_reminder(event) or is_attendance(event) or \
                event.actor.native_id in ("", "unknown", "passerelle"):
            return None  # the hub's own words, or a platform's system text
        return connector.identity_of(event.actor)
