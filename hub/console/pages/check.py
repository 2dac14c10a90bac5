"""The console's Check page (to be filled in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from hub.console.app import Console


def routes(console: Console) -> list[BaseRoute]:
    async def show(request: Request) -> Response:
        return console.render(request, "placeholder.html", {"title": "Check"})

    return [console.page("/check", show, name="check", nav="Check")]
