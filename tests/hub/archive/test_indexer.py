"""The archive's indexer over a running hub and two in-test platforms: what it keeps, what it
leaves out, how threads across platforms come together, and what a deletion takes away."""

from __future__ import annotations

from typing import Any

from hub.archive.indexer import Indexer
from hub.archive.records import Filters, ItemKind, Probe
from hub.store.archive import ARCHIVE
from tests.hub.conftest import Network


def _found(hub: Any, language: str, query: str) -> list[str]:
    return [f.item.texts[0].body for f in hub.store.archive_search([Probe(language, query)])]


async def test_an_item_is_kept_once_with_its_copies_not_as_items(network: Network,
                                                                 fire: Any) -> None:
    async with network.start() as hub:
        item = network.east.add("general", "Les jardins partagés de Lisbonne")
        await fire(hub, "east", item)
        await hub.settle()
        [copy] = network.west.items.values()
        await fire(hub, "west", copy)  # west tells the hub about the copy it made
        await hub.settle()
        assert hub.store.archive_count() == 1
        [found] = hub.store.archive_search([Probe("", "jardins lisbonne")])
    assert (found.item.connection, found.item.platform, found.item.kind) == (
        "east", "pigeon", ItemKind.CHAT)
    assert found.item.author_id == "pigeon:u-1"
    assert [(c.connection, c.endpoint) for c in found.item.copies] == [("west", "chat/lobby")]


async def test_a_reply_to_a_copy_joins_the_original_thread(network: Network, fire: Any) -> None:
    async with network.start() as hub:
        root = network.east.add("general", "question from east")
        await fire(hub, "east", root)
        await hub.settle()
        [copy_id] = network.west.items
        await fire(hub, "west", network.west.add("lobby", "answer from west", thread=copy_id))
        await hub.settle()
        thread = hub.store.archive_thread(("east", root["id"]))
    assert [i.texts[0].body for i in thread] == ["question from east", "answer from west"]
    answer = thread[1]
    assert answer.connection == "west"
    assert answer.parent == ("east", root["id"])  # the original, not the copy it answered


async def test_an_edit_replaces_the_text_and_a_deletion_forgets_it(network: Network,
                                                                   fire: Any) -> None:
    async with network.start() as hub:
        item = network.east.add("general", "first draft about bicycles")
        await fire(hub, "east", item)
        await hub.settle()
        assert _found(hub, "", "bicycles") == ["first draft about bicycles"]
        await fire(hub, "east", {**item, "text": "final text about tramways"},
                   kind="message.updated", rev="2")
        await hub.settle()
        assert _found(hub, "", "bicycles") == []
        assert _found(hub, "", "tramways") == ["final text about tramways"]
        await fire(hub, "east", item, kind="message.deleted")
        await hub.settle()
        assert _found(hub, "", "tramways") == []
        assert hub.store.archive_count() == 0


async def test_each_event_is_indexed_once_whoever_reads_it(network: Network, fire: Any) -> None:
    async with network.start() as hub:
        await fire(hub, "east", network.east.add("general", "once only"))
        await hub.settle()
        position = hub.store.position(ARCHIVE)
        assert position == hub.store.last_seq()
        # A second indexer (a restart, another hub on the same database) finds nothing new.
        again = Indexer(hub.store, hub.network, None, hub.settings.archive)
        assert await again.catch_up() == 0
        # One that read the same events before the first wrote them writes nothing.
        assert hub.store.archive_keep([], [], position - 1, position) is False
        assert hub.store.archive_count() == 1


async def test_the_archive_can_be_switched_off(network: Network, fire: Any) -> None:
    settings = network.settings(archive={"enabled": False})
    async with network.start(settings) as hub:
        await fire(hub, "east", network.east.add("general", "not kept"))
        await hub.settle()
        assert hub.indexer is None
        assert hub.store.archive_select(Filters()) == []
