"""Crash: the hub as its own process (`passerelle run`), SIGKILLed at random moments while
Slack events of every kind flow through it, restarted each time; then what reached the Zoom,
WhatsApp and Basecamp sandboxes is counted: lost, duplicated, out of order.

    python bench/crash.py [--events 2000] [--kills 6] [--seed 8] [--json]
    python bench/crash.py --store postgresql://postgres@127.0.0.1:5432/crashbench --hubs 2

The sandboxes run in this process; the hub's store is a SQLite file in a temporary folder, or
the PostgreSQL database `--store` names (emptied first), shared by `--hubs` processes that are
killed in turn. Slack's events are sent one after the other to a live hub, each again (to the
next live hub) until one answers 200, as a platform retries what was not acknowledged;
messages, thread replies, edits, deletes and files are mixed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from support import (  # the script's folder is on the path: `python bench/crash.py`
    AUTHOR,
    CHANNEL,
    MEMBER,
    TARGETS,
    HubProcess,
    Sandboxes,
    Seen,
    fresh_store,
    is_create,
    is_upload,
    own_store,
    read_store,
    store_kind,
    token,
)

log = logging.getLogger("bench.crash")
# Platforms that cannot apply a change: Basecamp 4 has no API to edit a Campfire line.
CANNOT_EDIT = {"network-basecamp"}


@dataclass
class Item:
    """One message at the source and what happened to it since."""

    index: int
    ts: str
    root: int | None = None
    file: bool = False
    edits: int = 0
    deleted: bool = False
    replies: int = 0


class Script:
    """The source side: acts as Slack's people on the sandbox, remembers what it did."""

    def __init__(self, boxes: Sandboxes, rng: random.Random, files: bool) -> None:
        self.boxes, self.rng, self.files = boxes, rng, files
        self.items: dict[int, Item] = {}
        self.kinds: Counter[str] = Counter()

    def _live(self, recent: int, *, roots: bool = False) -> list[Item]:
        chosen = [item for item in list(self.items.values())[-recent:] if not item.deleted
                  and (not roots or item.root is None)]
        return chosen

    async def act(self, index: int) -> dict[str, Any]:
        """Do the `index`-th thing at the source; the Events API payload it produced."""
        slack, roll = self.boxes.slack, self.rng.random()
        live = self._live(100)
        text = f"{token(index)} from Lisbon, item {index}"
        if roll < 0.2 and (roots := self._live(50, roots=True)):
            root = self.rng.choice(roots)
            posted = await slack.post(CHANNEL, AUTHOR, f"{text}, in a thread",
                                      thread_ts=root.ts)
            root.replies += 1
            self.items[index] = Item(index, posted["ts"], root=root.index)
            self.kinds["reply"] += 1
        elif roll < 0.32 and live:
            item = self.rng.choice(live)
            item.edits += 1
            await slack.edit(CHANNEL, item.ts,
                             f"{token(item.index)}.e{item.edits} edited, item {item.index}")
            self.kinds["edit"] += 1
        elif roll < 0.40 and (plain := [i for i in live if i.replies == 0]):
            # A thread root with replies stays as a tombstone on Slack: only leaves go.
            item = self.rng.choice(plain)
            item.deleted = True
            await slack.delete(CHANNEL, item.ts)
            self.kinds["delete"] += 1
        elif roll < 0.48 and self.files:
            content = f"{token(index)} file bytes\n".encode() * 8
            posted = await slack.share_file(CHANNEL, AUTHOR, f"{token(index)}.txt", content,
                                            "text/plain", text=f"{text}, with a file")
            self.items[index] = Item(index, posted["ts"], file=True)
            self.kinds["file"] += 1
        else:
            posted = await slack.post(CHANNEL, AUTHOR, text)
            self.items[index] = Item(index, posted["ts"])
            self.kinds["message"] += 1
        return slack.fired[-1]


