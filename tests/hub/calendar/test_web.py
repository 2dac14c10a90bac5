"""The calendar feed over real loopback HTTP: the address is the key, a wrong one and an
unknown bridge answer alike, and a rotation closes the old address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from icalendar import Calendar

from hub.app import Hub
from hub.calendar.tokens import admits, feed_path, feed_token, rotate
from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.settings import HubSettings
from tests.hub.conftest import Network

STARTS = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
SCHEDULE = Schedule(starts_at=STARTS, ends_at=STARTS + timedelta(hours=1),
                    timezone="America/Sao_Paulo")


def settings(network: Network) -> HubSettings:
    # West only receives: what is written there is not the bridge's to publish.
    return network.settings(bridges={"général": {"translate": False, "endpoints": [
        {"at": "east/chat/general", "direction": "in"},
        {"at": "west/chat/lobby", "direction": "out"}]}})


def event(connection: str, endpoint: str, native_id: str, kind: Kind = Kind.EVENT_CREATED,
          schedule: Schedule | None = SCHEDULE) -> Event:
    return Event(kind=kind, source=Ref(platform="pigeon", connection=connection,
                                       endpoint=endpoint, native_id=native_id),
                 actor=Actor(platform="pigeon", native_id="u-1", name="Ana"),
                 occurred_at=datetime.now(UTC), title=f"Assembleia {native_id}",
                 schedule=schedule)


async def address(hub: Hub, bridge: str = "général") -> str:
    token = await hub.store.run(feed_token, hub.store, bridge)
    return hub.url + feed_path(bridge, token)


async def test_the_feed_holds_the_events_written_on_its_feeding_endpoints(
        network: Network) -> None:
    async with network.start(settings(network)) as hub, httpx.AsyncClient() as client:
        await hub.ingest([event("east", "chat/general", "e1"),
                          event("west", "chat/lobby", "w1")])
        url = await address(hub)
        assert "/calendar/g%C3%A9n%C3%A9ral/" in url
        answer = await client.get(url)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
        assert answer.headers["cache-control"] == "private, max-age=300"
        calendar = Calendar.from_ical(answer.content)
        assert str(calendar["x-wr-calname"]) == "général"
        [found] = calendar.walk("VEVENT")
        assert str(found["SUMMARY"]) == "Assembleia e1"
        assert found.decoded("DTSTART") == STARTS
        assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["America/Sao_Paulo"]

        # A calendar that has these bytes is told nothing changed.
        same = await client.get(url, headers={"if-none-match": answer.headers["etag"]})
        assert (same.status_code, same.content) == (304, b"")
        assert same.headers["etag"] == answer.headers["etag"]

        # Cancelled: still there, marked so, at the time it had (the cancellation says none).
        await hub.ingest([event("east", "chat/general", "e1", Kind.EVENT_CANCELLED, None)])
        changed = await client.get(url, headers={"if-none-match": answer.headers["etag"]})
        assert changed.status_code == 200 and changed.headers["etag"] != answer.headers["etag"]
        [gone] = Calendar.from_ical(changed.content).walk("VEVENT")
        assert str(gone["STATUS"]) == "CANCELLED" and gone.decoded("DTSTART") == STARTS
        assert str(gone["SUMMARY"]) == "Assembleia e1"
        assert int(gone.decoded("SEQUENCE")) > int(found.decoded("SEQUENCE"))


async def test_a_wrong_token_and_an_unknown_bridge_answer_the_same_404(
        network: Network) -> None:
    async with network.start(settings(network)) as hub, httpx.AsyncClient() as client:
        url = await address(hub)
        token = url.rsplit("/", 1)[1].removesuffix(".ics")
        wrong = await client.get(url.replace(token, token[::-1]))
        unknown = await client.get(f"{hub.url}/calendar/nowhere/{token}.ics")
        # A token kept for a bridge the configuration no longer has opens nothing either.
        gone_token = await hub.store.run(feed_token, hub.store, "removed")
        removed = await client.get(f"{hub.url}{feed_path('removed', gone_token)}")
        no_token = await client.get(f"{hub.url}/calendar/général/.ics")
    for answer in (wrong, unknown, removed):
        assert (answer.status_code, answer.text) == (404, "no such calendar\n"), answer.url
    assert no_token.status_code == 404  # no route at all
    assert wrong.headers["content-type"] == unknown.headers["content-type"]


async def test_rotating_closes_the_old_address_and_opens_a_new_one(network: Network) -> None:
    async with network.start(settings(network)) as hub, httpx.AsyncClient() as client:
        old = await address(hub)
        assert (await client.get(old)).status_code == 200
        assert await address(hub) == old  # asked again: the same address
        await hub.store.run(rotate, hub.store, "général")
        new = await address(hub)
        assert new != old
        assert (await client.get(old)).status_code == 404
        assert (await client.get(new)).status_code == 200


def test_tokens_are_long_random_and_compared_whole(network: Network) -> None:
    from hub.store import Store

    store = Store.open(f"sqlite:///{network.tmp_path}/tokens.db")
    try:
        token = feed_token(store, "b")
        assert len(token) >= 43 and token != feed_token(store, "c")
        assert admits(store, "b", token)
        assert not admits(store, "b", token[:-1]) and not admits(store, "b", "")
        assert not admits(store, "c", token) and not admits(store, "unknown", "")
    finally:
        store.close()
