"""The event log: events in order, poll cursors, and routing positions."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import Connection, func, select, text, update

from hub.events import Event, Kind
from hub.store import schema as t
from hub.store.base import PENDING, StoreBase
from hub.store.records import Known, PlannedDelivery, StoredEvent

Planner = Callable[[Sequence[StoredEvent], Known], Sequence[PlannedDelivery]]


class EventLog(StoreBase):
    def append(
        self, events: Iterable[Event], cursor: tuple[str, str, str] | None = None
    ) -> list[StoredEvent]:
        """Store new events (a known dedupe key is skipped) and move the poll cursor
        `(connection, endpoint, value)` in the same transaction. Returns what was new."""
        now = time.time()
        stored: list[StoredEvent] = []
        with self._tx() as conn:
            if self.is_postgres:
                # Commit order must equal seq order, or the router could pass a gap that a
                # slower transaction fills later; readers are not blocked by this lock.
                conn.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
            for event in events:
                row = {
                    "id": event.id,
                    "connection": event.source.connection,
                    "endpoint": event.source.endpoint,
                    "native_id": event.source.native_id,
                    "kind": event.kind.value,
                    "revision": event.revision,
                    "parent_connection": event.parent.connection if event.parent else None,
                    "parent_native_id": event.parent.native_id if event.parent else None,
                    "stored_at": now,
                    "body": event.model_dump_json(),
                }
                statement = self._insert(t.events).values(**row).on_conflict_do_nothing()
                seq = conn.execute(statement.returning(t.events.c.seq)).scalar_one_or_none()
                if seq is not None:
                    stored.append(StoredEvent(seq, event))
            if cursor is not None:
                self._put(conn, t.cursors, ("connection", "endpoint"), cursor[:2],
                          {"value": cursor[2], "updated_at": now})
        return stored

    def cursor(self, connection: str, endpoint: str) -> str | None:
        with self._tx() as conn:
            return conn.execute(
                select(t.cursors.c.value).where(
                    t.cursors.c.connection == connection, t.cursors.c.endpoint == endpoint
                )
            ).scalar_one_or_none()

    def events_after(self, seq: int, limit: int = 500) -> list[StoredEvent]:
        with self._tx() as conn:
            return self._events_after(conn, seq, limit)

    def _events_after(self, conn: Connection, seq: int, limit: int) -> list[StoredEvent]:
        rows = conn.execute(
            select(t.events.c.seq, t.events.c.body)
            .where(t.events.c.seq > seq)
            .order_by(t.events.c.seq)
            .limit(limit)
        )
        return [StoredEvent(row.seq, Event.model_validate_json(row.body)) for row in rows]

    def event(self, seq: int) -> StoredEvent | None:
        with self._tx() as conn:
            body = conn.execute(
                select(t.events.c.body).where(t.events.c.seq == seq)
            ).scalar_one_or_none()
        return None if body is None else StoredEvent(seq, Event.model_validate_json(body))

    def revision_before(self, event_id: str) -> Event | None:
        """The calendar event's revision stored last before the event `event_id` (its creation
        or an update, from the same connection, endpoint and item): what an update changed."""
        e = t.events.c
        with self._tx() as conn:
            given = conn.execute(
                select(e.seq, e.connection, e.endpoint, e.native_id).where(e.id == event_id)
            ).one_or_none()
            if given is None:
                return None
            body = conn.execute(
                select(e.body).where(
                    e.connection == given.connection, e.native_id == given.native_id,
                    e.endpoint == given.endpoint, e.seq < given.seq,
                    e.kind.in_([Kind.EVENT_CREATED.value, Kind.EVENT_UPDATED.value]),
                ).order_by(e.seq.desc()).limit(1)
            ).scalar_one_or_none()
        return None if body is None else Event.model_validate_json(body)

    def last_seq(self) -> int:
        with self._tx() as conn:
            last = conn.execute(select(func.coalesce(func.max(t.events.c.seq), 0))).scalar_one()
        return int(last)

    # -- routing ------------------------------------------------------------------------

    def position(self, consumer: str) -> int:
        with self._tx() as conn:
            value = conn.execute(
                select(t.tracking.c.position).where(t.tracking.c.consumer == consumer)
            ).scalar_one_or_none()
        return int(value or 0)

    def route(self, consumer: str, planner: Planner, limit: int = 500, *,
              groups: bool = False) -> int:
        """Plan deliveries for the events after `consumer`'s position and advance it, in one
        transaction. The planner is pure; it gets the events and what the store knows of
        them (`Known`: the hub's own copies and, with `groups`, what expertise groups took).
        Returns how many events were read."""
        now = time.time()
        with self._tx() as conn:
            conn.execute(
                self._insert(t.tracking).values(consumer=consumer, position=0)
                .on_conflict_do_nothing()
            )
            position_query = select(t.tracking.c.position).where(t.tracking.c.consumer == consumer)
            if self.is_postgres:
                position_query = position_query.with_for_update()
            position = int(conn.execute(position_query).scalar_one())
            batch = self._events_after(conn, position, limit)
            if not batch:
                return 0
            copies = self._copies(conn, [(s.event.source.connection, s.event.source.native_id)
                                         for s in batch])
            known = Known(copies, self._grouped(conn, batch) if groups else {})
            rows = [{"event_seq": plan.event_seq, "bridge": plan.bridge, "target": plan.target,
                     "form": plan.form.value, "action": plan.action.value,
                     "ordering_key": plan.ordering_key, "status": PENDING, "attempts": 0,
                     "created_at": now, "age_from": now, "next_attempt_at": now,
                     "claimed_until": 0.0, "parked": False}
                    for plan in planner(batch, known)]
            if rows:
                conn.execute(self._insert(t.deliveries).on_conflict_do_nothing(), rows)
            conn.execute(
                update(t.tracking).where(t.tracking.c.consumer == consumer)
                .values(position=batch[-1].seq)
            )
            return len(batch)

    def _grouped(self, conn: Connection, batch: Sequence[StoredEvent]
                 ) -> dict[tuple[str, str], set[str]]:
        """The expertise groups (`group:` bridges) that took each item the batch's events hang
        under or change: replies, reactions, edits and deletions follow a post into them."""
        keys = {(s.event.source.connection, s.event.source.native_id) for s in batch}
        keys |= {(s.event.parent.connection, s.event.parent.native_id) for s in batch
                 if s.event.parent is not None}
        origins = {key: key for key in keys}
        links, events, deliveries = t.links.c, t.events.c, t.deliveries.c
        for connection in {c for c, _ in keys}:
            natives = sorted(n for c, n in keys if c == connection)
            found = conn.execute(select(links.native_id, links.origin_connection,
                                        links.origin_native_id)
                                 .where(links.connection == connection,
                                        links.native_id.in_(natives)))
            for link in found:
                origins[(connection, link.native_id)] = (link.origin_connection,
                                                         link.origin_native_id)
        taken: dict[tuple[str, str], set[str]] = {}
        for connection in {c for c, _ in origins.values()}:
            natives = sorted({n for c, n in origins.values() if c == connection})
            rows = conn.execute(
                select(events.native_id, deliveries.bridge).distinct()
                .join(t.deliveries, deliveries.event_seq == events.seq)
                .where(events.connection == connection, events.native_id.in_(natives),
                       deliveries.bridge.like("group:%")))
            for row in rows:
                taken.setdefault((connection, row.native_id), set()).add(row.bridge)
        return {key: taken[origin] for key, origin in origins.items() if origin in taken}

    def _copies(self, conn: Connection, items: list[tuple[str, str]]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        by_connection: dict[str, set[str]] = {}
        for connection, native_id in items:
            by_connection.setdefault(connection, set()).add(native_id)
        for connection, natives in by_connection.items():
            rows = conn.execute(
                select(t.links.c.native_id).where(
                    t.links.c.connection == connection, t.links.c.native_id.in_(natives)
                )
            )
            found.update((connection, row.native_id) for row in rows)
        return found

