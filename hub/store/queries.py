"""The statements on a delivery's path, built once with bound parameters.

Every delivery claims, reads its situation and completes; building a SQLAlchemy statement
(its expressions, aliases and cache key) costs more than SQLite takes to run it, so these are
built at import and only executed.
"""

from __future__ import annotations

from sqlalchemy import bindparam, exists, func, select, update

from hub.connector import Action
from hub.store import schema as t
from hub.store.base import DONE, PENDING

_d, _l, _e = t.deliveries, t.links, t.events
_earlier = _d.alias("earlier")

# Due deliveries, at most one per ordering key: the oldest pending one (a parked row lets later
# rows of its order pass).
CLAIMABLE = (
    select(_d)
    .where(
        _d.c.status == PENDING,
        _d.c.next_attempt_at <= bindparam("now"),
        _d.c.claimed_until <= bindparam("now"),
        ~exists().where(
            _earlier.c.ordering_key == _d.c.ordering_key,
            _earlier.c.status == PENDING,
            _earlier.c.parked.is_(False),
            _earlier.c.id < _d.c.id,
        ),
    )
    .order_by(_d.c.id)
    .limit(bindparam("limit"))
)
CLAIMABLE_SKIPPING_LOCKED = CLAIMABLE.with_for_update(skip_locked=True, of=_d)

# The head of one order: what may go once the delivery before it is done.
HEAD = (
    select(_d)
    .where(_d.c.ordering_key == bindparam("key"), _d.c.status == PENDING,
           _d.c.parked.is_(False))
    .order_by(_d.c.id)
    .limit(1)
)

# Lease rows, unless another worker leased them first (it re-reads the row under PostgreSQL's
# row lock, so exactly one of two racing claims counts it).
LEASE = (
    update(_d)
    .where(_d.c.id.in_(bindparam("ids", expanding=True)), _d.c.status == PENDING,
           _d.c.claimed_until <= bindparam("now"))
    .values(claimed_until=bindparam("until"), unsettled=True,
            attempted_at=func.coalesce(_d.c.attempted_at, bindparam("now")))
)

DONE_ROW = (
    update(_d)
    .where(_d.c.id == bindparam("delivery_id"))
    .values(status=DONE, finished_at=bindparam("now"), native_id=bindparam("made"),
            claimed_until=0.0, last_error=None, parked=False, unsettled=False)
)

EVENT_BODIES = select(_e.c.seq, _e.c.body).where(
    _e.c.seq.in_(bindparam("seqs", expanding=True)))

# Whereabouts: what an item mirrors, its copy on a target, and a creation still on its way.
ORIGIN_OF = (
    select(_l.c.origin_connection, _l.c.origin_endpoint, _l.c.origin_native_id)
    .where(_l.c.connection == bindparam("connection"), _l.c.native_id == bindparam("native_id"))
    .limit(1)
)
COPY_ON = (
    select(_l.c.native_id)
    .where(_l.c.origin_connection == bindparam("origin_connection"),
           _l.c.origin_native_id == bindparam("origin_native_id"),
           _l.c.connection == bindparam("target_connection"),
           _l.c.endpoint == bindparam("target_endpoint"),
           _l.c.role == "copy")
    .order_by(_l.c.id)
    .limit(1)
)
CREATION_ON_ITS_WAY = (
    select(_d.c.id)
    .join(_e, _e.c.seq == _d.c.event_seq)
    .where(_e.c.connection == bindparam("origin_connection"),
           _e.c.native_id == bindparam("origin_native_id"),
           _d.c.target == bindparam("target"), _d.c.status == PENDING,
           _d.c.action == Action.CREATE.value, _d.c.id != bindparam("asking"))
    .limit(1)
)
