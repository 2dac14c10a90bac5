"""The hub's HTTP server within its limits, over real sockets on loopback.

Every deadline under test is configured small (half a second) and waited for with a generous
bound: a limit that does not hold shows as a bound reached, never as a race lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from uvicorn.server import ServerState

from hub.errors import ConfigError
from hub.serving import (
    BUSY_RETRY_AFTER_SECONDS,
    Listening,
    ServerLimits,
    _protocol_for,
    _url,
    serve,
)
from hub.testing.waiting import until

BOUND = 10.0  # seconds: far beyond any limit under test, only reached when one fails
# One deadline small at a time: the other stays out of the way, so that a connection
# accepted a moment before its bytes are read is never mistaken for a silent one.
HEADS = ServerLimits(header_timeout_seconds=0.5, body_timeout_seconds=60)
BODIES = ServerLimits(header_timeout_seconds=60, body_timeout_seconds=0.5)


async def echo(request: Request) -> Response:
    return PlainTextResponse(f"{len(await request.body())}\n")


async def early(_: Request) -> Response:
    return PlainTextResponse("answered without reading\n")


APP = Starlette(routes=[Route("/", echo, methods=["GET", "POST"]),
                        Route("/early", early, methods=["POST"])])


class Errors(logging.Handler):
    """What uvicorn logs at ERROR. Its records may never reach caplog's root handler: a server
    with uvicorn's own logging set up (a sandbox's) stops them at the "uvicorn" logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def uvicorn_errors() -> Iterator[list[logging.LogRecord]]:
    handler = Errors()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


@contextlib.asynccontextmanager
async def running(limits: ServerLimits) -> AsyncIterator[tuple[Listening, int]]:
    async with serve(APP, 0, limits=limits) as listening:
        yield listening, int(listening.url.rsplit(":", 1)[1])


