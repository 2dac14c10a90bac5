"""`passerelle run`: the hub at work until a signal stops it.

The CLI only parses options and calls `run`; everything heavy is imported here, when a hub
is really started, so that the other commands stay quick.

Stopping (SIGTERM from systemd or a container runtime, SIGINT from Ctrl-C): the hub takes
nothing more (no claims, no polls; webhooks are answered 503, which platforms retry), lets the
deliveries under way finish within `[delivery] stop_grace_seconds`, releases those that did
not so the next start or another instance takes them at once, stops its web server and
returns. A second signal changes nothing: the bound already holds.
"""

from __future__ import annotations

import asyncio
import signal

import typer

from hub.settings import HubSettings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run(settings: HubSettings) -> None:
    """Run the hub (webhooks, polls, deliveries) until SIGINT or SIGTERM, then stop within
    `[delivery] stop_grace_seconds` (and the time its web server takes to close).

    A `hub.errors.HubError` (a store that will not open, a port in use) propagates: the
    caller says it and exits non-zero.
    """
    from hub.logs import set_up_logging

    set_up_logging(settings)
    asyncio.run(_run(settings))


async def _run(settings: HubSettings) -> None:
    from hub.access import admin_access
    from hub.app import Hub
    from hub.scheduler import driving

    stop = asyncio.Event()
    _on_stop_signals(stop)
    access = admin_access(settings)  # made before the API answers anyone
    async with Hub.start(settings) as hub, driving(hub):
        # The web server took SIGINT and SIGTERM for itself when it started (it would close
        # first, while deliveries and streams still run): the hub takes them back, and closes
        # it last.
        _on_stop_signals(stop)
        typer.echo(f"passerelle: listening on {hub.url} with {len(hub.network.connectors)} "
                   f"connection(s) and {len(hub.network.bridges)} bridge(s); Ctrl-C stops")
        typer.echo(f"passerelle: {access.describe()}")
        await stop.wait()
        typer.echo("passerelle: stopping: finishing the deliveries under way (at most "
                   f"{settings.delivery.stop_grace_seconds:g} s)", err=True)
    typer.echo("passerelle: stopped", err=True)


def _on_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
