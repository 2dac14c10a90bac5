"""Throughput: Slack webhooks in through the hub's web app, three copies out through the
Zoom, WhatsApp and Basecamp connectors, all over real loopback HTTP; then a bare httpx client
replays the very requests the hub made, to the same sandboxes, as the baseline.

    python bench/throughput.py [--events 300] [--rounds 3] [--prefill 100000] [--json]

Three processes, each party as it runs in reality: this one holds the four platforms (the
sandboxes) and fires Slack's webhooks; the hub is `passerelle run --config FILE`, its own
process; the baseline's bare client is a child process of its own. In one process, the GIL
would make every figure the sum of all three.

Each round fires `--events` signed Slack events at the hub, waits until every copy has reached
its sandbox, and has the bare client replay the hub's requests. Figures are medians over the
rounds; the ratio is the hub's deliveries per second over the baseline's requests per second.
The whole run is then repeated on a store that already holds `--prefill` events (with their
deliveries and links), so the cost of a growing store shows.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from support import (  # the script's folder is on the path: `python bench/throughput.py`
    AUTHOR,
    CHANNEL,
    MEMBER,
    TARGETS,
    HubProcess,
    Sandboxes,
    Seen,
    cpu_seconds,
    is_create,
    median,
    percentile,
    rss_mb,
    token,
)

from hub.app import ROUTER
from hub.events import Actor, Event, Kind, Ref
from hub.http import make_client
from hub.store import DONE, Store
from hub.store import schema as t

log = logging.getLogger("bench.throughput")


@dataclass
class Round:
    events: int
    deliveries: int
    seconds: float
    latencies: list[float]
    requests: list[tuple[str, Seen]]  # (connection, request) the hub made, for the replay
    hub_cpu_seconds: float
    baseline_requests: int = 0
    baseline_seconds: float = 0.0
    baseline_cpu_seconds: float = 0.0

    @property
    def deliveries_per_s(self) -> float:
        return self.deliveries / self.seconds

    @property
    def baseline_per_s(self) -> float:
        return self.baseline_requests / self.baseline_seconds if self.baseline_seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.deliveries_per_s / self.baseline_per_s if self.baseline_per_s else 0.0

    @property
    def hub_cpu_ms(self) -> float:
        """The hub process's CPU time per delivery: everything it did, webhooks included."""
        return 1000 * self.hub_cpu_seconds / max(1, self.deliveries)

    @property
    def baseline_cpu_ms(self) -> float:
        """The bare client's CPU time per request."""
        return 1000 * self.baseline_cpu_seconds / max(1, self.baseline_requests)


class Bench:
    """One hub process on one store, fed round after round."""

    def __init__(self, boxes: Sandboxes, hub: HubProcess, args: argparse.Namespace) -> None:
        self.boxes, self.hub_url, self.hub_pid, self.args = boxes, hub.url, hub.pid, args
        self.fire_client = httpx.AsyncClient(timeout=30.0)

    async def round(self, first: int, count: int) -> Round:
        """Fire `count` events and wait until all their copies have arrived."""
        slack = self.boxes.slack
        payloads = []
        for index in range(first, first + count):
            await slack.post(CHANNEL, AUTHOR, f"{token(index)} news from Lisbon, number {index}")
            payloads.append((index, slack.fired[-1]))
        marks = {name: len(rec.seen) for name, rec in self.boxes.recorders.items()}
        scanned = dict(marks)
        fired_at: dict[int, float] = {}
        gate = asyncio.Semaphore(self.args.in_flight)
        url = f"{self.hub_url}/webhooks/source-slack"

        async def fire(number: int, index: int, payload: dict[str, Any]) -> None:
            if self.args.rate:  # an offered load below saturation: latency without a queue
                await asyncio.sleep(max(0.0, started + number / self.args.rate
                                        - time.monotonic()))
            async with gate:
                body, headers = self.boxes.signed(payload)
                fired_at[index] = time.monotonic()
                for _ in range(5):  # a 503 means "again later", as Slack would retry
                    answer = await self.fire_client.post(url, content=body, headers=headers)
                    if answer.status_code == 200:
                        return
                    await asyncio.sleep(0.1)
                raise RuntimeError(f"the hub refused event {index}: {answer.status_code}")

        cpu_before = cpu_seconds(self.hub_pid)
        started = time.monotonic()
        firing = [asyncio.create_task(fire(n, i, p)) for n, (i, p) in enumerate(payloads)]
        wanted = set(range(first, first + count))
        arrived: dict[int, dict[str, float]] = {}
        deadline = started + self.args.timeout
        while time.monotonic() < deadline:
            self._arrivals(scanned, wanted, arrived)
            if len(arrived) == count and all(len(v) == len(TARGETS) for v in arrived.values()):
                break
            await asyncio.sleep(0.01)
        await asyncio.gather(*firing)
        deliveries = sum(len(v) for v in arrived.values())
        if deliveries < count * len(TARGETS):
            log.warning("round timed out: %d of %d copies arrived", deliveries,
                        count * len(TARGETS))
        ended = max((max(v.values()) for v in arrived.values()), default=time.monotonic())
        latencies = [max(v.values()) - fired_at[i] for i, v in arrived.items()
                     if len(v) == len(TARGETS)]
        requests = [(name, seen) for name, rec in self.boxes.recorders.items()
                    for seen in rec.seen[marks[name]:] if seen.started <= ended]
        return Round(count, deliveries, ended - started, latencies, requests,
                     cpu_seconds(self.hub_pid) - cpu_before)

    def _arrivals(self, marks: dict[str, int], wanted: set[int],
                  arrived: dict[int, dict[str, float]]) -> None:
        for name, rec in self.boxes.recorders.items():
            for seen in rec.seen[marks[name]:]:
                if seen.status < 300 and is_create(name, seen):
                    for index, _ in seen.tokens():
                        if index in wanted:
                            arrived.setdefault(index, {}).setdefault(name, seen.finished)
            marks[name] = len(rec.seen)

    async def aclose(self) -> None:
        await self.fire_client.aclose()


