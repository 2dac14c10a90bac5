"""Refused requests are logged, but nobody sending them can flood the log."""

from __future__ import annotations

import logging

import pytest

from hub.refusals import RefusalLog


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_reason_per_window_then_how_many_were_left_unsaid(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    refusals = RefusalLog(logging.getLogger("test.refusals"), window=60.0, clock=clock)
    with caplog.at_level(logging.INFO, logger="test.refusals"):
        for _ in range(500):
            refusals.refused("webhook for lisbon-slack", "bad signature")
        refusals.refused("webhook for lisbon-slack", "stale timestamp")
        clock.now += 61
        refusals.refused("webhook for lisbon-slack", "bad signature")
    assert [record.getMessage() for record in caplog.records] == [
        "webhook for lisbon-slack refused: bad signature",
        "webhook for lisbon-slack refused: stale timestamp",
        "webhook for lisbon-slack refused: bad signature (and 499 more like it in the last "
        "61 s)",
    ]
