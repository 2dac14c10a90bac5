"""Logging refused requests without letting whoever sends them fill the log.

Anyone on the internet can send a webhook with a wrong signature or ask the admin API without
a token, as often as they like. The first refusal of each kind is logged at once; those that
follow within a window are counted and reported in one line when the window has passed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class RefusalLog:
    """One log line per (where, why) per window, with how many were left unsaid."""

    def __init__(self, logger: logging.Logger, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._log = logger
        self._window = window
        self._clock = clock
        self._open: dict[tuple[str, str], tuple[float, int]] = {}  # since, refusals unsaid

    def refused(self, where: str, why: str) -> None:
        now = self._clock()
        key = (where, why)
        since, unsaid = self._open.get(key, (None, 0))
        if since is not None and now - since < self._window:
            self._open[key] = (since, unsaid + 1)
            return
        if unsaid:
            self._log.info("%s refused: %s (and %d more like it in the last %.0f s)",
                           where, why, unsaid, now - since if since is not None else 0.0)
        else:
            self._log.info("%s refused: %s", where, why)
        if len(self._open) > 1000:  # a flood of distinct reasons: start over, stay bounded
            self._open.clear()
        self._open[key] = (now, 0)
