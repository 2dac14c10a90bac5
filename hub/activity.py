"""What each connection has been doing lately: webhooks in, polls, proof of access, waits.

The hub keeps one `Activity` (`hub.activity`) and feeds it where things happen: the webhook
route (hub/web.py), the poller (hub/polling.py) and the delivery worker (hub/delivery.py). The
console's overview reads it to tell an admin whether each connection works.

The record is per process and in memory: it starts empty when `passerelle run` starts, and
several `passerelle run` processes sharing one PostgreSQL store each show what they saw
themselves (what must survive a restart, like an auth failure, the worker also writes to the
store as the connection's "status"). Methods take a lock, so a store thread or a test may read
while the event loop writes; the clock is injected so tests can move time.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from hub.errors import AuthError, TransientError

DAY = 24 * 3600.0
LATE_FACTOR = 3  # a poll this many intervals overdue is late, jitter and slow runs allowed


class Received(StrEnum):
    """How the hub answered a webhook."""

    ACCEPTED = "accepted"  # verified and stored
    HANDSHAKE = "handshake"  # a platform's verification request, answered
    REJECTED = "rejected"  # refused for good: bad signature, malformed, too large
    UNAVAILABLE = "unavailable"  # could not be read or stored now; the platform retries


class Health(StrEnum):
    """One word for a connection, worst first."""

    FAILING = "failing"
    ATTENTION = "attention"
    HEALTHY = "healthy"


@dataclass(frozen=True, slots=True)
class Webhook:
    at: float
    outcome: Received
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Poll:
    """What one endpoint's polls came to: the last one, and the last that worked."""

    at: float
    ok: bool
    error: str = ""
    last_success: float | None = None


@dataclass(frozen=True, slots=True)
class AuthFailure:
    at: float
    error: str


@dataclass(frozen=True, slots=True)
class ConnectionActivity:
    """A copy of one connection's record, safe to read at leisure."""

    webhook: Webhook | None = None
    last_accepted: float | None = None
    polls: Mapping[str, Poll] = field(default_factory=dict)  # by endpoint address
    proven_at: float | None = None  # the last platform call that worked
    auth_failure: AuthFailure | None = None  # only while no call has worked since
    waits_today: int = 0  # times the platform asked us to wait, in the last 24 hours
    waiting_until: float | None = None  # while a wait is still running


@dataclass
class _Record:
    webhook: Webhook | None = None
    last_accepted: float | None = None
    polls: dict[str, Poll] = field(default_factory=dict)
    proven_at: float | None = None
    auth_failure: AuthFailure | None = None
    waits: deque[float] = field(default_factory=deque)  # when each wait was asked
    waiting_until: float = 0.0


class Activity:
    """The hub's record of each connection's recent activity (see the module docstring)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.started_at = clock()
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def _record(self, connection: str) -> _Record:
        return self._records.setdefault(connection, _Record())

    def webhook(self, connection: str, outcome: Received, reason: str = "") -> None:
        """A webhook for `connection` was answered with `outcome` (`reason`: why not taken)."""
        with self._lock:
            now = self.clock()
            record = self._record(connection)
            record.webhook = Webhook(now, outcome, reason)
            if outcome is Received.ACCEPTED:
                record.last_accepted = now

    def polled(self, connection: str, endpoint: str, error: BaseException | None = None) -> None:
        """A poll of `endpoint` (its address) ended, well when `error` is None."""
        with self._lock:
            now = self.clock()
            record = self._record(connection)
            before = record.polls.get(endpoint)
            last_success = now if error is None else before.last_success if before else None
            record.polls[endpoint] = Poll(now, error is None, _reason(error), last_success)
        if error is None:
            self.proven(connection)
        else:
            self.failed(connection, error)

    def proven(self, connection: str) -> None:
        """A call to the platform worked: the connection's credentials are good."""
        with self._lock:
            record = self._record(connection)
            record.proven_at = self.clock()
            record.auth_failure = None

    def failed(self, connection: str, error: BaseException) -> None:
        """A call to the platform failed; what matters here is refused access and waits."""
        with self._lock:
            now = self.clock()
            record = self._record(connection)
            if isinstance(error, AuthError):
                record.auth_failure = AuthFailure(now, _reason(error))
            if isinstance(error, TransientError) and error.retry_after:
                record.waits.append(now)
                record.waiting_until = max(record.waiting_until, now + error.retry_after)

    def of(self, connection: str) -> ConnectionActivity:
        """What `connection` did lately, as of now."""
        with self._lock:
            now = self.clock()
            record = self._records.get(connection)
            if record is None:
                return ConnectionActivity()
            while record.waits and record.waits[0] <= now - DAY:
                record.waits.popleft()
            return ConnectionActivity(
                record.webhook, record.last_accepted, dict(record.polls), record.proven_at,
                record.auth_failure, len(record.waits),
                record.waiting_until if record.waiting_until > now else None)


def _reason(error: BaseException | None) -> str:
    if error is None:
        return ""
    return str(error) or type(error).__name__


@dataclass(frozen=True, slots=True)
class Verdict:
    """A connection's one word, and the reasons behind it (English: the console words them)."""

    health: Health
    reasons: tuple[str, ...] = ()


def judge(activity: ConnectionActivity, *, now: float, started_at: float,
          poll_intervals: Mapping[str, float], stored_failure: str | None = None,
          dead: int = 0) -> Verdict:
    """Pure: how a connection fares. Failing when the platform refuses its credentials (seen
    here, or recorded in the store by this or another process); needing attention when a poll
    fails or is late, the last webhook was refused, the platform makes us wait, or deliveries
    to it died."""
    failing: list[str] = []
    attention: list[str] = []
    if activity.auth_failure is not None or (activity.proven_at is None and stored_failure):
        failing.append("auth")
    for endpoint, interval in poll_intervals.items():
        poll = activity.polls.get(endpoint)
        if poll is not None and not poll.ok:
            attention.append("poll_failed")
        elif late(poll, interval, now=now, started_at=started_at):
            attention.append("poll_late")
    if activity.webhook is not None and activity.webhook.outcome in (Received.REJECTED,
                                                                     Received.UNAVAILABLE):
        attention.append("webhook_refused")
    if activity.waiting_until is not None:
        attention.append("waiting")
    if dead:
        attention.append("dead")
    reasons = tuple(dict.fromkeys(failing + attention))
    if failing:
        return Verdict(Health.FAILING, reasons)
    return Verdict(Health.ATTENTION if attention else Health.HEALTHY, reasons)


def lag(poll: Poll | None, *, now: float, started_at: float) -> float:
    """Seconds since the endpoint's last successful poll (since the start, if none yet)."""
    since = poll.last_success if poll is not None and poll.last_success is not None else None
    return now - (since if since is not None else started_at)


def late(poll: Poll | None, interval: float, *, now: float, started_at: float) -> bool:
    """Whether an endpoint polled every `interval` seconds has gone too long without success."""
    return lag(poll, now=now, started_at=started_at) > LATE_FACTOR * interval
