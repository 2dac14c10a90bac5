"""Waiting in tests for a state that announces no change: ask again and again, bounded.

Tests never assert on time; a bound only turns a hang into a failure that says what was
awaited. On a loaded machine a bound is generous, never an expectation.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

#: Seconds: far beyond what anything under test takes, reached only when something is wrong.
BOUND = 60.0


async def until(condition: Callable[[], bool | Awaitable[bool]], *, within: float = BOUND,
                what: str = "the awaited state", every: float = 0.05) -> None:
    """Return once `condition()` (a plain or an async function) is true; raise AssertionError
    naming `what` if it is still false after `within` seconds."""
    try:
        async with asyncio.timeout(within):
            while True:
                answer = condition()
                if await answer if inspect.isawaitable(answer) else answer:
                    return
                await asyncio.sleep(every)
    except TimeoutError:
        raise AssertionError(f"{what} not reached within {within:g} s") from None
