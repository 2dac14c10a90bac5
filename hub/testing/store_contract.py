"""The contract every store backend passes (SQLite always, PostgreSQL when available).

Subclass `StoreContract` as `Test<Backend>Store` and provide a `store` fixture that yields an
empty, migrated `Store`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text, update

from hub.connector import Action, Form
from hub.errors import StoreError
from hub.events import Actor, Event, Kind, Ref
from hub.store import DEAD, DONE, PENDING, Link, PlannedDelivery, Store, StoredEvent
from hub.store import schema as t
from hub.store.migrations import CURRENT, migrate
from hub.store.records import Completion, Known, StateWrite, Whereabouts
from hub.store.store import Planner

T0 = 1_800_000_000.0


def make_event(native_id: str, *, kind: Kind = Kind.MESSAGE_CREATED, revision: str = "",
               connection: str = "east", parent: str | None = None) -> Event:
    ref = Ref(platform="pigeon", connection=connection, endpoint="chat/general",
              native_id=native_id)
    return Event(
        kind=kind, source=ref, actor=Actor(platform="pigeon", native_id="u1", name="Ana"),
        parent=ref.model_copy(update={"native_id": parent}) if parent else None,
        occurred_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC), body=f"text of {native_id}",
        revision=revision,
    )


def to(target: str, key: Callable[[int], str] = lambda seq: "one conversation") -> Planner:
    """A planner sending every event to `target`, ordered by `key(seq)`."""
    def planner(batch: Sequence[StoredEvent], known: Known
                ) -> list[PlannedDelivery]:
        return [PlannedDelivery(s.seq, "b", target, Form.MESSAGE, Action.CREATE, key(s.seq))
                for s in batch]
    return planner


class StoreContract:
    """Behaviour the hub relies on, whatever the database."""

    # -- the log ------------------------------------------------------------------------

    def test_append_refuses_the_same_item_twice(self, store: Store) -> None:
        first = store.append([make_event("1"), make_event("2")])
        again = store.append([make_event("1"), make_event("3")])
        assert [s.seq for s in first] == [1, 2]
        assert [s.event.source.native_id for s in again] == ["3"]

    def test_an_edit_with_a_new_revision_is_a_new_event(self, store: Store) -> None:
        store.append([make_event("1", kind=Kind.MESSAGE_UPDATED, revision="r1")])
        stored = store.append([make_event("1", kind=Kind.MESSAGE_UPDATED, revision="r2"),
                               make_event("1", kind=Kind.MESSAGE_UPDATED, revision="r1")])
        assert [s.event.revision for s in stored] == ["r2"]

    def test_events_round_trip_in_order(self, store: Store) -> None:
        events = [make_event(str(n)) for n in range(5)]
        store.append(events)
        read = store.events_after(1, limit=3)
        assert [s.seq for s in read] == [2, 3, 4]
        assert [s.event for s in read] == events[1:4]
        assert store.event(5) == StoredEvent(5, events[4])
        assert store.last_seq() == 5

    def test_cursor_moves_with_the_events(self, store: Store) -> None:
        store.append([make_event("1")], cursor=("east", "chat/general", "c1"))
        assert store.cursor("east", "chat/general") == "c1"
        store.append([], cursor=("east", "chat/general", "c2"))
        assert store.cursor("east", "chat/general") == "c2"
        assert store.cursor("east", "chat/other") is None

    def test_a_failed_append_moves_neither_events_nor_cursor(self, store: Store) -> None:
        def broken() -> Iterator[Event]:
            yield make_event("1")
            raise RuntimeError("the poll broke half-way")

        with pytest.raises(RuntimeError):
            store.append(broken(), cursor=("east", "chat/general", "c9"))
        assert store.last_seq() == 0
        assert store.cursor("east", "chat/general") is None

    def test_revision_before_is_the_items_last_calendar_revision_stored_earlier(
            self, store: Store) -> None:
        created = make_event("ev", kind=Kind.EVENT_CREATED)
        moved = make_event("ev", kind=Kind.EVENT_UPDATED, revision="r1")
        elsewhere = make_event("ev", kind=Kind.EVENT_UPDATED, revision="r1", connection="west")
        reply = make_event("c1", kind=Kind.MESSAGE_CREATED, parent="ev")
        cancelled = make_event("ev", kind=Kind.EVENT_CANCELLED, revision="r2")
        again = make_event("ev", kind=Kind.EVENT_UPDATED, revision="r3")
        store.append([created, moved, elsewhere, reply, cancelled, again])
        assert store.revision_before(created.id) is None
        assert store.revision_before(moved.id) == created
        assert store.revision_before(elsewhere.id) is None  # another connection's item
        assert store.revision_before(again.id) == moved  # a cancellation is no revision
        assert store.revision_before("no-such-event") is None

    # -- routing ------------------------------------------------------------------------

    def test_route_plans_and_advances_together(self, store: Store) -> None:
        store.append([make_event("1"), make_event("2")])
        assert store.route("router", to("west/chat/lobby")) == 2
        assert store.position("router") == 2
        assert store.route("router", to("west/chat/lobby")) == 0
        assert [d.event_seq for d in store.deliveries()] == [1, 2]

    def test_a_failing_planner_leaves_no_trace(self, store: Store) -> None:
        store.append([make_event("1")])

        def planner(batch: Sequence[StoredEvent], known: Known
                    ) -> list[PlannedDelivery]:
            raise ValueError("bug")

        with pytest.raises(ValueError):
            store.route("router", planner)
        assert store.position("router") == 0
        assert store.deliveries() == []

    def test_route_tells_the_planner_which_events_are_copies(self, store: Store) -> None:
        store.append([make_event("1")])
        store.route("router", to("west/chat/lobby"))
        [delivery] = store.claim(T0, 10, 60)
        store.hand_over([Completion(delivery.id, "w-1", (
            Link("east", "chat/general", "1", "west", "chat/lobby", "w-1"),))], T0, 60)
        store.append([make_event("w-1", connection="west")])
        seen: list[set[tuple[str, str]]] = []

        def planner(batch: Sequence[StoredEvent], known: Known
                    ) -> list[PlannedDelivery]:
            seen.append(known.copies)
            return []

        store.route("router", planner)
        assert seen == [{("west", "w-1")}]

    def test_route_tells_the_planner_which_groups_took_what_events_follow(
            self, store: Store) -> None:
        store.append([make_event("1"), make_event("2")])

        def to_group(batch: Sequence[StoredEvent], known: Known) -> list[PlannedDelivery]:
            return [PlannedDelivery(s.seq, "group:mobility", "west/chat/lobby", Form.MESSAGE,
                                    Action.CREATE, "k") for s in batch
                    if s.event.source.native_id == "1"]

        store.route("router", to_group)
        [delivery] = store.claim(T0, 10, 60)
        store.hand_over([Completion(delivery.id, "w-1", (
            Link("east", "chat/general", "1", "west", "chat/lobby", "w-1"),))], T0, 60)
        # A reply under the copy, a reply under the original, an edit of it, and a reply
        # under the post no group took.
        store.append([make_event("r-1", connection="west", parent="w-1"),
                      make_event("r-2", parent="1"),
                      make_event("1", kind=Kind.MESSAGE_UPDATED, revision="2"),
                      make_event("r-3", parent="2")])
        seen: list[Known] = []

        def planner(batch: Sequence[StoredEvent], known: Known) -> list[PlannedDelivery]:
            seen.append(known)
            return []

        store.route("router", planner, groups=True)
        assert dict(seen[0].grouped) == {("west", "w-1"): {"group:mobility"},
                                          ("east", "1"): {"group:mobility"}}

    def test_one_delivery_per_event_and_target(self, store: Store) -> None:
        store.append([make_event("1")])

        def twice(batch: Sequence[StoredEvent], known: Known
                  ) -> list[PlannedDelivery]:
            return [PlannedDelivery(batch[0].seq, name, "west/chat/lobby", Form.MESSAGE,
                                    Action.CREATE, "k") for name in ("b1", "b2")]

        store.route("router", twice)
        assert len(store.deliveries()) == 1

    # -- the outbox ---------------------------------------------------------------------

    def test_claim_takes_one_head_per_ordering_key(self, store: Store) -> None:
        store.append([make_event(str(n)) for n in range(4)])

        store.route("router", to("west/chat/lobby", key=lambda seq: "abcd"[seq % 2]))
        claimed = store.claim(time.time(), 10, 60)
        assert sorted(d.event_seq for d in claimed) == [1, 2]
        assert store.claim(time.time(), 10, 60) == []  # leased, and the rest wait behind them

    def test_a_lease_expires(self, store: Store) -> None:
        store.append([make_event("1")])
        store.route("router", to("west/chat/lobby"))
        [first] = store.claim(T0, 10, 60)
        assert store.claim(T0 + 59, 10, 60) == []
        assert [d.id for d in store.claim(T0 + 61, 10, 60)] == [first.id]

    def test_a_retry_waits_and_keeps_its_place(self, store: Store) -> None:
        store.append([make_event("1"), make_event("2")])
        store.route("router", to("west/chat/lobby"))
        [first] = store.claim(T0, 10, 60)
        store.reschedule(first.id, T0 + 30, "TransientError: 503")
        assert store.claim(T0 + 1, 10, 60) == []  # the second waits behind the first
        [again] = store.claim(T0 + 31, 10, 60)
        assert again.id == first.id and again.attempts == 1
        assert again.last_error == "TransientError: 503"

    def test_a_parked_row_lets_later_rows_pass(self, store: Store) -> None:
        store.append([make_event("1"), make_event("2")])
        store.route("router", to("west/chat/lobby"))
        [first] = store.claim(T0, 10, 60)
        store.reschedule(first.id, T0 + 30, "waiting for parent", count_attempt=False, park=True)
        [second] = store.claim(T0 + 1, 10, 60)
        assert second.event_seq == 2
        assert store.deliveries()[0].attempts == 0

    def test_release_claims_frees_leases_and_says_the_attempt_was_cut(self,
                                                                     store: Store) -> None:
        store.append([make_event("1")])
        store.route("router", to("west/chat/lobby"))
        [first] = store.claim(time.time(), 10, 600)
        assert not first.uncertain
        assert store.release_claims() == 1
        [again] = store.claim(time.time(), 10, 600)
        assert again.uncertain  # the first claimer never settled it
        store.reschedule(again.id, T0, "TransientError: timed out")
        [retried] = store.claim(T0 + 1, 10, 600)
        assert retried.uncertain  # a failed attempt may have reached the platform too

    def test_complete_records_links_for_echoes_and_edits(self, store: Store) -> None:
        store.append([make_event("1")])
        store.route("router", to("west/chat/lobby"))
        [delivery] = store.claim(T0, 10, 60)
        link = Link("east", "chat/general", "1", "west", "chat/lobby", "w-1")
        store.hand_over([Completion(delivery.id, "w-1", (link,))], T0, 60)
        [done] = store.deliveries(DONE)
        assert done.native_id == "w-1"
        # The copy knows it is the hub's, and what it mirrors...
        copy = store.whereabouts("west", "chat/lobby", "w-1", "east/chat/general")
        assert copy == Whereabouts(("east", "chat/general", "1"), True, "1", False)
        # ...and the origin knows its copy on each endpoint.
        origin = store.whereabouts("east", "chat/general", "1", "west/chat/lobby")
        assert origin == Whereabouts(("east", "chat/general", "1"), False, "w-1", False)
        elsewhere = store.whereabouts("east", "chat/general", "1", "west/chat/other")
        assert elsewhere.on_target is None and not elsewhere.pending

    def test_a_copy_seen_from_a_third_endpoint_resolves_through_its_origin(self,
                                                                          store: Store) -> None:
        store.append([make_event("1")])
        store.route("router", to("west/chat/lobby"))
        [delivery] = store.claim(T0, 10, 60)
        store.hand_over([Completion(delivery.id, "w-1", (
            Link("east", "chat/general", "1", "west", "chat/lobby", "w-1"),
            Link("east", "chat/general", "1", "north", "board/9", "n-1"),
            Link("east", "chat/general", "1", "west", "chat/lobby", "w-2", "part")))], T0, 60)
        seen = store.whereabouts("west", "chat/lobby", "w-1", "north/board/9")
        assert seen.on_target == "n-1"
        assert store.whereabouts("west", "chat/lobby", "w-2", "east/chat/general").made_by_hub

    def test_dead_letters_replay_and_drop(self, store: Store) -> None:
        store.append([make_event("1"), make_event("2")])

        store.route("router", to("west/chat/lobby", key=str))
        first, second = store.claim(T0, 10, 60)
        store.bury(first.id, T0, "PermanentError: 400")
        store.bury(second.id, T0, "PermanentError: 400")
        assert [d.id for d in store.deliveries(DEAD)] == [first.id, second.id]
        assert store.replay([first.id], T0 + 100) == 1
        [pending] = store.deliveries(PENDING)
        assert pending.attempts == 0 and pending.age_from == T0 + 100
        assert pending.uncertain  # some attempt may have reached the platform: look first
        assert store.drop(None) == 1
        assert store.deliveries(DEAD) == []

    def test_a_claim_hands_back_the_finished_and_takes_what_follows(self, store: Store
                                                                    ) -> None:
        store.append([make_event(str(n)) for n in range(1, 5)])
        store.route("router", to("west/chat/lobby"))  # one order: one at a time
        [first] = store.claim(T0, 10, 60)
        assert first.event is not None and first.event.source.native_id == "1"
        assert first.here is not None and first.here.on_target is None
        link = Link("east", "chat/general", "1", "west", "chat/lobby", "w-1")
        wrote = (StateWrite("west", "journal", None), StateWrite("west", "roster", "ana"))
        [second] = store.hand_over(
            [Completion(first.id, "w-1", (link,), wrote, first.ordering_key)], T0 + 1, 60)
        assert second.event is not None and second.event.source.native_id == "2"
        assert [d.native_id for d in store.deliveries(DONE)] == ["w-1"]
        assert store.whereabouts("east", "chat/general", "1", "west/chat/lobby").on_target \
            == "w-1"
        assert store.states() == {"west": {"roster": "ana"}}
        store.bury(second.id, T0 + 2, "PermanentError: 400",
                   [StateWrite("west", "roster", None)])
        assert store.states() == {}
        [third] = store.claim(T0 + 3, 10, 60)  # a dead head lets the next one go
        # Done without an order to follow (a stopping worker): the next is left to a claim.
        assert store.hand_over([Completion(third.id, None)], T0 + 4, 60) == []
        assert [d.event_seq for d in store.claim(T0 + 5, 10, 60)] == [4]
        assert [d.native_id for d in store.deliveries(DONE)] == ["w-1", None]

    def test_a_hand_over_takes_only_the_next_due_item_of_each_finished_order(
            self, store: Store) -> None:
        store.append([make_event(str(n)) for n in range(1, 6)])
        store.route("router", to("west/chat/lobby", key=lambda seq: "odd" if seq % 2 else "even"))
        first, second = store.claim(T0, 10, 60)  # 1 (odd) and 2 (even)
        taken = store.hand_over([Completion(first.id, None, ordering_key=first.ordering_key)],
                                T0, 60)
        assert [d.event_seq for d in taken] == [3]  # not 4: order "even" is still busy
        [third] = taken
        store.reschedule(second.id, T0 + 30, "TransientError: 503")
        store.reschedule(third.id, T0 + 30, "TransientError: 503")
        assert store.hand_over([], T0 + 1, 60) == []
        [again] = store.claim(T0 + 30, 1, 60)
        assert again.event_seq == 2 and again.uncertain

    def test_a_retry_knows_when_the_first_attempt_began(self, store: Store) -> None:
        store.append([make_event("1")])
        store.route("router", to("west/chat/lobby"))
        [first] = store.claim(T0, 10, 60)
        assert not first.uncertain and first.attempted_at is None
        store.reschedule(first.id, T0 + 5, "TransientError: 503",
                         state=[StateWrite("west", "attempt", "step 1")])
        [again] = store.claim(T0 + 5, 10, 60)
        assert again.uncertain and again.attempted_at == T0
        assert store.states() == {"west": {"attempt": "step 1"}}

    def test_whereabouts_sees_an_item_on_its_way(self, store: Store) -> None:
        store.append([make_event("1")])
        store.route("router", to("west/chat/lobby"))
        assert store.whereabouts("east", "chat/general", "1", "west/chat/lobby").pending
        assert not store.whereabouts("east", "chat/general", "1", "west/chat/other").pending
        [delivery] = store.claim(T0, 10, 60)
        store.hand_over([Completion(delivery.id, None)], T0, 60)
        assert not store.whereabouts("east", "chat/general", "1", "west/chat/lobby").pending

    def test_platform_reports_land_on_the_delivery(self, store: Store) -> None:
        store.append([make_event("1")])
        store.route("router", to("west/chat/lobby"))
        [delivery] = store.claim(T0, 10, 60)
        store.hand_over([Completion(delivery.id, "w-1", (
            Link("east", "chat/general", "1", "west", "chat/lobby", "w-1"),))], T0, 60)
        assert store.record_platform_state("west", "w-1", "failed", "131047") == 1
        assert store.record_platform_state("west", "unknown", "read", None) == 0
        with store.engine.connect() as conn:
            row = conn.execute(t.deliveries.select()).one()
        assert (row.platform_state, row.last_error) == ("failed", "131047")

    def test_concurrent_claims_never_share_a_row(self, store: Store) -> None:
        store.append([make_event(str(n)) for n in range(40)])

        store.route("router", to("west/chat/lobby", key=str))
        taken: list[int] = []
        lock = threading.Lock()

        def worker() -> None:
            for _ in range(10):
                got = store.claim(time.time(), 3, 600)
                with lock:
                    taken.extend(d.id for d in got)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(taken) == len(set(taken)) == 40

    def test_a_named_lock_is_exclusive_across_stores(self, store: Store) -> None:
        other = Store.open(store.engine.url.render_as_string(hide_password=False))
        try:
            assert store.try_lock("poll:east/chat/general")
            if store.is_postgres:
                assert not other.try_lock("poll:east/chat/general")
            store.unlock("poll:east/chat/general")
            assert other.try_lock("poll:east/chat/general")
            other.unlock("poll:east/chat/general")
        finally:
            other.close()

    # -- memories -----------------------------------------------------------------------

    def test_connection_state(self, store: Store) -> None:
        store.state_set("east", "token", "a")
        store.state_set("east", "token", "b")
        assert store.state_get("east", "token") == "b"
        assert store.state_get("west", "token") is None
        assert store.states() == {"east": {"token": "b"}}
        store.state_delete("east", "token")
        store.state_delete("east", "never-set")
        assert store.state_get("east", "token") is None

    def test_translation_cache_and_usage(self, store: Store) -> None:
        store.translation_put("k1", "apertium", "fr", "en", "The meeting")
        store.translation_put("k1", "apertium", "fr", "en", "ignored: first answer wins")
        assert store.translation_get("k1") == "The meeting"
        assert store.translation_get("k2") is None
        assert store.add_usage("deepl", "2026-11", 100) == 100
        assert store.add_usage("deepl", "2026-11", 50) == 150
        assert store.usage("deepl", "2026-12") == 0

    # -- schema -------------------------------------------------------------------------

    def test_schema_is_current_and_migrate_is_idempotent(self, store: Store) -> None:
        with store.engine.begin() as conn:
            assert migrate(conn) == CURRENT
            assert migrate(conn) == CURRENT

    def test_a_first_release_database_is_brought_forward(self, store: Store) -> None:
        store.append([make_event("1"), make_event("2")])
        store.route("router", to("west/chat/lobby", key=str))
        [cut_short] = store.claim(T0, 1, 60)  # an attempt died before the upgrade
        with store.engine.begin() as conn:  # the tables as version 1 shipped them
            conn.execute(text("ALTER TABLE deliveries DROP COLUMN attempted_at"))
            conn.execute(text(
                "CREATE TABLE members (connection VARCHAR(200) NOT NULL, endpoint VARCHAR(500) "
                "NOT NULL, native_id VARCHAR(500) NOT NULL, name VARCHAR(500) NOT NULL, "
                "state VARCHAR(40) NOT NULL, last_inbound_at FLOAT, updated_at FLOAT NOT NULL, "
                "PRIMARY KEY (connection, endpoint, native_id))"))
            for table in ("archive_fts", "archive_texts", "archive_items", "attendance",  # v4
                          "identities", "people_mends"):  # v5
                conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
            conn.execute(text("DROP INDEX events_by_kind"))
            conn.execute(t.schema_version.delete())
            conn.execute(t.schema_version.insert().values(version=1, applied_at=T0))
        with store.engine.begin() as conn:
            assert migrate(conn) == CURRENT
            assert not inspect(conn).has_table("members")
            assert inspect(conn).has_table("archive_texts")
        retried, fresh = store.claim(T0 + 100, 10, 60)  # the rows kept, the column usable
        assert retried.id == cut_short.id and retried.uncertain
        assert retried.attempted_at == retried.created_at  # it looks back that far at least
        assert fresh.attempted_at is None

    def test_a_newer_schema_is_refused(self, store: Store) -> None:
        with store.engine.begin() as conn:
            conn.execute(update(t.schema_version).values(version=CURRENT + 1))
        with pytest.raises(StoreError, match="newer"), store.engine.begin() as conn:
            migrate(conn)