@contextlib.asynccontextmanager
async def connection(port: int, sent: bytes = b""
                     ) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if sent:
            writer.write(sent)
            await writer.drain()
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server says before it closes the connection (bounded)."""
    return await asyncio.wait_for(reader.read(), BOUND)


async def dribble_until_closed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                               byte: bytes) -> bytes:
    """Send `byte` every few milliseconds until the server closes; what it said meanwhile."""
    heard = b""
    async with asyncio.timeout(BOUND):
        while True:
            try:
                writer.write(byte)
                await writer.drain()
                heard += await asyncio.wait_for(reader.read(4096), 0.02)
            except TimeoutError:
                continue
            except ConnectionError:
                return heard
            if reader.at_eof():
                return heard


def request(body: bytes = b"", path: str = "/", close: bool = True,
            length: int | None = None) -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: hub\r\nContent-Length: "
            f"{len(body) if length is None else length}\r\n")
    return (head + ("Connection: close\r\n" if close else "") + "\r\n").encode() + body


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


# --- time to send the headers ----------------------------------------------------------------

async def test_a_connection_that_sends_nothing_is_closed_without_a_word() -> None:
    async with running(HEADS) as (_, port), connection(port) as (reader, _):
        assert await until_closed(reader) == b""


async def test_half_a_request_head_does_not_hold_the_connection() -> None:
    async with running(HEADS) as (_, port), \
            connection(port, b"POST / HTTP/1.1\r\nHost: hub\r\n") as (reader, _):
        answer = await until_closed(reader)
    # 408 when the half arrived before the deadline, as it does but on a stalled machine
    assert answer == b"" or status(answer) == 408


class Transport(asyncio.Transport):
    """Where a protocol under test writes, and whether it closed."""

    def __init__(self) -> None:
        super().__init__()
        self.written, self.closed = bytearray(), False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8470), "peername": ("127.0.0.1", 50000)}.get(
            name, default)


async def test_at_the_head_deadline_half_a_head_is_answered_408_and_nothing_is_not() -> None:
    config = uvicorn.Config(APP, lifespan="off", log_config=None)
    config.load()
    answers = []
    for sent in (b"", b"POST / HTTP/1.1\r\nHost: hub\r\n"):
        protocol = _protocol_for(HEADS)(config=config, server_state=ServerState(),
                                        app_state={})
        transport = Transport()
        protocol.connection_made(transport)
        if sent:
            protocol.data_received(sent)
        deadline = protocol._deadline
        assert deadline is not None and deadline.when() > asyncio.get_running_loop().time()
        deadline.cancel()
        protocol._expire()  # as the timer would, without waiting for it
        assert transport.closed
        answers.append(bytes(transport.written))
    assert answers[0] == b""
    assert answers[1].startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b"connection: close" in answers[1]


async def test_headers_dribbled_a_byte_at_a_time_do_not_hold_the_connection() -> None:
    async with running(HEADS) as (_, port), connection(port, b"POST / HTTP/1.1\r\n") as (r, w):
        heard = await dribble_until_closed(r, w, b"X")
    assert heard == b"" or status(heard) == 408


async def test_a_kept_alive_connection_must_send_its_next_head_in_time() -> None:
    async with running(HEADS) as (_, port), \
            connection(port, request(b"abc", close=False)) as (r, w):
        first = await asyncio.wait_for(r.readuntil(b"3\n"), BOUND)
        assert status(first) == 200
        await dribble_until_closed(r, w, b"X")


# --- time to send the body -------------------------------------------------------------------

async def test_a_pipelined_request_whose_body_stops_is_timed_from_the_answer_before_it() -> None:
    # The second head is read only once the first is answered, with no new bytes arriving.
    pipelined = request(b"abc", close=False) + request(b"de", length=10)
    async with running(BODIES) as (_, port), connection(port, pipelined) as (reader, _):
        answers = await until_closed(reader)
    assert answers.startswith(b"HTTP/1.1 200 OK")
    assert b"HTTP/1.1 408 Request Timeout" in answers


async def test_a_body_that_stops_halfway_is_answered_408_without_an_error_logged(
        uvicorn_errors: list[logging.LogRecord]) -> None:
    async with running(BODIES) as (listening, port), \
            connection(port, request(b"abc", length=10)) as (reader, _):
        answer = await until_closed(reader)
        await until(lambda: listening.budget.in_use == 0, within=BOUND, every=0.01)
    assert status(answer) == 408
    assert uvicorn_errors == []


async def test_a_body_still_coming_after_the_answer_is_cut_at_its_deadline() -> None:
    # The app answers without reading; uvicorn's keep-alive timer restarts with every byte,
    # so only the body deadline ends this.
    async with running(BODIES) as (_, port), \
            connection(port, request(path="/early", close=False, length=10**9)) as (r, w):
        heard = await dribble_until_closed(r, w, b"x" * 100)
    # 200, or 408 had the app been kept from answering for as long as the deadline
    assert status(heard) in (200, 408)


async def test_requests_within_the_limits_are_served_one_after_another_on_a_connection() -> None:
    async with running(BODIES) as (_, port), \
            connection(port, request(b"abc", close=False) + request(b"hello")) as (reader, _):
        answers = await until_closed(reader)
    assert answers.count(b"HTTP/1.1 200 OK") == 2
    assert answers.endswith(b"5\n")


# --- bytes held ------------------------------------------------------------------------------

async def test_bodies_past_the_budget_are_refused_503_and_the_budget_comes_back(
        uvicorn_errors: list[logging.LogRecord]) -> None:
    limits = ServerLimits(header_timeout_seconds=60, body_timeout_seconds=60,
                          max_buffered_body_bytes=100_000)
    async with running(limits) as (listening, port):
        budget = listening.budget
        async with connection(port, request(b"a" * 40_000, length=60_000)) as (first, w1), \
                connection(port, request(b"b" * 40_000, length=60_000)) as (_, _):
            await until(lambda: budget.in_use == 80_000, within=BOUND, every=0.01)
            async with connection(port, request(b"c" * 40_000, length=60_000)) as (third, _):
                refused = await asyncio.wait_for(third.readuntil(b"later\n"), BOUND)
            assert status(refused) == 503
            assert f"retry-after: {BUSY_RETRY_AFTER_SECONDS}".encode() in refused
            # The refused one's bytes are back.
            await until(lambda: budget.in_use == 80_000, within=BOUND, every=0.01)

            w1.write(b"a" * 20_000)  # the first one ends within the budget
            assert status(await until_closed(first)) == 200
            await until(lambda: budget.in_use == 40_000, within=BOUND, every=0.01)
        # The second client went away halfway: its bytes come back too.
        await until(lambda: budget.in_use == 0, within=BOUND, every=0.01)
        assert budget.peak <= 100_000
        async with connection(port, request(b"after")) as (reader, _):
            answer = await until_closed(reader)
        assert status(answer) == 200 and answer.endswith(b"5\n")
    assert uvicorn_errors == []


async def test_a_refused_body_is_read_to_its_end_and_the_connection_serves_again() -> None:
    limits = ServerLimits(max_buffered_body_bytes=1_000)
    async with running(limits) as (listening, port), \
            connection(port, request(b"x" * 5_000, close=False) + request(b"small")) as (r, _):
        answers = await until_closed(r)
        await until(lambda: listening.budget.in_use == 0, within=BOUND, every=0.01)
    assert status(answers) == 503
    assert answers.count(b"HTTP/1.1 200 OK") == 1 and answers.endswith(b"5\n")


# --- connections -----------------------------------------------------------------------------

async def test_a_request_past_max_connections_is_refused_503_until_one_closes() -> None:
    limits = ServerLimits(max_connections=2, header_timeout_seconds=60)
    half = b"GET / HTTP/1.1\r\nHost: hub\r\n"  # a head not finished: the connection stays
    async with running(limits) as (_, port):
        async with connection(port, request(b"1", close=False) + half) as (one, _), \
                connection(port, request(b"2", close=False) + half) as (two, _):
            # Each was answered once, so the server holds both before the third arrives.
            for reader in (one, two):
                assert status(await asyncio.wait_for(reader.readuntil(b"1\n"), BOUND)) == 200
            async with connection(port, request(b"3")) as (third, _):
                assert status(await until_closed(third)) == 503

        async def served() -> bool:
            async with connection(port, request(b"4")) as (reader, _):
                return status(await until_closed(reader)) == 200

        async with asyncio.timeout(BOUND):
            while not await served():  # noqa: ASYNC110 - until the server has seen the two go
                await asyncio.sleep(0.01)


# --- the address -----------------------------------------------------------------------------

async def test_a_port_in_use_is_a_config_error_naming_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as caught:
            async with serve(APP, port):
                pass
    assert str(caught.value) == (
        f"cannot listen on 127.0.0.1:{port}: the address is in use; stop the other process "
        "or set [web] port (HUB_WEB__PORT)")


async def test_a_host_not_on_this_machine_is_a_config_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"no such address on this machine; set \[web\] host"):
        async with serve(APP, 0, "192.0.2.1"):  # TEST-NET-1: never a local address
            pass


@pytest.mark.parametrize(("host", "url"), [
    ("127.0.0.1", "http://127.0.0.1:8470"),
    ("0.0.0.0", "http://127.0.0.1:8470"),
    ("::", "http://127.0.0.1:8470"),
    ("::1", "http://[::1]:8470"),
    ("hub.internal", "http://hub.internal:8470"),
])
def test_the_url_a_server_is_reached_at(host: str, url: str) -> None:
    assert _url(host, 8470) == url


@pytest.mark.parametrize("field", ["max_connections", "header_timeout_seconds",
                                   "body_timeout_seconds", "max_buffered_body_bytes"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ServerLimits(**{field: 0})