# Headers the bare client sets itself, for its own connection and body.
OWN_HEADERS = {b"host", b"content-length", b"connection"}


def requests_file(boxes: Sandboxes, requests: list[tuple[str, Seen]], path: Path) -> None:
    """What the baseline's process replays: each request in the hub's order, with its target
    (the sandbox's base URL joined to its path), headers and base64 body."""
    rows = [{"connection": connection, "method": seen.method,
             "url": f"{boxes.emulator(connection).base_url}{seen.path}"
                    + (f"?{seen.query.decode()}" if seen.query else ""),
             "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in seen.headers
                         if k.lower() not in OWN_HEADERS],
             "body": base64.b64encode(seen.body).decode()}
            for connection, seen in requests]
    path.write_text(json.dumps(rows), encoding="utf-8")


async def replay(boxes: Sandboxes, requests: list[tuple[str, Seen]]
                 ) -> tuple[int, float, float]:
    """The baseline: the hub's requests again, from a bare client in a process of its own
    (`--replay FILE`), against the same sandboxes. (requests, seconds, CPU seconds) as it
    counted them."""
    # The replayed sends must not make the WhatsApp sandbox report statuses to the hub:
    # that work would slow the baseline and flatter the ratio.
    whatsapp = boxes.whatsapp
    reporting, whatsapp.report_sent = whatsapp.report_sent, False
    try:
        with tempfile.TemporaryDirectory(prefix="passerelle-baseline-") as folder:
            path = Path(folder) / "requests.json"
            requests_file(boxes, requests, path)
            child = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--replay", str(path),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await child.communicate()
    finally:
        whatsapp.report_sent = reporting
    if child.returncode != 0:
        raise RuntimeError(f"the baseline's process exited with {child.returncode}:\n"
                           f"{err.decode(errors='replace')}")
    answer = json.loads(out.decode().strip().splitlines()[-1])
    return int(answer["requests"]), float(answer["seconds"]), float(answer["cpu_seconds"])