@dataclass
class Run:
    boxes: Sandboxes
    hubs: list[HubProcess]
    script: Script
    args: argparse.Namespace
    rng: random.Random
    sent: int = 0
    kills: int = 0
    kill_moments: list[float] = field(default_factory=list)
    sending: bool = True
    retries: int = 0  # webhooks sent again because a hub did not acknowledge them
    _turn: int = 0

    def next_live(self) -> HubProcess | None:
        """The live hubs in turn (round-robin); None while every one is down."""
        for _ in self.hubs:
            hub = self.hubs[self._turn % len(self.hubs)]
            self._turn += 1
            if hub.live:
                return hub
        return None

    async def send_all(self, deadline: float) -> None:
        """Every action in turn, each sent until a hub acknowledges it, at most `--rate` a
        second: the source's pace, so the kills fall while events are still coming in. The
        hubs take turns; one that refuses or dies leaves the event to the next live one."""
        began = time.monotonic()
        async with httpx.AsyncClient(timeout=10.0) as client:
            for index in range(1, self.args.events + 1):
                if (ahead := began + index / self.args.rate - time.monotonic()) > 0:
                    await asyncio.sleep(ahead)
                payload = await self.script.act(index)
                while True:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"event {index} was never acknowledged")
                    if (hub := self.next_live()) is not None:
                        body, headers = self.boxes.signed(payload)
                        with contextlib.suppress(httpx.TransportError):
                            if (await client.post(f"{hub.url}/webhooks/source-slack",
                                                  content=body, headers=headers)
                                    ).status_code == 200:
                                break
                        self.retries += 1
                    await asyncio.sleep(0.05)
                self.sent = index
        self.sending = False

    async def nemesis(self, started: float) -> None:
        """SIGKILL at random moments, the hubs in turn, restarting each, until `--kills` were
        done. WhatsApp's status reports go to a hub that stays up meanwhile, when there is
        one (as a load balancer in front of the hubs would send them)."""
        while self.kills < self.args.kills:
            await asyncio.sleep(self.rng.uniform(self.args.kill_min, self.args.kill_max))
            victim = self.hubs[self.kills % len(self.hubs)]
            others = [hub for hub in self.hubs if hub is not victim and hub.live]
            if others:
                self.boxes.point_at(others[0].url)
            self.kill_moments.append(time.monotonic() - started)
            await victim.kill()
            self.kills += 1
            say(self.args, f"  kill {self.kills} at {self.kill_moments[-1]:5.1f} s "
                           f"({victim.name}), {self.sent} events acknowledged "
                           f"({'while sending' if self.sending else 'while delivering'})")
            await victim.start()
            if not others:
                self.boxes.point_at(victim.url)

    @property
    def store_url(self) -> str:
        return self.hubs[0].store_url

    def backlog(self) -> tuple[int, int]:
        """(pending deliveries, events not yet routed), read from the hubs' store."""
        with read_store(self.store_url) as db:
            pending = db.execute(text(
                "SELECT count(*) FROM deliveries WHERE status = 'pending'")).scalar_one()
            last = db.execute(text("SELECT coalesce(max(seq), 0) FROM events")).scalar_one()
            routed = db.execute(text(
                "SELECT coalesce(max(position), 0) FROM tracking")).scalar_one()
        return int(pending), int(last) - int(routed)

    async def settle(self, deadline: float) -> None:
        """Until the store has nothing left to route or deliver, three looks in a row."""
        calm = 0
        while calm < 3:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the hub still has work after the deadline: {self.backlog()}")
            calm = calm + 1 if self.backlog() == (0, 0) else 0
            await asyncio.sleep(0.5)

    def history(self, connection: str, ts: str) -> list[tuple[Any, ...]]:
        """The create deliveries of one source message to one target, for a diagnosis."""
        with read_store(self.store_url) as db:
            return [tuple(row) for row in db.execute(text(
                "SELECT d.id, d.status, d.attempts, d.last_error FROM deliveries d "
                "JOIN events e ON e.seq = d.event_seq WHERE e.native_id = :native "
                "AND d.target LIKE :target AND d.action = 'create'"),
                {"native": f"{CHANNEL}/{ts}", "target": f"{connection}/%"})]

    def dead_letters(self) -> Counter[str]:
        with read_store(self.store_url) as db:
            rows = db.execute(text("SELECT target, action, last_error FROM deliveries "
                                   "WHERE status = 'dead'")).all()
        return Counter(f"{target.split('/')[0]} {action}: {(error or '')[:70]}"
                       for target, action, error in rows)


@dataclass
class Tally:
    """What one target received, against what the source did."""

    lost: Counter[str] = field(default_factory=Counter)
    duplicated: Counter[str] = field(default_factory=Counter)
    out_of_order: Counter[str] = field(default_factory=Counter)
    checked: Counter[str] = field(default_factory=Counter)
    # Items that arrived more than once, with the moments (monotonic) of each arrival.
    twice: dict[int, list[float]] = field(default_factory=dict)


