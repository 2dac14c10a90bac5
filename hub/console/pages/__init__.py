"""The console's pages, one module each; each gives its routes through `Console.page`.

The order here is the order of the menu.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from hub.console.pages import (
    access,
    bridges,
    check,
    connect,
    dead_letters,
    overview,
    people,
    search,
    stream,
    thread,
)

if TYPE_CHECKING:
    from hub.console.app import Console

STATIC = Path(__file__).parent.parent / "static"
PAGES = (overview, bridges, stream, search, thread, people, dead_letters, check, connect)


def all_routes(console: Console) -> list[BaseRoute]:
    routes: list[BaseRoute] = [*access.routes(console)]
    for page in PAGES:
        routes.extend(page.routes(console))
    routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    return routes
