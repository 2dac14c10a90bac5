"""Signing in and out, and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hub.console import i18n
from hub.console.app import Console, path_for
from hub.console.session import SESSION_COOKIE, SIGN_IN_COOKIE, SignInThrottle

YEAR = 365 * 24 * 3600


def safe_next(raw: str | None, fallback: str, root: str) -> str:
    """Where to go after signing in: a path of the console's own, never another site."""
    if raw and raw.startswith(root + "/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return fallback


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def routes(console: Console) -> list[BaseRoute]:
    throttle = SignInThrottle()

    def form(request: Request, *, error: str | None = None, status: int = 200,
             minutes: int = 0, next_path: str | None = None) -> Response:
        """The sign-in form; `error` names what went wrong (the template says it)."""
        nonce = request.cookies.get(SIGN_IN_COOKIE) or console.sessions.sign_in_nonce()
        response = console.render(request, "sign_in.html", {
            "sign_in_csrf": console.sessions.sign_in_token(nonce), "error": error,
            "minutes": minutes,
            "next": next_path if next_path is not None else request.query_params.get("next", ""),
            "chosen": request.query_params.get("lang", ""),
        }, status=status)
        response.set_cookie(SIGN_IN_COOKIE, nonce, max_age=3600, path=_root(request),
                            httponly=True, samesite="strict", secure=_secure(request))
        return response

    def _root(request: Request) -> str:
        return path_for(request, "sign_in").rsplit("/", 1)[0] or "/"

    async def sign_in(request: Request) -> Response:
        if request.method == "GET":
            if console.session_of(request) is not None:
                return RedirectResponse(path_for(request, "overview"), status_code=303)
            return form(request)
        fields = await request.form()
        posted_next = fields.get("next")
        next_path = posted_next if isinstance(posted_next, str) else ""
        nonce = request.cookies.get(SIGN_IN_COOKIE)
        given = fields.get("csrf")
        if nonce is None or not isinstance(given, str) or not console.sessions.same(
                given, console.sessions.sign_in_token(nonce)):
            return form(request, error="expired", status=403, next_path=next_path)
        wait = throttle.blocked_for()
        if wait > 0:
            return form(request, error="throttled", status=429,
                        minutes=max(1, round(wait / 60)), next_path=next_path)
        token = fields.get("token")
        if not isinstance(token, str) or not console.sessions.admits(token):
            throttle.failed()
            return form(request, error="wrong", status=401, next_path=next_path)
        _, cookie = console.sessions.open()
        target = safe_next(next_path, path_for(request, "overview"), _root(request))
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(SESSION_COOKIE, cookie, max_age=int(console.sessions.lifetime),
                            path=_root(request), httponly=True, samesite="strict",
                            secure=_secure(request))
        response.delete_cookie(SIGN_IN_COOKIE, path=_root(request))
        chosen = fields.get("lang")
        if isinstance(chosen, str) and chosen in i18n.LANGUAGES:
            response.set_cookie(i18n.LANGUAGE_COOKIE, chosen, max_age=YEAR, path=_root(request),
                                samesite="strict", secure=_secure(request))
        return response

    async def sign_out(request: Request) -> Response:
        console.sessions.close(request.state.session)
        response = RedirectResponse(path_for(request, "sign_in"), status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=_root(request))
        return response

    async def language(request: Request) -> Response:
        fields = await request.form()
        chosen = fields.get("language")
        back = fields.get("next")
        target = safe_next(back if isinstance(back, str) else None,
                           path_for(request, "overview"), _root(request))
        response = RedirectResponse(target, status_code=303)
        if isinstance(chosen, str) and chosen in i18n.LANGUAGES:
            response.set_cookie(i18n.LANGUAGE_COOKIE, chosen, max_age=YEAR, path=_root(request),
                                samesite="strict", secure=_secure(request))
        return response

    return [
        Route("/sign-in", sign_in, methods=["GET", "POST"], name="sign_in"),
        console.page("/sign-out", sign_out, name="sign_out", methods=["POST"]),
        console.page("/language", language, name="language", methods=["POST"]),
    ]
