"""The console's Bridges page: each bridge as a picture of its endpoints, what flowed through
each in the last day, and its settings (read-only) with where each comes from."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

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


def routes(console: Console) -> list[BaseRoute]:
    hub = console.hub

    async def show(request: Request) -> Response:
        flows = await hub.store.run(hub.store.flows, time.time() - DAY)
        sources = sources_of(hub)
        configured = hub.settings.bridges
        views = [BridgeView(
            bridge,
            tuple(Member(member, place_of(hub, str(member.address)),
                         flows.get(str(member.address), Flow()))
                  for member in bridge.endpoints),
            tuple(bridge_settings(bridge.name, configured[bridge.name], sources))
            if bridge.name in configured else ())
            for bridge in hub.network.bridges]
        reader = console.language_of(request)
        return console.render(request, "bridges.html", {
            "bridges": views, "sources": sources, "written": written,
            "language_name": lambda code: display_name(code, reader)})

    return [console.page("/bridges", show, name="bridges", nav=N_("Bridges"))]


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
