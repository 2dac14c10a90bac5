"""What one delivery has made on Basecamp so far, kept across a crash.

Basecamp takes no idempotency key and tags nothing the hub creates, so each request of a
delivery is noted in the connection's StateBox before it goes (the step it takes) and after
its answer (the id it got). A retried delivery (`Outgoing.uncertain`) skips the steps already
made; a step that was started but whose answer was lost (the hub died, the connection
dropped) is looked for first, on the place itself, among the hub's own items since the attempt
began. Only when the platform shows nothing is it made again.

Records are deleted a little after the delivery succeeded, not at once: the hub records the
delivery as done just after `send` returns, and a hub killed in between must still find them.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.connector import Outgoing, StateBox

log = logging.getLogger(__name__)
PREFIX = "attempt:"
CLOCK_SLACK = timedelta(seconds=15)  # our clock and Basecamp's may disagree a little; kept
# short, since an identical item of the hub's made just before the attempt would be taken for it
GRACE = 30.0  # seconds a finished record is kept: far longer than the hub takes to record it

Finder = Callable[[datetime], Awaitable[str | None]]


class Sweeper:
    """Deletes the records of finished deliveries once their grace has passed."""

    def __init__(self, state: StateBox, *, grace: float = GRACE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.state = state
        self.grace = grace
        self.clock = clock
        self._finished: deque[tuple[float, str]] = deque()

    def later(self, key: str) -> None:
        self._finished.append((self.clock() + self.grace, key))

    async def sweep(self, *, everything: bool = False) -> None:
        """Delete what is due (or, when the connection closes, everything finished)."""
        now = self.clock()
        due: list[str] = []
        while self._finished and (everything or self._finished[0][0] <= now):
            due.append(self._finished.popleft()[1])
        for key in due:
            await self.state.delete(key)


class Journal:
    """The steps of one delivery: `step` makes each at most once, as far as Basecamp shows."""

    def __init__(self, state: StateBox, sweeper: Sweeper, key: str, record: dict[str, Any],
                 *, uncertain: bool) -> None:
        self.state = state
        self.sweeper = sweeper
        self.key = key
        self.record = record
        self.uncertain = uncertain

    @classmethod
    async def open(cls, state: StateBox, sweeper: Sweeper, outgoing: Outgoing, *,
                   now: datetime | None = None) -> Journal:
        """The delivery's record; read only when an earlier attempt may have made something
        (a first attempt has none, and spares the store a read)."""
        await sweeper.sweep()
        key = PREFIX + outgoing.idempotency_key
        found = await state.get(key) if outgoing.uncertain else None
        record: dict[str, Any] = json.loads(found) if found else {}
        if not isinstance(record.get("made"), dict) or not isinstance(record.get("since"), str):
            started = (now or datetime.now(UTC)) - CLOCK_SLACK
            record = {"since": started.isoformat(), "made": {}, "doing": None}
        return cls(state, sweeper, key, record, uncertain=outgoing.uncertain)

    @property
    def since(self) -> datetime:
        """When the delivery's first attempt began (with a margin for clock differences)."""
        return datetime.fromisoformat(self.record["since"])

    @property
    def made(self) -> dict[str, str]:
        made: dict[str, str] = self.record["made"]
        return made

    async def step(self, name: str, make: Callable[[], Awaitable[str]],
                   find: Finder | None = None) -> str:
        """The id of what step `name` made: recorded, found on Basecamp, or made now."""
        if name in self.made:
            return self.made[name]
        if self.uncertain and self.record.get("doing") == name and find is not None:
            found = await find(self.since)
            if found is not None and found not in self.made.values():
                log.info("%s: %s %s, made by an attempt whose answer was lost, is adopted",
                         self.key.removeprefix(PREFIX), name, found)
                await self._save(name, found)
                return found
        self.record["doing"] = name
        await self.state.set(self.key, json.dumps(self.record))
        made = await make()
        await self._save(name, made)
        return made

    async def finish(self) -> None:
        """The delivery made everything: its record goes after the grace."""
        self.sweeper.later(self.key)

    async def _save(self, name: str, native_id: str) -> None:
        self.made[name] = native_id
        self.record["doing"] = None
        await self.state.set(self.key, json.dumps(self.record))
