"""An in-test peer platform ("shelf") that keeps what the hub sends it, file bytes included.

It stands for "another connector" in the end-to-end test: it accepts uploads, so the hub
downloads WhatsApp media and hands the files over, and its webhook lets the test reply.
"""

from __future__ import annotations

import hmac
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import SecretStr

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
from hub.events import Actor, Event, Kind, Ref


class ShelfSettings(ConnectionSettings):
    token: SecretStr


@dataclass
class Shelved:
    native_id: str
    form: str
    body: str
    author: str
    reply_to: str | None
    files: dict[str, bytes]


class Shelf(Connector):
    """Keeps every item sent to it in `items`; accepts replies through its webhook."""

    name = "shelf"
    capabilities = Capability.WEBHOOK | Capability.SEND | Capability.UPLOAD
    settings_model = ShelfSettings
    endpoint_kinds: ClassVar[dict[str, Shape]] = {"chat": Shape.CHAT}
    items: ClassVar[list[Shelved]] = []
    _ids: ClassVar[itertools.count[int]] = itertools.count(1)

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        assert isinstance(self.settings, ShelfSettings)
        given = (request.header("x-shelf-token") or "").encode()
        if not hmac.compare_digest(given, self.settings.token.get_secret_value().encode()):
            raise WebhookRejected("wrong token")
        return None

    def parse(self, payload: Any) -> list[Event]:
        parent = None
        if payload.get("parent"):
            parent = Ref(platform=self.name, connection=self.connection, endpoint="chat/room",
                         native_id=payload["parent"])
        return [Event(kind=Kind.MESSAGE_CREATED,
                      source=Ref(platform=self.name, connection=self.connection,
                                 endpoint="chat/room", native_id=payload["id"]),
                      parent=parent,
                      actor=Actor(platform=self.name, native_id="u-1", name="Bea Lima"),
                      occurred_at=datetime.now(UTC), body=payload["text"], raw=payload)]

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        native_id = f"shelf-{next(self._ids)}"
        files = {file.name: file.path.read_bytes() for file in outgoing.files}
        self.items.append(Shelved(native_id, outgoing.form.value, outgoing.body,
                                  outgoing.author, outgoing.reply_to, files))
        return Receipt(native_id)


class ShelfPlugin:
    @hookimpl
    def hub_register_connectors(self) -> list[type[Connector]]:
        return [Shelf]
