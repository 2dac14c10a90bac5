"""Two small in-test platforms, spoken over respx: a chat ("pigeon") and a board ("corkboard").

Each keeps its state in a `FakePlatform`, served by respx routes shaped like a plain REST API,
so the hub's real HTTP code runs end to end without leaving the process.
"""

from __future__ import annotations

import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import respx
from pydantic import SecretStr

from hub import hookimpl
from hub.connector import (
    Address,
    Capability,
    ConnectionSettings,
    Connector,
    Outgoing,
    PollResult,
    Receipt,
    Shape,
    Target,
    WebhookAnswer,
    WebhookRequest,
)
from hub.errors import NotSupported, WebhookRejected
from hub.events import Actor, Event, Kind, Ref
from hub.http import raise_for_status, transport_error


class FakeSettings(ConnectionSettings):
    token: SecretStr
    base_url: str | None = None


@dataclass
class FakePlatform:
    """In-memory state of one fake platform, and the respx routes that serve it."""

    host: str
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[float, str, str]] = field(default_factory=list)  # (time, method, path)
    failures: list[httpx.Response] = field(default_factory=list)  # served before real answers
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    def mount(self, router: respx.Router) -> None:
        router.route(host=self.host).mock(side_effect=self._serve)

    def _serve(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((time.monotonic(), request.method, request.url.path))
        if self.failures:
            return self.failures.pop(0)
        if request.headers.get("authorization") != "Bearer good-token":
            return httpx.Response(401, json={"error": "bad token"})
        parts = request.url.path.strip("/").split("/")
        if request.method == "GET" and parts == ["me"]:
            return httpx.Response(200, json={"name": "hub"})
        if request.method == "POST" and parts[0] == "items":
            body = json.loads(request.content)
            native_id = f"{self.host.split('.')[0]}-{next(self._ids)}"
            self.items[native_id] = {**body, "id": native_id}
            return httpx.Response(201, json={"id": native_id})
        if request.method == "GET" and parts[0] == "items":
            after = int(request.url.params.get("after", "0"))
            listed = [i for i in self.items.values() if int(i["id"].rsplit("-", 1)[1]) > after]
            return httpx.Response(200, json={"items": listed})
        if len(parts) == 2 and parts[1] in self.items:
            if request.method == "PATCH":
                self.items[parts[1]].update(json.loads(request.content))
                return httpx.Response(200, json=self.items[parts[1]])
            if request.method == "DELETE":
                del self.items[parts[1]]
                return httpx.Response(204)
        return httpx.Response(404, json={"error": "no such item"})

    def add(self, channel: str, text: str, *, user: str = "u-1", thread: str | None = None,
            title: str | None = None) -> dict[str, Any]:
        """A person posts on the platform (not through the hub)."""
        native_id = f"{self.host.split('.')[0]}-{next(self._ids)}"
        item = {"id": native_id, "channel": channel, "text": text, "user": user,
                "thread": thread, "title": title, "author": None}
        self.items[native_id] = item
        return item


class FakeConnector(Connector):
    """A connector of a fake platform: webhooks signed with the token, polling, full CRUD."""

    capabilities = (Capability.POLL | Capability.WEBHOOK | Capability.SEND | Capability.UPDATE
                    | Capability.DELETE)
    settings_model = FakeSettings
    shape: ClassVar[Shape] = Shape.CHAT

    @property
    def token(self) -> str:
        assert isinstance(self.settings, FakeSettings)
        return self.settings.token.get_secret_value()

    async def _call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        try:
            response = await self.http.request(
                method, f"{self.base_url}{path}", json=body,
                headers={"Authorization": f"Bearer {self.token}"})
        except httpx.TransportError as exc:
            raise transport_error(exc, connection=self.connection) from exc
        return raise_for_status(response, connection=self.connection)

    async def check(self, *, online: bool) -> list[str]:
        if online:
            await self._call("GET", "/me")
        return ["token accepted"] if online else []

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        if request.method == "GET":
            return WebhookAnswer(body=(request.query_value("challenge") or "").encode())
        given = request.header("x-fake-token") or ""
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise WebhookRejected("wrong token")
        return None

    def parse(self, payload: Any) -> list[Event]:
        item = payload["item"]
        kind = Kind(payload.get("kind", "message.created"))
        parent = None
        if item.get("thread"):
            parent = Ref(platform=self.name, connection=self.connection,
                         endpoint=f"{self.shape.value}/{item['channel']}",
                         native_id=item["thread"])
        return [Event(
            kind=kind,
            source=Ref(platform=self.name, connection=self.connection,
                       endpoint=f"{self.shape.value}/{item['channel']}", native_id=item["id"]),
            parent=parent,
            actor=Actor(platform=self.name, native_id=item["user"], name=f"Person {item['user']}"),
            occurred_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
            title=item.get("title"), body=item["text"], revision=str(payload.get("rev", "")),
            raw=payload,
        )]

    async def poll(self, address: Address, cursor: str | None) -> PollResult:
        response = await self._call("GET", f"/items?after={cursor or 0}")
        items = [i for i in response.json()["items"] if i["channel"] == address.id]
        events = [e for i in items for e in self.parse({"item": i})]
        last = max((int(i["id"].rsplit("-", 1)[1]) for i in items), default=None)
        return PollResult(events, str(last) if last is not None else None)

    def _body(self, outgoing: Outgoing, target: Target) -> dict[str, Any]:
        return {"channel": target.address.id, "text": outgoing.body, "title": outgoing.title,
                "thread": outgoing.reply_to, "author": outgoing.author,
                "form": outgoing.form.value, "user": "hub"}

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        response = await self._call("POST", "/items", self._body(outgoing, target))
        return Receipt(response.json()["id"])

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        await self._call("PATCH", f"/items/{native_id}", {"text": outgoing.body,
                                                         "title": outgoing.title})

    async def delete(self, target: Target, native_id: str) -> None:
        await self._call("DELETE", f"/items/{native_id}")


class Pigeon(FakeConnector):
    name = "pigeon"
    default_base_url = "https://pigeon.test"


class Corkboard(FakeConnector):
    name = "corkboard"
    default_base_url = "https://corkboard.test"
    shape = Shape.BOARD
    endpoint_kinds: ClassVar[dict[str, Shape]] = {"board": Shape.BOARD}


class Guestbook(FakeConnector):
    """A platform that can delete what the hub wrote, but never edit it."""

    name = "guestbook"
    default_base_url = "https://guestbook.test"

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        raise NotSupported("a guestbook entry cannot be edited", connection=self.connection)


class Stonetablet(FakeConnector):
    """A platform where nothing posted can be changed or taken back."""

    name = "stonetablet"
    display_name = "StoneTablet"
    default_base_url = "https://tablet.test"
    capabilities = Capability.WEBHOOK | Capability.SEND


class Scrapbook(FakeConnector):
    """A platform where one delivery makes two items: the post and a separate caption."""

    name = "scrapbook"
    default_base_url = "https://scrapbook.test"

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        post = await self._call("POST", "/items", self._body(outgoing, target))
        caption = await self._call("POST", "/items", {**self._body(outgoing, target),
                                                      "text": f"caption: {outgoing.body}"})
        return Receipt(post.json()["id"], others=(caption.json()["id"],))


class FakePlugin:
    @hookimpl
    def hub_register_connectors(self) -> list[type[Connector]]:
        return [Pigeon, Corkboard, Stonetablet, Scrapbook, Guestbook]


PLUGINS = {"fakes": FakePlugin()}
