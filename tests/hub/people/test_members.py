"""The directory at work in a running hub: authors met from the stream, items signed with the
person's one name and city, mentions made for each target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.errors import ConfigError
from hub.people.matching import Mend
from tests.hub.conftest import Network

PEOPLE = """
[people.camille]
name = "Camille Martin"
city = "Lyon"
identities = ["east:u-camille", "west:w-camille"]

[people.hugo]
name = "Hugo Bernard"
city = "Porto"
identities = ["east:u-hugo", "west:w-hugo"]
"""


def with_people(network: Network, tmp_path: Path, text: str = PEOPLE) -> Any:
    path = tmp_path / "people.toml"
    path.write_text(text, encoding="utf-8")
    return network.settings(people={"file": str(path)})


async def test_an_item_is_signed_with_its_authors_one_name_and_city(
        network: Network, fire: Any, tmp_path: Path) -> None:
    async with network.start(with_people(network, tmp_path)) as hub:
        item = {**network.east.add("general", "Bonjour"), "user": "u-camille"}
        await fire(hub, "east", item)
        await hub.settle()
    [copy] = network.west.items.values()
    assert copy["author"] == "Camille Martin, Lyon (Pigeon)"


async def test_a_mention_becomes_the_targets_mention_of_the_same_person(
        network: Network, fire: Any, tmp_path: Path) -> None:
    async with network.start(with_people(network, tmp_path)) as hub:
        item = {**network.east.add("general", "Ask <@pigeon:u-hugo> or <@pigeon:u-nobody>"),
                "user": "u-camille"}
        await fire(hub, "east", item)
        await hub.settle()
    [copy] = network.west.items.values()
    assert copy["text"] == "Ask <@pigeon:w-hugo|Hugo Bernard> or <@pigeon:u-nobody>"


async def test_authors_are_met_from_the_stream_and_matched_by_the_admins_mends(
        network: Network, fire: Any) -> None:
    async with network.start() as hub:
        assert hub.members is not None
        for user in ("u-1", "u-2"):
            await fire(hub, "east", {**network.east.add("general", "hi"), "user": user})
        await hub.settle()
        # West tells of the copies the hub made there, as platforms do: not people.
        for copy in list(network.west.items.values()):
            await fire(hub, "west", copy)
        await hub.settle()
        assert await hub.members.catch_up() == 4
        directory = await hub.members.directory()
        assert sorted(i.text for p in directory.people for i in p.identities) == [
            "east:u-1", "east:u-2"]
        assert await hub.members.catch_up() == 0  # its position moved with what it met
        await hub.members.mend(Mend("merge", "east:u-1", "east:u-2"))
        [person] = (await hub.members.directory()).people
        assert person.name == "Person u-1"


async def test_a_people_file_with_a_mistake_stops_the_hub_at_start(
        network: Network, tmp_path: Path) -> None:
    settings = with_people(network, tmp_path, '[people.x]\nname = "X"\nphones = ["12"]')
    with pytest.raises(ConfigError, match=r"\[people.x\] phones"):
        async with network.start(settings):
            pass
