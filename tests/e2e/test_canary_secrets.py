"""A canary in every secret setting must never show: not in logs, errors, metrics, the status
and dead-letter commands, nor the check output, while real traffic and real failures happen.

Every `SecretStr` field of the hub's settings and of every installed connector's settings
model is found by introspection (a new secret is covered the day it is added) and given a
unique canary value. The sandboxes are configured with the same canaries, so the hub's
traffic is real: signed webhooks in, API calls out, token renewals, 401s, 429s and 5xx from
the sandboxes, forged webhooks refused, deliveries that die. Then every output is searched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import types
import typing
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, SecretStr
from typer.testing import CliRunner

from hub.app import Hub
from hub.cli import app as cli
from hub.plugins import Registry, make_plugin_manager
from hub.sandbox.base import Fault, serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.sandbox.slack import SlackEmulator
from hub.sandbox.whatsapp import WhatsAppEmulator
from hub.sandbox.zoom import ZoomAccount, ZoomEmulator
from hub.settings import HubSettings
from hub.store import DEAD
from hub.store.cipher import new_key

LISBON, GONE, ANA = "C0LISBON", "C0GONE", "351912345678"
LIST = "[]"
Path_ = tuple[str, ...]


# -- finding every secret ----------------------------------------------------------------------

def _models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation may hold directly (`X`, `X | None`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models(arg)]
    return []


def _mentions_secret(annotation: Any) -> bool:
    return annotation is SecretStr or any(_mentions_secret(a)
                                          for a in typing.get_args(annotation))


def secret_paths(model: type[BaseModel], prefix: Path_ = ()) -> Iterator[Path_]:
    """Where the SecretStr fields of a settings model are, nested models included."""
    for name, info in model.model_fields.items():
        annotation = info.annotation
        nested = _models(annotation)
        if annotation is SecretStr or (_mentions_secret(annotation) and not nested
                                       and typing.get_origin(annotation) in (typing.Union,
                                                                             types.UnionType)):
            yield (*prefix, name)
        elif nested:
            for sub in nested:
                yield from secret_paths(sub, (*prefix, name))
        elif typing.get_origin(annotation) is list and _mentions_secret(annotation):
            yield (*prefix, name, LIST)  # a list of secrets (keys): it gets one canary
        elif _mentions_secret(annotation) or any(
                _secret_inside(arg) for arg in typing.get_args(annotation)):
            # A secret in a list or a table of models: this test cannot fill it yet.
            raise AssertionError(f"{model.__name__}.{name} holds a secret this test cannot "
                                 "reach; teach secret_paths about it")


def _secret_inside(annotation: Any) -> bool:
    return any(next(secret_paths(m), None) is not None for m in _models(annotation))


def connector_secrets() -> dict[str, list[str]]:
    registry = Registry.collect(make_plugin_manager())
    found: dict[str, list[str]] = {}
    for name, cls in registry.connectors.items():
        paths = list(secret_paths(cls.settings_model))
        assert all(len(p) == 1 for p in paths), paths
        found[name] = [p[0] for p in paths]
    return found


def _put(data: dict[str, Any], path: Path_, value: str) -> None:
    if path[-1] == LIST:
        path, value = path[:-1], [value]  # type: ignore[assignment]
    for step in path[:-1]:
        data = data.setdefault(step, {})
    data[path[-1]] = value


@dataclass
class Canaries:
    hub: dict[Path_, str]
    connections: dict[str, dict[str, str]]  # connector type -> field -> canary

    @classmethod
    def make(cls) -> Canaries:
        def canary(*where: str) -> str:
            return f"canary-{'-'.join(where)}-{secrets.token_hex(10)}".replace("_", "")

        # A store key must be one (random, so a canary as good as any); others are named.
        hub = {path: new_key() if path[-1] == LIST else canary("hub", *path)
               for path in secret_paths(HubSettings)}
        connections = {name: {f: canary(name, f) for f in fields}
                       for name, fields in connector_secrets().items()}
        return cls(hub, connections)

    def all(self) -> dict[str, str]:
        named = {".".join(p): v for p, v in self.hub.items()}
        for connector, fields in self.connections.items():
            named.update({f"{connector}.{f}": v for f, v in fields.items()})
        return named

    def find_in(self, where: str, text: str) -> list[str]:
        return [f"{name} in {where}" for name, value in self.all().items() if value in text]


def test_the_introspection_finds_the_known_secrets() -> None:
    found = connector_secrets()
    assert {"bot_token", "signing_secret"} <= set(found["slack"])
    assert {"access_token", "refresh_token", "client_secret", "webhook_secret",
            "chatbot_key"} <= set(found["basecamp"])
    assert {"access_token", "app_secret", "verify_token"} <= set(found["whatsapp"])
    assert {"client_secret", "secret_token"} <= set(found["zoom"])
    assert {("web", "admin_token"), ("translation", "deepl", "auth_key"),
            ("store", "encryption_keys", LIST)} <= set(secret_paths(HubSettings))


# -- the network ---------------------------------------------------------------------------------

@dataclass
class World:
    canaries: Canaries
    settings: dict[str, Any]
    config: Path
    basecamp: BasecampEmulator
    slack: SlackEmulator
    whatsapp: WhatsAppEmulator
    zoom: ZoomEmulator
    project: int
    ana: dict[str, Any]


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + "}"


def write_config(path: Path, data: dict[str, Any]) -> None:
    """The settings as an admin's TOML file, for the `passerelle` commands."""
    lines = []
    for section, table in data.items():
        for key, value in table.items():
            if section in ("connections", "bridges") or isinstance(value, dict):
                lines.append(f'[{section}."{key}"]' if section in ("connections", "bridges")
                             else f"[{section}.{key}]")
                lines += [f"{k} = {_toml(v)}" for k, v in value.items()]
            else:
                lines.insert(0, f"{section}.{key} = {_toml(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    c = Canaries.make()
    bc, sl, wa, zm = (c.connections[n] for n in ("basecamp", "slack", "whatsapp", "zoom"))
    basecamp = BasecampEmulator(token=bc["access_token"], refresh_token=bc["refresh_token"],
                                client_secret=bc["client_secret"], webhook_attempts=1)
    slack = SlackEmulator(token=sl["bot_token"], signing_secret=sl["signing_secret"],
                          channel_interval=0.05)
    whatsapp = WhatsAppEmulator(access_token=wa["access_token"], app_secret=wa["app_secret"],
                                status_delay=0.05)
    zoom = ZoomEmulator(ZoomAccount(client_secret=zm["client_secret"],
                                    secret_token=zm["secret_token"]))
    async with contextlib.AsyncExitStack() as stack:
        for emulator in (basecamp, slack, whatsapp, zoom):
            await stack.enter_async_context(serve_emulator(emulator))
        slack.add_channel(LISBON)
        slack.add_user("U0ANA", "Ana Souza")
        project = basecamp.add_project("Cities network")
        ana = basecamp.add_person("Ana Souza", "ana@example.org")
        basecamp.chatbots[bc["chatbot_key"]] = (int(basecamp.me["id"]), "Passerelle")
        data: dict[str, Any] = {
            "store": {"url": f"sqlite:///{tmp_path}/hub.db"},
            "web": {"port": 0},
            "delivery": {"backoff_base_seconds": 0.05, "backoff_cap_seconds": 0.2,
                         "max_attempts": 2},
            "connections": {
                "basecamp": {"type": "basecamp", "base_url": basecamp.base_url,
                             "launchpad_url": basecamp.base_url,
                             "account_id": basecamp.account_id, "contact": "ops@example.org",
                             "client_id": basecamp.client_id,
                             "own_identities": [str(basecamp.me["id"])],
                             "initial_lookback_minutes": 5, **bc},
                "slack": {"type": "slack", "base_url": f"{slack.base_url}/api",
                          "channel_interval_seconds": 0.06, "upload_share_wait_seconds": 1,
                          **sl},
                # A retry after a 503 waits this long for a status report before sending
                # again; no status comes from a gateway failing to the end, so the default
                # 20 s would only hold the test (twice) without reaching any other code.
                "whatsapp": {"type": "whatsapp", "base_url": whatsapp.base_url,
                             "phone_number_id": whatsapp.phone_number_id,
                             "status_wait_seconds": 0.2,
                             "circles": {"general": {"members": [ANA]}}, **wa},
                "zoom": {"type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
                         "account_id": zoom.account.account_id,
                         "client_id": zoom.account.client_id, **zm},
            },
            "bridges": {
                "general": {"translate": False, "endpoints": [
                    {"at": f"slack/chat/{LISBON}"}, {"at": "whatsapp/circle/general"},
                    {"at": "zoom/chat/C1"}, {"at": f"basecamp/board/{project}"}]},
                "nowhere": {"translate": False, "endpoints": [
                    {"at": f"slack/chat/{LISBON}", "direction": "in"},
                    {"at": f"slack/chat/{GONE}", "direction": "out"}]},
            },
        }
        for path, value in c.hub.items():
            _put(data, path, value)
        data["translation"]["llm"]["model"] = "qwen2.5:7b"  # what it needs besides its key
        config = tmp_path / "passerelle.toml"
        write_config(config, data)
        yield World(c, data, config, basecamp, slack, whatsapp, zoom, project, ana)


async def traffic(world: World, hub: Hub) -> None:
    """Real activity on every platform, with real failures along the way."""
    basecamp, slack, whatsapp, zoom = world.basecamp, world.slack, world.whatsapp, world.zoom
    basecamp.add_webhook(world.project, f"{hub.url}/webhooks/basecamp/"
                         f"{world.canaries.connections['basecamp']['webhook_secret']}")
    slack.webhook_url = f"{hub.url}/webhooks/slack"
    whatsapp.webhook_url = f"{hub.url}/webhooks/whatsapp"
    zoom.webhook_url = f"{hub.url}/webhooks/zoom"

    # Failures: Basecamp's token has expired (401, then a renewal with the refresh token and
    # client secret); Zoom's token is revoked (401, then a new one minted with the client
    # secret) and rate-limited; Slack answers 429 then 500; WhatsApp fails for good (5xx to
    # the end: dead letters), and a Slack channel that does not exist kills its deliveries.
    basecamp.tokens.clear()
    zoom.revoke_tokens()
    zoom.rate_limit("/v2/chat/users", times=1)
    slack.faults.inject("/api/chat.postMessage",
                        Fault(status=429, retry_after=1, body={"ok": False,
                                                               "error": "ratelimited"}),
                        Fault(status=500, body={"ok": False, "error": "internal_error"}))
    whatsapp.faults.inject(f"/v25.0/{whatsapp.phone_number_id}/messages",
                           *[Fault(status=503) for _ in range(20)])

    await slack.post(LISBON, "U0ANA", "Who comes to the summit?")
    await whatsapp.user_sends_text(ANA, "Eu vou!", name="Ana Souza")
    await zoom.user_posts("C1", "Me too")
    await basecamp.post_message(world.project, world.ana, "Agenda", "<div>Draft agenda</div>")
    await basecamp.quiet()
    await slack.quiet()

    # Forgeries, each refused and logged.
    async with httpx.AsyncClient() as http:
        bad = {"x-slack-request-timestamp": "1", "x-slack-signature": "v0=00"}
        await http.post(f"{hub.url}/webhooks/slack", content=b"{}", headers=bad)
        await http.post(f"{hub.url}/webhooks/zoom", content=b"{}",
                        headers={"x-zm-request-timestamp": "1", "x-zm-signature": "v0=00"})
        await http.post(f"{hub.url}/webhooks/whatsapp", content=b"{}",
                        headers={"x-hub-signature-256": "sha256=00"})
        await http.post(f"{hub.url}/webhooks/basecamp/not-the-secret", content=b"{}")
        await http.get(f"{hub.url}/webhooks/whatsapp", params={
            "hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"})
        await http.get(f"{hub.url}/webhooks/whatsapp", params={
            "hub.mode": "subscribe", "hub.challenge": "1158201444",
            "hub.verify_token": world.canaries.connections["whatsapp"]["verify_token"]})
    await settle(world, hub)

    # Second round: every token the hub now holds stops working (401s, renewals again).
    basecamp.tokens.clear()
    zoom.revoke_tokens()
    await slack.post(LISBON, "U0ANA", "Agenda attached soon")
    await settle(world, hub)


async def settle(world: World, hub: Hub) -> None:
    for _ in range(3):  # deliveries make echoes, which come back as webhooks
        with contextlib.suppress(TimeoutError):
            await hub.settle(within=20, horizon=5)
        await world.basecamp.quiet()
        await world.slack.quiet()
        await world.whatsapp.settle()


async def read_everything(world: World, hub: Hub) -> dict[str, str]:
    admin = world.canaries.hub[("web", "admin_token")]
    outputs: dict[str, str] = {}
    async with httpx.AsyncClient() as http:
        outputs["/metrics"] = (await http.get(f"{hub.url}/metrics")).text
        outputs["/api/events"] = (await http.get(
            f"{hub.url}/api/events", headers={"Authorization": f"Bearer {admin}"})).text
        outputs["/api/events unauthorised"] = (await http.get(f"{hub.url}/api/events")).text
    dead = await hub.store.run(hub.store.deliveries, DEAD, 1000)
    outputs["dead letter errors"] = "\n".join(d.last_error or "" for d in dead)
    every = await hub.store.run(hub.store.deliveries, None, 1000)
    outputs["delivery errors"] = "\n".join(d.last_error or "" for d in every)
    outputs["connection states shown"] = repr({
        conn: {k: v for k, v in values.items() if k in ("status",)}
        for conn, values in (await hub.store.run(hub.store.states)).items()})
    runner = CliRunner()
    for args in (["status", "--json"], ["deadletters", "list", "--json"], ["deadletters", "list"],
                 ["check"], ["check", "--online"]):
        result = await asyncio.to_thread(runner.invoke, cli, [*args, "--config",
                                                              str(world.config)])
        text = result.output + (str(result.exception) if result.exception else "")
        outputs[f"passerelle {' '.join(args)}"] = text
    return outputs


def log_text(records: list[logging.LogRecord], hub_url: str) -> str:
    """Every log line and traceback, but the sandboxes' own requests to the hub's webhook
    URLs: those are the platforms talking (Basecamp knows its webhook's URL), not the hub."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    lines = []
    for record in records:
        text = formatter.format(record)
        if record.name.startswith(("httpx", "httpcore")) and f"{hub_url}/webhooks/" in text:
            continue
        lines.append(text)
    return "\n".join(lines)


async def test_no_canary_escapes_while_the_network_works_and_fails(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = HubSettings.model_validate(world.settings)
    async with Hub.start(settings) as hub:
        await traffic(world, hub)
        outputs = await read_everything(world, hub)
        hub_url = hub.url

    # The traffic was real: things arrived, things failed, things died.
    assert world.slack.messages(LISBON), "nothing reached Slack"
    assert world.basecamp.active("Message", world.project), "nothing on the message board"
    assert "passerelle_webhooks_total" in outputs["/metrics"]
    assert 'outcome="rejected"' in outputs["/metrics"]
    assert outputs["dead letter errors"].strip(), "no delivery died"
    # What died says why, without a secret: the status WhatsApp's gateway gave, the channel.
    assert 'connection "whatsapp": send message: WhatsApp answered 503' in outputs[
        "dead letter errors"]
    assert "channel_not_found" in outputs["passerelle deadletters list --json"]
    assert '"events"' in outputs["/api/events"]
    assert "connection slack (slack): ok" in outputs["passerelle check --online"]
    assert world.basecamp.tokens and world.canaries.connections["basecamp"]["access_token"] \
        not in world.basecamp.tokens, "the Basecamp token was never renewed"
    assert world.basecamp.requests.count(("POST", "/authorization/token")) >= 2
    assert world.zoom.requests.count(("POST", "/oauth/token")) >= 2, "Zoom's 401 never came"
    assert len(world.zoom.messages) >= 2, "nothing reached Zoom Team Chat"

    outputs["logs"] = log_text(caplog.records, hub_url)
    leaks = [leak for where, text in outputs.items()
             for leak in world.canaries.find_in(where, text)]
    assert leaks == []


# -- a secret that travels in the URL ------------------------------------------------------------


async def chatbot_traffic(world: World, caplog: pytest.LogCaptureFixture
                          ) -> tuple[dict[str, str], str]:
    """Campfire lines posted as the chatbot: once failing to the end, once arriving."""
    caplog.set_level(logging.DEBUG)
    data = world.settings
    data["connections"]["basecamp"]["campfire_sender"] = "chatbot"
    data["bridges"] = {"campfire": {"translate": False, "endpoints": [
        {"at": f"slack/chat/{LISBON}", "direction": "in"},
        {"at": f"basecamp/chat/{world.project}", "direction": "out"}]}}
    write_config(world.config, data)
    world.basecamp.faults.inject(f"/{world.basecamp.account_id}/integrations/",
                                 Fault(status=500), Fault(status=502))
    async with Hub.start(HubSettings.model_validate(data)) as hub:
        world.slack.webhook_url = f"{hub.url}/webhooks/slack"
        await world.slack.post(LISBON, "U0ANA", "this one dies")
        await world.slack.quiet()
        with contextlib.suppress(TimeoutError):
            await hub.settle(within=20, horizon=5)
        await world.slack.post(LISBON, "U0ANA", "this one arrives")
        await world.slack.quiet()
        with contextlib.suppress(TimeoutError):
            await hub.settle(within=20, horizon=5)
        outputs = await read_everything(world, hub)
        hub_url = hub.url
    chat = world.basecamp.tool(world.project, "chat")
    assert "this one arrives" in world.basecamp.lines[chat][-1]["content"]
    assert outputs["dead letter errors"].strip(), "the failing line did not die"
    return outputs, log_text(caplog.records, hub_url)


async def test_the_chatbot_key_stays_out_of_errors_and_dead_letters(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    outputs, _ = await chatbot_traffic(world, caplog)
    leaks = [leak for where, text in outputs.items()
             for leak in world.canaries.find_in(where, text)]
    assert leaks == []


async def test_the_chatbot_key_stays_out_of_the_logs(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    _, logs = await chatbot_traffic(world, caplog)
    assert world.canaries.find_in("logs", logs) == []
