"""The demo's assemblies, as a member's calendar app reads them from the bridge's feed: the
Basecamp schedule entry at its instant, then cancelled once Camille trashes it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar, Component

from hub.app import Hub
from hub.calendar.tokens import base_url, feed_path, feed_token
from hub.demo.runner import settle, staged, tell

TITLE = "Assemblée des villes"


async def assemblies(client: httpx.AsyncClient, hub: Hub) -> list[Component]:
    """The feed's events, fetched over HTTP as a calendar app does."""
    token = await hub.store.run(feed_token, hub.store, "assemblies")
    answer = await client.get(base_url(hub.settings.web, hub.url)
                              + feed_path("assemblies", token))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    return list(Calendar.from_ical(answer.content).walk("VEVENT"))


@pytest.mark.slow
async def test_the_demos_assembly_is_in_the_feed_then_cancelled(tmp_path: Path) -> None:
    lines: list[str] = []
    async with staged(tmp_path) as (world, hub), httpx.AsyncClient() as client:
        outcome = await tell(world, hub, lines.append)
        assert outcome.failures == [], "\n".join(lines)
        [entry] = [r for r in world.basecamp.recordings.values()
                   if r["type"] == "Schedule::Entry"]
        starts = datetime.fromisoformat(entry["starts_at"].replace("Z", "+00:00"))
        ends = datetime.fromisoformat(entry["ends_at"].replace("Z", "+00:00"))

        # One event, though Zoom holds the meeting the hub made of it: copies are not news.
        [event] = await assemblies(client, hub)
        assert str(event["SUMMARY"]) == TITLE
        assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (starts, ends)
        assert str(event["STATUS"]) == "CONFIRMED"
        assert "Ordre du jour : la rencontre de Lisbonne." in str(event["DESCRIPTION"])

        await world.basecamp.trash(entry["id"], world.people.camille)
        await settle(hub, world)
        [cancelled] = await assemblies(client, hub)
        assert str(cancelled["STATUS"]) == "CANCELLED"
        assert cancelled["UID"] == event["UID"] and str(cancelled["SUMMARY"]) == TITLE
        assert cancelled.decoded("DTSTART") == starts
        assert int(cancelled.decoded("SEQUENCE")) > int(event.decoded("SEQUENCE"))
