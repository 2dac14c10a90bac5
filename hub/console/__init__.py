"""The admin console: the network seen and steered in a browser, under /admin.

Starlette pages rendered from Jinja2 templates, made live with htmx (served by the hub itself,
no build step, no CDN), in English, French, Portuguese or Spanish. `make_console` gives the
ASGI app that hub/web.py mounts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette

from hub.access import admin_access
from hub.console.app import Console
from hub.console.session import Sessions

if TYPE_CHECKING:
    from hub.app import Hub

__all__ = ["Console", "make_console"]


def make_console(hub: Hub) -> Starlette:
    token = admin_access(hub.settings).token.get_secret_value().encode()
    lifetime = hub.settings.web.console_session_hours * 3600
    console = Console(hub, Sessions(token, lifetime))
    return Starlette(routes=console.routes())
