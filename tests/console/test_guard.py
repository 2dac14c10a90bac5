"""Every console route refuses an anonymous request and a forged form (no CSRF token).

The routes are read off the console itself, so a page added later is held to this too.
"""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.routing import Mount, Route

from hub.console import make_console
from tests.console.conftest import Demo
from tests.console.signing import signed_in

PUBLIC = {"sign_in", "static"}
# The platform sends the admin's browser back here from its consent page, a cross-site
# navigation that carries no SameSite=Strict cookie: the single-use state it returns is the
# proof (tests/console/test_connect.py), and without one the callback refuses.
PROVEN_BY_STATE = {"connect_callback"}
FAKE_PARAMS = {"connection": "network-zoom", "path": "console.css", "id": "1"}


def console_routes(demo: Demo) -> list[tuple[str, str, str]]:
    """(name, method, path) of every console route, path parameters filled with examples."""
    found = []
    for route in make_console(demo.hub).routes:
        assert isinstance(route, Route | Mount), route
        path = re.sub(r"{(\w+)(:\w+)?}", lambda m: FAKE_PARAMS.get(m.group(1), "x"),
                      route.path)
        methods = sorted((route.methods or {"GET"}) - {"HEAD"}) if isinstance(route, Route) \
            else ["GET"]
        found += [(route.name, method, path) for method in methods]
    return found


async def test_every_guarded_route_refuses_an_anonymous_request(demo: Demo) -> None:
    routes = [r for r in console_routes(demo) if r[0] not in PUBLIC | PROVEN_BY_STATE]
    assert len(routes) >= 8, routes  # the pages are there to be guarded
    async with httpx.AsyncClient() as client:
        for name, method, path in console_routes(demo):
            if name in PROVEN_BY_STATE:
                refused = await client.request(method, f"{demo.console}{path}")
                assert refused.status_code == 400, (name, path, refused.status_code)
        for name, method, path in routes:
            answer = await client.request(method, f"{demo.console}{path}")
            if method == "GET":
                assert answer.status_code == 303, (name, path, answer.status_code)
                assert "/admin/sign-in?next=" in answer.headers["location"]
            else:
                assert answer.status_code == 401, (name, path, answer.status_code)
            sse = await client.request(method, f"{demo.console}{path}",
                                       headers={"accept": "text/event-stream"})
            assert sse.status_code in (303, 401) if method == "GET" else sse.status_code == 401


async def test_every_form_refuses_a_request_without_its_csrf_token(demo: Demo) -> None:
    posts = [r for r in console_routes(demo) if r[1] == "POST" and r[0] not in PUBLIC]
    assert {"sign_out", "language"} <= {name for name, _, _ in posts}
    async with httpx.AsyncClient() as client:
        csrf = await signed_in(client, demo.console, demo.token)
        for name, _, path in posts:
            forged = await client.post(f"{demo.console}{path}", data={"anything": "1"})
            assert forged.status_code == 403, (name, path, forged.status_code)
            wrong = await client.post(f"{demo.console}{path}", data={"csrf": csrf[::-1]})
            assert wrong.status_code == 403, (name, path, wrong.status_code)
        # The session itself still works: the refusals were for the forms, not the visitor.
        assert (await client.get(f"{demo.console}/")).status_code == 200


async def test_the_sign_in_form_refuses_a_post_without_its_own_token(demo: Demo) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{demo.console}/sign-in", data={"token": demo.token})
        assert answer.status_code == 403
        assert "passerelle_console" not in answer.cookies


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin/",
                                    "/elsewhere", "/admin\\@evil.example"])
async def test_sign_in_never_sends_the_admin_off_the_console(demo: Demo, target: str) -> None:
    async with httpx.AsyncClient() as client:
        form = await client.get(f"{demo.console}/sign-in")
        from tests.console.signing import csrf_of

        answer = await client.post(f"{demo.console}/sign-in", data={
            "csrf": csrf_of(form.text), "token": demo.token, "next": target})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/admin/"
