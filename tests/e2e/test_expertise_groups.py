"""Expertise groups over the four sandboxes: a Portuguese WhatsApp message tagged `#mobilidade`
reaches the mobility group's Slack channel in English (Apertium, for real) and nowhere it
should not; a tagged question nobody answers is reminded there once, with the clock set by the
test."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.app import Hub
from hub.demo.people import PEOPLE, people_toml
from hub.demo.runner import settle
from hub.demo.story import members_join
from hub.demo.world import (
    BASECAMP,
    CHANNEL,
    CIRCLE,
    SLACK,
    WHATSAPP,
    World,
    hub_settings,
    sandboxes,
)
from hub.people.questions import Questions
from hub.scheduler import remind_questions
from hub.settings import BridgeSettings, GroupSettings, HubSettings, PeopleSettings

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("apertium") is None,
                                 reason="Apertium is not installed (apt-get install apertium "
                                 "apertium-pt-es apertium-en-es)")]

MOBILITY, ELSEWHERE = "C0MOBILITY", "C0ELSEWHERE"
WAIT = timedelta(minutes=30)


def settings(world: World, folder: Path) -> HubSettings:
    """The demo's connections and people, Beatriz asking to be told of the mobility group's
    posts; the WhatsApp circle bridged with one Slack channel only, a Basecamp board bridged
    with another; the mobility group's place, a third channel."""
    base = hub_settings(world, folder)
    people = folder / "people.toml"
    PEOPLE["bea"] = {**PEOPLE["bea"], "notify": ["mobility"]}
    try:
        people.write_text(people_toml(), encoding="utf-8")
    finally:
        PEOPLE["bea"] = {k: v for k, v in PEOPLE["bea"].items() if k != "notify"}
    return base.model_copy(update={
        "people": PeopleSettings(file=people),
        "bridges": {
            "circle": BridgeSettings.model_validate({"endpoints": [
                {"at": f"{WHATSAPP}/circle/{CIRCLE}", "language": "pt"},
                {"at": f"{SLACK}/chat/{CHANNEL}", "language": "en"}]}),
            "elsewhere": BridgeSettings.model_validate({"endpoints": [
                {"at": f"{BASECAMP}/board/{world.project}", "language": "fr"},
                {"at": f"{SLACK}/chat/{ELSEWHERE}", "language": "en"}]}),
        },
        "groups": {"mobility": GroupSettings.model_validate({
            "title": "Mobility",
            "hashtags": ["#mobility", "#mobilité", "#mobilidade", "#movilidad"],
            "question_reminder_minutes": int(WAIT.total_seconds() // 60),
            "endpoints": [{"at": f"{SLACK}/chat/{MOBILITY}", "language": "en"}]})},
    })


@contextlib.asynccontextmanager
async def network() -> AsyncIterator[World]:
    async with sandboxes() as world:
        world.slack.add_channel(MOBILITY)
        world.slack.add_channel(ELSEWHERE)
        yield world


@contextlib.asynccontextmanager
async def hub_on(world: World, folder: Path) -> AsyncIterator[Hub]:
    async with Hub.start(settings(world, folder)) as hub:
        world.connect(hub.url)
        yield hub


def texts(world: World, channel: str) -> list[str]:
    return [str(m.get("text", "")) + str(m.get("blocks", ""))
            for m in world.slack.messages(channel)]


def board_items(world: World) -> list[dict[str, Any]]:
    """What the hub made on the Basecamp board: posts and comments."""
    return [r for r in world.basecamp.recordings.values()
            if r["type"] in ("Message", "Comment")]


async def test_a_tagged_whatsapp_message_reaches_its_group_in_english_and_nowhere_else(
        tmp_path: Path) -> None:
    async with network() as world, hub_on(world, tmp_path) as hub:
        await members_join(world)
        await settle(hub, world)
        sent_before = len(world.whatsapp.sent)
        await world.whatsapp.user_sends_text(
            world.people.ana, "A nossa cidade tem um novo plano de ciclovias. #Mobilidade",
            name="Ana Souza")
        await settle(hub, world)
        [grouped] = texts(world, MOBILITY)
        [bridged] = texts(world, CHANNEL)
        assert texts(world, ELSEWHERE) == []
        assert board_items(world) == []
        # Beatriz, in the circle, is the only one WhatsApp sends anything to.
        assert {s.to for s in world.whatsapp.sent[sent_before:]} <= {world.people.bea}
        # Emma answers under the copy in the bridged channel: the answer follows the post
        # into the group's channel, under its copy there.
        [root], [copy] = world.slack.messages(MOBILITY), world.slack.messages(CHANNEL)
        await world.slack.post(CHANNEL, world.people.emma, "London did the same in 2019.",
                               thread_ts=copy["ts"])
        await settle(hub, world)
        followed = [m for m in world.slack.messages(MOBILITY) if m["ts"] != root["ts"]]
        assert [m.get("thread_ts") for m in followed] == [root["ts"]]
        assert "London did the same in 2019." in str(followed[0].get("text"))
        assert texts(world, ELSEWHERE) == [] and board_items(world) == []
    # In English for the group's channel, as for the bridged one, the hashtag kept.
    assert "nossa cidade" not in grouped and "plano de" not in grouped
    assert "city" in grouped.lower() and "#Mobilidade" in grouped
    assert "Translated from Portuguese" in grouped
    assert grouped == bridged


async def test_an_unanswered_question_is_reminded_to_its_group_once(tmp_path: Path) -> None:
    async with network() as world, hub_on(world, tmp_path) as hub:
        await members_join(world)
        await settle(hub, world)
        await world.whatsapp.user_sends_text(
            world.people.ana, "Alguém conhece um bom plano de ciclovias? #mobilidade",
            name="Ana Souza")
        await world.whatsapp.user_sends_text(
            world.people.bea, "Quem tem dados sobre autocarros? #mobilidade",
            name="Beatriz Lima")
        await settle(hub, world)
        bikes, buses = world.slack.messages(MOBILITY)
        # Emma answers Beatriz on Slack, in the group's channel, under the copy.
        await world.slack.post(MOBILITY, world.people.emma, "London publishes its bus data.",
                               thread_ts=buses["ts"])
        await settle(hub, world)
        asked_at = datetime.now(UTC)
        questions = Questions(hub.store, hub.settings.groups)
        assert await remind_questions(hub, questions, asked_at - timedelta(minutes=1)) == 0
        assert await remind_questions(hub, questions, asked_at + WAIT) == 1
        await settle(hub, world)
        # A second look, or another hub, makes nothing again.
        assert await remind_questions(hub, Questions(hub.store, hub.settings.groups),
                                      asked_at + WAIT + timedelta(minutes=1)) == 0
        await settle(hub, world)
        in_group = world.slack.messages(MOBILITY)
        in_channel = texts(world, CHANNEL)
    [reminder] = [m for m in in_group
                  if m.get("thread_ts") == bikes["ts"] and m["ts"] != bikes["ts"]]
    said = str(reminder.get("text", ""))
    assert said.startswith("Still unanswered:") and "?" in said and "plano" not in said
    assert not [m for m in in_group if m.get("thread_ts") == buses["ts"]
                and m["ts"] not in (buses["ts"],) and m.get("user") != world.people.emma]
    # The bridged channel got the two questions, never the reminder.
    assert len(in_channel) == 2


async def test_a_member_who_asked_is_told_of_a_tagged_post_on_their_own_whatsapp(
        tmp_path: Path) -> None:
    async with network() as world, hub_on(world, tmp_path) as hub:
        await members_join(world)
        await settle(hub, world)
        assert hub.members is not None
        await hub.members.refresh()  # the scheduler's job: the member lists read (routing
        # then finds who asked to be told, where they are)
        sent_before = len(world.whatsapp.sent)
        await world.slack.post(ELSEWHERE, world.people.emma,
                               "Does any city count its tram riders? #mobility")
        await settle(hub, world)
        told = world.whatsapp.sent[sent_before:]
        in_group = texts(world, MOBILITY)
        on_board = board_items(world)
    # Beatriz, and only she, in Portuguese, on her own chat; the group's channel and the
    # board bridged with the channel it was written in have it too.
    assert [s.to for s in told] == [world.people.bea]
    assert "#mobility" in str(told[0].body) and "cidade" in str(told[0].body)
    assert len(in_group) == 1 and "tram" in in_group[0]
    assert len(on_board) == 1
