"""Signing in to the console the way a browser does, for tests that speak HTTP directly."""

from __future__ import annotations

import re

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


async def signed_in(client: httpx.AsyncClient, console: str, token: str) -> str:
    """Sign `client` in; returns the session's CSRF token, read off the overview page."""
    form = await client.get(f"{console}/sign-in")
    answer = await client.post(f"{console}/sign-in",
                               data={"csrf": csrf_of(form.text), "token": token, "next": ""})
    assert answer.status_code == 303, answer.text
    page = await client.get(f"{console}/", follow_redirects=True)
    assert page.status_code == 200
    return csrf_of(page.text)
