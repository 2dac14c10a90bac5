"""A store call that keeps the writer busy until the test lets it go."""

from __future__ import annotations

import asyncio
import threading


class Hold:
    """Run it on the store (`store.run(hold)`); `await hold.started()`, then `hold.release()`."""

    def __init__(self) -> None:
        self._busy, self._released = threading.Event(), threading.Event()

    def __call__(self) -> None:
        self._busy.set()
        self._released.wait(10)

    async def started(self) -> None:
        await asyncio.to_thread(self._busy.wait, 10)

    def release(self) -> None:
        self._released.set()
