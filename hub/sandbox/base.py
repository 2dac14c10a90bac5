"""What every emulator shares: serving on loopback, injected faults, firing webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub import serving
from hub.serving import LOOPBACK, ServerLimits

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure for the next matching request.

    `status` answers with that status (and `Retry-After` when `retry_after` is set); `delay`
    waits first; `drop` performs the request and then closes the connection without a
    response, the ambiguous outcome every sender must survive.
    """

    status: int | None = None
    retry_after: float | None = None
    headers: Mapping[str, str] | None = None
    delay: float = 0.0
    drop: bool = False
    body: Mapping[str, Any] | None = None


class Faults:
    """A queue of faults per path prefix, consumed one per matching request."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Fault]] = {}

    def inject(self, path_prefix: str, *faults: Fault) -> None:
        self._queues.setdefault(path_prefix, deque()).extend(faults)

    def take(self, path: str) -> Fault | None:
        for prefix, queue in self._queues.items():
            if path.startswith(prefix) and queue:
                return queue.popleft()
        return None

    def clear(self) -> None:
        self._queues.clear()


class FaultMiddleware:
    """ASGI middleware that applies `Faults` before (or, for `drop`, after) the app."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = self.faults.take(scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            async def swallow(message: Any) -> None:
                return None

            await self.app(scope, receive, swallow)
            raise ConnectionAbortedError("sandbox dropped the response on purpose")
        if fault.status is not None:
            headers = dict(fault.headers or {})
            if fault.retry_after is not None:
                headers["Retry-After"] = str(int(fault.retry_after))
            response = JSONResponse(dict(fault.body or {"error": "injected"}),
                                    status_code=fault.status, headers=headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class Emulator:
    """Base of the four emulators: a Starlette app, faults, ids, and webhook firing.

    Subclasses add their routes in `routes()` and keep their state as plain attributes.
    """

    platform: str = ""

    def __init__(self) -> None:
        self.faults = Faults()
        self.webhook_url: str | None = None  # where to fire webhooks (the hub's route)
        self.base_url: str = ""  # set when served
        self.requests: list[tuple[str, str]] = []  # (method, path) of every API call
        self._ids = itertools.count(1)
        self._http = httpx.AsyncClient(timeout=10.0)
        # Recorded before faults apply: a refused request was still made.
        self.app: ASGIApp = self._recording(FaultMiddleware(Starlette(routes=self.routes()),
                                                            self.faults))

    def routes(self) -> list[Any]:
        raise NotImplementedError

    def next_id(self) -> int:
        return next(self._ids)

    def _recording(self, app: ASGIApp) -> ASGIApp:
        async def recorded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                self.requests.append((scope["method"], scope["path"]))
            await app(scope, receive, send)

        return recorded

    async def fire(
        self, payload: Mapping[str, Any] | bytes, headers: Mapping[str, str] | None = None,
        *, url: str | None = None,
    ) -> httpx.Response:
        """POST a webhook to the hub, as the platform would."""
        target = url or self.webhook_url
        if target is None:
            raise RuntimeError(f"{self.platform} sandbox has no webhook_url to fire at")
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return await self._http.post(
            target, content=body,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    async def aclose(self) -> None:
        await self._http.aclose()


def json_error(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
               ) -> JSONResponse:
    return JSONResponse(dict(body), status_code=status, headers=dict(headers or {}))


async def read_json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError:
        return None


Handler = Callable[[Request], Awaitable[Response]]


# A platform stands behind its sandbox: no client of the tests or benches should meet limits
# meant for the internet, only the server the hub itself runs on.
SANDBOX_LIMITS = ServerLimits(max_connections=4096, header_timeout_seconds=600.0,
                              body_timeout_seconds=600.0,
                              max_buffered_body_bytes=1024 * 1024 * 1024)


@contextlib.asynccontextmanager
async def serve(app: ASGIApp, port: int = 0, host: str = LOOPBACK) -> AsyncIterator[str]:
    """Serve an ASGI app in this event loop (on loopback unless told); yields its base URL."""
    async with serving.serve(app, port, host, SANDBOX_LIMITS) as listening:
        yield listening.url


E = TypeVar("E", bound="Emulator")


@contextlib.asynccontextmanager
async def serve_emulator(emulator: E, port: int = 0) -> AsyncIterator[E]:
    """Serve an emulator on loopback; its `base_url` is set while it runs."""
    async with serve(emulator.app, port) as url:
        emulator.base_url = url
        try:
            yield emulator
        finally:
            await emulator.aclose()
