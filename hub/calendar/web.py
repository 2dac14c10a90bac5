"""The calendar feed over HTTP: `GET /calendar/<bridge>/<token>.ics`.

No admin token: the address is the secret (calendar apps send no header). A wrong token and
an unknown bridge get the same 404, so the answer tells nothing about which bridges exist.
Calendars poll: the answer may be kept five minutes and carries an ETag, and a calendar that
sends it back (If-None-Match) gets 304 while nothing changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hub.calendar.feed import MIME_TYPE, FeedEntry, etag, feed
from hub.calendar.tokens import admits
from hub.events import Kind
from hub.router import Bridge

if TYPE_CHECKING:
    from hub.app import Hub
    from hub.store import Store

# A bridge's name may hold a slash (it is a TOML key): the token is the last segment.
PATH = "/calendar/{bridge:path}/{token}.ics"
CACHE_CONTROL = "private, max-age=300"


def feed_entries(store: Store, bridge: Bridge) -> list[FeedEntry]:
    """The calendar events written on the bridge's feeding endpoints, each as it stands now;
    a cancellation placed where the revision before it was (it says no time of its own)."""
    endpoints = [(member.address.connection, member.address.endpoint)
                 for member in bridge.endpoints
                 if member.direction.feeds and member.passes(Kind.EVENT_CREATED)]
    entries = []
    for entry in store.calendar_entries(endpoints):
        event, schedule, title = entry.event, entry.event.schedule, entry.event.title
        if schedule is None or title is None:
            earlier = store.revision_before(event.id)
            schedule = schedule or (earlier.schedule if earlier else None)
            title = title or (earlier.title if earlier else None)
        if schedule is not None:  # an event never placed in time is on no calendar
            entries.append(FeedEntry(event, schedule, title))
    return entries


def feed_route(hub: Hub) -> Route:
    """The route serving each bridge's feed from `hub`."""

    async def serve(request: Request) -> Response:
        name, token = request.path_params["bridge"], request.path_params["token"]
        admitted = await hub.store.run(admits, hub.store, name, token)
        bridge = next((b for b in hub.network.bridges if b.name == name), None)
        if bridge is None or not admitted:
            return PlainTextResponse("no such calendar\n", status_code=404)
        entries = await hub.store.run(feed_entries, hub.store, bridge)
        content = feed(bridge.name, entries, datetime.now(UTC))
        headers = {"cache-control": CACHE_CONTROL, "etag": etag(content)}
        if headers["etag"] in _tags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        return Response(content, media_type=MIME_TYPE, headers=headers)

    return Route(PATH, serve, methods=["GET"], name="calendar_feed")


def _tags(header: str) -> set[str]:
    # A weak comparison, as RFC 9110 asks of If-None-Match: W/"x" matches "x".
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
