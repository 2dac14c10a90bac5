"""The configured network: connectors built for each connection, bridges resolved and checked.

Every problem is collected before anything runs, so `passerelle check` lists them all at once,
each naming the culprit and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import httpx
from pydantic import SecretStr, ValidationError

from hub.connector import (
    Address,
    Capability,
    ConnectionSettings,
    Connector,
    FileLimits,
    StateBox,
)
from hub.errors import ConfigError
from hub.http import hide_in_logs
from hub.people.groups import (
    group_bridge,
    group_name,
    group_problems,
    notice_addresses,
    shared_hashtags,
)
from hub.people.model import Directory, Person, normal_tag
from hub.plugins import Registry
from hub.router import Bridge, BridgeEndpoint, kinds_received
from hub.settings import (
    BridgeSettings,
    Direction,
    EndpointSettings,
    GroupSettings,
    HubSettings,
    connection_variable,
    describe_validation,
)

StateFactory = Callable[[str], StateBox]


@dataclass
class Network:
    """Connections and bridges, ready to run.

    `bridges` ends with the expertise groups' (`group:mobility`, hashtags set), whose
    endpoints are the groups' places and, once `notify` has read the directory, the members
    who asked to be told of their posts directly."""

    connectors: dict[str, Connector]
    bridges: tuple[Bridge, ...]
    # Looked up for every stored event and every delivery: derived once, here.
    memberships: dict[str, tuple[Bridge, BridgeEndpoint]] = field(init=False)  # the first
    members: dict[tuple[str, str], tuple[Bridge, BridgeEndpoint]] = field(init=False)
    own_identities: dict[str, frozenset[str]] = field(init=False)
    # Each group's bridge as configured, before anyone's direct notice is added.
    _groups: dict[str, Bridge] = field(init=False)
    _notified: Directory | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._groups = {b.name: b for b in self.bridges if b.hashtags}
        self._derive()

    def _derive(self) -> None:
        self.memberships, self.members = {}, {}
        for bridge in self.bridges:
            for member in bridge.endpoints:
                self.memberships.setdefault(str(member.address), (bridge, member))
                self.members[(bridge.name, str(member.address))] = (bridge, member)
        self.own_identities = {name: frozenset(c.settings.own_identities)
                               for name, c in self.connectors.items()}

    @classmethod
    def build(cls, settings: HubSettings, registry: Registry, http: httpx.AsyncClient,
              state: StateFactory) -> Network:
        problems: list[str] = []
        connectors: dict[str, Connector] = {}
        limits = FileLimits(settings.files.max_bytes, settings.files.temp_dir)
        for name, table in settings.connections.items():
            connector = _connector(name, table, registry, http, state, limits, problems)
            if connector is not None:
                connectors[name] = connector
        bridges = _zoned(tuple(
            bridge for name, bridge_settings in settings.bridges.items()
            if (bridge := _bridge(name, bridge_settings, settings, connectors, problems))
        ) + tuple(
            group for name, group_settings in settings.groups.items()
            if (group := _group(name, group_settings, settings, connectors, problems))
        ), problems)
        problems.extend(shared_hashtags(settings.groups))
        if problems:
            raise ConfigError(problems)
        hide_in_logs(value.get_secret_value() for connector in connectors.values()
                     for value in dict(connector.settings).values()
                     if isinstance(value, SecretStr))
        return cls(connectors, bridges)

    def connector(self, connection: str) -> Connector:
        return self.connectors[connection]

    def endpoint(self, address: str) -> tuple[Bridge, BridgeEndpoint] | None:
        """The first bridge membership of an endpoint (its language and options)."""
        return self.memberships.get(address)

    def member(self, bridge_name: str, address: str) -> tuple[Bridge, BridgeEndpoint] | None:
        """An endpoint's membership of one bridge: its language and options there, and the
        bridge's own `translate` and `show_original`."""
        return self.members.get((bridge_name, address))

    @property
    def has_groups(self) -> bool:
        """Whether any expertise group is configured: routing then asks what follows them."""
        return bool(self._groups)

    def notify(self, directory: Directory) -> None:
        """Make each member who asked to be told of a group's posts (`notify = ["mobility"]`)
        a target of that group, on their own chat (WhatsApp's `member/<wa_id>`), in their
        first language. Cheap when the directory is the one read last time."""
        if directory is self._notified:
            return
        platforms = {name: connector.name for name, connector in self.connectors.items()}
        bridges = []
        for bridge in self.bridges:
            group = self._groups.get(bridge.name)
            if group is None:
                bridges.append(bridge)
                continue
            told = [e for person, at in notice_addresses(
                directory.people, group_name(group.name) or "", platforms)
                if (e := self._notice(group, person, Address.parse(at))) is not None]
            bridges.append(replace(group, endpoints=group.endpoints + tuple(told)))
        self.bridges = tuple(bridges)
        self._notified = directory
        self._derive()

    def _notice(self, group: Bridge, person: Person, address: Address) -> BridgeEndpoint | None:
        if group.member(address.connection, address.endpoint) is not None:
            return None  # that chat is one of the group's places already
        try:
            shape = self.connectors[address.connection].shape_of(address)
        except ConfigError:
            return None  # the connector takes no such chat: nowhere to tell them
        return BridgeEndpoint(
            address=address, shape=shape, direction=Direction.OUT,
            language=person.languages[0] if person.languages else None,
            timezone=person.timezone, notice_for=frozenset(i.key for i in person.identities))

    def polled_endpoints(self) -> list[Address]:
        """Feeding endpoints whose connector polls, each once."""
        seen: dict[str, Address] = {}
        for bridge in self.bridges:
            for member in bridge.endpoints:
                connector = self.connectors[member.address.connection]
                if member.direction.feeds and Capability.POLL in connector.capabilities:
                    seen.setdefault(str(member.address), member.address)
        return list(seen.values())

    async def aclose(self) -> None:
        for connector in self.connectors.values():
            await connector.aclose()


