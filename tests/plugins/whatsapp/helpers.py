"""A connector on respx routes shaped like the Graph API, with a settable clock."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import respx

from hub.connector import Form, MemoryStateBox, Outgoing
from hub.events import Actor, Event, Kind, Ref
from plugins.whatsapp.connector import WhatsAppConnector
from plugins.whatsapp.settings import WhatsAppSettings
from tests.plugins.whatsapp.conftest import BASE, NUMBER, settings_dict

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def graph_error(code: int, message: str, status: int = 400, subcode: int | None = None,
                details: str = "") -> httpx.Response:
    """Meta's error envelope, as the Graph API answers it."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "AbCdEf"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return httpx.Response(status, json={"error": error})


class Graph:
    """respx routes for the Graph API; records every message body sent."""

    def __init__(self) -> None:
        self.router = respx.Router(assert_all_mocked=True, base_url=BASE)
        self.sent: list[dict[str, Any]] = []
        self.uploads = 0
        self._ids = itertools.count(1)
        self.failures: dict[str, list[httpx.Response]] = {}  # recipient -> queued failures
        self.messages = self.router.post(f"/{NUMBER}/messages", name="send")
        self.messages.side_effect = self._send
        self.media = self.router.post(f"/{NUMBER}/media", name="upload")
        self.media.side_effect = self._upload
        self.router.get(f"/{NUMBER}", name="check").respond(json={
            "display_phone_number": "+972 12-345-6789", "verified_name": "Passerelle Network",
            "quality_rating": "GREEN", "id": NUMBER})

    def _send(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        who = body.get("to") or body.get("recipient")
        queued = self.failures.get(who)
        if queued:
            return queued.pop(0)
        self.sent.append(body)
        wamid = f"wamid.out{next(self._ids)}"
        return httpx.Response(200, json={"messaging_product": "whatsapp",
                                         "contacts": [{"input": who, "wa_id": who}],
                                         "messages": [{"id": wamid}]})

    def _upload(self, request: httpx.Request) -> httpx.Response:
        self.uploads += 1
        return httpx.Response(200, json={"id": f"media{self.uploads}"})

    def to(self, recipient: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if recipient in (m.get("to"), m.get("recipient"))]


def make_connector(graph: Graph, clock: list[datetime] | None = None, **overrides: Any
                   ) -> WhatsAppConnector:
    settings = WhatsAppSettings.model_validate(settings_dict(**overrides))
    http = httpx.AsyncClient(transport=httpx.MockTransport(graph.router.async_handler))
    times = clock or [NOW]
    return WhatsAppConnector("wa", settings, http, MemoryStateBox(), clock=lambda: times[0])


def outgoing(body: str = "Hello **all**", *, form: Form = Form.MESSAGE,
             reply_to: str | None = None, key: str = "passerelle-1", title: str | None = None,
             files: tuple[Any, ...] = ()) -> Outgoing:
    event = Event(kind=Kind.MESSAGE_CREATED,
                  source=Ref(platform="slack", connection="lisbon-slack", endpoint="chat/C1",
                             native_id="1700000000.000100"),
                  actor=Actor(platform="slack", native_id="U1", name="Ana Souza"),
                  occurred_at=NOW, body=body)
    return Outgoing(form=form, event=event, title=title, body=body, idempotency_key=key,
                    reply_to=reply_to, files=files)
