"""The console's Bridges page: each bridge as a picture of its endpoints, what flowed through
each in the last day, its settings (read-only) with where each comes from, and the address of
its calendar feed with a form to give it a new one (hub/calendar/tokens.py)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from hub.calendar.tokens import base_url, feed_path, feed_token, rotate
from hub.console.app import path_for
from hub.console.i18n import N_
from hub.console.origins import Setting, Sources, bridge_settings, environment_contribution
from hub.console.traces import Place, place_of
from hub.router import Bridge, BridgeEndpoint
from hub.store.tracing import Flow
from hub.translate.languages import display_name

if TYPE_CHECKING:
    from hub.app import Hub
    from hub.console.app import Console

DAY = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Member:
    """One endpoint of one bridge, as the picture shows it."""

    endpoint: BridgeEndpoint
    place: Place
    flow: Flow


@dataclass(frozen=True, slots=True)
class BridgeView:
    bridge: Bridge
    members: tuple[Member, ...]
    settings: tuple[Setting, ...]
    feed_url: str  # made at first view, as `passerelle calendar url` makes it


def routes(console: Console) -> list[BaseRoute]:
    hub = console.hub

    async def show(request: Request) -> Response:
        flows = await hub.store.run(hub.store.flows, time.time() - DAY)
        sources = sources_of(hub)
        configured = hub.settings.bridges
        base = base_url(hub.settings.web, hub.url)
        tokens = {bridge.name: await hub.store.run(feed_token, hub.store, bridge.name)
                  for bridge in hub.network.bridges}
        views = [BridgeView(
            bridge,
            tuple(Member(member, place_of(hub, str(member.address)),
                         flows.get(str(member.address), Flow()))
                  for member in bridge.endpoints),
            tuple(bridge_settings(bridge.name, configured[bridge.name], sources))
            if bridge.name in configured else (),
            base + feed_path(bridge.name, tokens[bridge.name]))
            for bridge in hub.network.bridges]
        reader = console.language_of(request)
        return console.render(request, "bridges.html", {
            "bridges": views, "sources": sources, "written": written,
            "rotated": request.query_params.get("rotated"),
            "public_url_set": bool(hub.settings.web.public_url),
            "language_name": lambda code: display_name(code, reader)})

    async def rotate_feed(request: Request) -> Response:
        name = request.path_params["bridge"]
        target = path_for(request, "bridges")
        if all(bridge.name != name for bridge in hub.network.bridges):
            return RedirectResponse(target, status_code=303)
        await hub.store.run(rotate, hub.store, name)
        return RedirectResponse(f"{target}?{urlencode({'rotated': name})}", status_code=303)

    return [console.page("/bridges", show, name="bridges", nav=N_("Bridges")),
            console.page("/bridges/{bridge:path}/feed", rotate_feed, name="bridge_feed_rotate",
                         methods=["POST"])]


def written(value: Any) -> str | None:
    """A setting's value as it would be written in the TOML file; None when it is unset."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, StrEnum | str):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, list | tuple | frozenset | set):
        return "[" + ", ".join(w for item in value if (w := written(item))) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {written(item)}" for key, item in value.items()) + "}"
    return str(value)


def sources_of(hub: Hub) -> Sources:
    """What the hub's settings were loaded from (`load_settings` says, as `passerelle run`
    loads them); settings built in code (the demo, tests) are said to come from code."""
    provenance = hub.settings.provenance
    if provenance is None:
        return Sources(None, None, {}, {})
    return Sources(provenance.file, provenance.data, provenance.environ,
                   environment_contribution())