def tally(connection: str, seen: list[Seen], items: dict[int, Item]) -> Tally:
    result = Tally()
    done = [s for s in seen if s.status < 300]
    creates: dict[int, list[Seen]] = {}
    edits: dict[int, list[int]] = {}
    uploads: set[int] = set()
    for request in sorted(done, key=lambda s: s.finished):
        mark = request.token()
        if mark is None:
            continue
        index, edit = mark
        if is_upload(connection, request):
            uploads.add(index)
        elif edit:
            edits.setdefault(index, []).append(edit)
        elif is_create(connection, request):
            creates.setdefault(index, []).append(request)
    highest = 0
    for index, copies in sorted(creates.items(), key=lambda kv: kv[1][0].finished):
        result.duplicated["message"] += len(copies) - 1
        if len(copies) > 1:
            result.twice[index] = [copy.finished for copy in copies]
        if index < highest:
            result.out_of_order["message"] += 1
        highest = max(highest, index)
    for item in items.values():
        result.checked["message"] += 1
        if item.index not in creates:
            result.lost["message"] += 1
            continue
        if item.file:
            result.checked["file"] += 1
            if item.index not in uploads:
                result.lost["file"] += 1
        made = edits.get(item.index, [])
        if item.edits and not item.deleted and connection not in CANNOT_EDIT:
            result.checked["edit"] += 1
            if item.edits not in made:
                result.lost["edit"] += 1
            elif made[-1] != item.edits:
                result.out_of_order["edit"] += 1  # an older text landed after the newest
        result.checked["delete"] += item.deleted
        if item.deleted and not deleted_on(connection, creates[item.index][0], done):
            result.lost["delete"] += 1
    return result


def deleted_on(connection: str, copy: Seen, done: list[Seen]) -> bool:
    """Whether the copy made by `copy` was later removed (or, on WhatsApp, which cannot delete
    what a business sent, answered with a notice quoting it)."""
    answer = json.loads(copy.response or b"{}")
    if connection == "members-whatsapp":
        wamid = answer["messages"][0]["id"]
        return any(s.method == "POST" and s.path.endswith("/messages") and s.finished >
                   copy.finished and wamid.encode() in s.body for s in done)
    native = str(answer["id"])
    return any(s.method == "DELETE" and native in s.path for s in done)


