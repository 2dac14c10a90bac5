"""What one delivery hands its connector: a calendar event announced for the endpoint's
readers, its invitation, the original beside a translation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import ClassVar

import httpx
import pytest
from icalendar import Calendar
from pydantic import SecretStr

from hub.connector import Action, Address, Capability, Connector, Form, MemoryStateBox, Shape
from hub.events import Actor, Event, Kind, Ref, Schedule
from hub.network import Network
from hub.outgoing import Composer, discard
from hub.rendering.announcement import Status
from hub.router import Bridge, BridgeEndpoint
from hub.settings import Render, ShowOriginal
from hub.store import Delivery
from tests.hub.fakes import FakeConnector, FakeSettings

SCHEDULE = Schedule(starts_at=datetime(2026, 12, 8, 15, tzinfo=UTC),
                    ends_at=datetime(2026, 12, 8, 16, 30, tzinfo=UTC), timezone="Europe/Paris",
                    join_url="https://zoom.us/j/8000")


class Calendarist(FakeConnector):
    """A chat platform whose people add events from an attached invitation."""

    name = "calendarist"
    capabilities = FakeConnector.capabilities | Capability.UPLOAD | Capability.DOWNLOAD
    invitations: ClassVar[bool] = True

    async def permalink(self, event: Event) -> str | None:
        return f"https://calendarist.test/items/{event.source.native_id}"


class Plainchat(FakeConnector):
    """A chat platform that takes files but wants no invitation."""

    name = "plainchat"
    capabilities = FakeConnector.capabilities | Capability.UPLOAD


@pytest.fixture
async def network() -> AsyncIterator[Network]:
    async with httpx.AsyncClient() as http:
        def make(cls: type[FakeConnector], name: str) -> Connector:
            return cls(name, FakeSettings(type=cls.name, token=SecretStr("good-token")), http,
                       MemoryStateBox())
        yield Network({"bc": make(Calendarist, "bc"), "slack": make(Calendarist, "slack"),
                       "plain": make(Plainchat, "plain")}, ())


def member(at: str, language: str | None, zone: str | None = None,
           render: Render = Render.TRANSLATED) -> BridgeEndpoint:
    return BridgeEndpoint(Address.parse(at), Shape.CHAT, language=language, timezone=zone,
                          render=render)


SLACK = member("slack/chat/C1", "en", "America/New_York")


def bridge(show: ShowOriginal = ShowOriginal.NONE, *endpoints: BridgeEndpoint) -> Bridge:
    return Bridge("assemblies", endpoints or (SLACK,), show_original=show)


def event(kind: Kind = Kind.EVENT_CREATED, schedule: Schedule | None = SCHEDULE,
          body: str = "Ordre du jour : Lisbonne.") -> Event:
    return Event(kind=kind, source=Ref(platform="calendarist", connection="bc",
                                       endpoint="calendar/1", native_id="900"),
                 actor=Actor(platform="calendarist", native_id="1", name="Camille Martin"),
                 occurred_at=datetime(2026, 12, 1, 9, tzinfo=UTC), title="Assemblée des villes",
                 body=body, language="fr", schedule=schedule)


def delivery(form: Form = Form.MESSAGE) -> Delivery:
    return Delivery(id=7, event_seq=1, bridge="assemblies", target="slack/chat/C1", form=form,
                    action=Action.CREATE, ordering_key="k", status="pending", attempts=0,
                    created_at=0.0, age_from=0.0, next_attempt_at=0.0, last_error=None,
                    native_id=None)


async def english(text: str, source: str | None, bridge: Bridge, member: BridgeEndpoint
                  ) -> str:
    """A stand-in translator: what it returns differs from what it was given."""
    return {"Assemblée des villes": "Assembly of the cities",
            "Ordre du jour : Lisbonne.": "Agenda: Lisbon."}.get(text, text) \
        if member.language == "en" else text


async def noted(text: str, source: str | None, bridge: Bridge, member: BridgeEndpoint) -> str:
    """A translator that notes what it did, as the hub's translation line does."""
    return f"{await english(text, source, bridge, member)}\n\n_🌐 Translated from French_"


def composer(network: Network, **kwargs: object) -> Composer:
    return Composer(network, english, english, **kwargs)  # type: ignore[arg-type]


def plain(text: str) -> str:
    return text.replace("\u2009", " ").replace("\u202f", " ")


async def test_a_calendar_event_in_a_chat_is_announced_in_its_readers_zone(
        network: Network) -> None:
    out = await composer(network).outgoing(delivery(), event(), bridge(), SLACK, Form.MESSAGE,
                                           None, ())
    assert (out.title, out.body) == ("Assembly of the cities", "Agenda: Lisbon.")
    assert out.announcement is not None and out.announcement.status is Status.ANNOUNCED
    assert plain(out.announcement.markup()) == (
        "🗓 Tuesday, December 8, 2026, 10:00 – 11:30 AM (Eastern Standard Time)\n"
        "🔗 [Join](https://zoom.us/j/8000)")
    assert out.original is None


async def test_the_announcement_names_the_interpretation_in_the_readers_language(
        network: Network) -> None:
    interpreted = SCHEDULE.model_copy(update={"interpretation": ("fr", "pt")})
    out = await composer(network).outgoing(delivery(), event(schedule=interpreted), bridge(),
                                           SLACK, Form.MESSAGE, None, ())
    assert out.announcement is not None
    assert "🎧 Interpretation: French and Portuguese" in plain(out.announcement.markup())


async def test_no_announcement_where_the_event_itself_is_made_nor_for_a_message(
        network: Network) -> None:
    made = composer(network)
    calendar = await made.outgoing(delivery(Form.CALENDAR), event(), bridge(), SLACK,
                                   Form.CALENDAR, None, ())
    message = await made.outgoing(delivery(), event(Kind.MESSAGE_CREATED, schedule=None),
                                  bridge(), SLACK, Form.MESSAGE, None, ())
    assert calendar.announcement is None and message.announcement is None


