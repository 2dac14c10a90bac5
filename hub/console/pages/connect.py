"""The console's Connect an account page: OAuth for Basecamp and Zoom, setup facts for the rest.

A connector that is `Authorizing` gets a Connect button: it sends the admin to the platform's
consent page, whose answer comes back to `connect_callback`. That callback is reached by a
cross-site redirect, which carries no SameSite=Strict session cookie, so it stands outside the
console's guard and is proven by its `state` alone (hub/authorizing.py); it answers with a small
page of our own that moves on to this page, where the cookie is sent again. Slack and WhatsApp
tokens are pasted into settings: the page says which URL goes where and which setting or
environment variable takes each secret, never the secrets themselves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hub.authorizing import Authorizing, PendingAuthorizations
from hub.console.app import path_for
from hub.console.i18n import N_
from hub.credentials import secret_settings
from hub.errors import HubError
from hub.settings import connection_variable

if TYPE_CHECKING:
    from hub.app import Hub
    from hub.connector import Connector
    from hub.console.app import Console

AUTHORIZE_SECONDS = 30.0  # the code exchange and the identity call, together


@dataclass(frozen=True, slots=True)
class Secret:
    setting: str
    variable: str  # the environment variable that sets it


@dataclass(frozen=True, slots=True)
class Account:
    """One connection as the page shows it."""

    name: str
    platform: str  # the connector's name: the page's instructions are per platform
    platform_name: str  # as people write it
    authorizing: bool
    redirect_uri: str
    webhook_url: str
    secrets: tuple[Secret, ...]
    connected_as: str | None = None
    problem: str | None = None  # why its state could not be read


def public_url(hub: Hub) -> str:
    """Where platforms reach this hub: [web] public_url, else the address it listens on."""
    return (hub.settings.web.public_url or hub.url).rstrip("/")


def routes(console: Console) -> list[BaseRoute]:
    hub = console.hub
    # The console's time, so a test that moves its sessions' clock moves the states' too.
    pending = PendingAuthorizations(clock=lambda: console.sessions.clock())

    def redirect_uri(request: Request, connection: str) -> str:
        return public_url(hub) + path_for(request, "connect_callback", connection=connection)

    async def account(request: Request, name: str, connector: Connector) -> Account:
        authorizing = isinstance(connector, Authorizing)
        found = Account(
            name, connector.name, connector.platform_name(), authorizing,
            redirect_uri(request, name),
            f"{public_url(hub)}/webhooks/{name}",
            tuple(Secret(key, connection_variable(name, key))
                  for key in secret_settings(connector.settings_model)))
        if not isinstance(connector, Authorizing):
            return found
        try:
            who = await connector.authorized_as()
        except HubError as exc:
            return replace(found, problem=str(exc))
        return replace(found, connected_as=who)

    async def show(request: Request) -> Response:
        accounts = [await account(request, name, connector)
                    for name, connector in sorted(hub.network.connectors.items())]
        return console.render(request, "connect.html", {
            "accounts": accounts,
            "public_url": public_url(hub), "public_url_set": bool(hub.settings.web.public_url),
            "just_connected": request.query_params.get("connected")})

    async def start(request: Request) -> Response:
        name = request.path_params["connection"]
        connector = hub.network.connectors.get(name)
        if not isinstance(connector, Authorizing):
            return console.render(request, "connect_answer.html", {
                "refused": "unknown", "connection": name},
                status=404)
        session = request.state.session
        target = redirect_uri(request, name)
        state = pending.begin(name, session.id, session.expires_at, target)
        try:
            url = connector.authorization_url(target, state)
        except HubError as exc:
            pending.take(state, name)
            return console.render(request, "connect_answer.html", {
                "refused": "settings", "connection": name,
                "detail": str(exc)}, status=409)
        return RedirectResponse(url, status_code=303)

    async def callback(request: Request) -> Response:
        """Outside the guard: the state is the proof (see the module docstring)."""
        name = request.path_params["connection"]
        query = request.query_params
        connector = hub.network.connectors.get(name)
        found = pending.take(query.get("state"), name)

        def answer(refused: str | None, status: int, **context: str) -> Response:
            return console.render(request, "connect_answer.html", {
                "connection": name, "refused": refused,
                "back": path_for(request, "connect"), **context}, status=status)

        if found is None or not isinstance(connector, Authorizing):
            return answer("state", 400)
        if query.get("error"):
            return answer("denied" if query["error"] == "access_denied" else "platform", 400,
                          detail=query.get("error_description") or query["error"])
        code = query.get("code")
        if not code:
            return answer("platform", 400, detail="no code")
        try:
            async with asyncio.timeout(AUTHORIZE_SECONDS):
                who = await connector.authorize(code, found.redirect_uri)
        except TimeoutError:
            return answer("platform", 504, detail=f"no answer in {AUTHORIZE_SECONDS:.0f} s")
        except HubError as exc:
            return answer("platform", 502, detail=str(exc))
        back = path_for(request, "connect") + "?" + urlencode({"connected": name})
        return answer(None, 200, who=who, back=back)

    return [
        console.page("/connect", show, name="connect", nav=N_("Connect an account")),
        console.page("/connect/{connection}/start", start, name="connect_start",
                     methods=["POST"]),
        Route("/connect/{connection}/callback", callback, name="connect_callback"),
    ]
