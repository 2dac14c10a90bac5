"""The account's users: `GET /users` as Zoom documents it, known by e-mail address; authors
and mentions named the same way."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from hub.errors import AuthError, TransientError
from hub.events import Actor
from hub.people.model import Identity
from hub.sandbox.base import serve_emulator
from hub.sandbox.zoom import ZoomEmulator
from plugins.zoom.connector import ZoomConnector
from tests.plugins.zoom.test_emulator import connector_for, token


def user(user_id: str, email: str, first: str, last: str, **extra: Any) -> dict[str, Any]:
    """A user in the shape of the List users example of Zoom's API reference."""
    return {"id": user_id, "first_name": first, "last_name": last,
            "display_name": f"{first} {last}", "email": email, "type": 1, "pmi": 6589310093,
            "timezone": "Asia/Shanghai", "verified": 1, "dept": "Developers",
            "created_at": "2019-06-01T07:58:03Z", "user_created_at": "2019-06-01T07:58:03Z",
            "last_login_time": "2022-03-25T05:40:55Z", "last_client_version":
            "5.2.45120.0906(win)", "language": "en-US", "status": "active", "role_id": "0",
            "employee_unique_id": "HqDyI037Qjili1kNsSIrIg", "group_ids": [], **extra}


async def test_every_page_is_read_and_users_are_known_by_address(
        connector: ZoomConnector, api: respx.Router) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("next_page_token") == "8V8HigQkzm2O5r9RUn31D9ZyJHgrmFfbLa2":
            return httpx.Response(200, json={
                "next_page_token": "", "page_count": 2, "page_number": 2, "page_size": 300,
                "total_records": 2, "users": [
                    user("z8yCxjabQ1a2b3c4d5e6fg", "Hugo.Bernard@Lyon.example", "Hugo",
                         "Bernard", timezone="Europe/Paris", display_name="")]})
        return httpx.Response(200, json={
            "next_page_token": "8V8HigQkzm2O5r9RUn31D9ZyJHgrmFfbLa2", "page_count": 2,
            "page_number": 1, "page_size": 300, "total_records": 2,
            "users": [user("KDcuGIm1QgePTO8WbOqwIQ", "jchill@example.com", "Jill", "Chill")]})

    listed = api.get("/v2/users").mock(side_effect=answer)
    assert await connector.people() == [
        Identity("zoom-net", "zoom", "jchill@example.com", "Jill Chill",
                 email="jchill@example.com", timezone="Asia/Shanghai"),
        Identity("zoom-net", "zoom", "hugo.bernard@lyon.example", "Hugo Bernard",
                 email="hugo.bernard@lyon.example", timezone="Europe/Paris"),
    ]
    assert [dict(call.request.url.params) for call in listed.calls] == [
        {"status": "active", "page_size": "300"},
        {"status": "active", "page_size": "300",
         "next_page_token": "8V8HigQkzm2O5r9RUn31D9ZyJHgrmFfbLa2"}]


async def test_a_429_is_transient(connector: ZoomConnector, api: respx.Router) -> None:
    api.get("/v2/users").respond(
        429, headers={"X-RateLimit-Category": "Medium", "X-RateLimit-Type": "QPS"},
        json={"code": 429, "message": "You have reached the maximum per-second rate limit for "
              "this API. Try again later."})
    with pytest.raises(TransientError):
        await connector.people()


async def test_an_app_without_the_user_scope_is_an_admins_matter(
        connector: ZoomConnector, api: respx.Router) -> None:
    api.get("/v2/users").respond(400, json={
        "code": 4711, "message": "Invalid access token, does not contain scopes:"
                                 "[user:read:admin]."})
    with pytest.raises(AuthError):
        await connector.people()


@pytest.mark.parametrize(("actor", "expected"), [
    # A channel message: its member id, and the address Zoom names the sender by.
    (Actor(platform="zoom", native_id="R4VM29Oj0fVM2hhEmSKVM2hhezJT", name="Hugo",
           email="Hugo.Bernard@lyon.example"), "hugo.bernard@lyon.example"),
    # A member of another account: their member id only.
    (Actor(platform="zoom", native_id="R4VM29Oj0fVM2hhE", name="Guest"), "R4VM29Oj0fVM2hhE"),
])
def test_an_author_is_known_by_address_where_zoom_gives_one(
        connector: ZoomConnector, actor: Actor, expected: str) -> None:
    met = connector.identity_of(actor)
    assert (met.native_id, met.email) == (expected, expected if "@" in expected else None)


async def test_the_sandbox_lists_its_active_users_a_page_at_a_time() -> None:
    emulator = ZoomEmulator()
    for n in range(3):
        emulator.add_user(f"person{n}@example.org", "Person", str(n))
    emulator.add_user("gone@example.org", "Gone", "Away", status="inactive")
    async with serve_emulator(emulator) as zoom, httpx.AsyncClient() as http:
        bearer = {"Authorization": f"Bearer {await token(zoom, http)}"}
        seen, page = [], ""
        for _ in range(5):
            body = (await http.get(f"{zoom.base_url}/v2/users", headers=bearer, params={
                "page_size": 2, "next_page_token": page})).json()
            seen.append([u["email"] for u in body["users"]])
            page = body["next_page_token"]
            if not page:
                break
        found = await connector_for(zoom, http).people()
    assert seen == [["host@example.org", "person0@example.org"],
                    ["person1@example.org", "person2@example.org"]]
    assert [(i.native_id, i.name) for i in found] == [
        ("host@example.org", "Hana Host"), ("person0@example.org", "Person 0"),
        ("person1@example.org", "Person 1"), ("person2@example.org", "Person 2")]
