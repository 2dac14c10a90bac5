"""Commands that run or check the hub: run, demo, check, connectors, plugins, normalize.

Each imports what it needs when it runs (see hub/cli/base.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

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
    say,
)

if TYPE_CHECKING:
    import httpx

    from hub.checking import CheckReport
    from hub.connector import Connector
    from hub.plugins import Registry
    from hub.settings import HubSettings


@app.command()
def run(config: ConfigOption = None) -> None:
    """Run the hub: webhooks, polls and deliveries, until interrupted."""
    from hub.errors import HubError
    from hub.running import run as run_hub

    settings = load(config)
    try:
        run_hub(settings)
    except HubError as exc:
        raise fail(str(exc), 1) from None


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
          = False, as_json: JsonOption = False) -> None:
    """Validate the configuration (and, with --online, each connection's credentials)."""
    import asyncio

    from hub.checking import report_data, report_lines
    from hub.errors import ConfigError
    from hub.settings import load_settings

    try:
        settings = load_settings(config)
        report = asyncio.run(_check(settings, registry_of(settings), online))
    except ConfigError as exc:
        if as_json:  # what a script needs to know: refused, and every reason
            print_json({"ok": False, "refused": list(exc.problems)})
        raise refused(exc) from None
    if as_json:
        print_json(report_data(report))
    else:
        for line in report_lines(report):
            typer.echo(line)
    if report.failed:
        raise typer.Exit(1)


async def _check(settings: HubSettings, registry: Registry, online: bool) -> CheckReport:
    from hub.checking import check_configured, validate
    from hub.http import make_client

    async with make_client() as http:
        # What the configuration says is judged first, touching nothing (or ConfigError).
        await validate(settings, registry, http)
        # Then the store, like a connection: a wrong URL or a dead server must not pass.
        store = open_store(settings)  # or exit 1 saying why
        try:
            return await check_configured(settings, registry, store, http, online=online)
        finally:
            store.close()


def _describe(name: str, cls: type[Connector], plugin: str) -> dict[str, Any]:
    from hub.connector import Capability

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
    """List the installed connectors: what they can do and the kinds of endpoint they serve."""
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
        kinds: dict[str, str] = row["endpoint_kinds"]
        typer.echo(f"{'':<10} endpoints: " + ", ".join(
            kind if kind == shape else f"{kind} ({shape})" for kind, shape in kinds.items()))


@app.command()
def plugins(as_json: JsonOption = False) -> None:
    """List the installed plugins and what each adds: connectors, translators, commands."""
    from hub.cli.plugged import commands_by_plugin

    registry = registry_of()
    commands = commands_by_plugin()
    names = sorted({*registry.providers.values(), *commands})
    rows = [{"name": name,
             "connectors": sorted(k.split(":", 1)[1] for k, p in registry.providers.items()
                                  if p == name and k.startswith("connector:")),
             "translators": sorted(k.split(":", 1)[1] for k, p in registry.providers.items()
                                   if p == name and k.startswith("translator:")),
             "commands": commands.get(name, [])}
            for name in names]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        parts = [f"{what} {', '.join(row[what])}" for what in ("connectors", "translators",
                                                               "commands") if row[what]]
        typer.echo(f"{row['name']:<10} " + "; ".join(parts))


@app.command()
def normalize(
    files: Annotated[list[Path], typer.Argument(help="raw payload files (JSON)")],
    platform: Annotated[str, typer.Option("--platform", "-p", help="connector name")],
    as_json: JsonOption = True,
) -> None:
    """Print the canonical events of raw platform payloads, as a JSON array (always JSON;
    --json is accepted like every command's)."""
    import asyncio

    import httpx

    from hub.connector import MemoryStateBox
    from hub.errors import HubError, NotAnEvent

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
            events = connector.parse(payload)
        except NotAnEvent as exc:
            say(f"{path}: no event: {exc}", as_json=True)
            continue
        except (OSError, ValueError, HubError) as exc:
            failed = True
            say(f"{path}: {exc}", as_json=True)
            continue
        out.extend(e.model_dump(mode="json") for e in events)
    asyncio.run(http.aclose())
    print_json(out)
    if failed:
        raise typer.Exit(1)


def _offline_transport(request: httpx.Request) -> httpx.Response:
    import httpx

    raise httpx.ConnectError("this command makes no network calls", request=request)
