"""Runs the demo: sandboxes and hub up, the story played act by act, the outcome read back.

The hub is driven the way the end-to-end tests drive it (`settle` after each act, waiting for
the platforms' own webhook queues in between); with `keep`, its scheduler then takes over and
everything stays up until interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx

from hub.access import admin_access
from hub.app import Hub
from hub.connector import Address
from hub.demo import memory
from hub.demo.report import Outcome, failures
from hub.demo.story import ACTS, StoryError
from hub.demo.views import views
from hub.demo.world import (
    BASECAMP,
    PLATFORMS,
    SLACK,
    WHATSAPP,
    ZOOM,
    World,
    hub_settings,
    sandboxes,
)
from hub.errors import HubError
from hub.store import DONE

Say = Callable[[str], None]
SETTLE_SECONDS = 30.0
# Deliveries make echoes (the platforms tell the hub about what it posted), and those are
# taken in too; three rounds see every echo in and recognised.
ROUNDS = 3


async def play(say: Say, show: Callable[[Outcome], None], *, keep: bool = False) -> Outcome:
    """Play the whole story; `show` gets the outcome before `keep` leaves it all running."""
    with tempfile.TemporaryDirectory(prefix="passerelle-demo-") as folder:
        async with staged(Path(folder)) as (world, hub):
            outcome = await tell(world, hub, say)
            show(outcome)
            say(_kept(hub))
            if keep:
                await _stay(hub, world, say, folder)
            return outcome


@contextlib.asynccontextmanager
async def staged(folder: Path) -> AsyncIterator[tuple[World, Hub]]:
    """The sandboxes and a hub keeping its store in `folder`, webhooks pointed at it."""
    async with sandboxes() as world, Hub.start(hub_settings(world, folder)) as hub:
        world.connect(hub.url)
        # What the scheduler does first when it runs: read each platform's member list.
        if hub.members is not None:
            await hub.members.refresh()
        yield world, hub


async def tell(world: World, hub: Hub, say: Say) -> Outcome:
    """Play every act, then read what each platform shows and what failed."""
    say(_opening(hub, world))
    problems = await _acts(hub, world, say)
    return Outcome(views(world), problems + await failures(hub, world), _translation())


def _kept(hub: Hub) -> str:
    """Keep the story's store for `passerelle search`, `thread` and `export`; say where."""
    try:
        where, found_by_default = memory.keep(hub.settings.store)
    except (OSError, HubError) as exc:
        return f"The demo's store was not kept: {exc}"
    if found_by_default:
        people = hub.settings.people.file
        try:
            kept = memory.keep_people(people) if people is not None else None
        except OSError:
            kept = None  # the store is kept all the same; only the hint goes
        described = (f" (HUB_PEOPLE__FILE={kept} adds their cities and expertise)"
                     if kept is not None else "")
        return (f"Its store stays in {where}, where `passerelle search` looks first: try "
                "passerelle search \"projet de jardins\", or passerelle people to see who "
                f"is where{described}")
    return (f"Its store stays in {where} (your configuration names another store): try "
            f"HUB_STORE__URL=sqlite:///{where} passerelle search \"projet de jardins\"")


def _translation() -> str:
    return "Apertium" if shutil.which("apertium") else "Apertium, which is not installed here"


def _opening(hub: Hub, world: World) -> str:
    urls = world.urls()
    lines = [f"Passerelle demo: the hub at {hub.url}, four sandbox platforms on loopback",
             *(f"  {name:<9} {url}" for name, url in urls.items()),
             f"  translation: {_translation()}",
             f"  store: {hub.settings.store.url}",
             f"  {admin_access(hub.settings).describe()}"]
    return "\n".join(lines)


async def _acts(hub: Hub, world: World, say: Say) -> list[str]:
    problems: list[str] = []
    for number, act in enumerate(ACTS, 1):
        say(f"[{number}/{len(ACTS)}] {act.title}")
        before = await _done(hub)
        started = time.monotonic()
        try:
            await act.play(world)
            await settle(hub, world)
        except (StoryError, TimeoutError, httpx.HTTPError) as exc:
            # The later acts may still play: each problem is reported, none hides another.
            problems.append(f"act {number} ({act.title}): {exc}")
            say(f"      ✗ {exc}")
            continue
        after = await _done(hub)
        made = {p: after.get(p, 0) - before.get(p, 0) for p in after}
        spread = ", ".join(f"{p} {n}" for p, n in made.items() if n) or "nothing to mirror"
        say(f"      → {spread} ({time.monotonic() - started:.1f} s)")
    return problems


async def settle(hub: Hub, world: World) -> None:
    """Let every webhook in, meet its authors, route it and deliver it, echoes included.
    Authors are met before delivery (the scheduler's indexer meets them as they come), so
    each item is signed with its author's one name and city from the first."""
    for _ in range(ROUNDS):
        await world.quiet()
        if hub.members is not None:
            await hub.members.catch_up()
        await hub.settle(SETTLE_SECONDS)


async def _done(hub: Hub) -> dict[str, int]:
    """Deliveries done so far, by target platform."""
    counts = await hub.store.run(hub.store.counts)
    done = dict.fromkeys(PLATFORMS.values(), 0)
    for (target, status), count in counts.items():
        if status == DONE:
            done[PLATFORMS[Address.parse(target).connection]] += count
    return done


async def _stay(hub: Hub, world: World, say: Say, folder: str) -> None:
    """Leave everything up, the scheduler running, until Ctrl-C or SIGTERM."""
    from hub.scheduler import driving

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    hooks = {BASECAMP: f"/webhooks/{BASECAMP}/<secret>", SLACK: f"/webhooks/{SLACK}",
             WHATSAPP: f"/webhooks/{WHATSAPP}", ZOOM: f"/webhooks/{ZOOM}"}
    say("\nEverything keeps running (Ctrl-C stops it):")
    say(f"  hub       {hub.url}  (health {hub.url}/healthz, metrics {hub.url}/metrics)")
    # The demo's token is its own (made in the demo's temporary folder): showing it is the
    # way in, and it dies with the demo.
    token = admin_access(hub.settings).token.get_secret_value()
    say(f"  console   {hub.url}/admin  (sign in with the admin token {token})")
    for connection, platform in PLATFORMS.items():
        say(f"  {platform:<9} {world.urls()[platform]}  → webhooks {hub.url}{hooks[connection]}")
    say(f"  store     {folder}")
    say("\nEach sandbox's API, with the credentials it made for this demo:")
    for sandbox in world.access():
        say(f"  {sandbox.platform:<9} {sandbox.api_root}")
        say("\n".join(f"            {name}: {value}"
                      for name, value in sandbox.credentials.items()))
    try:
        async with driving(hub):
            await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(sig)
