"""The outbox (deliveries) and the links from every copy the hub made to its origin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from hub.connector import Action, Form
from hub.events import Event
from hub.store import queries as q
from hub.store import schema as t
from hub.store.base import DEAD, PENDING, StoreBase
from hub.store.records import Completion, Delivery, Link, StateWrite, Whereabouts


class Outbox(StoreBase):
    def claim(self, now: float, limit: int, lease: float) -> list[Delivery]:
        """Take due deliveries, at most one per ordering key (the oldest pending one), and
        lease them so no other worker takes them until `now + lease`; each comes with its
        event and where its item stands on the target."""
        query = q.CLAIMABLE_SKIPPING_LOCKED if self.is_postgres else q.CLAIMABLE
        with self._tx() as conn:
            rows = conn.execute(query, {"now": now, "limit": limit}).all()
            return self._lease(conn, rows, now, lease)

    def hand_over(self, finished: Sequence[Completion], now: float, lease: float
                  ) -> list[Delivery]:
        """Mark `finished` done with what each made, its links and its attempt's StateBox
        writes, atomically (a copy is known as the hub's before its echo can be routed), and,
        in the same transaction, claim the next item of each one's order
        (`Completion.ordering_key`), if it is due: a worker hands back what it did and takes
        what follows in one commit, without searching the whole outbox."""
        with self._tx() as conn:
            self._complete(conn, finished, now)
            keys = sorted({done.ordering_key for done in finished if done.ordering_key})
            heads = [conn.execute(q.HEAD, {"key": key}).first() for key in keys]
            due = [row for row in heads
                   if row is not None and row.next_attempt_at <= now
                   and row.claimed_until <= now]
            return self._lease(conn, due, now, lease)

    def _lease(self, conn: Connection, rows: Sequence[Any], now: float, lease: float
               ) -> list[Delivery]:
        if not rows:
            return []
        taken = conn.execute(q.LEASE, {"ids": [row.id for row in rows], "now": now,
                                       "until": now + lease}).rowcount
        if taken != len(rows):  # another worker leased some first (PostgreSQL): re-read
            mine = {row.id for row in conn.execute(
                select(t.deliveries.c.id).where(t.deliveries.c.id.in_([r.id for r in rows]),
                                                t.deliveries.c.claimed_until == now + lease))}
            rows = [row for row in rows if row.id in mine]
        return self._situated(conn, [_delivery(row) for row in rows])

    def _situated(self, conn: Connection, deliveries: list[Delivery]) -> list[Delivery]:
        """Each delivery with its event and the whereabouts of its item on the target."""
        bodies = dict(conn.execute(q.EVENT_BODIES,
                                   {"seqs": sorted({d.event_seq for d in deliveries})}).all())
        situated = []
        for delivery in deliveries:
            body = bodies.get(delivery.event_seq)
            if body is None:
                situated.append(delivery)
                continue
            event = Event.model_validate_json(body)
            source = event.source
            # A creation never waits for another creation of its own item: spare that look.
            here = self._whereabouts(conn, source.connection, source.endpoint,
                                     source.native_id, delivery.target, delivery.id,
                                     look_pending=delivery.action is not Action.CREATE)
            situated.append(replace(delivery, event=event, here=here))
        return situated

    def release_claims(self) -> int:
        """Forget every lease; only for a single-process store at start, after a crash."""
        with self._tx() as conn:
            result = conn.execute(
                update(t.deliveries).where(t.deliveries.c.status == PENDING,
                                           t.deliveries.c.claimed_until > 0)
                .values(claimed_until=0.0)
            )
        return int(result.rowcount)

    def _complete(self, conn: Connection, completions: Sequence[Completion], now: float
                  ) -> None:
        if not completions:
            return
        links = [{**_link_row(link), "delivery_id": done.delivery_id, "created_at": now}
                 for done in completions for link in done.links]
        if links:
            conn.execute(self._link_insert, links)
        self._write_state(conn, [write for done in completions for write in done.state])
        conn.execute(q.DONE_ROW, [{"delivery_id": done.delivery_id, "now": now,
                                   "made": done.native_id} for done in completions])

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
        with self._tx() as conn:
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
        with self._tx() as conn:
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
        with self._tx() as conn:
            return self._whereabouts(conn, connection, endpoint, native_id, target, asking)

    def _whereabouts(self, conn: Connection, connection: str, endpoint: str, native_id: str,
                     target: str, asking: int | None, *, look_pending: bool = True
                     ) -> Whereabouts:
        target_connection, target_endpoint = target.split("/", 1)
        link = conn.execute(q.ORIGIN_OF, {"connection": connection,
                                          "native_id": native_id}).first()
        origin = (link[0], link[1], link[2]) if link else (connection, endpoint, native_id)
        if origin[:2] == (target_connection, target_endpoint):
            return Whereabouts(origin, link is not None, origin[2], False)
        item = {"origin_connection": origin[0], "origin_native_id": origin[2]}
        on_target = conn.execute(q.COPY_ON, {**item, "target_connection": target_connection,
                                             "target_endpoint": target_endpoint}
                                 ).scalar_one_or_none()
        pending = look_pending and on_target is None and conn.execute(
            q.CREATION_ON_ITS_WAY,
            {**item, "target": target, "asking": asking if asking is not None else -1},
        ).first() is not None
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
