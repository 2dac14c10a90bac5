"""Where an event went: its copies on every platform, for the console's live stream."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from hub.events import Event
from hub.store import schema as t
from hub.store.base import DEAD, DONE, PENDING, StoreBase
from hub.store.records import StoredEvent

UNSUPPORTED = "unsupported"  # done, but the target had nothing to make of it


@dataclass(frozen=True, slots=True)
class Copy:
    """One delivery of an event as an admin reads it: where it went and how it stands."""

    delivery_id: int
    event_seq: int
    bridge: str
    target: str  # an Address, as text
    state: str  # pending, done, dead or unsupported
    attempts: int
    last_error: str | None
    native_id: str | None  # what the delivery made on the target
    finished_at: float | None
    platform_state: str | None  # what the platform reported later (read, failed)

    @property
    def settled(self) -> bool:
        return self.state != PENDING


@dataclass(frozen=True, slots=True)
class Flow:
    """What passed through one endpoint since a moment: events from it, deliveries to it."""

    events_in: int = 0
    delivered: int = 0
    pending: int = 0
    retrying: int = 0  # pending after at least one failed attempt
    dead: int = 0


@dataclass(frozen=True, slots=True)
class CachedTranslation:
    provider: str
    source: str
    target: str
    text: str


class Tracing(StoreBase):
    """Read-only views of an event's deliveries and copies for the admin console."""

    def latest_events(self, limit: int, after: int = 0) -> list[StoredEvent]:
        """The newest events (at most `limit`, after seq `after`), newest first."""
        e = t.events.c
        with self._tx() as conn:
            rows = conn.execute(select(e.seq, e.body).where(e.seq > after)
                                .order_by(e.seq.desc()).limit(limit))
            return [StoredEvent(row.seq, Event.model_validate_json(row.body)) for row in rows]

    def events_by_seq(self, seqs: Iterable[int]) -> dict[int, Event]:
        wanted = sorted(set(seqs))
        if not wanted:
            return {}
        e = t.events.c
        with self._tx() as conn:
            return {row.seq: Event.model_validate_json(row.body)
                    for row in conn.execute(select(e.seq, e.body).where(e.seq.in_(wanted)))}

    def copies(self, seqs: Iterable[int]) -> dict[int, list[Copy]]:
        """The deliveries of each event in `seqs`, by target; events without any are absent."""
        wanted = sorted(set(seqs))
        if not wanted:
            return {}
        with self._tx() as conn:
            found: dict[int, list[Copy]] = {}
            for copy in self._copies_where(conn, t.deliveries.c.event_seq.in_(wanted)):
                found.setdefault(copy.event_seq, []).append(copy)
            return found

    def made_by_hub(self, seqs: Iterable[int]) -> set[int]:
        """Those of `seqs` whose item is a copy the hub made (the platform told of it back)."""
        wanted = sorted(set(seqs))
        if not wanted:
            return set()
        e, links = t.events.c, t.links.c
        query = (select(e.seq).join(t.links, and_(links.connection == e.connection,
                                                  links.native_id == e.native_id))
                 .where(e.seq.in_(wanted)).distinct())
        with self._tx() as conn:
            return {int(seq) for seq in conn.execute(query).scalars()}

    def reported(self, items: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Event]:
        """The newest event each platform stored about each item `(connection, native_id)`:
        for a copy the hub made, its platform's own report of it, where it sends one."""
        by_connection: dict[str, set[str]] = {}
        for connection, native_id in items:
            by_connection.setdefault(connection, set()).add(native_id)
        e = t.events.c
        found: dict[tuple[str, str], Event] = {}
        with self._tx() as conn:
            for connection, natives in sorted(by_connection.items()):
                rows = conn.execute(select(e.native_id, e.body).where(
                    e.connection == connection, e.native_id.in_(sorted(natives))).order_by(e.seq))
                for row in rows:  # in order: the newest stays
                    found[(connection, row.native_id)] = Event.model_validate_json(row.body)
        return found

    def dead_letters(self, limit: int = 500) -> list[Copy]:
        """Dead deliveries, the latest to die first."""
        d = t.deliveries.c
        with self._tx() as conn:
            return self._copies_where(conn, d.status == DEAD,
                                      order=(d.finished_at.desc(), d.id.desc()), limit=limit)

    def _copies_where(self, conn: Any, condition: Any, *, order: Sequence[Any] = (),
                      limit: int | None = None) -> list[Copy]:
        d, links = t.deliveries.c, t.links.c
        linked = select(func.count()).where(links.delivery_id == d.id).scalar_subquery()
        query = (select(d.id, d.event_seq, d.bridge, d.target, d.status, d.attempts,
                        d.last_error, d.native_id, d.finished_at, d.platform_state,
                        linked.label("linked"))
                 .where(condition).order_by(*(order or (d.event_seq, d.target))))
        if limit is not None:
            query = query.limit(limit)
        return [Copy(row.id, row.event_seq, row.bridge, row.target, _state(row), row.attempts,
                     row.last_error, row.native_id, row.finished_at, row.platform_state)
                for row in conn.execute(query)]

    def flows(self, since: float) -> dict[str, Flow]:
        """Per endpoint address ("connection/kind/id"): events stored from it and deliveries
        made for it since `since` (epoch seconds), by how they stand now."""
        e, d = t.events.c, t.deliveries.c
        flows: dict[str, dict[str, int]] = {}
        with self._tx() as conn:
            for connection, endpoint, count in conn.execute(
                    select(e.connection, e.endpoint, func.count())
                    .where(e.stored_at >= since).group_by(e.connection, e.endpoint)):
                flows.setdefault(f"{connection}/{endpoint}", {})["events_in"] = int(count)
            retrying = func.sum(case((and_(d.status == PENDING, d.attempts > 0), 1), else_=0))
            for target, status, count, failing in conn.execute(
                    select(d.target, d.status, func.count(), retrying)
                    .where(d.created_at >= since).group_by(d.target, d.status)):
                counts = flows.setdefault(target, {})
                counts[_FLOW_FIELD[status]] = int(count)
                if status == PENDING:
                    counts["retrying"] = int(failing or 0)
        return {address: Flow(**counts) for address, counts in flows.items()}

    def cached_translations(self, keys: Iterable[str]) -> dict[str, CachedTranslation]:
        """The translation cache's entries for `keys` (hub.translate.service.cache_key)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        tr = t.translations.c
        with self._tx() as conn:
            return {row.key: CachedTranslation(row.provider, row.source, row.target, row.text)
                    for row in conn.execute(select(tr.key, tr.provider, tr.source, tr.target,
                                                   tr.text).where(tr.key.in_(wanted)))}


_FLOW_FIELD = {DONE: "delivered", PENDING: "pending", DEAD: "dead"}


def _state(row: Any) -> str:
    # The worker completes a delivery the target cannot carry (NotSupported) without making
    # anything: done, with no native id and no link.
    if row.status == DONE and row.native_id is None and not row.linked:
        return UNSUPPORTED
    return str(row.status)
