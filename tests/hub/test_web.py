"""The web app over real loopback HTTP: webhooks, health, metrics, the event API."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from tests.hub.conftest import Network


async def test_unknown_connection_is_404(network: Network) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        response = await client.post(f"{hub.url}/webhooks/nobody", content=b"{}")
    assert response.status_code == 404


async def test_a_handshake_is_answered_by_the_connector(network: Network) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        response = await client.get(f"{hub.url}/webhooks/east", params={"challenge": "abc"})
        assert (response.status_code, response.text) == (200, "abc")
        assert hub.store.last_seq() == 0


async def test_oversized_bodies_are_refused_before_reading_them(network: Network) -> None:
    settings = network.settings(web={"port": 0, "max_body_bytes": 1000})
    async with network.start(settings) as hub, httpx.AsyncClient() as client:
        big = json.dumps({"item": {"text": "x" * 2000}}).encode()
        response = await client.post(f"{hub.url}/webhooks/east", content=big,
                                     headers={"x-fake-token": "good-token"})

        async def chunks() -> Any:  # no Content-Length: the cap must hold while streaming
            for _ in range(5):
                yield b"x" * 400

        streamed = await client.post(f"{hub.url}/webhooks/east", content=chunks(),
                                     headers={"x-fake-token": "good-token"})
        assert hub.store.last_seq() == 0
    assert response.status_code == 413
    assert streamed.status_code == 413


async def test_malformed_json_is_a_400_and_stores_nothing(network: Network) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        response = await client.post(f"{hub.url}/webhooks/east", content=b"{not json",
                                     headers={"x-fake-token": "good-token"})
        assert response.status_code == 400
        assert hub.store.last_seq() == 0


async def test_health_and_metrics(network: Network, fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        await fire(hub, "east", network.east.add("general", "count me"))
        await fire(hub, "east", network.east.add("general", "x"), token="forged")
        await hub.settle()
        health = await client.get(f"{hub.url}/healthz")
        metrics = (await client.get(f"{hub.url}/metrics")).text
    assert health.json() == {"status": "ok"}
    assert 'passerelle_events_stored_total{connection="east"} 1.0' in metrics
    assert 'passerelle_webhooks_total{connection="east",outcome="rejected"} 1.0' in metrics
    assert 'passerelle_deliveries_total{connection="west",outcome="done"} 1.0' in metrics


async def test_event_api_pages_through_the_stream(network: Network, fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        for text in ("one", "two", "three"):
            await fire(hub, "east", network.east.add("general", text))
        page = (await client.get(f"{hub.url}/api/events", params={"after": 1, "limit": 1})).json()
        bad = await client.get(f"{hub.url}/api/events", params={"after": "-1"})
    assert [item["event"]["body"] for item in page["events"]] == ["two"]
    assert page["last"] == 2
    assert bad.status_code == 400


async def test_event_stream_sends_server_sent_events(network: Network, fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        await fire(hub, "east", network.east.add("general", "streamed"))
        async with client.stream("GET", f"{hub.url}/api/events/stream") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines: list[str] = []
            async for line in response.aiter_lines():
                lines.append(line)
                if line.startswith("data:"):
                    break
    assert lines[0] == "id: 1"
    assert lines[1] == "event: message.created"
    assert json.loads(lines[2].removeprefix("data: "))["body"] == "streamed"


async def test_admin_token_protects_the_api(network: Network) -> None:
    settings = network.settings(web={"port": 0, "admin_token": "let-me-in"})
    async with network.start(settings) as hub, httpx.AsyncClient() as client:
        refused = await client.get(f"{hub.url}/api/events")
        allowed = await client.get(f"{hub.url}/api/events",
                                   headers={"Authorization": "Bearer let-me-in"})
        health = await client.get(f"{hub.url}/healthz")
    assert (refused.status_code, allowed.status_code, health.status_code) == (401, 200, 200)


async def test_webhooks_are_acknowledged_after_the_commit(network: Network, fire: Any) -> None:
    async with network.start() as hub:
        responses = await asyncio.gather(*(fire(hub, "east", network.east.add("general", str(n)))
                                           for n in range(20)))
        assert all(r.status_code == 200 for r in responses)
        assert hub.store.last_seq() == 20
