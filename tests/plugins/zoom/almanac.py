"""An in-test platform ("almanac") with calendars, chats and file shelves, served on loopback.

It stands for the other side of a bridge in the Zoom end-to-end test: a person's calendar
event or message arrives from it by webhook, and what the hub sends it is kept in `items`,
uploaded bytes included, so the test can read exactly what reached it.
"""

from __future__ import annotations

import base64
import itertools
import json
from datetime import datetime
from typing import Any, ClassVar

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub import hookimpl
from hub.connector import (
    Capability,
    ConnectionSettings,
    Connector,
    Outgoing,
    Receipt,
    Shape,
    Target,
    WebhookAnswer,
    WebhookRequest,
)
from hub.errors import WebhookRejected
from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.http import raise_for_status


class AlmanacPlatform:
    """The platform's state and its tiny REST API (POST/PATCH/DELETE /items)."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self.app = Starlette(routes=[
            Route("/items", self._create, methods=["POST"]),
            Route("/items/{item_id}", self._change, methods=["PATCH", "DELETE"]),
        ])

    def on(self, endpoint: str) -> list[dict[str, Any]]:
        return [item for item in self.items.values() if item["endpoint"] == endpoint]

    async def _create(self, request: Request) -> Response:
        item = json.loads(await request.body())
        item["id"] = f"al-{next(self._ids)}"
        self.items[item["id"]] = item
        return JSONResponse({"id": item["id"]}, status_code=201)

    async def _change(self, request: Request) -> Response:
        item = self.items.get(request.path_params["item_id"])
        if item is None:
            return JSONResponse({"error": "no such item"}, status_code=404)
        if request.method == "DELETE":
            item["deleted"] = True
        else:
            item.update(json.loads(await request.body()))
        return Response(status_code=204)


class AlmanacSettings(ConnectionSettings):
    token: SecretStr


class AlmanacConnector(Connector):
    """Webhooks in (shared token), everything out, files uploaded with the item."""

    name: ClassVar[str] = "almanac"
    capabilities: ClassVar[Capability] = (Capability.WEBHOOK | Capability.SEND
                                          | Capability.UPDATE | Capability.DELETE
                                          | Capability.UPLOAD)
    settings_model: ClassVar[type[ConnectionSettings]] = AlmanacSettings

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        assert isinstance(self.settings, AlmanacSettings)
        if request.header("x-almanac-token") != self.settings.token.get_secret_value():
            raise WebhookRejected("wrong token")
        return None

    def parse(self, payload: Any) -> list[Event]:
        schedule = None
        if payload.get("starts_at"):
            schedule = Schedule(starts_at=datetime.fromisoformat(payload["starts_at"]),
                                ends_at=datetime.fromisoformat(payload["ends_at"]),
                                timezone="Europe/Lisbon")
        parent = None
        if payload.get("parent"):
            parent = Ref(platform=self.name, connection=self.connection,
                         endpoint=payload["endpoint"], native_id=payload["parent"])
        return [Event(
            kind=Kind(payload["kind"]),
            source=Ref(platform=self.name, connection=self.connection,
                       endpoint=payload["endpoint"], native_id=payload["id"]),
            parent=parent,
            actor=Actor(platform=self.name, native_id="p-1", name="Marta Reis"),
            occurred_at=datetime.fromisoformat(payload["at"]), title=payload.get("title"),
            body=payload.get("body", ""), schedule=schedule, revision=payload.get("rev", ""),
        )]

    async def _call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        response = await self.http.request(method, f"{self.base_url}{path}", json=body)
        return raise_for_status(response, connection=self.connection)

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        files = [{"name": f.name, "mime_type": f.mime_type,
                  "content": base64.b64encode(f.path.read_bytes()).decode()}
                 for f in outgoing.files]
        response = await self._call("POST", "/items", {
            "endpoint": target.address.endpoint, "form": outgoing.form.value,
            "kind": outgoing.event.kind.value, "title": outgoing.title, "body": outgoing.body,
            "thread": outgoing.reply_to, "author": outgoing.author, "files": files,
            "starts_at": _start(outgoing)})
        return Receipt(response.json()["id"])

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        await self._call("PATCH", f"/items/{native_id}", {"body": outgoing.body,
                                                         "starts_at": _start(outgoing)})

    async def delete(self, target: Target, native_id: str) -> None:
        await self._call("DELETE", f"/items/{native_id}")


def _start(outgoing: Outgoing) -> str | None:
    schedule = outgoing.event.schedule
    return schedule.starts_at.isoformat() if schedule else None


class AlmanacPlugin:
    @hookimpl
    def hub_register_connectors(self) -> list[type[Connector]]:
        return [AlmanacConnector]


SHAPES = {"calendar": Shape.CALENDAR, "chat": Shape.CHAT, "files": Shape.FILES}
