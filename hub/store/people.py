"""The people's read model: identities as the platforms describe them, and the admins' mends.
Who is one person is not stored: hub.people.matching derives it from these and the file."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, tuple_

from hub.people.matching import Mend
from hub.people.model import Identity, IdentityKey, normal_email, normal_phone
from hub.store import schema as t
from hub.store.base import StoreBase

PEOPLE = "people"  # the people's indexer, a consumer of the stream (tracking)
_PROFILE = ("city", "organisation", "role", "timezone")


class People(StoreBase):
    def people_meet(self, identities: Sequence[Identity], start: int | None = None,
                    end: int | None = None) -> int | None:
        """Keep what the platforms say of these identities now (a later word replaces an
        earlier one, but a blank never erases what was known); returns how many were new or
        described differently, the only rows written. With `start` and `end`, also move the
        people's indexer from `start` to `end` in the same transaction; None, writing nothing,
        when another process moved it first."""
        now = time.time()
        with self._tx() as conn:
            if start is not None and end is not None and not self._advance(conn, start, end):
                return None
            known = self._identities(conn, [i.key for i in identities])
            changed = 0
            for identity in _latest(identities):
                merged = _merged(known.get(identity.key), identity)
                if merged == known.get(identity.key):
                    continue  # an author met again, as they were: nothing to write
                changed += 1
                values = {"platform": merged.platform, "name": merged.name,
                          "email": merged.email, "phone": merged.phone,
                          "profile": json.dumps({k: getattr(merged, k) for k in _PROFILE
                                                 if getattr(merged, k)}, sort_keys=True),
                          "seen_at": now}
                self._put(conn, t.identities, ("connection", "native_id"), identity.key, values)
        return changed

    def people_identities(self) -> list[Identity]:
        """Every identity the hub met."""
        with self._tx() as conn:
            rows = conn.execute(select(t.identities).order_by(t.identities.c.connection,
                                                              t.identities.c.native_id))
            return [_identity(row) for row in rows]

    def people_mend(self, mend: Mend) -> None:
        with self._tx() as conn:
            conn.execute(insert(t.people_mends).values(action=mend.action, a=mend.a, b=mend.b,
                                                       made_at=time.time()))

    def people_mends(self) -> list[Mend]:
        with self._tx() as conn:
            rows = conn.execute(select(t.people_mends).order_by(t.people_mends.c.id))
            return [Mend(row.action, row.a, row.b) for row in rows]

    def people_forget(self, keys: Iterable[IdentityKey]) -> int:
        """Erase these identities and every mend that names them; how many identities went."""
        wanted = sorted(set(keys))
        if not wanted:
            return 0
        texts = [f"{connection}:{native_id}" for connection, native_id in wanted]
        with self._tx() as conn:
            gone = conn.execute(delete(t.identities).where(
                tuple_(t.identities.c.connection, t.identities.c.native_id).in_(wanted)))
            conn.execute(delete(t.people_mends).where(
                t.people_mends.c.a.in_(texts) | t.people_mends.c.b.in_(texts)))
            return int(gone.rowcount or 0)

    def _identities(self, conn: Connection,
                    keys: Sequence[IdentityKey]) -> dict[IdentityKey, Identity]:
        if not keys:
            return {}
        c = t.identities.c
        rows = conn.execute(
            select(t.identities).where(tuple_(c.connection, c.native_id).in_(sorted(set(keys)))))
        return {(row.connection, row.native_id): _identity(row) for row in rows}

    def _advance(self, conn: Connection, start: int, end: int) -> bool:
        tracking = t.tracking
        conn.execute(self._insert(tracking).values(
            consumer=PEOPLE, position=0).on_conflict_do_nothing())
        query = select(tracking.c.position).where(tracking.c.consumer == PEOPLE)
        if self.is_postgres:
            query = query.with_for_update()
        if int(conn.execute(query).scalar_one()) != start:
            return False
        conn.execute(tracking.update().where(
            tracking.c.consumer == PEOPLE).values(position=end))
        return True


def _latest(identities: Sequence[Identity]) -> list[Identity]:
    """One per key, each key's description merged in the order given (the latest last)."""
    found: dict[IdentityKey, Identity] = {}
    for identity in identities:
        found[identity.key] = _merged(found.get(identity.key), identity)
    return list(found.values())


def _merged(known: Identity | None, new: Identity) -> Identity:
    if known is None:
        return new
    fields = ("email", "phone", *_PROFILE)
    # An author's name may be the platform's stand-in (their address, their number): it
    # never replaces a name the member list gave.
    name = new.name if _real_name(new.name) or not known.name else known.name
    return Identity(new.connection, new.platform, new.native_id, name,
                    **{f: getattr(new, f) or getattr(known, f) for f in fields})


def _real_name(name: str) -> bool:
    return bool(name) and normal_email(name) is None and normal_phone(name) is None


def _identity(row: Any) -> Identity:
    profile = json.loads(row.profile or "{}")
    return Identity(row.connection, row.platform, row.native_id,
                    row.name, row.email, row.phone,
                    **{k: profile.get(k) for k in _PROFILE})
