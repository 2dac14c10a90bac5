"""Questions nobody answered: a post that asks (`?`) and carries a group's hashtag, with no
reply under it nor under any of its copies on any platform within the group's
`question_reminder_minutes`, is reminded to the group once.

Like a calendar reminder (hub/calendar/reminders.py), the reminder is an event of the canonical
stream made by the hub when it falls due: a reply under the question, written by the hub,
carrying the question's words (translated for each place as any item is) and a mark naming its
group. The router sends it to that group's places only; its native id names the group and the
question, so the store's dedupe makes it once, whichever hub makes it and however often.

The pure part plans (`asked`, `Question`, `worth_sending`, `unanswered`); `Questions` reads the
log to know which questions are open, and the scheduler asks it what is due
(hub/scheduler.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.calendar.marks import is_attendance, is_reminder
from hub.events import Actor, Event
from hub.people.groups import HUB_ACTOR, UNANSWERED, hashtags, is_question, reminded_group
from hub.people.model import normal_tag
from hub.rendering.words import words
from hub.settings import GroupSettings
from hub.store import Store, StoredEvent

PASSERELLE = "Passerelle"
BATCH = 500
# A hub starting afresh reads this many of the newest events for the questions still open:
# older ones were reminded by the hub that ran then, or are long past their reminder.
LOOKBACK = 20_000


@dataclass(frozen=True, slots=True)
class Question:
    """A tagged question that, unanswered, is reminded to `group` at `due_at`."""

    event: Event
    group: str
    wait: timedelta

    @property
    def due_at(self) -> datetime:
        return self.event.occurred_at + self.wait

    @property
    def key(self) -> tuple[str, str]:
        return (self.event.source.connection, self.event.source.native_id)

    def native_id(self) -> str:
        """Names the group and the question: one reminder, whoever makes it."""
        return f"{UNANSWERED}/{self.group}/{self.event.source.native_id}"

    def as_event(self, now: datetime) -> Event:
        """The reminder as the stream carries it: the hub's reply under the question."""
        asked = self.event
        return Event(
            kind=asked.kind, source=asked.source.model_copy(update={"native_id": self.native_id()}),
            parent=asked.source,
            actor=Actor(platform=asked.source.platform, native_id=HUB_ACTOR, name=PASSERELLE),
            occurred_at=now, title=asked.title, body=asked.body, language=asked.language,
            raw={UNANSWERED: {"group": self.group,
                              "minutes": int(self.wait.total_seconds() // 60)}})


def waits(groups: Mapping[str, GroupSettings]) -> dict[str, tuple[frozenset[str], timedelta]]:
    """Each group that reminds questions: its hashtags as compared, and how long it waits."""
    return {name: (frozenset(normal_tag(tag) for tag in group.hashtags),
                   timedelta(minutes=group.question_reminder_minutes))
            for name, group in groups.items() if group.question_reminder_minutes}


def asked(event: Event, groups: Mapping[str, tuple[frozenset[str], timedelta]]
          ) -> list[Question]:
    """The questions `event` asks: one per reminding group whose hashtag it carries."""
    if not groups or not is_question(event) or is_own(event):
        return []
    tags = hashtags(event)
    return [Question(event, name, wait) for name, (tagged, wait) in groups.items()
            if tagged & tags]


def is_own(event: Event) -> bool:
    """The hub's own words (a reminder, a summary, a platform's notice): never a question,
    nor an answer."""
    return event.actor.native_id == HUB_ACTOR or reminded_group(event) is not None or \
        is_reminder(event) or is_attendance(event)


def is_answer(event: Event) -> bool:
    """A reply someone wrote (a reaction is no answer)."""
    return event.parent is not None and event.kind.noun == "message" and \
        event.kind.value.endswith("created") and not is_own(event)


def worth_sending(question: Question, now: datetime) -> bool:
    """Due, and not so late that the reminder tells old news: a hub that was down sends it
    until as long again after it fell due."""
    return question.due_at <= now <= question.due_at + question.wait


def unanswered(body: str, language: str | None) -> str:
    """A reminder's body as its readers see it: the headline in their language, then the
    question (already translated for them)."""
    return f"{words(language)['unanswered']}\n\n{body}"


class Questions:
    """The open questions of the groups that remind them, read from the log as it grows."""

    def __init__(self, store: Store, groups: Mapping[str, GroupSettings]) -> None:
        self.store = store
        self.groups = waits(groups)
        self._position: int | None = None  # the last event read; None: not started
        self._open: dict[tuple[str, str], list[Question]] = {}

    async def due(self, now: datetime) -> list[Event]:
        """The reminders worth sending at `now`, as events to take in (the store keeps each
        once). A question reminded, answered, or too late is not looked at again."""
        await self.read()
        found = []
        for key, questions in list(self._open.items()):
            for question in questions:
                if worth_sending(question, now):
                    found.append(question.as_event(now))
            left = [q for q in questions if q.due_at > now]
            if left:
                self._open[key] = left
            else:
                del self._open[key]
        return found

    async def read(self) -> int:
        """Read the events stored since the last read; returns how many."""
        if not self.groups:
            return 0
        if self._position is None:
            last = await self.store.run(self.store.last_seq)
            self._position = max(0, last - LOOKBACK)
        total = 0
        while batch := await self.store.run(self.store.events_after, self._position, BATCH):
            await self._take(batch)
            self._position = batch[-1].seq
            total += len(batch)
        return total

    async def _take(self, batch: Sequence[StoredEvent]) -> None:
        copies = await self.store.run(self.store.made_by_hub, [s.seq for s in batch])
        mine = [s.event for s in batch if s.seq not in copies]
        for event in mine:
            for question in asked(event, self.groups):
                self._open.setdefault(question.key, []).append(question)
        replies = [e for e in mine if is_answer(e) and e.parent is not None]
        if not replies or not self._open:
            return
        parents = {(r.parent.connection, r.parent.native_id) for r in replies if r.parent}
        # An answer under a copy (Slack's thread under the question mirrored there) answers
        # the question it mirrors.
        origins = await self.store.run(self.store.archive_origins, parents)
        for parent in parents:
            self._open.pop(origins.get(parent, parent), None)