def validate_connection(name: str, table: Mapping[str, object], connector_cls: type[Connector]
                        ) -> ConnectionSettings:
    try:
        return connector_cls.settings_model.model_validate(dict(table))
    except ValidationError as exc:
        lines = describe_validation(exc)
        for index, error in enumerate(exc.errors(include_input=False, include_url=False)):
            if error["type"] == "missing" and len(error["loc"]) == 1:
                key = str(error["loc"][0])
                lines[index] += (f"; set {key} in the file, {key}_file = PATH, or "
                                 f"{connection_variable(name, key)}")
        raise ConfigError([f'connection "{name}" ({connector_cls.name}): {line}'
                           for line in lines]) from None


def _connector(name: str, table: Mapping[str, object], registry: Registry,
               http: httpx.AsyncClient, state: StateFactory, limits: FileLimits,
               problems: list[str]) -> Connector | None:
    kind = table.get("type")
    known = ", ".join(sorted(registry.connectors)) or "none"
    if not isinstance(kind, str):
        problems.append(f'connection "{name}": no type; set type = one of: {known}')
        return None
    connector_cls = registry.connectors.get(kind)
    if connector_cls is None:
        problems.append(f'connection "{name}": unknown type "{kind}"; installed connector types: '
                        f'{known} (install the plugin that provides "{kind}", or fix the type)')
        return None
    try:
        settings = validate_connection(name, table, connector_cls)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None
    connector = connector_cls(name, settings, http, state(name))
    connector.files = limits
    return connector


def _endpoints(label: str, entries: Sequence[EndpointSettings], settings: HubSettings,
               connectors: Mapping[str, Connector], problems: list[str],
               direction: Direction | None = None) -> tuple[list[BridgeEndpoint], bool]:
    """The endpoints a bridge or group lists, each checked; and whether one of them is on a
    connection that is itself broken (judging the flow would then mislead). `direction`
    overrides what each entry says (a group's places only receive)."""
    members: list[BridgeEndpoint] = []
    incomplete = False
    for entry in entries:
        try:
            address = Address.parse(entry.at)
        except ConfigError as exc:
            problems.append(f"{label}: {exc}")
            continue
        connector = connectors.get(address.connection)
        if connector is None:
            if address.connection not in settings.connections:
                known = ", ".join(sorted(settings.connections)) or "none"
                problems.append(
                    f'{label}: endpoint "{entry.at}" is on no connection; add '
                    f'[connections.{address.connection}] or fix the name (known: {known})')
            incomplete = True  # its connection's problem was reported already
            continue
        try:
            shape = connector.shape_of(address)
        except ConfigError as exc:
            problems.append(f"{label}: {exc}")
            continue
        if any(m.address == address for m in members):
            problems.append(f'{label}: endpoint "{entry.at}" is listed twice; remove one')
            continue
        member = BridgeEndpoint(
            address=address, shape=shape, direction=direction or entry.direction,
            kinds=frozenset(entry.kinds) if entry.kinds is not None else None,
            language=entry.language, render=entry.render, options=dict(entry.options),
            timezone=entry.timezone)
        problems.extend(_capability_problems(label, member, connector))
        members.append(member)
    return members, incomplete


