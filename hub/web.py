"""The HTTP face of the hub: webhooks in, health, metrics, the event stream API, the archive
API and each bridge's calendar feed.

A webhook is acknowledged only after its events are committed (and the answers to events it
carries recorded); a request that fails
verification or is malformed is refused with 4xx and nothing of it is stored; while the hub
stops, every webhook is answered 503 (the platform sends it again).

The archive API (`/api/search`, `/api/threads/…`) answers as `passerelle search` and `thread`
do. The event API (`/api/events`, `/api/events/stream`) leaves out the hub's own copies (a
platform telling back what the hub posted there) unless `?all=1`; each event says
`"own_copy"`. A calendar feed (`/calendar/<bridge>/<token>.ics`) needs no admin token: its
address is the secret (hub/calendar/web.py).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from hub.access import admin_access
from hub.activity import Received
from hub.archive.as_json import item_json, results_json
from hub.archive.filters import read_filters
from hub.archive.records import Filters
from hub.calendar.web import feed_route
from hub.connector import Capability, WebhookRequest
from hub.errors import HubError, StoreError, WebhookRejected
from hub.refusals import RefusalLog

if TYPE_CHECKING:
    from hub.app import Hub

log = logging.getLogger(__name__)
STREAM_POLL_SECONDS = 1.0
MAX_SEQ = 2**63 - 1  # the largest sequence number either store can hold
MAX_PAGE = 1000
STOPPING_RETRY_AFTER = 5  # seconds: about the time a restart takes


class BodyTooLarge(Exception):
    pass


async def _read_capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _number(raw: str, rule: str, low: int, high: int) -> int:
    """`raw` as a whole number from `low` to `high`, or ValueError stating `rule`. ASCII
    digits only: `²` is a digit to str.isdigit() and not to int()."""
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ValueError(f"{rule} from {low} to {high}")
    return int(raw)


def _cursor_arg(request: Request) -> int:
    # An EventSource reconnecting says where it was with Last-Event-ID (our `id:` lines).
    raw = request.query_params.get("after") or request.headers.get("last-event-id") or "0"
    return _number(raw, "after must be an event number", 0, MAX_SEQ)


def _limit_arg(request: Request) -> int:
    return _number(request.query_params.get("limit", "100"), "limit must be a number", 1,
                   MAX_PAGE)


def _all_arg(request: Request) -> bool:
    """`?all=1`: the hub's own copies too (the platforms telling back what the hub posted),
    which are left out by default: they are not news, only echoes."""
    return request.query_params.get("all", "0").lower() in ("1", "true", "yes")


def _archive_filters(hub: Hub, params: QueryParams) -> Filters:
    has_file = params.get("has_file")
    return read_filters(
        {bridge.name: [str(member.address) for member in bridge.endpoints]
         for bridge in hub.network.bridges},
        platforms=params.getlist("platform"), bridge=params.get("bridge"),
        endpoints=params.getlist("endpoint"), authors=params.getlist("author"),
        written_in=params.getlist("written_in"), kinds=params.getlist("kind"),
        since=params.get("since"), until=params.get("until"),
        has_file=None if has_file in (None, "") else has_file.lower() in ("1", "true", "yes"))


def make_app(hub: Hub) -> Starlette:
    """The ASGI app for one hub."""
    refusals = RefusalLog(log)

    async def webhook(request: Request) -> Response:
        name = request.path_params["connection"]
        connector = hub.network.connectors.get(name)
        counter = hub.metrics.webhooks
        if connector is None or Capability.WEBHOOK not in connector.capabilities:
            counter.labels("unknown", "unknown_connection").inc()
            return PlainTextResponse("no such webhook\n", status_code=404)
        if hub.stopping:
            # Nothing of it is stored: the platform sends it again, to this hub once it is
            # back or to another instance behind the same proxy.
            counter.labels(name, "stopping").inc()
            return PlainTextResponse("the hub is stopping; try again later\n", status_code=503,
                                     headers={"Retry-After": str(STOPPING_RETRY_AFTER)})

        def seen(outcome: Received, reason: str = "") -> None:
            hub.activity.webhook(name, outcome, reason)

        try:
            body = await _read_capped(request, hub.settings.web.max_body_bytes)
        except BodyTooLarge:
            counter.labels(name, "too_large").inc()
            seen(Received.REJECTED, "body too large")
            return PlainTextResponse("body too large\n", status_code=413)
        inbound_request = WebhookRequest(
            method=request.method, path=request.path_params.get("path", ""),
            query=list(request.query_params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body, received_at=datetime.now(UTC),
        )
        try:
            answer = await connector.verify_webhook(inbound_request)
            if answer is not None:
                counter.labels(name, "handshake").inc()
                seen(Received.HANDSHAKE)
                return Response(answer.body, status_code=answer.status,
                                media_type=answer.content_type)
            inbound = await connector.receive(inbound_request)
        except WebhookRejected as exc:
            counter.labels(name, "rejected").inc()
            seen(Received.REJECTED, str(exc))
            refusals.refused(f"webhook for {name}", str(exc))
            return PlainTextResponse(f"{exc}\n", status_code=exc.status)
        except HubError as exc:
            # The platform will retry: nothing was stored, so nothing is lost.
            counter.labels(name, "unavailable").inc()
            seen(Received.UNAVAILABLE, str(exc))
            log.warning("webhook for %s could not be read now: %s", name, exc)
            return PlainTextResponse("try again later\n", status_code=503)
        try:
            await hub.ingest(list(inbound.events))
            await hub.answered(list(inbound.answers))
            for status in inbound.statuses:
                await hub.store.run(hub.store.record_platform_state, name, status.native_id,
                                    status.state, status.error)
        except StoreError as exc:
            counter.labels(name, "store_error").inc()
            seen(Received.UNAVAILABLE, f"not stored: {exc}")
            log.error("webhook for %s not stored: %s", name, exc)
            return PlainTextResponse("try again later\n", status_code=503)
        counter.labels(name, "accepted").inc()
        seen(Received.ACCEPTED)
        return PlainTextResponse("ok\n")

    async def healthz(_: Request) -> Response:
        body: dict[str, object] = {"status": "ok"}
        try:
            await hub.store.run(hub.store.ping)
        except Exception as exc:  # any failure means unhealthy; the type says which
            body = {"status": "unhealthy", "store": type(exc).__name__}
        # Reading is not enough: a full disk lets reads through and refuses every webhook.
        writes = hub.store.health()
        if not writes.ok:
            body["status"] = "unhealthy"
        body["writes"] = writes.as_dict()
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    async def metrics(_: Request) -> Response:
        return Response(hub.metrics.render(), media_type="text/plain; version=0.0.4")

    token = admin_access(hub.settings).token.get_secret_value().encode()

    def authorised(request: Request) -> bool:
        # Always a token, never "the request looks local": behind a proxy that adds no
        # forwarding header, every request would.
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(given.encode(), token)

    def unauthorised(request: Request) -> Response:
        refusals.refused(f"admin API {request.url.path}", "no valid admin token")
        return JSONResponse({"error": "unauthorised: send Authorization: Bearer <admin token>"},
                            status_code=401)

    async def events(request: Request) -> Response:
        if not authorised(request):
            return unauthorised(request)
        try:
            after = _cursor_arg(request)
            limit = _limit_arg(request)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        every = _all_arg(request)
        batch = await hub.store.run(hub.store.events_after, after, limit)
        own = await hub.store.run(hub.store.made_by_hub, [s.seq for s in batch])
        return JSONResponse({
            "events": [{"seq": s.seq, "own_copy": s.seq in own,
                        "event": s.event.model_dump(mode="json")}
                       for s in batch if every or s.seq not in own],
            # Past the copies left out too: the next page starts after them.
            "last": batch[-1].seq if batch else after,
        })

    async def stream(request: Request) -> Response:
        if not authorised(request):
            return unauthorised(request)
        try:
            after = _cursor_arg(request)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        every = _all_arg(request)

        async def lines() -> AsyncIterator[str]:
            position = after
            while not hub.stopping and not await request.is_disconnected():
                batch = await hub.store.run(hub.store.events_after, position, 100)
                own = await hub.store.run(hub.store.made_by_hub, [s.seq for s in batch])
                for item in batch:
                    position = item.seq
                    if item.seq in own and not every:
                        continue
                    data = json.dumps({**item.event.model_dump(mode="json"),
                                       "own_copy": item.seq in own})
                    yield f"id: {item.seq}\nevent: {item.event.kind.value}\ndata: {data}\n\n"
                if not batch:
                    yield ": keep-alive\n\n"
                    await asyncio.sleep(STREAM_POLL_SECONDS)

        return StreamingResponse(lines(), media_type="text/event-stream")

    async def search(request: Request) -> Response:
        """GET /api/search?q=…: the archive, searched in every language of the network;
        the filters of `passerelle search` as parameters (repeatable where it repeats)."""
        if not authorised(request):
            return unauthorised(request)
        params = request.query_params
        query = params.get("q", "").strip()
        try:
            if not query:
                raise ValueError("q: the words to search for")
            filters = _archive_filters(hub, params)
            limit = _number(params.get("limit", "20"), "limit must be a number", 1, 100)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        results = await hub.searcher().search(query, filters, language=params.get("language"),
                                              reader=params.get("in"), limit=limit)
        return JSONResponse(results_json(results))

    async def thread(request: Request) -> Response:
        """GET /api/threads/{connection}/{native_id}: an item's whole thread, every platform."""
        if not authorised(request):
            return unauthorised(request)
        item = await hub.store.run(hub.store.archive_item, request.path_params["connection"],
                                   request.path_params["native_id"])
        items = await hub.store.run(hub.store.archive_thread, item.thread) if item else []
        if not items:
            return JSONResponse({"error": "the archive holds no such item"}, status_code=404)
        return JSONResponse({"thread": [item_json(i) for i in items]})

    from hub.console import make_console  # templates and Babel: only when serving

    return Starlette(routes=[
        Route("/webhooks/{connection}", webhook, methods=["GET", "POST"]),
        Route("/webhooks/{connection}/{path:path}", webhook, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/metrics", metrics),
        Route("/api/events", events),
        Route("/api/events/stream", stream),
        Route("/api/search", search),
        Route("/api/threads/{connection}/{native_id:path}", thread),
        feed_route(hub),
        Mount("/admin", app=make_console(hub), name="console"),
    ])
