"""The core end to end, with two in-test connectors over respx and the web app on loopback."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from hub.activity import Received
from hub.cli import app
from hub.connector import Outgoing, Receipt, Target
from hub.store import DEAD
from tests.hub.conftest import Network
from tests.hub.fakes import Pigeon


async def test_message_flows_from_one_platform_to_the_other(network: Network, fire: Any) -> None:
    async with network.start() as hub:
        item = network.east.add("general", "Bonjour à tous")
        response = await fire(hub, "east", item)
        assert response.status_code == 200
        await hub.settle()
    [copy] = network.west.items.values()
    assert copy["channel"] == "lobby"
    assert copy["text"] == "Bonjour à tous"
    assert copy["author"] == "Person u-1 (Pigeon)"


async def test_a_mirrored_item_coming_back_is_not_mirrored_again(network: Network,
                                                                 fire: Any) -> None:
    async with network.start() as hub:
        await fire(hub, "east", network.east.add("general", "hello"))
        await hub.settle()
        [copy] = network.west.items.values()
        # West announces the copy the hub made, as platforms do for every new message.
        assert (await fire(hub, "west", copy)).status_code == 200
        await hub.settle()
    assert len(network.east.items) == 1
    assert len(network.west.items) == 1


async def test_edits_and_deletes_reach_the_copy(network: Network, fire: Any) -> None:
    async with network.start() as hub:
        item = network.east.add("general", "first draft")
        await fire(hub, "east", item)
        await hub.settle()
        [copy_id] = network.west.items
        await fire(hub, "east", {**item, "text": "final text"}, kind="message.updated", rev="2")
        await hub.settle()
        assert network.west.items[copy_id]["text"] == "final text"
        await fire(hub, "east", item, kind="message.deleted")
        await hub.settle()
    assert network.west.items == {}


async def test_a_thread_reply_lands_under_the_mapped_parent(network: Network, fire: Any) -> None:
    async with network.start() as hub:
        root = network.east.add("general", "the question")
        reply = network.east.add("general", "an answer", thread=root["id"], user="u-2")
        # The reply arrives first: it must wait for its parent's copy.
        await fire(hub, "east", reply)
        await fire(hub, "east", root)
        await hub.settle()
    copies = {i["text"]: i for i in network.west.items.values()}
    assert copies["an answer"]["thread"] == copies["the question"]["id"]
    assert copies["the question"]["thread"] is None


async def test_a_reply_from_the_other_side_threads_under_the_original(network: Network,
                                                                      fire: Any) -> None:
    async with network.start() as hub:
        root = network.east.add("general", "question from east")
        await fire(hub, "east", root)
        await hub.settle()
        [copy_id] = network.west.items
        answer = network.west.add("lobby", "answer from west", thread=copy_id)
        await fire(hub, "west", answer)
        await hub.settle()
    [mirrored] = [i for i in network.east.items.values() if i["text"] == "answer from west"]
    assert mirrored["thread"] == root["id"]


async def test_retry_after_is_honoured(network: Network, fire: Any) -> None:
    network.west.failures.append(httpx.Response(429, headers={"Retry-After": "2"}))
    async with network.start() as hub:
        await fire(hub, "east", network.east.add("general", "patience"))
        await hub.settle()
        seen = hub.activity.of("west")
    assert (seen.waits_today, seen.auth_failure) == (1, None)  # counted for the overview
    assert seen.proven_at is not None  # the retry worked
    posts = [at for at, method, path in network.west.calls if method == "POST"]
    assert len(posts) == 2
    assert posts[1] - posts[0] >= 2.0
    assert len(network.west.items) == 1


async def test_permanent_failure_dead_letters_then_replay_delivers(network: Network,
                                                                   fire: Any) -> None:
    network.west.failures.append(httpx.Response(400, json={"error": "rejected"}))
    async with network.start() as hub:
        await fire(hub, "east", network.east.add("general", "will fail once"))
        await hub.settle()
        [dead] = hub.store.deliveries(DEAD)
        assert "PermanentError" in (dead.last_error or "")
        assert network.west.items == {}
        config = network.tmp_path / "hub.toml"
        config.write_text(f'[store]\nurl = "sqlite:///{network.tmp_path}/hub.db"\n')
        result = CliRunner().invoke(app, ["deadletters", "replay", str(dead.id),
                                          "--config", str(config)])
        assert result.exit_code == 0, result.output
        await hub.settle()
        assert hub.store.deliveries(DEAD) == []
    assert [i["text"] for i in network.west.items.values()] == ["will fail once"]


async def test_transient_failures_back_off_then_die(network: Network, fire: Any) -> None:
    network.west.failures.extend(httpx.Response(503) for _ in range(3))
    async with network.start() as hub:
        await fire(hub, "east", network.east.add("general", "unlucky"))
        started = time.monotonic()
        await hub.settle()
        [dead] = hub.store.deliveries(DEAD)
    assert dead.attempts == 3
    assert time.monotonic() - started >= 0.05  # two back-offs of at least half the base
    assert network.west.items == {}


async def test_a_refused_token_is_recorded_until_a_delivery_works_again(
        network: Network, fire: Any) -> None:
    network.west.failures.extend(httpx.Response(401, json={"error": "token revoked"})
                                 for _ in range(3))
    async with network.start() as hub:
        await fire(hub, "east", network.east.add("general", "refused"))
        await hub.settle()
        refused = hub.activity.of("west")
        status = await hub.store.run(hub.store.state_get, "west", "status")
        [dead] = hub.store.deliveries(DEAD)
        hub.store.replay([dead.id], time.time())
        await hub.settle()
        recovered = hub.activity.of("west")
        status_after = await hub.store.run(hub.store.state_get, "west", "status")
    assert refused.auth_failure is not None and "401" in refused.auth_failure.error
    assert refused.proven_at is None
    assert status is not None and status.startswith("failing: ")  # the worker's record too
    assert recovered.auth_failure is None and recovered.proven_at is not None
    assert status_after == "ok"


async def test_restart_resumes_from_stored_cursors_without_duplicates(network: Network) -> None:
    network.east.add("general", "one")
    network.east.add("general", "two")
    async with network.start() as hub:
        assert await hub.poll_all() == 2
        await hub.settle()
    network.east.add("general", "three")
    async with network.start() as hub:
        # New: "three" on east, and west's two copies, seen by a poll for the first time.
        assert await hub.poll_all() == 3
        await hub.settle()
        # The next poll sees only the copy of "three" on west, which is never routed.
        assert await hub.poll_all() == 1
        await hub.settle()
        assert await hub.poll_all() == 0
    texts = sorted(i["text"] for i in network.west.items.values())
    assert texts == ["one", "three", "two"]
    assert len([c for c in network.west.calls if c[1] == "POST"]) == 3
    assert len(network.east.items) == 3  # the copies were not mirrored back


async def test_a_webhook_with_a_wrong_token_is_refused_and_stores_nothing(
        network: Network, fire: Any) -> None:
    async with network.start() as hub:
        response = await fire(hub, "east", network.east.add("general", "x"), token="forged")
        assert response.status_code == 401
        assert hub.store.last_seq() == 0
        seen = hub.activity.of("east").webhook
        assert seen is not None and seen.outcome is Received.REJECTED


async def test_chat_message_becomes_a_titled_board_post(network: Network, fire: Any) -> None:
    settings = network.beside("corkboard", "board/board/news")
    async with network.start(settings) as hub:
        await fire(hub, "east", network.east.add("general", "Meeting moved\nIt is on Friday now."))
        await hub.settle()
    [post] = network.board.items.values()
    assert post["form"] == "post"
    assert post["title"] == "Meeting moved"


async def test_edits_to_a_platform_that_cannot_edit_end_quietly(network: Network,
                                                                fire: Any) -> None:
    settings = network.beside("stonetablet", "tablet/chat/wall", peer="west/chat/lobby")
    async with network.start(settings) as hub:
        item = network.west.add("lobby", "carve this")
        await fire(hub, "west", item)
        await hub.settle()
        await fire(hub, "west", {**item, "text": "carve that"}, kind="message.updated", rev="2")
        await fire(hub, "west", item, kind="message.deleted")
        await hub.settle()
        assert hub.store.deliveries(DEAD) == []
    [copy] = network.board.items.values()
    assert copy["text"] == "carve this"
    assert copy["author"] == "Person u-1 (Pigeon)"
    assert [method for _, method, _ in network.board.calls] == ["POST"]


async def test_every_item_a_delivery_made_is_known_as_the_hubs(network: Network,
                                                                fire: Any) -> None:
    settings = network.beside("scrapbook", "book/chat/page")
    async with network.start(settings) as hub:
        await fire(hub, "east", network.east.add("general", "a picture"))
        await hub.settle()
        post, caption = network.board.items.values()
        for made in (post, caption):  # the platform announces both
            await fire(hub, "book", made)
        await hub.settle()
    assert [i["text"] for i in network.east.items.values()] == ["a picture"]


async def test_what_a_platform_cannot_do_ends_without_a_dead_letter(network: Network,
                                                                     fire: Any) -> None:
    settings = network.beside("guestbook", "guests/chat/book")
    async with network.start(settings) as hub:
        item = network.east.add("general", "hello")
        await fire(hub, "east", item)
        await hub.settle()
        await fire(hub, "east", {**item, "text": "hello again"}, kind="message.updated", rev="2")
        await hub.settle()
        assert hub.store.deliveries(DEAD) == []
        await fire(hub, "east", item, kind="message.deleted")
        await hub.settle()
    assert network.board.items == {}  # the delete, which it can do, was done


async def test_an_edit_of_an_item_never_mirrored_does_not_wait_for_itself(
        network: Network, fire: Any) -> None:
    async with network.start() as hub:
        # Posted before the bridge existed: only its edit and its deletion come through.
        item = network.east.add("general", "old news")
        await fire(hub, "east", {**item, "text": "old news, edited"}, kind="message.updated",
                   rev="2")
        await fire(hub, "east", item, kind="message.deleted")
        await hub.settle(within=10)
        assert [d.status for d in hub.store.deliveries()] == ["done", "done"]
    assert network.west.items == {}


async def test_an_attempt_never_outlives_its_lease(network: Network, fire: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    settings = network.settings(delivery={"lease_seconds": 0.5, "max_attempts": 2,
                                          "backoff_base_seconds": 0.05})
    async with network.start(settings) as hub:
        real_send = Pigeon.send
        slow = iter([True])

        async def send(self: Pigeon, outgoing: Outgoing, target: Target) -> Receipt:
            if next(slow, False):
                await asyncio.sleep(30)  # a platform hanging on the first attempt
            return await real_send(self, outgoing, target)

        monkeypatch.setattr(Pigeon, "send", send)
        await fire(hub, "east", network.east.add("general", "patience"))
        await hub.settle(within=10)
        [delivery] = hub.store.deliveries()
    assert delivery.status == "done"
    assert [i["text"] for i in network.west.items.values()] == ["patience"]


async def test_what_a_connector_notes_goes_with_how_its_attempt_ends(
        network: Network, fire: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    network.west.failures.append(httpx.Response(503))
    seen: list[tuple[bool, bool, str | None]] = []
    async with network.start() as hub:
        real_send = Pigeon.send

        async def send(self: Pigeon, outgoing: Outgoing, target: Target) -> Receipt:
            note = f"attempt:{outgoing.idempotency_key}"
            before = await self.state.get(note)
            seen.append((outgoing.uncertain, outgoing.since is not None, before))
            await self.state.set(note, f"posting {len(seen)}")
            # Held with the attempt: not on disk before it ends.
            assert hub.store.state_get("west", note) == before
            receipt = await real_send(self, outgoing, target)
            await self.state.delete(note)
            await self.state.set("last_post", receipt.native_id)
            return receipt

        monkeypatch.setattr(Pigeon, "send", send)
        await fire(hub, "east", network.east.add("general", "noted"))
        await hub.settle()
        states = hub.store.states().get("west", {})
    # The failed attempt's note was committed with its reschedule, and the retry found it,
    # knowing when the first attempt began; the success committed the rest.
    assert seen == [(False, False, None), (True, True, "posting 1")]
    assert states == {"last_post": next(iter(network.west.items))}
