"""How the store's write path is doing: its last failure and the calls waiting for it.

A read (`ping`) only says the database answers. A full disk, or a write lock another program
holds, fails every write while reads go on, and a writer stuck on a slow disk answers no one
while failing nothing. The writer records here what becomes of the calls it runs, and
`Store.health()` reads it without waiting for any of them: /healthz can say what a webhook
would meet.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exc as sa
from sqlalchemy.engine.interfaces import DBAPIModule

log = logging.getLogger(__name__)

# A call waiting this long means the writer is stuck, not busy: a platform gives up on a
# webhook after about 3 s, and a batch takes milliseconds (or a failed wait for a lock).
STALLED_AFTER_SECONDS = 10.0

_SQLITE_ERROR = 1  # SQLite's generic code: the statement's own mistake (no such table, syntax)


@dataclass(frozen=True, slots=True)
class WriteHealth:
    """The write path at one moment."""

    last_failure: str | None
    """The kind of the last write failure, e.g. "OperationalError (SQLITE_FULL)"; None when
    none happened or a write has succeeded since."""
    failed_at: datetime | None
    """When that failure happened (UTC)."""
    backlog: int
    """Calls handed to the store and not yet answered (queued or running)."""
    oldest_wait_seconds: float
    """How long the oldest of them has waited; 0 when there are none."""

    @property
    def ok(self) -> bool:
        """Writes would succeed and be answered in time, as far as the store knows."""
        return self.last_failure is None and self.oldest_wait_seconds < STALLED_AFTER_SECONDS

    def as_dict(self) -> dict[str, Any]:
        """For JSON: times as ISO 8601, the wait rounded to milliseconds."""
        return {
            "ok": self.ok,
            "last_failure": self.last_failure,
            "failed_at": self.failed_at.isoformat() if self.failed_at else None,
            "backlog": self.backlog,
            "oldest_wait_seconds": round(self.oldest_wait_seconds, 3),
        }


def _driver_error(error: BaseException) -> BaseException:
    """The driver's own exception, which SQLAlchemy wraps (hub/store/writer.py raises some
    unwrapped: it sends statements straight to the driver)."""
    return error.orig if isinstance(error, sa.DBAPIError) and error.orig else error


def describe(error: BaseException) -> str:
    """A database error's kind, with the driver's code where it gives one (SQLite's name,
    PostgreSQL's SQLSTATE), never its text: the text may quote message bodies."""
    driver = _driver_error(error)
    code = getattr(driver, "sqlite_errorname", None) or getattr(driver, "sqlstate", None)
    return f"{type(driver).__name__} ({code})" if code else type(driver).__name__


def sqlite_code(error: BaseException) -> int | None:
    """SQLite's primary result code of `error` (SQLITE_FULL is 13), if it is SQLite's."""
    driver = _driver_error(error)
    code = getattr(driver, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


class WriteRecord:
    """What the writer has seen: calls in flight, the last failure. Safe from any thread."""

    def __init__(self, dbapi: DBAPIModule, *, clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._dbapi = dbapi
        self._clock = clock
        self._now = now
        self._guard = threading.Lock()
        self._waiting: collections.OrderedDict[int, float] = collections.OrderedDict()
        self._tickets = 0
        self._failure: tuple[str, datetime] | None = None

    def fault(self, error: BaseException) -> str | None:
        """The kind of store fault `error` is, or None when it is the call's own: a conflict,
        a mistaken statement, an exception of the caller's code."""
        if isinstance(error, sa.TimeoutError | sa.DisconnectionError):  # no connection to be had
            return type(error).__name__
        driver = _driver_error(error)
        dbapi = self._dbapi
        if not isinstance(driver, dbapi.Error) or isinstance(
                driver, dbapi.IntegrityError | dbapi.ProgrammingError | dbapi.DataError
                | dbapi.NotSupportedError):
            return None
        # SQLite says OperationalError for "no such table" too, where PostgreSQL says
        # ProgrammingError.
        if sqlite_code(driver) == _SQLITE_ERROR:
            return None
        return describe(driver)

    def enter(self) -> int:
        """A call handed over; its ticket is given back to `leave`."""
        with self._guard:
            self._tickets += 1
            self._waiting[self._tickets] = self._clock()
            return self._tickets

    def leave(self, tickets: Iterable[int], *, failure: BaseException | None = None,
              wrote: bool = False) -> None:
        """Calls answered: with a failure (recorded if it is a store fault), or after a
        transaction that wrote and committed (which clears the last failure)."""
        kind = self.fault(failure) if failure is not None else None
        with self._guard:
            for ticket in tickets:
                self._waiting.pop(ticket, None)
            before = self._failure
            if kind is not None:
                self._failure = (kind, self._now())
            elif wrote:
                self._failure = None
        # Logged when writes start failing and when they recover, not on every call.
        if kind is not None and before is None:
            log.error("the store cannot write: %s", kind)
        elif wrote and kind is None and before is not None:
            log.warning("the store writes again (it could not since %s: %s)",
                        before[1].isoformat(), before[0])

    def health(self) -> WriteHealth:
        with self._guard:
            failure = self._failure
            backlog = len(self._waiting)
            oldest = next(iter(self._waiting.values()), None)
            now = self._clock()
        return WriteHealth(
            last_failure=failure[0] if failure else None,
            failed_at=failure[1] if failure else None,
            backlog=backlog,
            oldest_wait_seconds=max(0.0, now - oldest) if oldest is not None else 0.0,
        )