class CutOff(logging.Filter):
    """Counts, instead of printing, the sandboxes' complaints about requests a kill cut off
    half-way (uvicorn reports each as an exception in the app)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and type(record.exc_info[1]).__name__ == "ClientDisconnect":
            self.count += 1
            return False
        return True


def say(args: argparse.Namespace, line: str) -> None:
    print(line, file=sys.stderr if args.json else sys.stdout, flush=True)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    # One generator for the source's actions, one for the kills' moments: the script is the
    # same for a seed whatever the kills' timing does to its interleaving.
    acting, killing = random.Random(args.seed), random.Random(f"kills {args.seed}")
    cut_off = CutOff()
    logging.getLogger("uvicorn.error").addFilter(cut_off)
    started = time.monotonic()
    deadline = started + args.timeout
    with tempfile.TemporaryDirectory(prefix="passerelle-crash-") as folder:
        root = Path(folder)
        store_url = args.store or f"sqlite:///{root / 'bench.db'}"
        fresh_store(store_url)
        async with Sandboxes.serve() as boxes:
            names = ["hub"] if args.hubs == 1 else [f"hub-{n}" for n in range(1, args.hubs + 1)]
            hubs = [HubProcess.configure(boxes, root, concurrency=8, tick=args.tick,
                                         store_url=store_url, name=name) for name in names]
            run = Run(boxes, hubs, Script(boxes, acting, args.files), args, killing)
            try:
                for hub in hubs:
                    await hub.start()
                boxes.point_at(hubs[0].url)
                await boxes.whatsapp.user_sends_text(MEMBER, "Olá a todos", name="Bea Lima")
                say(args, f"{args.events} events through {describe(args)} killed {args.kills} "
                          f"times (seed {args.seed})")
                await asyncio.gather(run.send_all(deadline), run.nemesis(started))
                await run.settle(deadline)
            except BaseException:
                for hub in hubs:
                    say(args, f"{hub.name}'s log ends:\n{hub.log_tail()}")
                raise
            finally:
                for hub in hubs:
                    await hub.stop()
                if args.keep:
                    kept = shutil.copytree(root, tempfile.mkdtemp(prefix="passerelle-crash-kept-"),
                                           dirs_exist_ok=True)
                    where = f"; the store stays at {args.store}" if args.store else ""
                    say(args, f"the hubs' logs and configurations kept in {kept}{where}")
            dead = run.dead_letters()
            tallies = {name: tally(name, boxes.recorders[name].seen, run.script.items)
                       for name in TARGETS}
            twice = {(name, index): (run.history(name, run.script.items[index].ts),
                                     [moment - started for moment in moments])
                     for name, t in tallies.items() for index, moments in t.twice.items()}
            errors = [line.split(" ERROR ", 1)[1] for hub in hubs
                      for line in hub.log_path.read_text(errors="replace").splitlines()
                      if " ERROR " in line]
    elapsed = time.monotonic() - started
    restarts = [moment for hub in hubs for moment in hub.starts[1:]] or [0.0]
    say(args, f"done in {elapsed:.0f} s: {dict(run.script.kinds)}; hub restarts took "
              f"{min(restarts):.1f}–{max(restarts):.1f} s; {run.retries} webhooks sent again; "
              f"{len(errors)} ERROR lines in the hubs' logs; "
              f"{cut_off.count} requests to the sandboxes cut off by a kill")
    for line, count in Counter(errors).most_common(5):
        say(args, f"  ERROR ×{count}: {line[:160]}")
    for name, t in tallies.items():
        say(args, f"  {name:18} checked {dict(t.checked)}")
        say(args, f"  {'':18} lost {dict(t.lost) or 0}  duplicated {dict(t.duplicated) or 0}"
                  f"  out of order {dict(t.out_of_order) or 0}")
    for (name, index), (rows, moments) in twice.items():
        kill = min(run.kill_moments, key=lambda k: abs(k - moments[0]), default=0.0)
        say(args, f"  {token(index)} reached {name} at "
                  f"{', '.join(f'{m:.2f}' for m in moments)} s (nearest kill {kill:.2f} s); "
                  f"file: {run.script.items[index].file}; its delivery there: {rows}")
    for reason, count in sorted(dead.items()):
        say(args, f"  dead letter ×{count}: {reason}")
    return {"events": run.sent, "kills": run.kills, "hubs": args.hubs,
            "store": store_kind(store_url),
            "lost": sum(sum(t.lost.values()) for t in tallies.values()),
            "duplicated": sum(sum(t.duplicated.values()) for t in tallies.values()),
            "out_of_order": sum(sum(t.out_of_order.values()) for t in tallies.values())}


def describe(args: argparse.Namespace) -> str:
    kind = "PostgreSQL" if args.store and store_kind(args.store) == "postgresql" else "SQLite"
    return f"a hub on its {kind} store" if args.hubs == 1 else \
        f"{args.hubs} hubs on their {kind} store"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="actions at the source")
    parser.add_argument("--kills", type=int, default=6,
                        help="SIGKILLs, of the hubs in turn")
    parser.add_argument("--store", metavar="URL",
                        help="the hubs' store, emptied first: a PostgreSQL database of the "
                             "bench's own (its name contains \"bench\"), or a SQLite file; "
                             "default: a SQLite file in a temporary folder")
    parser.add_argument("--hubs", type=int, default=1,
                        help="hub processes sharing the store (more than one: PostgreSQL)")
    parser.add_argument("--kill-min", type=float, default=1.0,
                        help="fewest seconds between a restart and the next kill")
    parser.add_argument("--kill-max", type=float, default=6.0,
                        help="most seconds between a restart and the next kill")
    parser.add_argument("--rate", type=float, default=40.0,
                        help="most events a second the source sends")
    parser.add_argument("--seed", type=int, default=8, help="the random choices, reproducible")
    parser.add_argument("--no-files", dest="files", action="store_false",
                        help="no file shares among the actions")
    parser.add_argument("--tick", type=float, default=0.05,
                        help="the hub's [scheduler] delivery_interval_seconds")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds at most, in all")
    parser.add_argument("--keep", action="store_true",
                        help="keep the hubs' logs and configurations, and a SQLite store")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args(argv)
    if args.events < 1 or args.kills < 0 or args.rate <= 0 or \
            not 0 < args.kill_min <= args.kill_max:
        parser.error("--events ≥ 1, --kills ≥ 0, --rate > 0 and 0 < --kill-min ≤ --kill-max")
    if args.hubs < 1:
        parser.error("--hubs must be 1 or more")
    try:
        kind = own_store(args.store) if args.store else "sqlite"
    except ValueError as exc:
        parser.error(f"--store: {exc}")
    if args.hubs > 1 and kind != "postgresql":
        parser.error(f"--hubs {args.hubs} needs a PostgreSQL store (--store "
                     "postgresql://…/crashbench): a SQLite file has one writer, one hub "
                     "process")
    return args


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    options = parse()
    figures = asyncio.run(main(options))
    print(json.dumps(figures))
