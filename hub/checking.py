"""What `passerelle check` finds, as data: the store, each connection, each bridge and
expertise group (a group's configuration problems are the network's: hub/network.py).

The command prints it (hub/cli/operate.py) and the console's Check page shows it, run against
the running hub's own network and store, so a token a connector renews while checking lands
where the hub reads it. Every connection is checked at once, each bounded by
`CONNECTION_SECONDS`: one platform that never answers shows as failed and holds up no other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from hub.app import translates
from hub.connector import Connector, MemoryStateBox, StateBox
from hub.errors import HubError
from hub.network import Network
from hub.people.declared import read_people_file
from hub.people.groups import group_name
from hub.plugins import Registry
from hub.settings import HubSettings
from hub.store import Store
from hub.store.statebox import StoreStateBox
from hub.translate.detect import Detector
from hub.translate.service import check_providers

CONNECTION_SECONDS = 30.0  # beyond the HTTP client's own timeouts: retries, several calls
STORE_SECONDS = 10.0
NO_CONNECTIONS = "no connections configured yet: config/passerelle.example.toml has examples"


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """One connection's verdict: ok with what its connector says, or why it failed."""

    name: str
    platform: str
    lines: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class StoreCheck:
    url: str  # without its password
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class EndpointSummary:
    address: str
    shape: str
    direction: str
    language: str | None

    def __str__(self) -> str:
        return (f"{self.address} ({self.shape}, {self.direction}"
                + (f", {self.language}" if self.language else "") + ")")


@dataclass(frozen=True, slots=True)
class BridgeSummary:
    name: str  # an expertise group's is `group:<name>`
    translated: bool
    endpoints: tuple[EndpointSummary, ...]
    hashtags: tuple[str, ...] = ()  # a group's, as compared


@dataclass(frozen=True, slots=True)
class CheckReport:
    store: StoreCheck
    connections: tuple[ConnectionCheck, ...]
    bridges: tuple[BridgeSummary, ...]

    @property
    def failed(self) -> bool:
        return not self.store.ok or any(not c.ok for c in self.connections)


def build_checked(settings: HubSettings, registry: Registry, http: httpx.AsyncClient,
                  state: Callable[[str], StateBox]) -> Network:
    """The network, the language detector, the translators and the people file, or a
    ConfigError naming every problem."""
    network = Network.build(settings, registry, http, state)
    Detector.for_network(settings)
    read_people_file(settings.people.file)
    if translates(settings, network):
        check_providers(settings.translation, registry.translators)
    return network


async def validate(settings: HubSettings, registry: Registry, http: httpx.AsyncClient) -> None:
    """Judge what the configuration says, touching nothing; raises `ConfigError`."""
    await build_checked(settings, registry, http, lambda _: MemoryStateBox()).aclose()


async def check_store(store: Store, *, within: float = STORE_SECONDS) -> StoreCheck:
    """Whether the store answers a read and its writes are not failing."""
    url = store.engine.url.render_as_string(hide_password=True)
    try:
        async with asyncio.timeout(within):
            await store.run(store.ping)
    except TimeoutError:
        return StoreCheck(url, f"no answer within {within:g} s")
    except Exception as exc:  # any failure is the verdict; its type says which
        return StoreCheck(url, f"{type(exc).__name__}: {exc}")
    writes = store.health()
    if not writes.ok:
        return StoreCheck(url, f"writes are failing: {writes.last_failure}")
    return StoreCheck(url)


async def check_connection(name: str, connector: Connector, *, online: bool,
                           within: float = CONNECTION_SECONDS) -> ConnectionCheck:
    try:
        async with asyncio.timeout(within):
            lines = await connector.check(online=online)
    except TimeoutError:
        return ConnectionCheck(name, connector.name, error=f"no answer within {within:g} s: "
                               "the platform or the network is down or very slow")
    except HubError as exc:
        return ConnectionCheck(name, connector.name, error=str(exc))
    return ConnectionCheck(name, connector.name, tuple(lines))


async def check_connections(network: Network, *, online: bool,
                            within: float = CONNECTION_SECONDS) -> tuple[ConnectionCheck, ...]:
    """Every connection of `network`, checked at once; in the configuration's order."""
    return tuple(await asyncio.gather(*(
        check_connection(name, connector, online=online, within=within)
        for name, connector in network.connectors.items())))


def bridges_of(network: Network) -> tuple[BridgeSummary, ...]:
    return tuple(
        BridgeSummary(bridge.name, bridge.translate, tuple(
            EndpointSummary(str(e.address), e.shape.value, e.direction.value, e.language)
            for e in bridge.endpoints), tuple(sorted(bridge.hashtags)))
        for bridge in network.bridges)


async def check_network(network: Network, store: Store, *, online: bool,
                        within: float = CONNECTION_SECONDS) -> CheckReport:
    """The whole report for a network already built (the running hub's, on the console)."""
    return CheckReport(await check_store(store),
                       await check_connections(network, online=online, within=within),
                       bridges_of(network))


async def check_configured(settings: HubSettings, registry: Registry, store: Store,
                           http: httpx.AsyncClient, *, online: bool) -> CheckReport:
    """The report for what `settings` configure, built for the check and closed after it."""
    def state(name: str) -> StateBox:
        # Online, a connector may renew a token: it must land where the running hub reads it.
        return StoreStateBox(store, name) if online else MemoryStateBox()

    network = build_checked(settings, registry, http, state)
    try:
        return await check_network(network, store, online=online)
    finally:
        await network.aclose()


def report_data(report: CheckReport) -> dict[str, Any]:
    """The report as `passerelle check --json` prints it: the same verdicts, as fields."""
    return {
        "ok": not report.failed,
        "store": {"url": report.store.url, "ok": report.store.ok, "error": report.store.error},
        "connections": [{"name": c.name, "platform": c.platform, "ok": c.ok,
                         "error": c.error, "lines": list(c.lines)}
                        for c in report.connections],
        "bridges": [{"name": b.name, "translated": b.translated,
                     "endpoints": [{"address": e.address, "shape": e.shape,
                                    "direction": e.direction, "language": e.language}
                                   for e in b.endpoints],
                     **({"hashtags": list(b.hashtags)} if b.hashtags else {})}
                    for b in report.bridges],
        "notes": [] if report.connections else [NO_CONNECTIONS],
    }


def report_lines(report: CheckReport) -> list[str]:
    """The report as `passerelle check` prints it."""
    lines = [f"store {report.store.url}: "
             + ("ok" if report.store.ok else f"FAILED: {report.store.error}")]
    for found in report.connections:
        if not found.ok:
            lines.append(f"connection {found.name} ({found.platform}): FAILED: {found.error}")
            continue
        lines.append(f"connection {found.name} ({found.platform}): ok")
        lines.extend(f"  {line}" for line in found.lines)
    for bridge in report.bridges:
        group = group_name(bridge.name)
        lines.append((f"group {group}: " if group else f"bridge {bridge.name}: ")
                     + f"{len(bridge.endpoints)} endpoints"
                     + (", translated" if bridge.translated else "")
                     + (f", hashtags {' '.join('#' + t for t in bridge.hashtags)}"
                        if bridge.hashtags else ""))
        lines.extend(f"  {endpoint}" for endpoint in bridge.endpoints)
    if not report.connections:
        lines.append(NO_CONNECTIONS)
    return lines
