"""The store: the hub's only shared state (DESIGN §5–6).

Methods are synchronous and each is one transaction; async code calls them through
`Store.run`, which uses one thread for SQLite (its single writer) and a few for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, and_, exists, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from hub.connector import Action, Form
from hub.errors import StoreError
from hub.events import Event
from hub.store import schema as t
from hub.store.engine import open_engine
from hub.store.migrations import migrate
from hub.store.records import Delivery, Link, Member, PlannedDelivery, StoredEvent

P = ParamSpec("P")
R = TypeVar("R")
Planner = Callable[[Sequence[StoredEvent], set[tuple[str, str]]], Sequence[PlannedDelivery]]

PENDING, DONE, DEAD = "pending", "done", "dead"


class Store:
    """Events, cursors, the outbox, links and the hub's small memories."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        self._executor = ThreadPoolExecutor(
            max_workers=4 if self.is_postgres else 1, thread_name_prefix="store"
        )
        self._lock_guard = threading.Lock()
        self._lock_connection: Connection | None = None
        with self._tx() as conn:
            migrate(conn)

    @classmethod
    def open(cls, url: str) -> Store:
        try:
            return cls(open_engine(url))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store: {type(exc).__name__}: {exc.args[0]}") from exc

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        if self._lock_connection is not None:
            self._lock_connection.close()
        self.engine.dispose()

    async def run(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a store method off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def _tx(self) -> Any:
        return self.engine.begin()

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self.is_postgres else sqlite.insert)(table)

    def try_lock(self, key: str) -> bool:
        """Take a named lock shared by every process on this database, if it is free.

        PostgreSQL: a session advisory lock, so one poll of an endpoint runs at a time across
        `passerelle run` processes. SQLite has one process: always granted.
        """
        if not self.is_postgres:
            return True
        with self._lock_guard:
            if self._lock_connection is None:
                self._lock_connection = self.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT")
            return bool(self._lock_connection.execute(
                text("SELECT pg_try_advisory_lock(hashtext(:key))"), {"key": key}).scalar())

    def unlock(self, key: str) -> None:
        if not self.is_postgres or self._lock_connection is None:
            return
        with self._lock_guard:
            self._lock_connection.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"),
                                          {"key": key})

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # -- the event log ------------------------------------------------------------------

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
        with self.engine.connect() as conn:
            return conn.execute(
                select(t.cursors.c.value).where(
                    t.cursors.c.connection == connection, t.cursors.c.endpoint == endpoint
                )
            ).scalar_one_or_none()

    def events_after(self, seq: int, limit: int = 500) -> list[StoredEvent]:
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            body = conn.execute(
                select(t.events.c.body).where(t.events.c.seq == seq)
            ).scalar_one_or_none()
        return None if body is None else StoredEvent(seq, Event.model_validate_json(body))

    def last_seq(self) -> int:
        with self.engine.connect() as conn:
            last = conn.execute(select(func.coalesce(func.max(t.events.c.seq), 0))).scalar_one()
        return int(last)

    # -- routing ------------------------------------------------------------------------

    def position(self, consumer: str) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(t.tracking.c.position).where(t.tracking.c.consumer == consumer)
            ).scalar_one_or_none()
        return int(value or 0)

    def route(self, consumer: str, planner: Planner, limit: int = 500) -> int:
        """Plan deliveries for the events after `consumer`'s position and advance it, in one
        transaction. The planner is pure; it gets the events and which of them are copies the
        hub made itself. Returns how many events were read."""
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
            for plan in planner(batch, copies):
                conn.execute(
                    self._insert(t.deliveries)
                    .values(
                        event_seq=plan.event_seq, bridge=plan.bridge, target=plan.target,
                        form=plan.form.value, action=plan.action.value,
                        ordering_key=plan.ordering_key, status=PENDING, attempts=0,
                        created_at=now, age_from=now, next_attempt_at=now, claimed_until=0.0,
                        parked=False,
                    )
                    .on_conflict_do_nothing()
                )
            conn.execute(
                update(t.tracking).where(t.tracking.c.consumer == consumer)
                .values(position=batch[-1].seq)
            )
            return len(batch)

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

    # -- the outbox ---------------------------------------------------------------------

    def claim(self, now: float, limit: int, lease: float) -> list[Delivery]:
        """Take due deliveries, at most one per ordering key (the oldest pending one), and
        lease them so no other worker takes them until `now + lease`."""
        d, earlier = t.deliveries, t.deliveries.alias("earlier")
        query = (
            select(d)
            .where(
                d.c.status == PENDING,
                d.c.next_attempt_at <= now,
                d.c.claimed_until <= now,
                ~exists().where(
                    earlier.c.ordering_key == d.c.ordering_key,
                    earlier.c.status == PENDING,
                    earlier.c.parked.is_(False),
                    earlier.c.id < d.c.id,
                ),
            )
            .order_by(d.c.id)
            .limit(limit)
        )
        if self.is_postgres:
            query = query.with_for_update(skip_locked=True, of=d)
        with self._tx() as conn:
            rows = conn.execute(query).all()
            if rows:
                conn.execute(
                    update(d).where(d.c.id.in_([row.id for row in rows]))
                    .values(claimed_until=now + lease)
                )
        return [_delivery(row) for row in rows]

    def release_claims(self) -> int:
        """Forget every lease; only for a single-process store at start, after a crash."""
        with self._tx() as conn:
            result = conn.execute(
                update(t.deliveries).where(t.deliveries.c.status == PENDING,
                                           t.deliveries.c.claimed_until > 0)
                .values(claimed_until=0.0)
            )
        return int(result.rowcount)

    def complete(
        self, delivery_id: int, now: float, native_id: str | None, links: Sequence[Link] = ()
    ) -> None:
        """Mark a delivery done and record what it made, atomically (echo suppression)."""
        with self._tx() as conn:
            for link in links:
                conn.execute(
                    self._insert(t.links)
                    .values(**_link_row(link), delivery_id=delivery_id, created_at=now)
                    .on_conflict_do_nothing()
                )
            conn.execute(
                update(t.deliveries).where(t.deliveries.c.id == delivery_id)
                .values(status=DONE, finished_at=now, native_id=native_id, claimed_until=0.0,
                        last_error=None, parked=False)
            )

    def reschedule(self, delivery_id: int, at: float, error: str, *,
                   count_attempt: bool = True, park: bool = False) -> None:
        """Try again at `at`. A failure counts an attempt and keeps its place in the order;
        a parked row (waiting for its parent) lets later rows of its order pass meanwhile."""
        values: dict[str, Any] = {"next_attempt_at": at, "claimed_until": 0.0,
                                  "last_error": error, "parked": park}
        if count_attempt:
            values["attempts"] = t.deliveries.c.attempts + 1
        with self._tx() as conn:
            conn.execute(update(t.deliveries).where(t.deliveries.c.id == delivery_id)
                         .values(**values))

    def bury(self, delivery_id: int, now: float, error: str) -> None:
        """Move a delivery to the dead letters."""
        with self._tx() as conn:
            conn.execute(
                update(t.deliveries).where(t.deliveries.c.id == delivery_id)
                .values(status=DEAD, finished_at=now, claimed_until=0.0, last_error=error,
                        attempts=t.deliveries.c.attempts + 1)
            )

    def deliveries(self, status: str | None = None, limit: int = 100) -> list[Delivery]:
        query = select(t.deliveries).order_by(t.deliveries.c.id).limit(limit)
        if status is not None:
            query = query.where(t.deliveries.c.status == status)
        with self.engine.connect() as conn:
            return [_delivery(row) for row in conn.execute(query)]

    def replay(self, ids: Sequence[int] | None, now: float) -> int:
        """Send dead letters again (all of them when `ids` is None), as new attempts."""
        condition = t.deliveries.c.status == DEAD
        if ids is not None:
            condition = and_(condition, t.deliveries.c.id.in_(ids))
        with self._tx() as conn:
            result = conn.execute(
                update(t.deliveries).where(condition)
                .values(status=PENDING, attempts=0, age_from=now, next_attempt_at=now,
                        claimed_until=0.0, finished_at=None, parked=False)
            )
        return int(result.rowcount)

    def drop(self, ids: Sequence[int] | None) -> int:
        """Delete dead letters for good (all of them when `ids` is None)."""
        condition = t.deliveries.c.status == DEAD
        if ids is not None:
            condition = and_(condition, t.deliveries.c.id.in_(ids))
        with self._tx() as conn:
            result = conn.execute(t.deliveries.delete().where(condition))
        return int(result.rowcount)

    def has_pending(self, connection: str, native_id: str, target: str) -> bool:
        """Is a delivery of that item to `target` still on its way? (A reply waits for it.)"""
        e, d = t.events, t.deliveries
        query = select(d.c.id).join(e, e.c.seq == d.c.event_seq).where(
            e.c.connection == connection, e.c.native_id == native_id,
            d.c.target == target, d.c.status == PENDING,
        ).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def counts(self) -> dict[tuple[str, str], int]:
        """Deliveries by (target, status)."""
        d = t.deliveries
        query = select(d.c.target, d.c.status, func.count()).group_by(d.c.target, d.c.status)
        with self.engine.connect() as conn:
            return {(row[0], row[1]): int(row[2]) for row in conn.execute(query)}

    def record_platform_state(
        self, connection: str, native_id: str, state: str, error: str | None
    ) -> int:
        """A platform's later report on an item the hub made (delivered, read, failed)."""
        with self._tx() as conn:
            delivery_id = conn.execute(
                select(t.links.c.delivery_id).where(
                    t.links.c.connection == connection, t.links.c.native_id == native_id
                )
            ).scalar_one_or_none()
            if delivery_id is None:
                return 0
            values: dict[str, Any] = {"platform_state": state}
            if error:
                values["last_error"] = error
            conn.execute(update(t.deliveries).where(t.deliveries.c.id == delivery_id)
                         .values(**values))
            return 1

    # -- links --------------------------------------------------------------------------

    def origin_of(self, connection: str, native_id: str) -> Link | None:
        """If the hub made that item, the link that says from what."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.links).where(
                    t.links.c.connection == connection, t.links.c.native_id == native_id
                )
            ).first()
        return None if row is None else _link(row)

    def copy_on(
        self, origin_connection: str, origin_native_id: str, connection: str, endpoint: str
    ) -> str | None:
        """The native id of the hub's copy of an origin item on one endpoint, if any."""
        l = t.links  # noqa: E741
        with self.engine.connect() as conn:
            return conn.execute(
                select(l.c.native_id).where(
                    l.c.origin_connection == origin_connection,
                    l.c.origin_native_id == origin_native_id,
                    l.c.connection == connection, l.c.endpoint == endpoint, l.c.role == "copy",
                ).order_by(l.c.id).limit(1)
            ).scalar_one_or_none()

    # -- small memories -----------------------------------------------------------------

    def _put(self, conn: Connection, table: Any, keys: Sequence[str], key_values: Sequence[Any],
             values: dict[str, Any]) -> None:
        statement = self._insert(table).values(**dict(zip(keys, key_values, strict=True)), **values)
        conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=values))

    def state_get(self, connection: str, key: str) -> str | None:
        c = t.connection_state.c
        with self.engine.connect() as conn:
            return conn.execute(
                select(c.value).where(c.connection == connection, c.key == key)
            ).scalar_one_or_none()

    def state_set(self, connection: str, key: str, value: str) -> None:
        with self._tx() as conn:
            self._put(conn, t.connection_state, ("connection", "key"), (connection, key),
                      {"value": value, "updated_at": time.time()})

    def states(self) -> dict[str, dict[str, str]]:
        """Every connection's memory, for `passerelle status` (callers hide secrets)."""
        result: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(select(t.connection_state)):
                result.setdefault(row.connection, {})[row.key] = row.value
        return result

    def translation_get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(t.translations.c.text).where(t.translations.c.key == key)
            ).scalar_one_or_none()

    def translation_put(self, key: str, provider: str, source: str, target: str,
                        translated: str) -> None:
        with self._tx() as conn:
            conn.execute(
                self._insert(t.translations)
                .values(key=key, provider=provider, source=source, target=target,
                        text=translated, created_at=time.time())
                .on_conflict_do_nothing()
            )

    def usage(self, provider: str, month: str) -> int:
        c = t.translation_usage.c
        with self.engine.connect() as conn:
            value = conn.execute(
                select(c.characters).where(c.provider == provider, c.month == month)
            ).scalar_one_or_none()
        return int(value or 0)

    def add_usage(self, provider: str, month: str, characters: int) -> int:
        """Add to a provider's monthly character count; returns the new total."""
        c = t.translation_usage.c
        with self._tx() as conn:
            conn.execute(
                self._insert(t.translation_usage)
                .values(provider=provider, month=month, characters=characters)
                .on_conflict_do_update(index_elements=["provider", "month"],
                                       set_={"characters": c.characters + characters})
            )
            return int(conn.execute(
                select(c.characters).where(c.provider == provider, c.month == month)
            ).scalar_one())

    def members(self, connection: str, endpoint: str) -> list[Member]:
        c = t.members.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.members).where(c.connection == connection, c.endpoint == endpoint)
                .order_by(c.native_id)
            )
            return [Member(r.connection, r.endpoint, r.native_id, r.name, r.state,
                           r.last_inbound_at) for r in rows]

    def member_put(self, member: Member) -> None:
        with self._tx() as conn:
            self._put(conn, t.members, ("connection", "endpoint", "native_id"),
                      (member.connection, member.endpoint, member.native_id),
                      {"name": member.name, "state": member.state,
                       "last_inbound_at": member.last_inbound_at, "updated_at": time.time()})


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id, event_seq=row.event_seq, bridge=row.bridge, target=row.target,
        form=Form(row.form), action=Action(row.action), ordering_key=row.ordering_key,
        status=row.status, attempts=row.attempts, created_at=row.created_at,
        age_from=row.age_from, next_attempt_at=row.next_attempt_at,
        last_error=row.last_error, native_id=row.native_id,
    )


def _link_row(link: Link) -> dict[str, str]:
    return {
        "origin_connection": link.origin_connection, "origin_endpoint": link.origin_endpoint,
        "origin_native_id": link.origin_native_id, "connection": link.connection,
        "endpoint": link.endpoint, "native_id": link.native_id, "role": link.role,
    }


def _link(row: Any) -> Link:
    return Link(row.origin_connection, row.origin_endpoint, row.origin_native_id,
                row.connection, row.endpoint, row.native_id, row.role)