async def replay_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The baseline's process: the requests of `requests_file` as fast as a bare client can
    while keeping the hub's promise of order: one target's requests one after the other, in
    the order the hub made them, the three targets side by side."""
    by_target: dict[str, list[tuple[str, str, list[tuple[str, str]], bytes]]] = {}
    for row in rows:  # decoded before the clock starts
        by_target.setdefault(row["connection"], []).append(
            (row["method"], row["url"], [(k, v) for k, v in row["headers"]],
             base64.b64decode(row["body"])))
    async with make_client() as client:
        async def send(queue: list[tuple[str, str, list[tuple[str, str]], bytes]]) -> None:
            for method, url, headers, body in queue:
                answer = await client.request(method, url, headers=headers, content=body)
                if answer.status_code >= 400:
                    raise RuntimeError(f"baseline request {method} {url} answered "
                                       f"{answer.status_code}")

        started, cpu_before = time.monotonic(), time.process_time()
        await asyncio.gather(*(send(queue) for queue in by_target.values()))
        return {"requests": len(rows), "seconds": time.monotonic() - started,
                "cpu_seconds": time.process_time() - cpu_before}


def prefill(url: str, count: int) -> float:
    """Fill a store with `count` old events, three done deliveries and links each, and a
    router already past them: the history a long-running hub carries. Returns seconds.

    Rows go in by the thousand, shaped as `Store.append` and `Outbox.hand_over` write them."""
    started = time.monotonic()
    store = Store.open(url)
    try:
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        actor = Actor(platform="slack", native_id="U0OLD", name="Old Timer")
        endpoint = f"chat/{CHANNEL}"
        batch = 5000
        for first in range(1, count + 1, batch):
            now = time.time()
            events, deliveries, links = [], [], []
            for seq in range(first, min(count, first + batch - 1) + 1):
                native_id = f"{seq}.000100"
                event = Event(kind=Kind.MESSAGE_CREATED, occurred_at=moment, actor=actor,
                              source=Ref(platform="slack", connection="source-slack",
                                         endpoint=endpoint, native_id=native_id),
                              body=f"an old message, number {seq}", language="en")
                events.append({
                    "seq": seq, "id": event.id, "connection": "source-slack",
                    "endpoint": endpoint, "native_id": native_id, "kind": event.kind.value,
                    "revision": "", "parent_connection": None, "parent_native_id": None,
                    "stored_at": now, "body": event.model_dump_json()})
                for n, target in enumerate(TARGETS):
                    copy = f"old-{seq}-{n}"
                    deliveries.append({
                        "event_seq": seq, "bridge": "bench", "target": f"{target}/x",
                        "form": "message", "action": "create", "status": DONE, "attempts": 0,
                        "ordering_key": f"source-slack/{endpoint}>{target}/x",
                        "created_at": now, "age_from": now, "next_attempt_at": now,
                        "claimed_until": 0.0, "parked": False, "finished_at": now,
                        "native_id": copy})
                    links.append({
                        "origin_connection": "source-slack", "origin_endpoint": endpoint,
                        "origin_native_id": native_id, "connection": target, "endpoint": "x",
                        "native_id": copy, "role": "copy", "created_at": now})
            with store.engine.begin() as conn:
                conn.execute(t.events.insert(), events)
                conn.execute(t.deliveries.insert(), deliveries)
                conn.execute(t.links.insert(), links)
        last = store.last_seq()
        with store.engine.begin() as conn:
            conn.execute(t.tracking.insert().values(consumer=ROUTER, position=last))
    finally:
        store.close()
    return time.monotonic() - started


def stored_events(url: str) -> int:
    """The events in a store once its hub has stopped."""
    store = Store.open(url)
    try:
        return store.last_seq()
    finally:
        store.close()


async def run_store(boxes: Sandboxes, args: argparse.Namespace, filled: int, first: int
                    ) -> tuple[dict[str, Any], int]:
    """Every round against one hub process on a fresh store holding `filled` old events; the
    figures and the next free event number."""
    with tempfile.TemporaryDirectory(prefix="passerelle-bench-") as folder:
        hub = HubProcess.configure(boxes, Path(folder), concurrency=args.concurrency,
                                   tick=args.tick)
        if filled:
            say(args, f"filling a store with {filled:,} events, deliveries and links…")
            say(args, f"  filled in {prefill(hub.store_url, filled):.1f} s")
        rounds: list[Round] = []
        try:
            await hub.start()
            boxes.point_at(hub.url)
            await boxes.whatsapp.user_sends_text(MEMBER, "Olá a todos", name="Bea Lima")
            bench = Bench(boxes, hub, args)
            try:
                await bench.round(first, args.warmup)  # connections, tokens, caches
                first += args.warmup
                for number in range(args.rounds):
                    result = await bench.round(first, args.events)
                    first += args.events
                    (result.baseline_requests, result.baseline_seconds,
                     result.baseline_cpu_seconds) = await replay(boxes, result.requests)
                    rounds.append(result)
                    say(args, f"  round {number + 1}: hub {result.deliveries_per_s:7.1f} "
                              f"deliveries/s ({len(result.requests)} requests) · baseline "
                              f"{result.baseline_per_s:7.1f} requests/s · ratio "
                              f"{result.ratio:.2f}")
            finally:
                await bench.aclose()
            memory = rss_mb(hub.pid)
        except BaseException:
            say(args, f"the hub's log ends:\n{hub.log_tail()}")
            raise
        finally:
            await hub.stop()
        stored = stored_events(hub.store_url)
    latencies = [x for r in rounds for x in r.latencies]
    figures = {
        "stored_events": stored,
        "events": sum(r.events for r in rounds),
        "events_per_s": round(median(r.events / r.seconds for r in rounds), 1),
        "deliveries_per_s": round(median(r.deliveries_per_s for r in rounds), 1),
        "baseline_requests_per_s": round(median(r.baseline_per_s for r in rounds), 1),
        "ratio": round(median(r.ratio for r in rounds), 3),
        "latency_ms": {"p50": round(percentile(latencies, 0.5) * 1000, 1),
                       "p99": round(percentile(latencies, 0.99) * 1000, 1)},
        "rss_mb": round(memory, 1),
        "cpu_ms": {"hub_per_delivery": round(median(r.hub_cpu_ms for r in rounds), 2),
                   "baseline_per_request": round(median(r.baseline_cpu_ms for r in rounds), 2)},
        "requests_per_delivery": round(
            sum(len(r.requests) for r in rounds) / max(1, sum(r.deliveries for r in rounds)), 2),
        "lost_copies": sum(r.events * len(TARGETS) - r.deliveries for r in rounds),
    }
    return figures, first


def say(args: argparse.Namespace, line: str) -> None:
    print(line, file=sys.stderr if args.json else sys.stdout, flush=True)


def table(fresh: dict[str, Any], filled: dict[str, Any] | None) -> str:
    rows = [("stored events at the end", "stored_events", "{:,}"),
            ("events/s", "events_per_s", "{:.1f}"),
            ("hub deliveries/s", "deliveries_per_s", "{:.1f}"),
            ("baseline requests/s", "baseline_requests_per_s", "{:.1f}"),
            ("ratio", "ratio", "{:.2f}"),
            ("requests per delivery", "requests_per_delivery", "{:.2f}"),
            ("copies missing", "lost_copies", "{}"),
            ("hub process RSS (MiB)", "rss_mb", "{:.0f}")]
    cpu_rows = [("hub CPU ms per delivery", "hub_per_delivery"),
                ("baseline CPU ms per request", "baseline_per_request")]
    columns = [("fresh store", fresh)] + ([("prefilled store", filled)] if filled else [])
    out = [f"{'':26}" + "".join(f"{name:>18}" for name, _ in columns)]
    for label, key, fmt in rows:
        out.append(f"{label:26}" + "".join(f"{fmt.format(c[key]):>18}" for _, c in columns))
    for label, key in cpu_rows:
        out.append(f"{label:26}" + "".join(f"{c['cpu_ms'][key]:>18.2f}" for _, c in columns))
    for label in ("p50", "p99"):
        out.append(f"{'latency ' + label + ' (ms)':26}"
                   + "".join(f"{c['latency_ms'][label]:>18.1f}" for _, c in columns))
    return "\n".join(out)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    async with Sandboxes.serve() as boxes:
        say(args, f"fresh store: {args.rounds} round(s) of {args.events} events, "
                  f"3 targets, hub `passerelle run` with tick {args.tick} s")
        fresh, first = await run_store(boxes, args, 0, 1)
        filled = None
        if args.prefill:
            say(args, f"store prefilled with {args.prefill:,} events:")
            filled, _ = await run_store(boxes, args, args.prefill, first)
    say(args, table(fresh, filled))
    result = {key: fresh[key] for key in ("events", "events_per_s", "deliveries_per_s",
                                          "baseline_requests_per_s", "ratio", "latency_ms",
                                          "rss_mb", "cpu_ms")}
    if filled is not None:
        result["prefilled"] = filled
    return result


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300, help="events per round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per store")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured events first")
    parser.add_argument("--prefill", type=int, default=100_000,
                        help="events already in the second store (0: skip that run)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="the hub's delivery concurrency")
    parser.add_argument("--in-flight", type=int, default=8,
                        help="webhooks in flight at once towards the hub")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="events a second offered to the hub; 0: all at once (a burst)")
    parser.add_argument("--tick", type=float, default=0.5,
                        help="the hub's [scheduler] delivery_interval_seconds")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per round at most")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--replay", type=Path, metavar="FILE",
                        help="be the baseline's process: replay the requests in FILE, print "
                             "their count and seconds as JSON")
    args = parser.parse_args(argv)
    for name in ("events", "rounds", "concurrency", "in_flight"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.rate < 0:
        parser.error("--rate must be 0 (a burst) or more")
    return args


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    options = parse()
    if options.replay:
        replayed = json.loads(options.replay.read_text(encoding="utf-8"))
        print(json.dumps(asyncio.run(replay_rows(replayed))))
        sys.exit(0)
    figures = asyncio.run(main(options))
    print(json.dumps(figures) if options.json else json.dumps(figures, indent=2))
