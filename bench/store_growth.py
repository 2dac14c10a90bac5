"""How much the store grows per event, on SQLite and PostgreSQL: the sizing figures of
docs/deploy.md.

Each event is what the hub keeps for one Slack message mirrored to three targets: the event
as the Slack connector parses a real Events API payload (tests/fixtures, with its raw
payload, as stored), its three deliveries, each claimed and done, and the link from each copy
to its origin. The text of each message differs (a few sentences of varying length) so
compression and page filling are not flattered by repetition.

    python bench/store_growth.py [--events 20000] [--store postgresql://…] [--json]

SQLite: the file's size (WAL checkpointed) after, less the empty store's. PostgreSQL: the sum
of pg_total_relation_size (heap, indexes, TOAST) of the store's tables, in a schema made for
the run and dropped afterwards; PostgreSQL's figure is before any VACUUM (autovacuum keeps a
running hub near it). Runs on 127.0.0.1 only (or the URL given).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text

from hub.connector import Action, Form, MemoryStateBox
from hub.events import Event
from hub.plugins import Registry, make_plugin_manager
from hub.store import Store, StoredEvent
from hub.store.records import Completion, Link, PlannedDelivery

FIXTURE = (Path(__file__).parents[1] / "tests" / "fixtures" / "slack"
           / "event_message_new.json")
SOURCE = ("lisbon-slack", "chat/C043YJGBY49")
TARGETS = ("network-basecamp/board/2085958504", "members-whatsapp/circle/general",
           "network-zoom/chat/C1")
PROSE = ("the assembly of the network meets in Lisbon on Thursday to agree the budget of the "
         "urban lab and to hear the reports of each city about housing transport water schools "
         "parks culture and the next exchange of staff between the municipalities")
WORDS = PROSE.split()
BATCH = 500
CONVERSATIONS = 100


def sentences(rng: random.Random) -> str:
    """A message of one to four sentences, 60 to 400 characters: a chat's usual spread."""
    return " ".join(" ".join(rng.choices(WORDS, k=rng.randint(8, 30))).capitalize() + "."
                    for _ in range(rng.randint(1, 4)))[:400]


def slack_events(count: int, seed: int = 7) -> Iterator[list[Event]]:
    """Batches of events as the Slack connector makes them from real payloads."""
    payload = json.loads(FIXTURE.read_text(encoding="utf-8"))
    registry = Registry.collect(make_plugin_manager())
    cls = registry.connectors["slack"]
    connector = cls(SOURCE[0], cls.settings_model.model_construct(type="slack"),
                    httpx.AsyncClient(), MemoryStateBox())
    rng = random.Random(seed)
    start = time.time() - count
    batch: list[Event] = []
    for n in range(count):
        ts = f"{start + n:.6f}"
        body = sentences(rng)
        event = dict(payload["event"], ts=ts, event_ts=ts, text=body,
                     client_msg_id=str(uuid.UUID(int=rng.getrandbits(128))),
                     user=f"U{rng.randint(0, 40):09d}", blocks=[
                         {"type": "rich_text", "block_id": f"b{n}", "elements": [
                             {"type": "rich_text_section",
                              "elements": [{"type": "text", "text": body}]}]}])
        batch.extend(connector.parse(dict(payload, event=event, event_id=f"Ev{n:010d}",
                                          event_time=int(start + n))))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def three_targets(batch: Sequence[StoredEvent], copies: set[tuple[str, str]]
                  ) -> list[PlannedDelivery]:
    # One order per conversation and target, as the router keys them; spread over
    # CONVERSATIONS threads so that a claim takes many rows at once (one conversation would
    # be claimed one row per target at a time: slow to fill, the same bytes).
    return [PlannedDelivery(item.seq, "general", target, Form.MESSAGE, Action.CREATE,
                            f"{SOURCE[0]}/{SOURCE[1]}/{item.seq % CONVERSATIONS}>{target}")
            for item in batch for target in TARGETS]


def fill(store: Store, count: int) -> None:
    """Append, route, claim and complete `count` events, as a hub at work would."""
    made = 0
    for batch in slack_events(count):
        store.append(batch)
        while store.route("router", three_targets, BATCH):
            pass
        while claimed := store.claim(time.time(), BATCH, 300.0):
            done = []
            for delivery in claimed:
                made += 1
                connection, endpoint = delivery.target.split("/", 1)
                origin = delivery.event
                assert origin is not None
                done.append(Completion(delivery.id, f"copy-{made}", (Link(
                    origin.source.connection, origin.source.endpoint, origin.source.native_id,
                    connection, endpoint, f"copy-{made}"),)))
            store.hand_over(done, time.time(), 300.0)


def sqlite_growth(count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "passerelle.db"
        store = Store.open(f"sqlite:///{path}")
        store.close()
        empty = path.stat().st_size
        store = Store.open(f"sqlite:///{path}")
        try:
            fill(store, count)
        finally:
            store.close()
        with contextlib.closing(sqlite3.connect(path)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return figures("sqlite", count, path.stat().st_size - empty)


def postgres_growth(url: str, count: int) -> dict[str, Any]:
    schema = f"growth_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        store = Store.open(scoped.render_as_string(hide_password=False))
        store.close()
        empty = _schema_bytes(admin, schema)
        store = Store.open(scoped.render_as_string(hide_password=False))
        try:
            fill(store, count)
        finally:
            store.close()
        return figures("postgresql", count, _schema_bytes(admin, schema) - empty)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _schema_bytes(admin: Any, schema: str) -> int:
    with admin.connect() as conn:
        return int(conn.execute(text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind IN ('r', 'm')"), {"schema": schema}
        ).scalar_one())


def figures(engine: str, count: int, grown: int) -> dict[str, Any]:
    per_event = grown / count
    return {"store": engine, "events": count, "deliveries": count * len(TARGETS),
            "bytes": grown, "bytes_per_event": round(per_event),
            "mb_per_1000_events": round(per_event * 1000 / 1e6, 3),
            "gb_per_million_events": round(per_event * 1e6 / 1e9, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--store", help="a PostgreSQL URL to measure too")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [sqlite_growth(args.events)]
    if args.store:
        results.append(postgres_growth(args.store, args.events))
    for r in results:
        print(f"{r['store']:<10} {r['events']} events, {r['deliveries']} deliveries done: "
              f"{r['bytes_per_event']} bytes per event, {r['mb_per_1000_events']} MB per "
              f"1 000 events, {r['gb_per_million_events']} GB per million")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
