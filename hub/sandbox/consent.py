"""A platform's consent page, as Launchpad and Zoom show it in OAuth 2's authorization-code flow.

`GET <path>?response_type=code&client_id&redirect_uri&state` shows the app's name with "Allow"
and "Deny"; Allow sends the browser back to `redirect_uri` with `code` and `state`, Deny with
`error=access_denied` and `state`. A code is good once, for the redirect URI it was given to, as
the platforms' token endpoints require.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {app}</title></head>
<body><main><h1>{platform}: authorize {app}?</h1>
<p>{app} will act in this account as you.</p>
<form method="post" action="{path}">
<input type="hidden" name="client_id" value="{client_id}">
<input type="hidden" name="redirect_uri" value="{redirect_uri}">
<input type="hidden" name="state" value="{state}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></main></body></html>
"""


@dataclass(frozen=True, slots=True)
class Grant:
    client_id: str
    redirect_uri: str


class ConsentPage:
    """One platform's authorization page and the codes it handed out."""

    def __init__(self, *, platform: str, path: str, client_id: str,
                 app: str = "Passerelle") -> None:
        self.platform, self.path, self.client_id, self.app = platform, path, client_id, app
        self.codes: dict[str, Grant] = {}
        self.shown = 0  # times the page was shown, for tests

    def routes(self) -> list[Route]:
        return [Route(self.path, self._show, methods=["GET"]),
                Route(self.path, self._decide, methods=["POST"])]

    def redeem(self, code: str | None, client_id: str | None, redirect_uri: str | None) -> bool:
        """Whether `code` was handed to this client for this redirect URI (it is used up)."""
        grant = self.codes.pop(code or "", None)
        return grant is not None and grant == Grant(client_id or "", redirect_uri or "")

    async def _show(self, request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != self.client_id or not query.get("redirect_uri"):
            return HTMLResponse("<p>Unknown application or no redirect_uri.</p>", 400)
        self.shown += 1
        fields = {k: html.escape(query.get(k, ""), quote=True)
                  for k in ("client_id", "redirect_uri", "state")}
        return HTMLResponse(PAGE.format(app=html.escape(self.app), platform=self.platform,
                                        path=self.path, **fields))

    async def _decide(self, request: Request) -> Response:
        form = await request.form()
        client_id, redirect_uri, state, decision = (
            str(form.get(k) or "") for k in ("client_id", "redirect_uri", "state", "decision"))
        if client_id != self.client_id or not redirect_uri:
            return HTMLResponse("<p>Unknown application or no redirect_uri.</p>", 400)
        if decision == "allow":
            code = secrets.token_urlsafe(16)
            self.codes[code] = Grant(client_id, redirect_uri)
            answer = {"code": code, "state": state}
        else:
            answer = {"error": "access_denied", "state": state}
        separator = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{separator}{urlencode(answer)}", status_code=302)
