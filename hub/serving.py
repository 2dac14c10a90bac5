"""The hub's own HTTP server: uvicorn on a socket the hub binds, within limits a client cannot
stretch.

Each limit lives where the thing it bounds can be seen:

- **connections**: uvicorn's `limit_concurrency` answers 503 (and closes) to a request that
  arrives while `max_connections` others are open. It counts every open connection, idle
  keep-alive ones and ones still sending their headers included, so it needs the next limit.
- **time**: a request's headers must arrive within `header_timeout_seconds` of the connection
  opening (or of the previous response), its body within `body_timeout_seconds` of its headers.
  uvicorn has no header timeout, and its keep-alive timer stops at the first byte, so one
  byte a minute held a connection for ever. Only the protocol sees a connection before it is
  a request: `_TimedProtocol` keeps the deadlines there. A late body is answered 408.
- **bytes**: the bodies the app has read and still holds, summed over every request in
  flight, stay under `max_buffered_body_bytes` (`BodyBudget`, an ASGI middleware); a request
  whose body would pass it is answered 503 with Retry-After. One body's own cap is the app's
  (`[web] max_body_bytes`, in hub/web.py).
- **the address**: a port already taken, a host not on this machine or a privileged port is
  a `ConfigError` that names the setting to change, not a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import FrameType
from typing import Any, ClassVar

import h11
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.errors import ConfigError

log = logging.getLogger(__name__)
LOOPBACK = "127.0.0.1"
BUSY_RETRY_AFTER_SECONDS = 5
CLOSE_GRACE_SECONDS = 5
_REQUEST_TIMEOUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                    b"content-length: 16\r\nconnection: close\r\n\r\nrequest timeout\n")
_BUSY_BODY = b"too many request bodies in flight; try again later\n"


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """What one client, or many together, may hold of the hub's web server."""

    max_connections: int = 256
    header_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 30.0
    max_buffered_body_bytes: int = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("max_connections", "header_timeout_seconds", "body_timeout_seconds",
                     "max_buffered_body_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"ServerLimits.{name} must be positive")


@dataclass(frozen=True, slots=True)
class Listening:
    """A running server: where it is reached, and its body budget (to read how full it is)."""

    url: str
    budget: BodyBudget


class BodyBudget:
    """ASGI middleware holding the bytes of request bodies read and not yet done with, summed
    over every request in flight, under `limit`.

    A body whose next chunk would pass the limit is refused: the client is answered 503 with
    Retry-After, the app is told the client left, and what the app then sends or raises is
    dropped. A request's bytes come back when the app returns. The connection stays open: the
    rest of the body is read and dropped as it comes (within the body deadline), so the client
    reads its 503 rather than a reset from a socket closed on its unread bytes.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_use = 0
        self.peak = 0  # the most ever held at once
        self.refused = 0  # since the budget last had room to spare; for the recovery log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held = 0
        answered = False  # by us: the app's own answer no longer goes out
        started = False  # the app began its answer: too late for ours
        gone = False  # the app was told the client left

        async def counted_receive() -> Message:
            nonlocal held, answered, gone
            if answered:
                gone = True
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.disconnect":
                gone = True
            size = len(message.get("body", b""))
            if not size:
                return message
            if self.in_use + size <= self.limit:
                self.in_use += size
                self.peak = max(self.peak, self.in_use)
                held += size
                return message
            self._note_refusal()
            if not started:
                answered = True
                await send({"type": "http.response.start", "status": 503, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(_BUSY_BODY)).encode()),
                    (b"retry-after", str(BUSY_RETRY_AFTER_SECONDS).encode())]})
                await send({"type": "http.response.body", "body": _BUSY_BODY})
            gone = True
            return {"type": "http.disconnect"}

        async def watched_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except Exception:
            # An app told that its client left fails the way it fails on a real disconnect
            # (Starlette raises ClientDisconnect); nobody is listening for its answer.
            if not gone:
                raise
            log.debug("%s %s ended after its client left", scope["method"], scope["path"])
        finally:
            self.in_use -= held
            if self.refused and self.in_use <= self.limit // 2:
                log.info("request bodies fit again after %d refused with 503", self.refused)
                self.refused = 0

    def _note_refusal(self) -> None:
        if not self.refused:
            log.warning("request bodies in flight hold %d of the %d bytes [web] "
                        "max_buffered_body_bytes allows: refusing more with 503 until some end",
                        self.in_use, self.limit)
        self.refused += 1


class _TimedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's headers, then its body.

    One timer at a time follows the client's side of h11's state machine: IDLE (headers
    awaited), SEND_BODY (body awaited), anything else (no deadline). Subclassed per server
    with its `limits`.
    """

    limits: ClassVar[ServerLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._awaiting: type[h11.IDLE] | type[h11.SEND_BODY] | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._follow()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()  # a keep-alive connection now awaits the next request's headers

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _follow(self) -> None:
        state = self.conn.their_state
        awaiting = state if state is h11.IDLE or state is h11.SEND_BODY else None
        if self.transport.is_closing():
            awaiting = None
        if awaiting is self._awaiting:
            return
        self._disarm()
        if awaiting is not None:
            seconds = (self.limits.header_timeout_seconds if awaiting is h11.IDLE
                       else self.limits.body_timeout_seconds)
            self._deadline = self.loop.call_later(seconds, self._expire)
            self._awaiting = awaiting

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline, self._awaiting = None, None

    def _expire(self) -> None:
        awaiting, self._deadline, self._awaiting = self._awaiting, None, None
        if self.transport.is_closing():
            return
        cycle = self.cycle if awaiting is h11.SEND_BODY else None
        if awaiting is h11.IDLE:
            # Half a request is answered; a connection that sent nothing is just closed, as
            # an idle keep-alive one is (a client may be sending its request right now).
            if self.conn.trailing_data[0].strip():
                self.transport.write(_REQUEST_TIMEOUT)
        elif cycle is not None and not cycle.response_started:
            self.transport.write(_REQUEST_TIMEOUT)
        if cycle is not None:
            # The app stops waiting for the rest of the body, and its answer goes nowhere.
            cycle.disconnected = True
            cycle.message_event.set()
        log.debug("closing %s: its request's %s took too long", self.client,
                  "headers" if awaiting is h11.IDLE else "body")
        self.transport.close()


def _protocol_for(limits: ServerLimits) -> type[_TimedProtocol]:
    return type("TimedProtocol", (_TimedProtocol,), {"limits": limits})


class _Server(uvicorn.Server):
    """A uvicorn server that says when it listens, and stops as soon as it is told to."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()
        self._exit = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()

    def stop(self) -> None:
        self.should_exit = True
        self._exit.set()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._exit.set()

    async def main_loop(self) -> None:
        # uvicorn looks every 0.1 s whether it should stop: a tenth of a second lost at each
        # stop. Here a stop wakes the loop at once; a tick still comes each second (it keeps
        # the Date header current, counting tenths).
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit.wait(), timeout=1.0)


async def _bind(host: str, port: int) -> list[socket.socket]:
    """Sockets bound (not yet listening) on every address `host` names, as asyncio would."""
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ConfigError(f"cannot listen on {host}:{port}: no such host name; set [web] host "
                          "(HUB_WEB__HOST) to an address of this machine") from None
    bound: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(found):
            sock = socket.socket(family, kind, proto)
            bound.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in bound:
            sock.close()
        raise ConfigError(_cannot_listen(host, port, exc)) from None
    return bound


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    where = f"cannot listen on {host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (f"{where}: the address is in use; stop the other process or set [web] port "
                "(HUB_WEB__PORT)")
    if exc.errno == errno.EACCES:
        return (f"{where}: permission denied (ports below 1024 need privileges); set [web] "
                "port (HUB_WEB__PORT) to 1024 or above")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"{where}: no such address on this machine; set [web] host (HUB_WEB__HOST) "
                "to one of its addresses")
    return f"{where}: {exc.strerror or exc}; check [web] host and port"


def _url(host: str, port: int) -> str:
    # Listening on every address, the hub is still reached here through loopback.
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming it, not binding to it
        host = LOOPBACK
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.asynccontextmanager
async def serve(app: ASGIApp, port: int = 0, host: str = LOOPBACK,
                limits: ServerLimits | None = None) -> AsyncIterator[Listening]:
    """Serve `app` in this event loop within `limits`, on loopback unless told.

    Raises ConfigError, naming the setting to change, when the address cannot be had.
    """
    limits = limits or ServerLimits()
    budget = BodyBudget(app, limits.max_buffered_body_bytes)
    # uvicorn refuses a request once `limit_concurrency` connections are open, its own
    # among them: one more lets `max_connections` be served. Its log lines go where the
    # hub's go, rather than through a logging setup of its own.
    # A request still open when the server closes (a client that never reads its answer, a
    # stream) gets this long, then is cut: without a bound, uvicorn waits for it for ever and
    # the hub never finishes stopping.
    config = uvicorn.Config(budget, http=_protocol_for(limits), ws="none", lifespan="off",
                            limit_concurrency=limits.max_connections + 1,
                            timeout_graceful_shutdown=CLOSE_GRACE_SECONDS,
                            log_config=None, log_level="warning", access_log=False)
    sockets = await _bind(host, port)
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=sockets))
    ready = asyncio.create_task(server.listening.wait())
    try:
        await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            task.result()  # raises what stopped it
            raise RuntimeError("the web server stopped before it listened")
        yield Listening(_url(host, sockets[0].getsockname()[1]), budget)
    finally:
        ready.cancel()
        server.stop()
        await task
        for sock in sockets:
            sock.close()
