"""Commands that run or check the hub: run, demo, check, connectors, normalize."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from hub.checking import check_configured, report_lines, validate
from hub.cli.base import (
    ConfigOption,
    JsonOption,
    app,
    fail,
    load,
    open_store,
    print_json,
    refused,
    registry_of,
)
from hub.connector import Capability, Connector, MemoryStateBox
from hub.errors import ConfigError, HubError, NotAnEvent
from hub.events import Event
from hub.http import make_client
from hub.plugins import Registry
from hub.settings import HubSettings


@app.command()
def run(config: ConfigOption = None) -> None:
    """Run the hub: webhooks, polls and deliveries, until interrupted."""
    settings = load(config)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The scheduler announces every run of every job at INFO, and httpx every request (a
    # busy hub: hundreds of lines a second, and a few percent of its time): only their
    # problems matter here. Failed deliveries are logged by the hub itself.
    for chatty in ("apscheduler", "httpx"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        asyncio.run(_run(settings))
    except HubError as exc:
        raise fail(str(exc), 1) from None


async def _run(settings: HubSettings) -> None:
    from hub.app import Hub
    from hub.scheduler import driving

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from hub.access import admin_access

    access = admin_access(settings)  # made before the API answers anyone
    async with Hub.start(settings) as hub, driving(hub):
        typer.echo(f"passerelle: listening on {hub.url} with {len(hub.network.connectors)} "
                   f"connection(s) and {len(hub.network.bridges)} bridge(s); Ctrl-C stops")
        typer.echo(f"passerelle: {access.describe()}")
        await stop.wait()


@app.command()
def demo(as_json: JsonOption = False,
         keep: Annotated[bool, typer.Option("--keep", help="leave everything running")] = False
         ) -> None:
    """Play a short story of the network on local sandboxes of the four platforms."""
    from hub.demo import run_demo

    raise typer.Exit(run_demo(as_json=as_json, keep=keep))


@app.command()
def check(config: ConfigOption = None,
          online: Annotated[bool, typer.Option("--online", help="also call each platform")]
          = False) -> None:
    """Validate the configuration (and, with --online, each connection's credentials)."""
    settings = load(config)
    registry = registry_of(settings)
    failed = asyncio.run(_check(settings, registry, online))
    if failed:
        raise typer.Exit(1)


async def _check(settings: HubSettings, registry: Registry, online: bool) -> bool:
    async with make_client() as http:
        # What the configuration says is judged first, touching nothing.
        try:
            await validate(settings, registry, http)
        except ConfigError as exc:
            raise refused(exc) from None
        # Then the store, like a connection: a wrong URL or a dead server must not pass.
        store = open_store(settings)  # or exit 1 saying why
        try:
            report = await check_configured(settings, registry, store, http, online=online)
        finally:
            store.close()
    for line in report_lines(report):
        typer.echo(line)
    return report.failed


def _describe(name: str, cls: type[Connector], plugin: str) -> dict[str, Any]:
    return {
        "name": name,
        "plugin": plugin,
        "capabilities": [c.name.lower() for c in Capability
                         if c.name and c in cls.capabilities],
        "endpoint_kinds": {k: v.value for k, v in cls.endpoint_kinds.items()},
        "settings": sorted(cls.settings_model.model_fields),
    }


@app.command()
def connectors(as_json: JsonOption = False) -> None:
    """List the installed connectors and what they can do."""
    registry = registry_of()
    rows = [_describe(name, cls, registry.providers[f"connector:{name}"])
            for name, cls in sorted(registry.connectors.items())]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no connectors installed")
    for row in rows:
        typer.echo(f"{row['name']:<10} {', '.join(row['capabilities'])}  (plugin {row['plugin']})")


@app.command()
def normalize(
    files: Annotated[list[Path], typer.Argument(help="raw payload files (JSON)")],
    platform: Annotated[str, typer.Option("--platform", "-p", help="connector name")],
) -> None:
    """Print the canonical events of raw platform payloads, as a JSON array."""
    registry = registry_of()
    cls = registry.connectors.get(platform)
    if cls is None:
        known = ", ".join(sorted(registry.connectors)) or "none"
        raise fail(f'no connector "{platform}"; installed: {known}') from None
    settings = cls.settings_model.model_construct(type=platform)
    out: list[dict[str, Any]] = []
    failed = False
    # parse is pure; the client exists only to satisfy the constructor and refuses every call.
    http = httpx.AsyncClient(transport=httpx.MockTransport(_offline_transport))
    connector = cls(platform, settings, http, MemoryStateBox())
    for path in files:
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            events: list[Event] = connector.parse(payload)
        except NotAnEvent as exc:
            typer.echo(f"{path}: no event: {exc}", err=True)
            continue
        except (OSError, ValueError, HubError) as exc:
            failed = True
            typer.echo(f"{path}: {exc}", err=True)
            continue
        out.extend(e.model_dump(mode="json") for e in events)
    asyncio.run(http.aclose())
    print_json(out)
    if failed:
        raise typer.Exit(1)


def _offline_transport(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("this command makes no network calls", request=request)
