"""Retry pacing and per-connection rate limits."""

from __future__ import annotations

import pytest

from hub.limits import RateLimiter, RetryPolicy


@pytest.mark.parametrize(("attempts", "rng", "expected"), [
    (1, 0.0, 1.0), (1, 1.0, 2.0), (2, 0.0, 2.0), (3, 1.0, 8.0), (20, 1.0, 900.0),
])
def test_backoff_doubles_with_jitter_up_to_the_cap(attempts: int, rng: float,
                                                   expected: float) -> None:
    assert RetryPolicy(base=2.0, cap=900.0).delay(attempts, None, lambda: rng) == expected


def test_retry_after_is_a_floor() -> None:
    policy = RetryPolicy(base=2.0)
    assert policy.delay(1, 30.0, lambda: 0.5) == 30.0
    assert policy.delay(5, 0.5, lambda: 0.0) == 16.0


def test_exhaustion_by_attempts_or_age() -> None:
    policy = RetryPolicy(max_attempts=3, max_age=100.0)
    assert not policy.exhausted(2, 99.0)
    assert policy.exhausted(3, 0.0)
    assert policy.exhausted(1, 100.0)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_rate_limiter_spaces_calls() -> None:
    clock = Clock()
    limiter = RateLimiter(2.0, clock)
    await limiter.acquire()
    assert limiter.wait_time() == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.wait_time() == 0.0


async def test_a_pause_blocks_the_connection() -> None:
    clock = Clock()
    limiter = RateLimiter(None, clock)
    limiter.pause(2.0)
    assert limiter.wait_time() == pytest.approx(2.0)
    limiter.pause(1.0)  # a shorter pause never shortens a longer one
    assert limiter.wait_time() == pytest.approx(2.0)
    clock.now += 2.0
    await limiter.acquire()
