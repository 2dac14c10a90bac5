"""The console's frame: its sessions, templates and the guard every page goes through.

Pages are Starlette routes made with `Console.page`, which refuses anyone not signed in (a
browser is sent to the sign-in form; htmx, the event stream and forms get 401) and any form
or htmx request that does not carry the session's CSRF token (403). The only routes outside
the guard are the sign-in form and the static files; tests/console/test_guard.py walks every
route of the console to hold this.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hub.console import i18n
from hub.console.session import SESSION_COOKIE, Session, Sessions

if TYPE_CHECKING:
    from hub.app import Hub

Endpoint = Callable[[Request], Awaitable[Response]]
TEMPLATES = Path(__file__).parent / "templates"
SAFE_METHODS = frozenset({"GET", "HEAD"})
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def path_for(request: Request, name: str, /, **params: Any) -> str:
    """The path of the console's route `name` (the console is mounted as "console")."""
    return request.url_for(f"console:{name}", **params).path


@dataclass(frozen=True, slots=True)
class NavItem:
    route: str  # the route's name
    label: str  # English; translated when shown


def environment() -> Environment:
    """Jinja2 with autoescaping, gettext from the request's language, and CLDR filters."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(when=i18n.when, ago=i18n.ago, number=i18n.number,
                       percent=i18n.percent)
    return env


class Console:
    """What every page of one hub's console shares."""

    def __init__(self, hub: Hub, sessions: Sessions) -> None:
        self.hub = hub
        self.sessions = sessions
        self.templates = environment()
        self.nav: list[NavItem] = []

    # -- who is asking ------------------------------------------------------------------

    def session_of(self, request: Request) -> Session | None:
        return self.sessions.read(request.cookies.get(SESSION_COOKIE))

    @staticmethod
    def language_of(request: Request) -> str:
        chosen = request.query_params.get("lang") or request.cookies.get(i18n.LANGUAGE_COOKIE)
        return i18n.negotiate(chosen, request.headers.get("accept-language"))

    # -- answering ----------------------------------------------------------------------

    def render(self, request: Request, template: str, context: dict[str, Any] | None = None,
               *, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
        """`template` in the request's language, with what every page needs."""
        language = self.language_of(request)
        session: Session | None = getattr(request.state, "session", None)

        def href(name: str, /, **params: Any) -> str:
            query = params.pop("query", None)
            path = path_for(request, name, **params)
            return f"{path}?{urlencode(query)}" if query else path

        with i18n.speaking(language):
            html = self.templates.get_template(template).render({
                "request": request, "href": href, "nav": self.nav, "language": language,
                "languages": i18n.LANGUAGES, "session": session,
                "csrf": session.csrf if session else "", "csrf_field": CSRF_FIELD,
                "now": time.time(), **(context or {}),
            })
        response = HTMLResponse(html, status_code=status, headers=headers)
        # Pages show live state and a session's token: never from a cache.
        response.headers["cache-control"] = "no-store"
        response.headers["content-language"] = language
        return response

    def page(self, path: str, endpoint: Endpoint, *, name: str,
             methods: Sequence[str] = ("GET",), nav: str | None = None) -> Route:
        """A route only a signed-in admin reaches; its forms must carry the CSRF token.
        `nav`: the English label under which the page appears in the menu."""
        if nav is not None:
            self.nav.append(NavItem(name, nav))

        async def guarded(request: Request) -> Response:
            session = self.session_of(request)
            if session is None:
                return self.refuse_anonymous(request)
            if request.method not in SAFE_METHODS and not await self._csrf_ok(request, session):
                return PlainTextResponse("this form is out of date or forged: reload the page "
                                         "and try again\n", status_code=403)
            request.state.session = session
            return await endpoint(request)

        return Route(path, guarded, methods=list(methods), name=name)

    def refuse_anonymous(self, request: Request) -> Response:
        wants_page = (request.method == "GET" and "hx-request" not in request.headers
                      and "text/event-stream" not in request.headers.get("accept", ""))
        if not wants_page:
            return PlainTextResponse("sign in to the console first\n", status_code=401)
        target = path_for(request, "sign_in")
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{target}?{urlencode({'next': path})}", status_code=303)

    @staticmethod
    async def _csrf_ok(request: Request, session: Session) -> bool:
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
        return Sessions.same(given, session.csrf)

    def routes(self) -> list[BaseRoute]:
        """Every route of the console, pages first (each page module adds its own)."""
        from hub.console.pages import all_routes

        return all_routes(self)
