"""One member's part of a delivery, noted before each message goes, so a crash sends nothing
twice that WhatsApp lets the hub recognise.

The Cloud API takes no idempotency key and offers no way to list what a business sent. What
it does give: every send carries `biz_opaque_callback_data` (the delivery's key), and WhatsApp
echoes it in the `statuses[]` webhooks of the message (`sent`, `delivered`, `read`, `failed`),
with the message's wamid. So before each message the hub writes down, on disk before the
request leaves (`now=True`), which one it is about to send (`sending:<key>:<member>`); a status
with the delivery's key for that member, arriving while the note exists, adds its wamid to it.
A retried delivery (`Outgoing.uncertain`) that finds a message started but not recorded adopts
the reported wamid; when no report came within `status_wait_seconds` of the attempt, the
message went nowhere as far as anyone can tell, and is sent again. A message whose request
reached WhatsApp but whose statuses never reach the hub in that time is the one case that can
still arrive twice (plugins/whatsapp/README.md). The rest of the note's life (what was sent,
its deletion) is committed with the attempt's end.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.connector import StateBox
from hub.errors import AuthError, ConfigError, PermanentError, TransientError

log = logging.getLogger(__name__)
PREFIX = "sending:"
LOOK_EVERY = 0.25  # seconds between looks for a status report


def note_key(idempotency_key: str, member_key: str) -> str:
    return f"{PREFIX}{idempotency_key}:{member_key}"


async def _delete_note(state: StateBox, lock: asyncio.Lock, key: str) -> None:
    # Under the lock, so a status being recorded cannot write the note back.
    async with lock:
        await state.delete(key)


class Sending:
    """The messages of one delivery to one member: `send` sends each at most once, as far
    as WhatsApp's status reports show."""

    _noted: bool

    def __init__(self, state: StateBox, lock: asyncio.Lock, key: str, record: dict[str, Any],
                 *, uncertain: bool, wait: float, now: Callable[[], datetime]) -> None:
        self.state = state
        self.lock = lock
        self.key = key
        self.record = record
        self.uncertain = uncertain
        self.wait = wait
        self.now = now
        self._noted = False

    @classmethod
    async def open(cls, state: StateBox, lock: asyncio.Lock, idempotency_key: str,
                   member_key: str, *, uncertain: bool, wait: float,
                   now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Sending:
        """The member's note; read only when an earlier attempt may have sent something."""
        key = note_key(idempotency_key, member_key)
        found = await state.get(key) if uncertain else None
        record: dict[str, Any] = json.loads(found) if found else {}
        if not isinstance(record.get("sent"), dict):
            record = {"sent": {}, "doing": None, "at": None, "reported": []}
        return cls(state, lock, key, record, uncertain=uncertain, wait=wait, now=now)

    @staticmethod
    async def forget(state: StateBox, lock: asyncio.Lock, idempotency_key: str,
                     member_key: str) -> None:
        """Delete a member's note (their part is done)."""
        await _delete_note(state, lock, note_key(idempotency_key, member_key))

    @property
    def noted(self) -> bool:
        """Whether a note may exist in the StateBox (one to delete when done)."""
        return self._noted or self.uncertain

    async def send(self, name: str, call: Callable[[], Awaitable[str]]) -> str:
        """The wamid of the member's message `name` ("part:0", "template"…): recorded,
        reported by a status, or sent now."""
        sent: dict[str, str] = self.record["sent"]
        if name in sent:
            return sent[name]
        if self.uncertain and self.record.get("doing") == name:
            reported = await self._reported()
            if reported is None:
                log.warning("%s: no status reported %s within %.0f s of its lost answer; it is "
                            "sent again (the member may get it twice)", self.who, name,
                            self.wait)
            else:
                log.info("%s: %s, sent by an attempt whose answer was lost, is adopted (%s)",
                         self.who, name, reported)
                sent[name] = reported
                self.record["doing"] = None
                return reported
        await self._note(doing=name, durable=True)
        try:
            wamid = await call()
        except (PermanentError, AuthError, ConfigError):
            await self._note(doing=None)  # refused with an answer: nothing was sent
            raise
        except TransientError as exc:
            if exc.retry_after is not None:  # a rate limit refused it: nothing was sent
                await self._note(doing=None)
            raise
        sent[name] = wamid
        self.record["doing"] = None
        return wamid

    @property
    def who(self) -> str:
        """The delivery and the member, as logs may name them (a number's last digits)."""
        delivery, _, member = self.key.removeprefix(PREFIX).rpartition(":")
        return f"{delivery} to member …{member[-4:]}"

    async def done(self) -> None:
        """The member's part is in their roster record now (or was refused): the note goes."""
        if self.noted:
            await _delete_note(self.state, self.lock, self.key)

    async def _note(self, *, doing: str | None, durable: bool = False) -> None:
        self._noted = True
        async with self.lock:
            stored = await self.state.get(self.key)
            reported = json.loads(stored).get("reported", []) if stored else []
            self.record["reported"] = list(dict.fromkeys([*self.record["reported"],
                                                          *reported]))
            self.record["doing"] = doing
            self.record["at"] = self.now().isoformat() if doing is not None else None
            await self.state.set(self.key, json.dumps(self.record), now=durable)

    async def _reported(self) -> str | None:
        """A wamid a status reported for this member and delivery that no earlier message
        of it has; waits for one until `wait` seconds after the message was started."""
        at = self.record.get("at")
        started = datetime.fromisoformat(at) if isinstance(at, str) else self.now()
        deadline = started + timedelta(seconds=self.wait)
        while True:
            stored = await self.state.get(self.key)
            reported = json.loads(stored).get("reported", []) if stored else []
            fresh = [w for w in reported if w not in self.record["sent"].values()]
            if fresh:
                return str(fresh[0])
            if self.now() >= deadline:
                return None
            await asyncio.sleep(LOOK_EVERY)


async def report(state: StateBox, callback: str, member_key: str, wamid: str) -> None:
    """A status of a message the hub sent: kept while its delivery's note exists (the caller
    holds the connector's lock). Statuses of finished deliveries cost one read."""
    key = note_key(callback, member_key)
    stored = await state.get(key)
    if not stored:
        return
    record: dict[str, Any] = json.loads(stored)
    reported = record.get("reported") or []
    if wamid in reported or wamid in (record.get("sent") or {}).values():
        return
    record["reported"] = [*reported, wamid]
    await state.set(key, json.dumps(record))
