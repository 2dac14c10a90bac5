"""What both benchmarks share: one small network of sandboxes, the hub's settings for it, a
recorder of every request that reaches a sandbox, the hub as its own process, and a few
statistics.

The network: a Slack channel feeds one bridge (webhooks in); a Zoom Team Chat channel, a
WhatsApp circle of one member and a Basecamp Campfire receive its copies (three targets out).
Every source message carries a token `bench-NNNNNN` that survives every platform's markup, so
a request seen by a sandbox says which event it delivers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import resource
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import URL, Connection, Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.sandbox.base import Emulator, serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.sandbox.slack import SlackEmulator
from hub.sandbox.whatsapp import WhatsAppEmulator
from hub.sandbox.zoom import ZoomEmulator

CHANNEL = "C0SOURCE"
AUTHOR = "U0ANA"
MEMBER = "351912345678"
ZOOM_CHANNEL = "C1"
TOKEN = re.compile(rb"bench-(\d{6})(?:\.e(\d+))?")
TARGETS = ("network-zoom", "members-whatsapp", "network-basecamp")
# The sandboxes' fake credentials, as long as the hub asks real ones to be (16 characters at
# least, no blanks), and the admin token of the hub's /api.
SLACK_TOKEN = "xoxb-bench-bot-token"  # noqa: S105
SLACK_SIGNING_SECRET = "bench-signing-secret"  # noqa: S105
BASECAMP_TOKEN = "bench-basecamp-access-token"  # noqa: S105
BASECAMP_REFRESH = "bench-basecamp-refresh-token"
BASECAMP_CLIENT_SECRET = "bench-basecamp-client-secret"  # noqa: S105
WHATSAPP_VERIFY = "bench-whatsapp-verify-token"
ADMIN_TOKEN = "bench-hub-admin-token"  # noqa: S105


def token(index: int) -> str:
    return f"bench-{index:06d}"


@dataclass
class Seen:
    """One request a sandbox answered: what, when, and which bench events it names."""

    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    status: int
    started: float
    finished: float
    response: bytes

    def tokens(self) -> list[tuple[int, int]]:
        """(event index, edit number or 0) of every token in the request body."""
        return [(int(m.group(1)), int(m.group(2) or 0)) for m in TOKEN.finditer(self.body)]

    def token(self) -> tuple[int, int] | None:
        """The token of the item this request is about: a quoted parent is always older, so
        it is the highest one."""
        return max(self.tokens(), default=None)


class Recorder:
    """ASGI middleware keeping every request and its answer (status and a short body)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[Seen] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        chunks: list[bytes] = []
        answer: list[bytes] = []
        status = 0

        async def reading() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and sum(map(len, answer)) < 4096:
                answer.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, reading, answering)
        finally:
            self.seen.append(Seen(scope["method"], scope["path"], scope.get("query_string", b""),
                                  list(scope["headers"]), b"".join(chunks), status, started,
                                  time.monotonic(), b"".join(answer)))


def record(emulator: Emulator) -> Recorder:
    """Put a recorder in front of an emulator (before it is served)."""
    recorder = Recorder(emulator.app)
    emulator.app = recorder
    return recorder


