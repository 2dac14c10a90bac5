"""The calendar's read model: each calendar event of some endpoints as it stands now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select, tuple_

from hub.events import Event, Kind
from hub.store import schema as t
from hub.store.base import StoreBase

CALENDAR_KINDS = (Kind.EVENT_CREATED.value, Kind.EVENT_UPDATED.value,
                  Kind.EVENT_CANCELLED.value)


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """A calendar event's latest revision (a cancellation included), where it was written
    first, and how many revisions the hub took in (what an iCalendar SEQUENCE counts)."""

    event: Event
    revisions: int


class Calendar(StoreBase):
    def calendar_entries(self, endpoints: Iterable[tuple[str, str]]) -> list[CalendarEntry]:
        """The calendar events written on `endpoints` ((connection, endpoint) pairs), each
        once as it stands now, earliest start first; the hub's own copies are left out."""
        wanted = sorted(set(endpoints))
        if not wanted:
            return []
        e, links = t.events.c, t.links.c
        latest = (select(e.connection, e.native_id, func.max(e.seq).label("seq"),
                         func.count().label("revisions"))
                  .where(e.kind.in_(CALENDAR_KINDS),
                         tuple_(e.connection, e.endpoint).in_(wanted))
                  .group_by(e.connection, e.native_id).subquery())
        copy = exists().where(and_(links.connection == latest.c.connection,
                                   links.native_id == latest.c.native_id))
        query = (select(e.body, latest.c.revisions)
                 .join(latest, e.seq == latest.c.seq).where(~copy))
        with self._tx() as conn:
            entries = [CalendarEntry(Event.model_validate_json(row.body), int(row.revisions))
                       for row in conn.execute(query)]
        return sorted(entries, key=lambda entry: (
            entry.event.schedule.starts_at.timestamp() if entry.event.schedule else 0.0,
            entry.event.source.native_id))
