"""Catch-up after downtime: where a channel's history reading stands. Pure data."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any


def ts_key(ts: str) -> Decimal:
    try:
        return Decimal(ts)
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True)
class HistoryCursor:
    """Where a channel's catch-up stands: everything after `oldest` is being read.

    A catch-up reads history pages (newest first, `page` is Slack's next_cursor), then the
    threads with new replies (each "ts", or "ts page" mid-way); only when all are read does
    `oldest` move to the newest
    channel message seen (`high`). Thread replies are never used for `high`: a channel
    message posted while threads were read could be older than a reply.
    """

    oldest: str
    page: str | None = None
    history_done: bool = False
    high: str = ""
    threads: tuple[str, ...] = ()

    @classmethod
    def load(cls, text: str | None) -> HistoryCursor | None:
        if not text:
            return None
        if not text.startswith("{"):
            return cls(oldest=text)
        data = json.loads(text)
        return cls(oldest=str(data["oldest"]), page=data.get("page"),
                   history_done=bool(data.get("history_done")), high=str(data.get("high", "")),
                   threads=tuple(str(t) for t in data.get("threads", ())))

    def dump(self) -> str:
        if self.page is None and not self.history_done and not self.threads and not self.high:
            return self.oldest
        return json.dumps({"oldest": self.oldest, "page": self.page,
                           "history_done": self.history_done, "high": self.high,
                           "threads": list(self.threads)}, separators=(",", ":"))

    def page_read(self, messages: Iterable[Mapping[str, Any]], next_page: str | None
                  ) -> HistoryCursor:
        """After one history page: its newest ts, its threads with replies after `oldest`."""
        threads = list(self.threads)
        high = self.high
        for message in messages:
            ts = str(message.get("ts", ""))
            if ts_key(ts) > ts_key(high or self.oldest):
                high = ts
            latest = str(message.get("latest_reply") or "")
            if message.get("reply_count") and ts_key(latest) > ts_key(self.oldest) \
                    and ts not in threads:
                threads.append(ts)
        return replace(self, page=next_page, history_done=next_page is None, high=high,
                       threads=tuple(threads))

    def thread_read(self, entry: str, next_page: str | None) -> HistoryCursor:
        """After one page of a thread's replies (`entry` is "ts" or "ts page")."""
        ts = entry.partition(" ")[0]
        rest = [t for t in self.threads if t != entry]
        return replace(self, threads=(f"{ts} {next_page}", *rest) if next_page else tuple(rest))

    def settled(self) -> HistoryCursor:
        """The cursor to store: moved forward once history and threads are all read."""
        if self.history_done and not self.threads:
            return HistoryCursor(oldest=max(self.oldest, self.high or self.oldest, key=ts_key))
        return self


class CallBudget:
    """Calls a method's rate tier allows: `per_minute` tokens, refilled continuously.

    Catch-up never sleeps on it: a poll that runs out stops and resumes next time.
    """

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = max(1.0, per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._tokens = self.capacity
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def take(self) -> bool:
        """Spend one call if the budget has one."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def wait(self) -> float:
        """Seconds until one call is available."""
        self._refill()
        return max(0.0, (1.0 - self._tokens) / self.rate)