@dataclass
class Sandboxes:
    """The four sandboxes of the bench network, served on loopback, each with its recorder."""

    slack: SlackEmulator
    zoom: ZoomEmulator
    whatsapp: WhatsAppEmulator
    basecamp: BasecampEmulator
    project: int
    recorders: dict[str, Recorder] = field(default_factory=dict)

    @classmethod
    @contextlib.asynccontextmanager
    async def serve(cls) -> AsyncIterator[Sandboxes]:
        # Pacing is the platforms' business and each connector honours it; here it is off,
        # so the figures are the hub's and not a rate limit's.
        slack = SlackEmulator(token=SLACK_TOKEN, signing_secret=SLACK_SIGNING_SECRET,
                              channel_interval=0.0)
        slack.add_channel(CHANNEL)
        slack.add_user(AUTHOR, "Ana Souza")
        zoom, whatsapp = ZoomEmulator(), WhatsAppEmulator()
        basecamp = BasecampEmulator(token=BASECAMP_TOKEN, refresh_token=BASECAMP_REFRESH,
                                    client_secret=BASECAMP_CLIENT_SECRET)
        whatsapp.user(MEMBER, "Bea Lima")
        project = basecamp.add_project("Cities network")
        recorders = {"network-zoom": record(zoom), "members-whatsapp": record(whatsapp),
                     "network-basecamp": record(basecamp)}
        async with serve_emulator(slack), serve_emulator(zoom), serve_emulator(whatsapp), \
                serve_emulator(basecamp):
            yield cls(slack, zoom, whatsapp, basecamp, project, recorders)

    def emulator(self, connection: str) -> Emulator:
        return {"network-zoom": self.zoom, "members-whatsapp": self.whatsapp,
                "network-basecamp": self.basecamp, "source-slack": self.slack}[connection]

    def settings(self, store_url: str, port: int, *, concurrency: int, tick: float
                 ) -> dict[str, Any]:
        """The hub's configuration for this network (also written as TOML for a process)."""
        account = self.zoom.account
        basecamp = self.basecamp
        return {
            "store": {"url": store_url},
            # With an admin token of its own, the hub writes none to a file.
            "web": {"port": port, "admin_token": ADMIN_TOKEN},
            "scheduler": {"delivery_interval_seconds": tick, "poll_interval_seconds": 3600.0},
            "delivery": {"backoff_base_seconds": 0.2, "backoff_cap_seconds": 2.0,
                         "concurrency": concurrency, "lease_seconds": 60.0},
            "translation": {"enabled": False},
            "connections": {
                "source-slack": {
                    "type": "slack", "bot_token": self.slack.token,
                    "signing_secret": self.slack.signing_secret,
                    "base_url": f"{self.slack.base_url}/api"},
                "network-zoom": {
                    "type": "zoom", "base_url": self.zoom.base_url,
                    "oauth_url": self.zoom.base_url, "account_id": account.account_id,
                    "client_id": account.client_id, "client_secret": account.client_secret,
                    "secret_token": account.secret_token, "chat_user": account.host_email},
                "members-whatsapp": {
                    "type": "whatsapp", "base_url": self.whatsapp.base_url,
                    "phone_number_id": self.whatsapp.phone_number_id,
                    "access_token": self.whatsapp.access_token,
                    "app_secret": self.whatsapp.app_secret, "verify_token": WHATSAPP_VERIFY,
                    "circles": {"general": {"members": [MEMBER]}},
                    "template": {"name": "new_post", "language": "pt_PT",
                                 "parameters": ["{author}", "{preview}"]}},
                "network-basecamp": {
                    "type": "basecamp", "base_url": basecamp.base_url,
                    "launchpad_url": basecamp.base_url, "account_id": basecamp.account_id,
                    "contact": "ops@example.org", "access_token": BASECAMP_TOKEN,
                    "refresh_token": BASECAMP_REFRESH, "client_id": basecamp.client_id,
                    "client_secret": BASECAMP_CLIENT_SECRET,
                    "own_identities": [str(basecamp.me["id"])]},
            },
            "bridges": {"bench": {"translate": False, "endpoints": [
                {"at": f"source-slack/chat/{CHANNEL}", "direction": "in"},
                {"at": f"network-zoom/chat/{ZOOM_CHANNEL}", "direction": "out"},
                {"at": "members-whatsapp/circle/general", "direction": "out"},
                {"at": f"network-basecamp/chat/{self.project}", "direction": "out"},
            ]}},
        }

    def point_at(self, hub_url: str) -> None:
        """Where the sandboxes fire their webhooks."""
        self.slack.webhook_url = None  # the bench fires Slack's events itself, see `signed`
        self.whatsapp.webhook_url = f"{hub_url}/webhooks/members-whatsapp"

    def signed(self, payload: Mapping[str, Any]) -> tuple[bytes, dict[str, str]]:
        """An Events API request body and its headers, signed now as Slack signs them."""
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()))
        return body, {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
                      "X-Slack-Signature": self.slack.sign(stamp, body)}


class HubProcess:
    """`passerelle run --config …` as a child process, as operators run it: its scheduler and
    wake-up pump route and deliver. Started, stopped, or killed and started again.

    Several may share one PostgreSQL store, each with its own port, configuration and log
    (`name`.toml and `name`.log in the folder)."""

    def __init__(self, folder: Path, url: str, store_url: str, name: str = "hub") -> None:
        self.folder, self.url, self.store_url, self.name = folder, url, store_url, name
        self.process: asyncio.subprocess.Process | None = None
        self.starts: list[float] = []  # seconds from spawn to healthy
        self.live = False  # healthy since its last start, not killed or stopped since

    @classmethod
    def configure(cls, boxes: Sandboxes, folder: Path, *, concurrency: int, tick: float,
                  store_url: str | None = None, name: str = "hub") -> HubProcess:
        """A hub for the bench network, its configuration and log in `folder`, and its store
        there too (a SQLite file) unless `store_url` names one."""
        port = free_port()
        store_url = store_url or f"sqlite:///{folder / 'hub.db'}"
        hub = cls(folder, f"http://127.0.0.1:{port}", store_url, name)
        settings = boxes.settings(store_url, port, concurrency=concurrency, tick=tick)
        hub.config.write_text(toml(settings), encoding="utf-8")
        return hub

    @property
    def config(self) -> Path:
        return self.folder / f"{self.name}.toml"

    @property
    def log_path(self) -> Path:
        return self.folder / f"{self.name}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, within: float = 60.0) -> None:
        spawned = time.monotonic()
        # In its folder: what the hub makes for itself beside a store it cannot put it next to
        # (a PostgreSQL one), it makes there, shared by every hub of the bench, not here.
        with self.log_path.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "hub.cli", "run", "--config", str(self.config),
                stdout=output, stderr=output, cwd=self.folder)
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() - spawned < within:
                if self.process.returncode is not None:
                    raise RuntimeError(f"the hub exited with {self.process.returncode}; see "
                                       f"{self.log_path}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        self.starts.append(time.monotonic() - spawned)
                        self.live = True
                        return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"the hub was not healthy within {within:.0f} s; see {self.log_path}")

    async def kill(self) -> None:
        assert self.process is not None
        self.live = False
        self.process.kill()  # SIGKILL: no cleanup, no flush, mid-whatever it was doing
        await self.process.wait()

    async def stop(self) -> None:
        self.live = False
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 20.0)
        except TimeoutError:
            await self.kill()

    def log_tail(self, lines: int = 20) -> str:
        """The end of the hub's log, to explain a failure before its folder goes away."""
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def _engine(url: str | URL, **options: Any) -> Engine:
    """An engine of no pool for a store URL, with the driver the hub uses for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, poolclass=NullPool, **options)


def store_kind(url: str) -> str:
    """The store's backend, sqlite or postgresql; ValueError for another or no URL."""
    try:
        backend = make_url(url).get_backend_name()
    except Exception as exc:  # SQLAlchemy's ArgumentError, and whatever a bad URL raises
        raise ValueError(f"{url!r} is not a store URL ({exc})") from None
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"{url!r}: the hub's store is sqlite:///FILE or postgresql://…")
    return backend


