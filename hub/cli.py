"""The `passerelle` command."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from hub.app import translates
from hub.connector import Capability, Connector, MemoryStateBox, StateBox
from hub.errors import ConfigError, HubError, NotAnEvent
from hub.events import Event
from hub.http import make_client
from hub.network import Network
from hub.plugins import Registry, make_plugin_manager
from hub.settings import HubSettings, load_settings
from hub.store import DEAD, Store
from hub.store.statebox import StoreStateBox
from hub.translate.detect import Detector
from hub.translate.service import check_providers

app = typer.Typer(help="Passerelle: mirror posts, comments, events and files between the "
                  "tools your network already uses, translated for each audience.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
deadletters_app = typer.Typer(help="Deliveries that failed for good: list, replay, drop.",
                              no_args_is_help=True)
app.add_typer(deadletters_app, name="deadletters")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="TOML file "
                         "(default: $PASSERELLE_CONFIG, else config/passerelle.toml)")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _settings(config: Path | None) -> HubSettings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise _refused(exc) from None


def _refused(exc: ConfigError) -> typer.Exit:
    return _fail("configuration refused:\n" + "\n".join(f"  - {p}" for p in exc.problems))


def _registry(settings: HubSettings | None = None) -> Registry:
    plugins = settings.plugins if settings else None
    try:
        return Registry.collect(make_plugin_manager(
            allow=plugins.allow if plugins else None, block=plugins.block if plugins else ()))
    except HubError as exc:
        raise _fail(f"plugins: {exc}") from None


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _offline_transport(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("this command makes no network calls", request=request)


@app.command()
def run(config: ConfigOption = None) -> None:
    """Run the hub: webhooks, polls and deliveries, until interrupted."""
    settings = _settings(config)
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
        raise _fail(str(exc), 1) from None


async def _run(settings: HubSettings) -> None:
    from hub.app import Hub
    from hub.scheduler import driving

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Hub.start(settings) as hub, driving(hub):
        typer.echo(f"passerelle: listening on {hub.url} with {len(hub.network.connectors)} "
                   f"connection(s) and {len(hub.network.bridges)} bridge(s); Ctrl-C stops")
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
    settings = _settings(config)
    registry = _registry(settings)
    failed = asyncio.run(_check(settings, registry, online))
    if failed:
        raise typer.Exit(1)


async def _check(settings: HubSettings, registry: Registry, online: bool) -> bool:
    # Online, a connector may renew a token: it must land where the running hub reads it.
    store = _open_store(settings) if online else None
    try:
        return await _check_with(settings, registry, online, store)
    finally:
        if store is not None:
            store.close()


async def _check_with(settings: HubSettings, registry: Registry, online: bool,
                      store: Store | None) -> bool:
    def state(name: str) -> StateBox:
        return StoreStateBox(store, name) if store is not None else MemoryStateBox()

    async with make_client() as http:
        try:
            network = Network.build(settings, registry, http, state)
            Detector.for_network(settings)
            _check_translators(settings, registry, network)
        except ConfigError as exc:
            raise _refused(exc) from None
        failed = False
        for name, connector in network.connectors.items():
            try:
                lines = await connector.check(online=online)
            except HubError as exc:
                failed = True
                typer.echo(f"connection {name} ({connector.name}): FAILED: {exc}")
                continue
            typer.echo(f"connection {name} ({connector.name}): ok")
            for line in lines:
                typer.echo(f"  {line}")
        for bridge in network.bridges:
            typer.echo(f"bridge {bridge.name}: {len(bridge.endpoints)} endpoints"
                       + (", translated" if bridge.translate else ""))
            for e in bridge.endpoints:
                typer.echo(f"  {e.address} ({e.shape.value}, {e.direction.value}"
                           + (f", {e.language}" if e.language else "") + ")")
        await network.aclose()
        if not network.connectors:
            typer.echo("no connections configured yet: config/passerelle.example.toml has examples")
        return failed


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
    registry = _registry()
    rows = [_describe(name, cls, registry.providers[f"connector:{name}"])
            for name, cls in sorted(registry.connectors.items())]
    if as_json:
        _print_json(rows)
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
    registry = _registry()
    cls = registry.connectors.get(platform)
    if cls is None:
        known = ", ".join(sorted(registry.connectors)) or "none"
        raise _fail(f'no connector "{platform}"; installed: {known}') from None
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
    _print_json(out)
    if failed:
        raise typer.Exit(1)


def _store(config: Path | None) -> Store:
    return _open_store(_settings(config))


def _open_store(settings: HubSettings) -> Store:
    try:
        return Store.open(settings.store.url)
    except HubError as exc:
        raise _fail(str(exc), 1) from None


def _check_translators(settings: HubSettings, registry: Registry, network: Network) -> None:
    if translates(settings, network):
        check_providers(settings.translation, registry.translators)


_SECRET_HINTS = ("token", "secret", "password", "key")


@app.command()
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """What flows and what failed: events, deliveries by target and state, connection states."""
    store = _store(config)
    try:
        counts = store.counts()
        # Keys with a ":" are a connector's per-item memory (members, tokens by id): not status.
        states = {conn: {k: v for k, v in values.items()
                         if v and ":" not in k
                         and not any(h in k.lower() for h in _SECRET_HINTS)}
                  for conn, values in store.states().items()}
        report: dict[str, Any] = {
            "events": store.last_seq(),
            "deliveries": {f"{target} {state}": n for (target, state), n in sorted(counts.items())},
            "dead": sum(n for (_, state), n in counts.items() if state == DEAD),
            "connections": states,
        }
    finally:
        store.close()
    if as_json:
        _print_json(report)
        return
    typer.echo(f"events stored: {report['events']}")
    typer.echo(f"dead letters: {report['dead']}")
    deliveries: dict[str, int] = report["deliveries"]
    for key, n in deliveries.items():
        typer.echo(f"  {key}: {n}")
    for conn, values in states.items():
        for k, v in values.items():
            typer.echo(f"  {conn} {k}: {v}")


@app.command()
def tail(config: ConfigOption = None, as_json: JsonOption = False,
         count: Annotated[int, typer.Option("--count", "-n")] = 20,
         follow: Annotated[bool, typer.Option("--follow", "-f")] = False) -> None:
    """Show the newest events of the canonical stream (and, with --follow, those to come)."""
    store = _store(config)
    try:
        position = max(0, store.last_seq() - count)
        while True:
            for item in store.events_after(position, 500):
                position = item.seq
                e = item.event
                if as_json:
                    typer.echo(json.dumps({"seq": item.seq, **e.model_dump(mode="json")},
                                          ensure_ascii=False))
                else:
                    text = (e.title or e.body).replace("\n", " ")[:80]
                    typer.echo(f"{item.seq:>6} {e.occurred_at:%Y-%m-%d %H:%M} {e.kind.value:<16}"
                               f" {e.source.connection}/{e.source.endpoint} {e.actor.name}: {text}")
            if not follow:
                return
            time.sleep(1.0)
    except KeyboardInterrupt:
        return
    finally:
        store.close()


IdsArgument = Annotated[list[int] | None, typer.Argument(help="delivery ids")]
AllOption = Annotated[bool, typer.Option("--all", help="every dead letter")]


@deadletters_app.command("list")
def deadletters_list(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Deliveries that gave up, with their last error."""
    store = _store(config)
    try:
        rows = [{"id": d.id, "target": d.target, "event_seq": d.event_seq, "form": d.form.value,
                 "action": d.action.value, "attempts": d.attempts, "error": d.last_error}
                for d in store.deliveries(DEAD, 1000)]
    finally:
        store.close()
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("no dead letters")
    for row in rows:
        typer.echo(f"{row['id']:>6} {row['target']} event {row['event_seq']} "
                   f"({row['attempts']} attempts): {row['error']}")


