"""The outbox (deliveries) and the links from every copy the hub made to its origin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select, update

from hub.connector import Action, Form
from hub.events import Event
from hub.store import schema as t
from hub.store.base import DEAD, DONE, PENDING, StoreBase
from hub.store.records import Completion, Delivery, Link, StateWrite, Whereabouts


class Outbox(StoreBase):
    def claim(self, now: float, limit: int, lease: float,
              finished: Sequence[Completion] = ()) -> list[Delivery]:
        """Take due deliveries, at most one per ordering key (the oldest pending one), and
        lease them so no other worker takes them until `now + lease`; each comes with its
        event and where its item stands on the target.

        `finished` deliveries are completed first, in the same transaction: a worker hands
        back what it did and takes what follows (their successors included) in one commit."""
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
            self._complete(conn, finished, now)
            rows = conn.execute(query).all() if limit > 0 else []
            if rows:
                conn.execute(
                    update(d).where(d.c.id.in_([row.id for row in rows]))
                    .values(claimed_until=now + lease, unsettled=True,
                            attempted_at=func.coalesce(d.c.attempted_at, now))
                )
            return [self._situated(conn, _delivery(row)) for row in rows]

    def _situated(self, conn: Connection, delivery: Delivery) -> Delivery:
        """The delivery with its event and the whereabouts of its item on the target."""
        body = conn.execute(
            select(t.events.c.body).where(t.events.c.seq == delivery.event_seq)
        ).scalar_one_or_none()
        if body is None:
            return delivery
        event = Event.model_validate_json(body)
        source = event.source
        here = self._whereabouts(conn, source.connection, source.endpoint, source.native_id,
                                 delivery.target, delivery.id)
        return replace(delivery, event=event, here=here)

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
        """Mark a delivery done and record what it made, atomically (echo suppression).
        A worker hands its completions to `claim` instead."""
        with self._tx() as conn:
            self._complete(conn, [Completion(delivery_id, native_id, tuple(links))], now)

    def _complete(self, conn: Connection, completions: Sequence[Completion], now: float
                  ) -> None:
        for done in completions:
            for link in done.links:
                conn.execute(
                    self._insert(t.links)
                    .values(**_link_row(link), delivery_id=done.delivery_id, created_at=now)
                    .on_conflict_do_nothing()
                )
            self._write_state(conn, done.state)
            conn.execute(
                update(t.deliveries).where(t.deliveries.c.id == done.delivery_id)
                .values(status=DONE, finished_at=now, native_id=done.native_id,
                        claimed_until=0.0, last_error=None, parked=False, unsettled=False)
            )

    def reschedule(self, delivery_id: int, at: float, error: str, *,
                   count_attempt: bool = True, park: bool = False,
                   state: Sequence[StateWrite] = ()) -> None:
        """Try again at `at`. A failure counts an attempt and keeps its place in the order;
        a parked row (waiting for its parent) lets later rows of its order pass meanwhile.
        `state` is what the attempt wrote in StateBoxes, kept for the next one."""
        values: dict[str, Any] = {"next_attempt_at": at, "claimed_until": 0.0,
                                  "last_error": error, "parked": park, "unsettled": False}
        if count_attempt:
            values["attempts"] = t.deliveries.c.attempts + 1
        with self._tx() as conn:
            self._write_state(conn, state)
            conn.execute(update(t.deliveries).where(t.deliveries.c.id == delivery_id)
                         .values(**values))

    def bury(self, delivery_id: int, now: float, error: str,
             state: Sequence[StateWrite] = ()) -> None:
        """Move a delivery to the dead letters (with what its attempt wrote in StateBoxes)."""
        with self._tx() as conn:
            self._write_state(conn, state)
            conn.execute(
                update(t.deliveries).where(t.deliveries.c.id == delivery_id)
                .values(status=DEAD, finished_at=now, claimed_until=0.0, last_error=error,
                        unsettled=False,
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
                        # A dead delivery may have reached the platform on some attempt: the
                        # replay must look before it makes the item again.
                        claimed_until=0.0, finished_at=None, parked=False, unsettled=True)
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

    def whereabouts(self, connection: str, endpoint: str, native_id: str, target: str,
                    asking: int | None = None) -> Whereabouts:
        """Whether an item is the hub's own copy, what it mirrors, and what stands for it on
        `target` ("connection/kind/id"), or whether its creation there is still on its way
        (not counting the delivery `asking`, which must never wait for itself): one read."""
        with self.engine.connect() as conn:
            return self._whereabouts(conn, connection, endpoint, native_id, target, asking)

    def _whereabouts(self, conn: Connection, connection: str, endpoint: str, native_id: str,
                     target: str, asking: int | None) -> Whereabouts:
        l, e, d = t.links, t.events, t.deliveries  # noqa: E741
        target_connection, target_endpoint = target.split("/", 1)
        link = conn.execute(select(l.c.origin_connection, l.c.origin_endpoint,
                                   l.c.origin_native_id)
                            .where(l.c.connection == connection, l.c.native_id == native_id)
                            .limit(1)).first()
        origin = (link[0], link[1], link[2]) if link else (connection, endpoint, native_id)
        if origin[:2] == (target_connection, target_endpoint):
            return Whereabouts(origin, link is not None, origin[2], False)
        on_target = conn.execute(
            select(l.c.native_id).where(
                l.c.origin_connection == origin[0], l.c.origin_native_id == origin[2],
                l.c.connection == target_connection, l.c.endpoint == target_endpoint,
                l.c.role == "copy",
            ).order_by(l.c.id).limit(1)).scalar_one_or_none()
        pending = on_target is None and conn.execute(
            select(d.c.id).join(e, e.c.seq == d.c.event_seq).where(
                e.c.connection == origin[0], e.c.native_id == origin[2],
                d.c.target == target, d.c.status == PENDING, d.c.action == Action.CREATE.value,
                d.c.id != (asking if asking is not None else -1)).limit(1)).first() is not None
        return Whereabouts(origin, link is not None, on_target, pending)


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id, event_seq=row.event_seq, bridge=row.bridge, target=row.target,
        form=Form(row.form), action=Action(row.action), ordering_key=row.ordering_key,
        status=row.status, attempts=row.attempts, created_at=row.created_at,
        age_from=row.age_from, next_attempt_at=row.next_attempt_at,
        last_error=row.last_error, native_id=row.native_id,
        uncertain=bool(row.unsettled) or row.attempts > 0, attempted_at=row.attempted_at,
    )


def _link_row(link: Link) -> dict[str, str]:
    return {
        "origin_connection": link.origin_connection, "origin_endpoint": link.origin_endpoint,
        "origin_native_id": link.origin_native_id, "connection": link.connection,
        "endpoint": link.endpoint, "native_id": link.native_id, "role": link.role,
    }