def own_store(url: str) -> str:
    """The store's backend if the bench may empty it: the file's or the database's name
    contains "bench" (`crashbench`, `/tmp/bench.db`), so it is no one else's; else
    ValueError."""
    kind = store_kind(url)
    parsed = make_url(url)
    name = (parsed.database or "") if kind == "postgresql" else \
        Path(parsed.database or "").name
    if not re.fullmatch(r"[a-z0-9_.-]*bench[a-z0-9_.-]*", name):
        raise ValueError(f"the bench empties the store it is given, and {name or url!r} may "
                         "be someone else's: give it one of its own, whose name contains "
                         "\"bench\" (lower case, digits, ._-), e.g. postgresql://…/crashbench")
    return kind


def fresh_store(url: str) -> None:
    """Make a store of the bench's own (`own_store`) empty before a run: a SQLite file is
    deleted; a PostgreSQL database is created if it does not exist, and its `public` schema
    dropped and made again."""
    kind = own_store(url)
    parsed = make_url(url)
    name = parsed.database or ""
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    server = _engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                            {"name": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))  # a checked name, see above
    finally:
        server.dispose()
    engine = _engine(parsed)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@contextlib.contextmanager
def read_store(url: str) -> Iterator[Connection]:
    """A hub's store, read-only, beside its running hubs (SQLite or PostgreSQL)."""
    parsed = make_url(url)
    if store_kind(url) == "sqlite":
        engine = _engine(f"sqlite:///file:{parsed.database}?mode=ro&uri=true",
                         connect_args={"timeout": 10})
    else:
        engine = _engine(parsed, connect_args={
            "options": "-c default_transaction_read_only=on"})
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def is_create(connection: str, seen: Seen) -> bool:
    """Whether a request made a new message on its platform (not a file upload, an edit or a
    read). A Campfire line with a file is two requests, the line and the upload: the line."""
    if seen.method != "POST":
        return False
    if connection == "network-basecamp":
        return seen.path.endswith("/lines.json") and "/chats/" in seen.path
    return seen.path.endswith("/messages")


def is_upload(connection: str, seen: Seen) -> bool:
    """Whether a request carried a file's bytes to its platform."""
    if seen.method != "POST":
        return False
    suffix = {"network-zoom": "/files", "members-whatsapp": "/media",
              "network-basecamp": "/uploads.json"}[connection]
    return seen.path.endswith(suffix)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Iterable[float]) -> float:
    return percentile(list(values), 0.5)


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int | None = None) -> float:
    """Resident memory now, in MiB, of this process or of `pid`."""
    status = Path(f"/proc/{pid or os.getpid()}/status")
    with contextlib.suppress(OSError):
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def toml(data: Mapping[str, Any]) -> str:
    """A TOML document for nested tables of strings, numbers, booleans and lists."""
    lines: list[str] = []

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int | float):
            return repr(item)
        if isinstance(item, str):
            return json.dumps(item)
        if isinstance(item, list | tuple):
            return "[" + ", ".join(value(x) for x in item) + "]"
        if isinstance(item, Mapping):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(v)}" for k, v in item.items()) + "}"
        raise TypeError(f"cannot write {type(item).__name__} as TOML")

    def table(prefix: str, body: Mapping[str, Any]) -> None:
        plain = {k: v for k, v in body.items() if not isinstance(v, Mapping)}
        nested = {k: v for k, v in body.items() if isinstance(v, Mapping)}
        if prefix and (plain or not nested):
            lines.append(f"[{prefix}]")
        lines.extend(f"{json.dumps(k)} = {value(v)}" for k, v in plain.items())
        for key, sub in nested.items():
            table(f"{prefix}.{json.dumps(key)}" if prefix else json.dumps(key), sub)

    table("", data)
    return "\n".join(lines) + "\n"
