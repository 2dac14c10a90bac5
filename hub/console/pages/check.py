"""The console's Check page: `passerelle check --online`, on demand, against the running hub.

It checks the hub's own connectors and store, so a token a connector renews on the way lands
where the hub reads it. A plain form post shows the whole page with the results; htmx swaps in
the results alone. Each connection is bounded (hub/checking.py): one that never answers shows
as failed, and the page answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from hub.checking import check_network
from hub.console.i18n import N_

if TYPE_CHECKING:
    from hub.console.app import Console


def routes(console: Console) -> list[BaseRoute]:
    hub = console.hub

    async def show(request: Request) -> Response:
        return console.render(request, "check.html", {"report": None})

    async def run(request: Request) -> Response:
        report = await check_network(hub.network, hub.store, online=True)
        template = "check_results.html" if "hx-request" in request.headers else "check.html"
        return console.render(request, template, {"report": report})

    return [
        console.page("/check", show, name="check", nav=N_("Check")),
        console.page("/check/run", run, name="check_run", methods=["POST"]),
    ]
