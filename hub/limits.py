"""Pacing: how long to wait before a retry, and how fast one connection may be called."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, never sooner than the platform asked."""

    base: float = 2.0
    cap: float = 900.0
    max_attempts: int = 10
    max_age: float = 86_400.0

    def delay(self, attempts: int, retry_after: float | None,
              rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait after the `attempts`-th failure (1 for the first)."""
        ceiling = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        jittered = ceiling * (0.5 + rng() / 2)  # half fixed, half jitter: never retry at once
        return float(max(jittered, retry_after or 0.0))

    def exhausted(self, attempts: int, age: float) -> bool:
        """True once `attempts` failures were made or the item is older than max_age."""
        return attempts >= self.max_attempts or age >= self.max_age


class RateLimiter:
    """A token bucket per connection, plus a pause the platform imposed (Retry-After).

    One slow platform never stalls another: each connection has its own limiter.
    """

    def __init__(self, rate_per_second: float | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate_per_second
        self._clock = clock
        self._next_free = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """No call before `seconds` from now (a 429's Retry-After applies to the connection)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def wait_time(self) -> float:
        now = self._clock()
        return max(0.0, self._paused_until - now, self._next_free - now)

    async def acquire(self) -> None:
        async with self._lock:
            # The wait is computed from the clock, not polled for a condition.
            while (wait := self.wait_time()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)
            if self.rate:
                self._next_free = max(self._clock(), self._next_free) + 1.0 / self.rate