async def test_the_invitation_goes_where_the_target_takes_one_written_for_its_reader(
        network: Network) -> None:
    made = composer(network)
    files = await made.files(event(), network.connector("slack"))
    assert files and (await made.files(event(), network.connector("plain"))) == ()
    assert await made.files(event(Kind.MESSAGE_CREATED), network.connector("slack")) == ()
    try:
        out = await made.outgoing(delivery(), event(), bridge(), SLACK, Form.MESSAGE, None,
                                  files)
        [ics] = out.files
        assert (ics.name, ics.mime_type) == ("Assembly of the cities.ics", "text/calendar")
        assert ics.size == ics.path.stat().st_size > 0
        [entry] = Calendar.from_ical(ics.path.read_bytes()).walk("VEVENT")
        assert str(entry["SUMMARY"]) == "Assembly of the cities"
        # The calendar's description is the agenda, not the hub's note about translating it.
        out = await Composer(network, noted, english).outgoing(
            delivery(), event(), bridge(), SLACK, Form.MESSAGE, None, files)
        [entry] = Calendar.from_ical(out.files[0].path.read_bytes()).walk("VEVENT")
        assert str(entry["DESCRIPTION"]) == "Agenda: Lisbon.\n\nhttps://zoom.us/j/8000"
        # A calendar target makes the event itself: no invitation rides along.
        calendar = await made.outgoing(delivery(Form.CALENDAR), event(), bridge(), SLACK,
                                       Form.CALENDAR, None, files)
        assert calendar.files == ()
    finally:
        discard(files)
    assert not files[0].path.exists()


async def test_an_update_says_what_changed_since_the_revision_before(network: Network) -> None:
    moved = SCHEDULE.model_copy(update={"starts_at": datetime(2026, 12, 9, 15, tzinfo=UTC),
                                        "ends_at": datetime(2026, 12, 9, 16, tzinfo=UTC)})
    asked: list[Event] = []

    async def earlier(update: Event) -> Event | None:
        asked.append(update)
        return event()

    made = composer(network, earlier=earlier)
    update = event(Kind.EVENT_UPDATED, moved)
    out = await made.outgoing(delivery(Form.REPLY), update, bridge(), SLACK, Form.REPLY,
                              "slack/C1/1.0", ())
    assert asked == [update]
    assert out.announcement is not None and out.announcement.status is Status.MOVED
    assert plain(out.announcement.markup()).startswith(
        "**Moved to Wednesday, December 9, 2026, 10:00 – 11:00 AM (Eastern Standard Time)**\n"
        "🗓 ~~Tuesday, December 8, 2026, 10:00 – 11:30 AM (Eastern Standard Time)~~")
    assert out.body == ""  # the agenda did not change: the reply does not repeat it
    changed = event(Kind.EVENT_UPDATED, moved, body="Ordre du jour : Lisbonne et Porto.")
    out = await made.outgoing(delivery(Form.REPLY), changed, bridge(), SLACK, Form.REPLY,
                              None, ())
    assert out.body == "Ordre du jour : Lisbonne et Porto."
    # A first announcement never looks back.
    await made.outgoing(delivery(), event(), bridge(), SLACK, Form.MESSAGE, None, ())
    assert len(asked) == 2


async def test_without_the_revision_before_an_update_shows_the_event_as_it_is(
        network: Network) -> None:
    out = await composer(network).outgoing(delivery(Form.REPLY), event(Kind.EVENT_UPDATED),
                                           bridge(), SLACK, Form.REPLY, None, ())
    assert out.announcement is not None and out.announcement.headline == "Changed"
    assert out.body == "Agenda: Lisbon."


async def test_the_original_is_shown_below_a_translation(network: Network) -> None:
    out = await composer(network).outgoing(delivery(), event(), bridge(ShowOriginal.BELOW),
                                           SLACK, Form.MESSAGE, None, ())
    assert out.original is not None
    assert (out.original.title, out.original.body, out.original.label, out.original.url) == (
        "Assemblée des villes", "Ordre du jour : Lisbonne.", "Original (French)", None)


@pytest.mark.parametrize("reader", [
    member("slack/chat/C1", "fr"),  # the same language: nothing was translated
    member("slack/chat/C1", "fr-CA"),
    member("slack/chat/C1", "en", render=Render.BOTH),  # the body quotes it already
    member("slack/chat/C1", "en", render=Render.ORIGINAL),
    member("slack/chat/C1", "de"),  # the translator gave the text back as it was
])
async def test_no_original_where_the_reader_reads_it_already(network: Network,
                                                             reader: BridgeEndpoint) -> None:
    out = await composer(network).outgoing(delivery(), event(), bridge(ShowOriginal.BELOW),
                                           reader, Form.MESSAGE, None, ())
    assert out.original is None


async def test_a_link_to_the_original_where_its_platform_gives_one(network: Network) -> None:
    out = await composer(network).outgoing(delivery(), event(), bridge(ShowOriginal.LINK),
                                           SLACK, Form.MESSAGE, None, ())
    assert out.original is not None
    assert (out.original.label, out.original.url) == (
        "See the original (French)", "https://calendarist.test/items/900")
    from_plain = event().model_copy(update={"source": event().source.model_copy(
        update={"connection": "plain"})})
    out = await composer(network).outgoing(delivery(), from_plain, bridge(ShowOriginal.LINK),
                                           SLACK, Form.MESSAGE, None, ())
    assert out.original is not None and out.original.url is None  # below, then
    assert out.original.label == "Original (French)"
