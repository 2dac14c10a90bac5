"""The web app over real loopback HTTP: webhooks, health, metrics, the event API."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import stat
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from hub.access import TOKEN_FILE, admin_access
from hub.activity import Received
from hub.app import Hub
from hub.errors import StoreError
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
        seen = hub.activity.of("east").webhook
        assert seen is not None and seen.outcome is Received.HANDSHAKE


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
        seen = hub.activity.of("east").webhook
        assert seen is not None and (seen.outcome, seen.reason) == (Received.REJECTED,
                                                                    "body too large")
    assert response.status_code == 413
    assert streamed.status_code == 413


async def test_malformed_json_is_a_400_and_stores_nothing(network: Network) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        response = await client.post(f"{hub.url}/webhooks/east", content=b"{not json",
                                     headers={"x-fake-token": "good-token"})
        assert response.status_code == 400
        assert hub.store.last_seq() == 0
        seen = hub.activity.of("east")
        assert seen.webhook is not None and seen.webhook.outcome is Received.REJECTED
        assert seen.webhook.reason  # why, for the console's overview
        assert seen.last_accepted is None


async def test_health_and_metrics(network: Network, fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        await fire(hub, "east", network.east.add("general", "count me"))
        await fire(hub, "east", network.east.add("general", "x"), token="forged")
        await hub.settle()
        health = await client.get(f"{hub.url}/healthz")
        metrics = (await client.get(f"{hub.url}/metrics")).text
    assert health.json()["status"] == "ok"
    assert health.json()["writes"]["last_failure"] is None
    assert 'passerelle_events_stored_total{connection="east"} 1.0' in metrics
    assert 'passerelle_webhooks_total{connection="east",outcome="rejected"} 1.0' in metrics
    assert 'passerelle_deliveries_total{connection="west",outcome="done"} 1.0' in metrics


def admin(hub: Hub) -> dict[str, str]:
    """The header that opens the admin API of `hub` (its token made at first start)."""
    return {"Authorization": f"Bearer {admin_access(hub.settings).token.get_secret_value()}"}


async def test_event_api_pages_through_the_stream(network: Network, fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        for text in ("one", "two", "three"):
            await fire(hub, "east", network.east.add("general", text))
        page = (await client.get(f"{hub.url}/api/events", params={"after": 1, "limit": 1},
                                 headers=admin(hub))).json()
        bad = [(await client.get(f"{hub.url}/api/events", params=query, headers=admin(hub)))
               for query in ({"after": "-1"}, {"after": str(2**63)}, {"after": "²"},
                             {"after": "9" * 20}, {"limit": "0"}, {"limit": "1001"},
                             {"limit": "ten"})]
        largest = await client.get(f"{hub.url}/api/events", params={"after": str(2**63 - 1)},
                                   headers=admin(hub))
    assert [item["event"]["body"] for item in page["events"]] == ["two"]
    assert page["last"] == 2
    assert [response.status_code for response in bad] == [400] * 7
    assert "from 0 to 9223372036854775807" in bad[3].json()["error"]
    assert largest.json() == {"events": [], "last": 2**63 - 1}


async def test_event_stream_sends_server_sent_events(network: Network, fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        await fire(hub, "east", network.east.add("general", "streamed"))
        async with client.stream("GET", f"{hub.url}/api/events/stream",
                                 headers=admin(hub)) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines: list[str] = []
            async for line in response.aiter_lines():
                lines.append(line)
                if line.startswith("data:"):
                    break
    assert lines[0] == "id: 1"
    assert lines[1] == "event: message.created"
    assert json.loads(lines[2].removeprefix("data: "))["body"] == "streamed"


async def test_a_reconnecting_stream_resumes_after_the_last_event_it_saw(
        network: Network, fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        for text in ("seen", "missed"):
            await fire(hub, "east", network.east.add("general", text))
        async with client.stream("GET", f"{hub.url}/api/events/stream",
                                 headers={"Last-Event-ID": "1", **admin(hub)}) as response:
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    break
        refused = [await client.get(f"{hub.url}/api/events/stream",
                                    headers={"Last-Event-ID": given, **admin(hub)})
                   for given in ("one", "9" * 30)]
    assert json.loads(line.removeprefix("data: "))["body"] == "missed"
    assert [response.status_code for response in refused] == [400, 400]


async def test_admin_token_protects_the_api(network: Network) -> None:
    token = "let-me-in-0123456789"
    settings = network.settings(web={"port": 0, "admin_token": token})
    async with network.start(settings) as hub, httpx.AsyncClient() as client:
        refused = await client.get(f"{hub.url}/api/events")
        wrong = await client.get(f"{hub.url}/api/events",
                                 headers={"Authorization": "Bearer let-me-in"})
        allowed = await client.get(f"{hub.url}/api/events",
                                   headers={"Authorization": f"Bearer {token}"})
        health = await client.get(f"{hub.url}/healthz")
    assert [r.status_code for r in (refused, wrong, allowed, health)] == [401, 401, 200, 200]
    assert not (network.tmp_path / TOKEN_FILE).exists()


async def test_webhooks_are_acknowledged_after_the_commit(network: Network, fire: Any) -> None:
    async with network.start() as hub:
        responses = await asyncio.gather(*(fire(hub, "east", network.east.add("general", str(n)))
                                           for n in range(20)))
        assert all(r.status_code == 200 for r in responses)
        assert hub.store.last_seq() == 20
        seen = hub.activity.of("east")
        assert seen.webhook is not None and seen.webhook.outcome is Received.ACCEPTED
        assert seen.last_accepted == seen.webhook.at


async def test_without_a_configured_token_the_api_asks_for_a_generated_one(
        network: Network) -> None:
    # Through a proxy that adds no forwarding header, every request looks local: looking
    # local must open nothing.
    async with network.start() as hub, httpx.AsyncClient() as client:
        local = await client.get(f"{hub.url}/api/events")
        with_token = await client.get(f"{hub.url}/api/events", headers=admin(hub))
    kept = network.tmp_path / TOKEN_FILE
    assert (local.status_code, with_token.status_code) == (401, 200)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert f"Bearer {kept.read_text().strip()}" == admin(hub)["Authorization"]


async def test_a_failing_store_answers_503_so_the_platform_retries(
        network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        def broken(*args: object, **kwargs: object) -> None:
            raise OperationalError("INSERT …", {"body": "private words"}, Exception("locked"))

        monkeypatch.setattr(hub.store, "append", broken)
        response = await client.post(
            f"{hub.url}/webhooks/east", headers={"x-fake-token": "good-token"},
            json={"item": network.east.add("general", "private words"), "kind": "message.created"})
        seen = hub.activity.of("east").webhook
    assert response.status_code == 503
    assert seen is not None and seen.outcome is Received.UNAVAILABLE
    assert seen.reason.startswith("not stored: the store failed")
    assert "private words" not in seen.reason


async def test_health_reports_writes_that_fail_while_reads_pass(
        network: Network, fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        # Another program held SQLite's write lock while a webhook came: it got 503. Reads
        # pass again, but until a write does, the hub is not well (as after a full disk).
        other = sqlite3.connect(network.tmp_path / "hub.db", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            refused = await fire(hub, "east", network.east.add("general", "held back"))
        finally:
            other.close()
        sick = await client.get(f"{hub.url}/healthz")
        stored = await fire(hub, "east", network.east.add("general", "after"))
        well = await client.get(f"{hub.url}/healthz")
    assert (refused.status_code, sick.status_code) == (503, 503)
    assert sick.json()["status"] == "unhealthy" and "store" not in sick.json()
    assert "SQLITE_BUSY" in sick.json()["writes"]["last_failure"]
    assert (stored.status_code, well.status_code) == (200, 200)
    assert well.json()["writes"]["last_failure"] is None


async def test_the_pump_outlives_a_failing_tick(network: Network, fire: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    async with network.start() as hub:
        real_route = hub.route
        failures = iter([True])

        async def flaky() -> int:
            if next(failures, False):
                raise StoreError("the store failed: OperationalError")
            return await real_route()

        monkeypatch.setattr(hub, "route", flaky)
        pump = asyncio.create_task(hub.run_pump(600))
        try:
            await fire(hub, "east", network.east.add("general", "first try fails"))
            await asyncio.sleep(0.2)
            await fire(hub, "east", network.east.add("general", "then it works"))
            for _ in range(100):
                if len(network.west.items) == 2:
                    break
                await asyncio.sleep(0.02)
        finally:
            pump.cancel()
    assert len(network.west.items) == 2


async def test_an_open_event_stream_lets_the_hub_stop(network: Network, fire: Any) -> None:
    # Without an end of its own, an open stream would hold the server's graceful shutdown
    # for ever: the bound turns that hang into a failure.
    async with httpx.AsyncClient() as client, asyncio.timeout(60):
        async with network.start() as hub:
            await fire(hub, "east", network.east.add("general", "before the stop"))
            response = await client.send(client.build_request(
                "GET", f"{hub.url}/api/events/stream", headers=admin(hub)), stream=True)
            lines = response.aiter_lines()
            while not (await anext(lines)).startswith("data:"):
                pass
        rest = [line async for line in lines]  # the stream ended with the hub
        await response.aclose()
    assert not any(line.startswith("data:") for line in rest)


async def test_the_hubs_own_copies_are_marked_and_left_out_unless_asked(
        network: Network, fire: Any) -> None:
    async with network.start() as hub, httpx.AsyncClient() as client:
        await fire(hub, "east", network.east.add("general", "original"))
        await hub.settle()
        (copy,) = network.west.items.values()
        await fire(hub, "west", {"user": "hub", **copy})  # west tells back what the hub posted
        await fire(hub, "east", network.east.add("general", "after"))
        shown = (await client.get(f"{hub.url}/api/events", headers=admin(hub))).json()
        every = (await client.get(f"{hub.url}/api/events", params={"all": "1"},
                                  headers=admin(hub))).json()
        streamed = {query: await _stream_until(client, f"{hub.url}/api/events/stream{query}",
                                               admin(hub), "after")
                    for query in ("", "?all=1")}
    assert [(e["seq"], e["own_copy"], e["event"]["body"]) for e in shown["events"]] == [
        (1, False, "original"), (3, False, "after")]
    assert shown["last"] == every["last"] == 3
    assert [(e["seq"], e["own_copy"]) for e in every["events"]] == [
        (1, False), (2, True), (3, False)]
    assert [(d["body"], d["own_copy"]) for d in streamed[""]] == [
        ("original", False), ("after", False)]
    assert [d["own_copy"] for d in streamed["?all=1"]] == [False, True, False]


async def _stream_until(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                        last_body: str) -> list[dict[str, Any]]:
    """The data of each event the stream sends, up to the one whose body is `last_body`."""
    seen: list[dict[str, Any]] = []
    async with client.stream("GET", url, headers=headers) as response:
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                seen.append(json.loads(line.removeprefix("data: ")))
                if seen[-1]["body"] == last_body:
                    break
    return seen


async def test_a_stopping_hub_answers_webhooks_503_and_stores_nothing(
        network: Network, fire: Any) -> None:
    async with network.start() as hub:
        hub.stop_claiming()
        refused = await fire(hub, "east", network.east.add("general", "too late"))
        assert hub.store.last_seq() == 0
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