def _bridge(name: str, bridge: BridgeSettings, settings: HubSettings,
            connectors: Mapping[str, Connector], problems: list[str]) -> Bridge | None:
    before = len(problems)
    members, incomplete = _endpoints(f'bridge "{name}"', bridge.endpoints, settings,
                                     connectors, problems)
    if len(bridge.endpoints) < 2:
        problems.append(f'bridge "{name}" has {len(bridge.endpoints)} endpoint(s); a bridge '
                        "mirrors between two or more: add another endpoint or remove the bridge")
    if len(problems) > before or incomplete:
        return None
    problems.extend(_flow_problems(name, members))
    return Bridge(name=name, endpoints=tuple(members), translate=bridge.translate,
                  show_original=bridge.show_original)


def _group(name: str, group: GroupSettings, settings: HubSettings,
           connectors: Mapping[str, Connector], problems: list[str]) -> Bridge | None:
    """A group as a bridge whose places only receive, sent what carries its hashtags."""
    label = f'group "{name}"'
    before = len(problems)
    problems.extend(group_problems(name, group))
    members, incomplete = _endpoints(label, group.endpoints, settings, connectors, problems,
                                     direction=Direction.OUT)
    if len(problems) > before or incomplete:
        return None
    return Bridge(name=group_bridge(name), endpoints=tuple(members), translate=group.translate,
                  hashtags=frozenset(normal_tag(tag) for tag in group.hashtags))


def _zoned(bridges: tuple[Bridge, ...], problems: list[str]) -> tuple[Bridge, ...]:
    """Bridges whose endpoints each have the one time zone any bridge gives them: where its
    people live does not change with the bridge it is in. Two different zones are a problem."""
    zones: dict[Address, tuple[str, str]] = {}  # endpoint -> (zone, bridge that says so)
    for bridge in bridges:
        for member in bridge.endpoints:
            if member.timezone is None:
                continue
            given = zones.setdefault(member.address, (member.timezone, bridge.name))
            if given[0] != member.timezone:
                problems.append(
                    f'endpoint "{member.address}" has timezone "{given[0]}" in bridge '
                    f'"{given[1]}" and "{member.timezone}" in bridge "{bridge.name}"; its '
                    "people live in one: give it the same zone, or set it in one bridge only")
    return tuple(replace(bridge, endpoints=tuple(
        replace(member, timezone=zones.get(member.address, (member.timezone, ""))[0])
        for member in bridge.endpoints)) for bridge in bridges)


def _capability_problems(owner: str, member: BridgeEndpoint, connector: Connector
                         ) -> list[str]:
    found = []
    caps = connector.capabilities
    label = f'{owner}: endpoint "{member.address}"'
    if member.direction.receives and Capability.SEND not in caps:
        found.append(f'{label}: a {connector.name} connection cannot send; set direction = "in"')
    if member.direction.feeds and not caps & (Capability.POLL | Capability.WEBHOOK):
        found.append(f'{label}: a {connector.name} connection cannot receive; '
                     'set direction = "out"')
    return found


def _flow_problems(bridge: str, members: list[BridgeEndpoint]) -> list[str]:
    found = []
    for target in members:
        if not target.direction.receives:
            continue
        feeders = [m for m in members if m is not target and m.direction.feeds]
        if not feeders:
            found.append(f'bridge "{bridge}": nothing feeds endpoint "{target.address}"; give '
                         'another endpoint direction = "in" or "both"')
            continue
        possible = {kind for kind in kinds_received(target)
                    if any(f.passes(kind) for f in feeders)}
        if not possible:
            found.append(
                f'bridge "{bridge}": endpoint "{target.address}" ({target.shape.value}) can '
                "receive none of the kinds the others send; widen its kinds or remove it")
    if not any(m.direction.receives for m in members):
        found.append(f'bridge "{bridge}": no endpoint receives; set direction = "out" or "both" '
                     "on one")
    return found
