"""What the console counts: flows over time and per place (the overview's chart)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func, select

from hub.store import schema as t
from hub.store.base import DONE, StoreBase

MINUTE = 60


class Figures(StoreBase):
    """Read-only counts of events and deliveries for the admin console."""

    def stored_per_minute(self, since: float, until: float) -> dict[int, int]:
        """Events stored from `since` up to (not including) `until`, by minute: the key is
        the minute's start in epoch seconds; minutes without any are left out."""
        return self._per_minute(t.events.c.stored_at, since, until)

    def done_per_minute(self, since: float, until: float) -> dict[int, int]:
        """Deliveries finished done from `since` up to `until`, by minute, as above."""
        return self._per_minute(t.deliveries.c.finished_at, since, until,
                                t.deliveries.c.status == DONE)

    def _per_minute(self, moment: Any, since: float, until: float,
                    *conditions: ColumnElement[bool]) -> dict[int, int]:
        minute = self._minute_of(moment)
        query = (select(minute, func.count())
                 .where(moment >= since, moment < until, *conditions)
                 .group_by(minute))
        with self._tx() as conn:
            return {int(row[0]) * MINUTE: int(row[1]) for row in conn.execute(query)}

    def _minute_of(self, moment: Any) -> ColumnElement[int]:
        # Grouped in the database, so a busy day costs one row per minute, not per event.
        # PostgreSQL rounds a float cast to an integer, so it floors first; SQLite's cast
        # truncates, which is the floor for the positive times stored here.
        if self.is_postgres:
            return cast(func.floor(moment / MINUTE), BigInteger)
        return cast(moment / MINUTE, Integer)
