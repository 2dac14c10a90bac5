"""The console's Live stream page: the canonical events, newest first, as they arrive.

The page is rendered with the latest events; new ones come through server-sent events
(`/stream/feed`, each message's id its event's seq, so a browser that reconnects resumes from
`Last-Event-ID`). An item whose copies are still on their way asks for its own fragment again
every few seconds until all are settled: deliveries change long after their event arrived
(retries, dead letters, replays), and a re-sent fragment says exactly what the store says now.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute

from hub.console.i18n import N_
from hub.console.traces import Item, items
from hub.translate.languages import display_name

if TYPE_CHECKING:
    from hub.console.app import Console

SHOWN = 50  # events on the page when it opens
BATCH = 50  # events sent at once by the feed
LOOK_EVERY = 0.5  # seconds between the feed's looks at the store
KEEP_ALIVE = 15.0  # seconds of silence after which the feed says something (finds a gone client)


def routes(console: Console) -> list[BaseRoute]:
    hub = console.hub

    def context(request: Request) -> dict[str, object]:
        reader = console.language_of(request)
        return {"language_name": lambda code: display_name(code, reader)}

    async def show(request: Request) -> Response:
        latest = await hub.store.run(hub.store.latest_events, SHOWN)
        shown = await items(hub, latest)
        return console.render(request, "stream.html", {
            **context(request), "items": shown,
            "after": shown[0].seq if shown else await hub.store.run(hub.store.last_seq)})

    async def item(request: Request) -> Response:
        # `{seq}`, not `{seq:int}`: the guard answers before the route is found out wrong.
        seq = str(request.path_params["seq"])
        stored = await hub.store.run(hub.store.event, int(seq)) if seq.isdigit() else None
        if stored is None:
            return PlainTextResponse("no such event\n", status_code=404)
        (found,) = await items(hub, [stored])
        if request.query_params.get("shown") == found.state:
            return Response(status_code=204)  # htmx swaps nothing
        return console.render(request, "stream_item.html", {**context(request), "item": found})

    async def feed(request: Request) -> Response:
        after = _resume_point(request)

        def fragment(found: Item) -> str:
            rendered = console.render(request, "stream_item.html",
                                      {**context(request), "item": found})
            return bytes(rendered.body).decode()

        async def messages() -> AsyncIterator[str]:
            # A browser back after a long absence gets what a fresh page would show, not
            # every event it missed.
            newest = await hub.store.run(hub.store.last_seq)
            last, quiet_since = max(after, newest - SHOWN), time.monotonic()
            yield "retry: 2000\n\n"
            while not hub.stopping and not await request.is_disconnected():
                new = await hub.store.run(hub.store.events_after, last, BATCH)
                for found in await items(hub, new):
                    yield _message("item", found.seq, fragment(found))
                    last, quiet_since = found.seq, time.monotonic()
                if len(new) == BATCH:
                    continue  # more are waiting
                if time.monotonic() - quiet_since >= KEEP_ALIVE:
                    yield ": still here\n\n"
                    quiet_since = time.monotonic()
                await asyncio.sleep(LOOK_EVERY)

        return StreamingResponse(messages(), media_type="text/event-stream", headers={
            "cache-control": "no-store", "x-accel-buffering": "no",
            "content-language": console.language_of(request)})

    return [
        console.page("/stream", show, name="stream", nav=N_("Live stream")),
        console.page("/stream/feed", feed, name="stream_feed"),
        console.page("/stream/items/{seq}", item, name="stream_item"),
    ]


def _resume_point(request: Request) -> int:
    """The seq after which to send: the browser's Last-Event-ID when it reconnects, else the
    newest event the page was rendered with."""
    for given in (request.headers.get("last-event-id"), request.query_params.get("after")):
        if given is not None and given.strip().isdigit():
            return int(given)
    return 0


def _message(event: str, seq: int, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\nid: {seq}\n{lines}\n"
