"""The story the demo plays: people acting on their own platforms, in their own languages.

Each act is a few user actions on the sandboxes; every action fires the platform's real,
signed webhook at the hub. Between acts the runner lets the hub route and deliver.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.demo.world import CHANNEL, CIRCLE, World

# A small JPEG-looking photo: the bytes only have to survive the trip intact.
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 48 + b"\xff\xd9"
RECORDING = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 256


class StoryError(Exception):
    """A scene cannot be played because an earlier one did not happen."""


@dataclass(frozen=True)
class Act:
    """One scene: what a person sees it as, and the actions that play it."""

    title: str
    play: Callable[[World], Awaitable[None]]


async def members_join(world: World) -> None:
    # Joining by keyword opens each member's 24-hour window, so what follows reaches
    # them as messages rather than as templates.
    await world.whatsapp.user_sends_text(world.people.ana, f"START {CIRCLE}", name="Ana Souza")
    await world.whatsapp.user_sends_text(world.people.bea, f"START {CIRCLE}", name="Beatriz Lima")


async def french_post(world: World) -> None:
    bc, people = world.basecamp, world.people
    post = await bc.post_message(
        world.project, people.camille, "Notre rencontre à Lisbonne",
        "<div>La prochaine rencontre aura lieu à Lisbonne en mars. Quelle ville veut "
        "présenter un projet ?</div>")
    await bc.comment(post["id"], people.hugo,
                     "<div>Nous pouvons présenter notre projet de jardins.</div>")


async def english_thread(world: World) -> None:
    slack, people = world.slack, world.people
    root = await slack.post(CHANNEL, people.emma,
                            "We will bring the report on public transport.")
    await slack.post(CHANNEL, people.james, "I can prepare the presentation for the report.",
                     thread_ts=root["ts"])


async def portuguese_messages(world: World) -> None:
    wa, people = world.whatsapp, world.people
    await wa.user_sends_text(people.ana, "Olá! A nossa cidade também quer participar.",
                             name="Ana Souza")
    await wa.user_sends_image(people.bea, PHOTO,
                              caption="A praça do mercado, onde podemos fazer a visita.",
                              name="Beatriz Lima")


def assembly_time(now: datetime) -> tuple[datetime, datetime]:
    """Next week, at 15:00 UTC, for an hour and a half."""
    day = (now.astimezone(UTC) + timedelta(days=7)).replace(hour=15, minute=0, second=0,
                                                            microsecond=0)
    return day, day + timedelta(minutes=90)


async def schedule_entry(world: World) -> None:
    starts, ends = assembly_time(datetime.now(UTC))
    await world.basecamp.add_entry(world.project, world.people.camille, "Assemblée des villes",
                                   starts, ends,
                                   "<div>Ordre du jour : la rencontre de Lisbonne.</div>")


async def recording(world: World) -> None:
    zoom = world.zoom
    if not zoom.meetings:
        raise StoryError("no Zoom meeting exists to record: the schedule entry did not "
                         "become a meeting (see the hub's log above)")
    meeting_id = max(zoom.meetings)
    await zoom.meeting_recorded(meeting_id, {"MP4": RECORDING})


ACTS = (
    Act("Ana and Beatriz join the network's WhatsApp circle", members_join),
    Act("Camille posts in French on Basecamp; Hugo comments", french_post),
    Act("Emma starts an English thread on Slack; James replies", english_thread),
    Act("Ana writes in Portuguese on WhatsApp; Beatriz sends a photo", portuguese_messages),
    Act("Camille adds the assembly to the Basecamp schedule", schedule_entry),
    Act("The assembly is recorded on Zoom", recording),
)
