"""What the console reads about events and their copies, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest

from hub.events import Kind
from hub.store import Store
from hub.store.records import Completion, Link
from hub.store.tracing import Flow
from hub.testing.store_contract import make_event, to
from tests.hub.store.engines import OnPostgres, OnSQLite

TARGET = "west/chat/lobby"


class TracingContract:
    def _routed(self, store: Store, *native_ids: str) -> list[int]:
        stored = store.append([make_event(n) for n in native_ids])
        store.route("router", to(TARGET, key=lambda seq: f"k{seq}"))
        return [s.seq for s in stored]

    def test_latest_events_come_newest_first_and_after_a_seq(self, store: Store) -> None:
        seqs = self._routed(store, "1", "2", "3")
        assert [s.seq for s in store.latest_events(2)] == [seqs[2], seqs[1]]
        assert [s.seq for s in store.latest_events(10, after=seqs[1])] == [seqs[2]]
        assert store.latest_events(2)[0].event.body == "text of 3"
        assert set(store.events_by_seq([seqs[0], 999])) == {seqs[0]}

    def test_copies_tell_pending_done_dead_and_unsupported(self, store: Store) -> None:
        seqs = self._routed(store, "a", "b", "c", "d")
        now = time.time()
        claimed = {d.event_seq: d for d in store.claim(now, 10, 60)}
        made, unsupported, dead = (claimed[seq] for seq in seqs[:3])
        store.hand_over([
            Completion(made.id, "M1", (Link("east", "chat/general", "a", "west", "chat/lobby",
                                            "M1"),)),
            Completion(unsupported.id, None)], now, 60)
        store.bury(dead.id, now, "channel_not_found")
        store.reschedule(claimed[seqs[3]].id, now + 60, "timeout")

        copies = store.copies(seqs)
        states = {seq: [(c.target, c.state, c.attempts) for c in copies[seq]] for seq in seqs}
        assert states == {seqs[0]: [(TARGET, "done", 0)],
                          seqs[1]: [(TARGET, "unsupported", 0)],
                          seqs[2]: [(TARGET, "dead", 1)],
                          seqs[3]: [(TARGET, "pending", 1)]}
        assert copies[seqs[0]][0].native_id == "M1"
        assert copies[seqs[2]][0].last_error == "channel_not_found"
        assert [c.settled for seq in seqs for c in copies[seq]] == [True, True, True, False]

        (letter,) = store.dead_letters()
        assert (letter.event_seq, letter.last_error) == (seqs[2], "channel_not_found")
        assert letter.finished_at == pytest.approx(now)

    def test_an_event_of_a_copy_the_hub_made_is_known_as_such(self, store: Store) -> None:
        (origin,) = self._routed(store, "o1")
        (delivery,) = store.claim(time.time(), 10, 60)
        store.hand_over([Completion(delivery.id, "M9", (Link(
            "east", "chat/general", "o1", "west", "chat/lobby", "M9"),))], time.time(), 60)
        (echo,) = store.append([make_event("M9", connection="west")])
        assert store.made_by_hub([origin, echo.seq]) == {echo.seq}
        assert store.made_by_hub([]) == set()
        later = make_event("M9", connection="west", kind=Kind.MESSAGE_UPDATED, revision="2")
        store.append([later])
        reported = store.reported([("west", "M9"), ("west", "nothing")])
        assert list(reported) == [("west", "M9")]
        assert reported[("west", "M9")].kind is Kind.MESSAGE_UPDATED

    def test_flows_count_what_came_from_and_went_to_each_endpoint(self, store: Store) -> None:
        before = time.time() - 1
        seqs = self._routed(store, "x", "y", "z")
        now = time.time()
        claimed = {d.event_seq: d for d in store.claim(now, 10, 60)}
        store.hand_over([Completion(claimed[seqs[0]].id, "M")], now, 60)
        store.bury(claimed[seqs[1]].id, now, "gone")
        store.reschedule(claimed[seqs[2]].id, now + 60, "timeout")

        flows = store.flows(before)
        assert flows == {"east/chat/general": Flow(events_in=3),
                         TARGET: Flow(delivered=1, pending=1, retrying=1, dead=1)}
        assert store.flows(time.time() + 60) == {}

    def test_cached_translations_are_read_by_key(self, store: Store) -> None:
        store.translation_put("k1", "apertium", "fr", "en", "Hello")
        found = store.cached_translations(["k1", "k2"])
        assert set(found) == {"k1"}
        assert (found["k1"].provider, found["k1"].target, found["k1"].text) == (
            "apertium", "en", "Hello")


class TestSQLiteTracing(TracingContract, OnSQLite):
    pass


class TestPostgresTracing(TracingContract, OnPostgres):
    pass
