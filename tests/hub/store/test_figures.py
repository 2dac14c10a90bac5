"""The console's figures: events stored and deliveries done per minute, on both stores."""

from __future__ import annotations

from sqlalchemy import update

from hub.store import Store
from hub.store import schema as t
from hub.store.records import Completion
from hub.testing.store_contract import make_event, to
from tests.hub.store.engines import OnPostgres, OnSQLite

T = 1_800_000_000.0  # the start of a minute (a multiple of 60)


def stored_at(store: Store, seconds: list[float]) -> None:
    """Events stored at these times (the store stamps its own clock: moved afterwards)."""
    stored = store.append([make_event(f"n{index}") for index in range(len(seconds))])
    with store.engine.begin() as conn:
        for item, at in zip(stored, seconds, strict=True):
            conn.execute(update(t.events).where(t.events.c.seq == item.seq)
                         .values(stored_at=at))


class FiguresContract:
    def test_events_stored_are_counted_by_minute_within_the_window(self, store: Store) -> None:
        stored_at(store, [T - 0.5, T, T + 5, T + 59.9, T + 60, T + 179.9, T + 180, T + 3600])
        assert store.stored_per_minute(T, T + 180) == {T: 3, T + 60: 1, T + 120: 1}
        assert store.stored_per_minute(T + 180, T + 240) == {T + 180: 1}
        assert store.stored_per_minute(T + 240, T + 3600) == {}

    def test_only_deliveries_done_count_at_the_minute_they_finished(self,
                                                                     store: Store) -> None:
        stored_at(store, [T, T, T, T])
        store.route("router", to("west/chat/lobby", key=str))
        first, second, third, fourth = store.claim(T, 10, 600)
        store.hand_over([Completion(first.id, "w-1")], T + 61, 600)
        store.hand_over([Completion(second.id, "w-2"), Completion(third.id, "w-3")],
                        T + 119.5, 600)
        store.bury(fourth.id, T + 62, "PermanentError: refused")  # dead: not done
        assert store.done_per_minute(T, T + 3600) == {T + 60: 3}
        assert store.done_per_minute(T + 61.5, T + 3600) == {T + 60: 2}
        # The events themselves were stored earlier, at their own minute.
        assert store.stored_per_minute(T, T + 3600) == {T: 4}

    def test_an_empty_store_counts_nothing(self, store: Store) -> None:
        assert store.stored_per_minute(0, T) == {}
        assert store.done_per_minute(0, T) == {}


class TestSQLiteFigures(FiguresContract, OnSQLite):
    pass


class TestPostgresFigures(FiguresContract, OnPostgres):
    pass
