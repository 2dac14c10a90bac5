"""What one delivery has made on Basecamp so far, kept for its retries.

Basecamp takes no idempotency key and tags nothing the hub creates, so each request of a
delivery is noted in the connection's StateBox: the step it takes, then the id it got. The hub
commits those notes with the attempt's end, so an attempt that failed leaves them for its
retry, which skips the steps already made. A step that was started but whose answer was lost
is looked for first, on the place itself, among the hub's own items since the delivery's first
attempt began; only when the platform shows nothing is it made again.

An attempt cut short by a crash leaves no note at all: its retry (`Outgoing.uncertain`, with
`Outgoing.since` saying when the first attempt began) looks for each step. So does one whose
note was deleted once it made everything, before the hub recorded it done.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.connector import Outgoing, StateBox

log = logging.getLogger(__name__)
PREFIX = "attempt:"
CLOCK_SLACK = timedelta(seconds=15)  # our clock and Basecamp's may disagree a little; kept
# short, since an identical item of the hub's made just before the attempt would be taken for it
LOOKBACK = timedelta(seconds=60)  # how far back a retry looks when no one says when it began

Finder = Callable[[datetime], Awaitable[str | None]]


class Journal:
    """The steps of one delivery: `step` makes each at most once, as far as Basecamp shows."""

    def __init__(self, state: StateBox, key: str, record: dict[str, Any], *,
                 uncertain: bool, unnoted: bool = False) -> None:
        self.state = state
        self.key = key
        self.record = record
        self.uncertain = uncertain
        # An uncertain retry without a note: what it would make may exist already.
        self.unnoted = unnoted
        self._noted = False

    @classmethod
    async def open(cls, state: StateBox, outgoing: Outgoing, *,
                   now: datetime | None = None) -> Journal:
        """The delivery's record; read only when an earlier attempt may have made something
        (a first attempt has none, and spares the store a read)."""
        key = PREFIX + outgoing.idempotency_key
        found = await state.get(key) if outgoing.uncertain else None
        record: dict[str, Any] = json.loads(found) if found else {}
        noted = isinstance(record.get("made"), dict) and isinstance(record.get("since"), str)
        # From when the first attempt began, as the hub says (or as an older note said, if
        # earlier); failing both, a short look back.
        starts = [datetime.fromisoformat(record["since"])] if noted else []
        if outgoing.since is not None:
            starts.append(outgoing.since - CLOCK_SLACK)
        since = min(starts, default=(now or datetime.now(UTC))
                    - (LOOKBACK if outgoing.uncertain else CLOCK_SLACK))
        if not noted:
            record = {"made": {}, "doing": None}
        record["since"] = since.isoformat()
        return cls(state, key, record, uncertain=outgoing.uncertain,
                   unnoted=outgoing.uncertain and not noted)

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
        looks = self.unnoted or (self.uncertain and self.record.get("doing") == name)
        if looks and find is not None:
            found = await find(self.since)
            if found is not None and found not in self.made.values():
                log.info("%s: %s %s, made by an attempt whose answer was lost, is adopted",
                         self.key.removeprefix(PREFIX), name, found)
                await self._save(name, found)
                return found
        # Steps go in order: once one was not made, none after it was.
        self.unnoted = False
        self.record["doing"] = name
        await self.state.set(self.key, json.dumps(self.record))
        self._noted = True
        made = await make()
        await self._save(name, made)
        return made

    async def finish(self) -> None:
        """The delivery made everything: its note goes."""
        if self._noted or self.uncertain:
            await self.state.delete(self.key)

    async def _save(self, name: str, native_id: str) -> None:
        self.made[name] = native_id
        self.record["doing"] = None
        await self.state.set(self.key, json.dumps(self.record))
        self._noted = True
