"""Building a Basecamp connector over respx routes, for the connector tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import respx

from hub.connector import Address, Form, LocalFile, MemoryStateBox, Outgoing, Target
from hub.events import Actor, Event, Kind, Ref, Schedule
from plugins.basecamp.connector import BasecampConnector
from plugins.basecamp.settings import BasecampSettings
from tests.plugins.basecamp.test_conformance import API, LAUNCHPAD, SETTINGS

__all__ = ["API", "LAUNCHPAD", "SETTINGS", "connector_on", "outgoing", "target"]


@asynccontextmanager
async def connector_on(router: respx.Router, state: MemoryStateBox | None = None,
                       **overrides: Any) -> AsyncIterator[BasecampConnector]:
    settings = BasecampSettings.model_validate({**SETTINGS, **overrides})
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    connector = BasecampConnector("network-basecamp", settings, http, state or MemoryStateBox())
    try:
        yield connector
    finally:
        await connector.aclose()
        await http.aclose()


def target(kind: str, project: str = "2085958504", **options: Any) -> Target:
    address = Address("network-basecamp", kind, project)
    shapes = BasecampConnector.endpoint_kinds
    return Target(address, shapes[kind], "en", options)


def outgoing(form: Form = Form.POST, *, body: str = "Hello **network**", title: str | None = None,
             kind: Kind = Kind.MESSAGE_CREATED, reply_to: str | None = None,
             files: tuple[LocalFile, ...] = (), schedule: Schedule | None = None) -> Outgoing:
    event = Event(
        kind=kind,
        source=Ref(platform="slack", connection="lisbon-slack", endpoint="chat/C1",
                   native_id="171.1"),
        actor=Actor(platform="slack", native_id="U1", name="Ana Souza"),
        occurred_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
        title=title, body=body, schedule=schedule,
    )
    return Outgoing(form=form, event=event, title=title, body=body,
                    idempotency_key="passerelle-7", reply_to=reply_to, files=files)
