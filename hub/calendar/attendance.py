"""Who comes to each event: members' answers gathered from every platform, and one summary
kept up to date under the event's announcement on every platform that can edit in place.

An answer names the item it was given on, on its platform: the hub's copy of the announcement
or of a reminder there, or the event itself. Its links lead back to the event; a reminder and
a summary lead to the event they are under. The summary is an item of the stream like a
reminder: a reply under the event, created at the first answer, then edited (`message.updated`,
its revision the answers' digest) at each change, so it is routed, translated and delivered in
place by the outbox, once, through crashes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from hub.archive.records import Key
from hub.calendar.answers import Answer, keyword_reply
from hub.calendar.marks import ATTENDANCE, is_attendance, is_reminder
from hub.events import Actor, Event, Kind
from hub.markup import plain_text
from hub.store import Store, StoredEvent
from hub.store.calendar import Attendee

log = logging.getLogger(__name__)



class Attendance:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def answered(self, answers: Sequence[Answer]) -> list[Event]:
        """Record `answers`; returns the summaries to take in for the events whose
        attendance changed (none when nothing did)."""
        changed: dict[Key, Event] = {}
        for answer in answers:
            event = await self._event_of(answer)
            if event is None:
                log.info("an answer of %s on %s item %s is about no event the hub knows",
                         answer.person.name, answer.about.connection, answer.about.native_id)
                continue
            key = (event.source.connection, event.source.native_id)
            attendee = Attendee(f"{answer.person.platform}:{answer.person.native_id}",
                                answer.person.name, answer.reply.value,
                                answer.about.connection, answer.at.timestamp())
            if await self.store.run(self.store.attend, *key, [attendee]):
                changed[key] = event
        return [await self._summary(event) for event in changed.values()]

    def from_replies(self, stored: Sequence[StoredEvent], copies: set[int]) -> list[Answer]:
        """Answers written as replies ("Je viens !", "Não posso") among events just stored;
        `copies` are the seqs of the hub's own copies, which are no one's answer."""
        found = []
        for item in stored:
            event = item.event
            if (event.kind is not Kind.MESSAGE_CREATED or event.parent is None
                    or item.seq in copies or is_reminder(event) or is_attendance(event)):
                continue
            reply = keyword_reply(plain_text(event.body))
            if reply is not None:
                found.append(Answer(event.parent, event.actor, reply, event.occurred_at))
        return found

    async def _event_of(self, answer: Answer) -> Event | None:
        """The calendar event an answer is about, through the hub's links (a copy leads to
        its origin) and from a reminder or summary to the event it is under."""
        about = answer.about
        origins = await self.store.run(self.store.archive_origins,
                                       [(about.connection, about.native_id)])
        key = origins.get((about.connection, about.native_id),
                          (about.connection, about.native_id))
        event = await self.store.run(self.store.stored_event, *key)
        if event is not None and (is_reminder(event) or is_attendance(event)) and event.parent:
            event = await self.store.run(self.store.stored_event, event.parent.connection,
                                         event.parent.native_id)
        if event is None or event.kind.noun != "event":
            return None
        return event

    async def _summary(self, event: Event) -> Event:
        """The summary of who comes to `event`, as the stream carries it: its first
        revision, or the next one."""
        people = await self.store.run(self.store.attendance_of, event.source.connection,
                                      event.source.native_id)
        native_id = f"{ATTENDANCE}/{event.source.native_id}"
        existing = await self.store.run(self.store.stored_event, event.source.connection,
                                        native_id)
        by_reply: dict[str, list[dict[str, str]]] = {"yes": [], "maybe": [], "no": []}
        for person in people:
            by_reply[person.reply].append({"name": person.name, "via": person.via})
        digest = hashlib.sha256(repr(sorted(by_reply.items())).encode()).hexdigest()[:20]
        return Event(
            kind=Kind.MESSAGE_CREATED if existing is None else Kind.MESSAGE_UPDATED,
            source=event.source.model_copy(update={"native_id": native_id}),
            parent=event.source,
            actor=Actor(platform=event.source.platform, native_id=ATTENDANCE,
                        name="Passerelle"),
            occurred_at=datetime.now(UTC), title=event.title, body="",
            language=event.language, revision="" if existing is None else digest,
            raw={ATTENDANCE: by_reply})