def _selection(ids: list[int] | None, every: bool) -> list[int] | None:
    if not ids and not every:
        raise _fail("name the delivery ids, or pass --all") from None
    return None if every else list(ids or [])


@deadletters_app.command("replay")
def deadletters_replay(ids: IdsArgument = None, every: AllOption = False,
                       config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Deliver dead letters again (the running hub picks them up)."""
    store = _store(config)
    try:
        n = store.replay(_selection(ids, every), time.time())
    finally:
        store.close()
    _print_json({"replayed": n}) if as_json else typer.echo(f"{n} dead letter(s) queued again")


@deadletters_app.command("drop")
def deadletters_drop(ids: IdsArgument = None, every: AllOption = False,
                     config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Forget dead letters for good."""
    store = _store(config)
    try:
        n = store.drop(_selection(ids, every))
    finally:
        store.close()
    _print_json({"dropped": n}) if as_json else typer.echo(f"{n} dead letter(s) dropped")


def build() -> typer.Typer:
    """The command with every plugin's commands added."""
    try:
        make_plugin_manager().hook.hub_register_commands(app=app)
    except HubError as exc:
        typer.echo(f"plugins: {exc}", err=True)
    return app


def main() -> None:
    build()(prog_name="passerelle")


if __name__ == "__main__":
    main()
