"""`passerelle run`: the hub at work until a signal stops it.

The CLI only parses options and calls `run`; everything heavy is imported here, when a hub
is really started, so that the other commands stay quick.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

from hub.settings import HubSettings


def run(settings: HubSettings) -> None:
    """Run the hub (webhooks, polls, deliveries) until SIGINT or SIGTERM.

    A `hub.errors.HubError` (a store that will not open, a port in use) propagates: the
    caller says it and exits non-zero.
    """
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The scheduler announces every run of every job at INFO, and httpx every request (a
    # busy hub: hundreds of lines a second, and a few percent of its time): only their
    # problems matter here. Failed deliveries are logged by the hub itself.
    for chatty in ("apscheduler", "httpx"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    asyncio.run(_run(settings))


async def _run(settings: HubSettings) -> None:
    from hub.access import admin_access
    from hub.app import Hub
    from hub.scheduler import driving

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    access = admin_access(settings)  # made before the API answers anyone
    async with Hub.start(settings) as hub, driving(hub):
        typer.echo(f"passerelle: listening on {hub.url} with {len(hub.network.connectors)} "
                   f"connection(s) and {len(hub.network.bridges)} bridge(s); Ctrl-C stops")
        typer.echo(f"passerelle: {access.describe()}")
        await stop.wait()
