"""The calendar's read model: each calendar event of some endpoints as it stands now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select, tuple_, update

from hub.events import Event, Kind
from hub.store import schema as t
from hub.store.base import StoreBase

CALENDAR_KINDS = (Kind.EVENT_CREATED.value, Kind.EVENT_UPDATED.value,
                  Kind.EVENT_CANCELLED.value)


@dataclass(frozen=True, slots=True)
class Attendee:
    """One person's answer to an event."""

    person: str  # platform:native_id
    name: str
    reply: str  # yes, no, maybe
    via: str  # the connection it came from
    answered_at: float


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

    def stored_event(self, connection: str, native_id: str) -> Event | None:
        """The latest event the log holds of one item, whatever its kind."""
        e = t.events.c
        with self._tx() as conn:
            body = conn.execute(select(e.body).where(
                e.connection == connection, e.native_id == native_id)
                .order_by(e.seq.desc()).limit(1)).scalar_one_or_none()
        return None if body is None else Event.model_validate_json(body)

    def attend(self, connection: str, native_id: str, answers: Iterable[Attendee]) -> bool:
        """Record answers to the event (connection, native_id); a person's answer replaces
        an older one of theirs, never a newer. True when what the event's attendance says
        changed."""
        a = t.attendance.c
        changed = False
        with self._tx() as conn:
            for answer in answers:
                key = (a.connection == connection, a.native_id == native_id,
                       a.person == answer.person)
                held = conn.execute(select(a.reply, a.name, a.answered_at).where(*key)).first()
                if held is not None and held.answered_at > answer.answered_at:
                    continue
                if held is not None and (held.reply, held.name) == (answer.reply, answer.name):
                    continue
                values = {"name": answer.name, "reply": answer.reply, "via": answer.via,
                          "answered_at": answer.answered_at}
                if held is None:
                    conn.execute(t.attendance.insert().values(
                        connection=connection, native_id=native_id, person=answer.person,
                        **values))
                else:
                    conn.execute(update(t.attendance).where(*key).values(**values))
                changed = True
        return changed

    def attendance_of(self, connection: str, native_id: str) -> list[Attendee]:
        """Who answered what to the event, in the order they first answered."""
        a = t.attendance.c
        with self._tx() as conn:
            rows = conn.execute(select(a.person, a.name, a.reply, a.via, a.answered_at).where(
                a.connection == connection, a.native_id == native_id)
                .order_by(a.answered_at, a.person))
            return [Attendee(r.person, r.name, r.reply, r.via, r.answered_at) for r in rows]
