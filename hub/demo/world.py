"""The demo's network: four sandbox platforms on loopback, their people, and the hub's settings.

Everything here is what an admin would configure for a real network (connections, bridges,
languages, interpreters), pointed at the sandboxes instead of the platforms.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from hub.demo.people import write_people_file
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.sandbox.slack import SlackEmulator
from hub.sandbox.whatsapp import WhatsAppEmulator
from hub.sandbox.zoom import ZoomEmulator
from hub.settings import HubSettings

BASECAMP, SLACK, WHATSAPP, ZOOM = ("network-basecamp", "lisbon-slack", "members-whatsapp",
                                   "network-zoom")
PLATFORMS = {BASECAMP: "basecamp", SLACK: "slack", WHATSAPP: "whatsapp", ZOOM: "zoom"}
CHANNEL = "C0NETWORK"
CIRCLE = "general"
# The webhook URL is the only proof a Basecamp delivery has: Basecamp signs nothing.
BASECAMP_HOOK_SECRET = "demo-basecamp-hook-0f3a9c1e7b2d4a6f"  # noqa: S105 - a sandbox's own
WHATSAPP_VERIFY_TOKEN = "demo-verify-token"  # noqa: S105 - a sandbox's own
# The sandbox serves any Graph version; the demo names its own so the API root it prints is
# the one the connection uses.
WHATSAPP_API_VERSION = "v25.0"
# Names that stay as they are in every language.
GLOSSARY = ["Passerelle", "Basecamp", "Slack", "WhatsApp", "Zoom"]


@dataclass
class People:
    """Who acts in the story, on each platform."""

    camille: dict[str, Any]  # Basecamp, writes French
    hugo: dict[str, Any]  # Basecamp, writes French
    emma: str = "U0EMMA"  # Slack, writes English
    james: str = "U0JAMES"  # Slack, writes English
    ana: str = "351912345678"  # WhatsApp, writes Portuguese
    bea: str = "351913333333"  # WhatsApp, writes Portuguese
    # Camille is in the Slack workspace too (she writes nothing there): one person, matched
    # by the e-mail address both profiles give, on two platforms.
    camille_on_slack: str = "U0CAMILLE"


@dataclass(frozen=True)
class SandboxAccess:
    """A sandbox's API root and what it takes to call it (headers, or OAuth client values)."""

    platform: str
    api_root: str
    credentials: dict[str, str]


@dataclass
class World:
    """The four sandboxes, the Basecamp project and the people of the story."""

    basecamp: BasecampEmulator
    slack: SlackEmulator
    whatsapp: WhatsAppEmulator
    zoom: ZoomEmulator
    project: int
    people: People

    def urls(self) -> dict[str, str]:
        return {"basecamp": self.basecamp.base_url, "slack": self.slack.base_url,
                "whatsapp": self.whatsapp.base_url, "zoom": self.zoom.base_url}

    def access(self) -> list[SandboxAccess]:
        """How to call each sandbox's API as the hub does: its root and the credentials the
        sandbox made for the demo (they are its own, and die with it)."""
        bc, slack, wa, zoom = self.basecamp, self.slack, self.whatsapp, self.zoom
        return [
            # Basecamp refuses a call whose User-Agent names no app and contact, as Basecamp does.
            SandboxAccess("basecamp", bc.api, {"Authorization": f"Bearer {bc.access_token}",
                                               "User-Agent": "Passerelle demo (ops@example.org)"}),
            SandboxAccess("slack", f"{slack.base_url}/api",
                          {"Authorization": f"Bearer {slack.token}"}),
            SandboxAccess("whatsapp",
                          f"{wa.base_url}/{WHATSAPP_API_VERSION}/{wa.phone_number_id}",
                          {"Authorization": f"Bearer {wa.access_token}"}),
            # Zoom mints tokens for a Server-to-Server app: POST token_url with the client's
            # id and secret as Basic auth, and grant_type and account_id as the form.
            SandboxAccess("zoom", f"{zoom.base_url}/v2", {
                "token_url": f"{zoom.base_url}/oauth/token",
                "client_id": zoom.account.client_id, "client_secret": zoom.account.client_secret,
                "grant_type": "account_credentials", "account_id": zoom.account.account_id}),
        ]

    def connect(self, hub_url: str) -> None:
        """Point every platform's webhooks at the hub, as an admin does in each app's page."""
        self.basecamp.add_webhook(self.project,
                                  f"{hub_url}/webhooks/{BASECAMP}/{BASECAMP_HOOK_SECRET}",
                                  ["Message", "Comment", "Schedule::Entry", "Upload"])
        self.slack.webhook_url = f"{hub_url}/webhooks/{SLACK}"
        self.slack.interactivity_url = f"{hub_url}/webhooks/{SLACK}/interactivity"
        self.whatsapp.webhook_url = f"{hub_url}/webhooks/{WHATSAPP}"
        self.zoom.webhook_url = f"{hub_url}/webhooks/{ZOOM}"

    async def quiet(self) -> None:
        """Wait until every webhook the platforms fired so far has been answered."""
        await self.basecamp.quiet()
        await self.slack.quiet()
        await self.whatsapp.settle()


@contextlib.asynccontextmanager
async def sandboxes() -> AsyncIterator[World]:
    """Serve the four emulators on 127.0.0.1 (ephemeral ports) with the story's people."""
    basecamp = BasecampEmulator()
    # Slack allows about one post a second per channel; the sandbox is told a shorter gap
    # (and the connection below respects it) so the demo does not wait for nothing.
    slack = SlackEmulator(channel_interval=0.05)
    slack.add_channel(CHANNEL)
    people = People(camille=basecamp.add_person("Camille Martin", "camille@example.org"),
                    hugo=basecamp.add_person("Hugo Bernard", "hugo@example.org"))
    slack.add_user(people.emma, "Emma Wilson", tz="Europe/London")
    slack.add_user(people.james, "James Okoro", tz="Europe/London")
    slack.add_user(people.camille_on_slack, "Camille Martin", email="camille@example.org",
                   tz="Europe/Paris")
    async with (serve_emulator(basecamp), serve_emulator(slack),
                serve_emulator(WhatsAppEmulator()) as whatsapp,
                serve_emulator(ZoomEmulator()) as zoom):
        project = basecamp.add_project("Réseau des villes")
        yield World(basecamp, slack, whatsapp, zoom, project, people)


class DemoSettings(HubSettings):
    """The demo's settings come from this module alone: an operator's `HUB_*` variables (their
    store, their tokens) must never reach the sandboxes, nor the demo their store."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def hub_settings(world: World, folder: Path) -> HubSettings:
    """The hub's configuration for the story, as a TOML file would give it."""
    basecamp, slack, whatsapp, zoom = world.basecamp, world.slack, world.whatsapp, world.zoom
    host, project = zoom.account.host_id, world.project
    return DemoSettings.model_validate({
        "store": {"url": f"sqlite:///{folder / 'passerelle.db'}"},
        "web": {"host": "127.0.0.1", "port": 0},
        "scheduler": {"delivery_interval_seconds": 0.2, "poll_interval_seconds": 30.0},
        "delivery": {"backoff_base_seconds": 0.2, "backoff_cap_seconds": 2.0},
        "files": {"temp_dir": str(folder)},
        # Apertium's pipelines kept running while the story is told (an APy server of the
        # demo's own, where apertium-apy is installed): 5 s of translating instead of 20.
        "translation": {"enabled": True, "providers": ["apertium"], "glossary": GLOSSARY,
                        "apertium": {"own_server": True}},
        "people": {"file": str(write_people_file(folder))},
        "connections": {
            BASECAMP: basecamp.connection(webhook_secret=BASECAMP_HOOK_SECRET, projects=[project],
                                          initial_lookback_minutes=5),
            SLACK: {
                "type": "slack", "bot_token": slack.token,
                "signing_secret": slack.signing_secret, "base_url": f"{slack.base_url}/api",
                "channel_interval_seconds": 0.06, "upload_share_wait_seconds": 2,
                "answer_buttons": True},
            WHATSAPP: {
                "type": "whatsapp", "base_url": whatsapp.base_url,
                "api_version": WHATSAPP_API_VERSION,
                "phone_number_id": whatsapp.phone_number_id,
                "access_token": whatsapp.access_token, "app_secret": whatsapp.app_secret,
                "verify_token": WHATSAPP_VERIFY_TOKEN,
                "circles": {CIRCLE: {"members": [], "open": True}},
                "template": {"name": "new_post", "language": "pt_PT",
                             "parameters": ["{author}", "{preview}"]}},
            ZOOM: {
                "type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
                "account_id": zoom.account.account_id, "client_id": zoom.account.client_id,
                "client_secret": zoom.account.client_secret,
                "secret_token": zoom.account.secret_token,
                "chat_user": zoom.account.host_email,
                "interpreters": [
                    {"email": "lucie@example.org", "languages": ["fr", "en"]},
                    {"email": "joao@example.org", "languages": ["pt", "en"]}]},
        },
        "bridges": {
            # The conversation: one board, one channel, one circle, three languages.
            "general": {"translate": True, "endpoints": [
                {"at": f"{BASECAMP}/board/{project}", "language": "fr"},
                {"at": f"{SLACK}/chat/{CHANNEL}", "language": "en"},
                {"at": f"{WHATSAPP}/circle/{CIRCLE}", "language": "pt"}]},
            # The assemblies: Basecamp's schedule makes Zoom meetings, announced everywhere,
            # each place reading the time in its own language and zone.
            "assemblies": {"translate": True, "endpoints": [
                {"at": f"{BASECAMP}/calendar/{project}", "language": "fr", "direction": "in"},
                {"at": f"{ZOOM}/calendar/{host}", "language": "en"},
                {"at": f"{BASECAMP}/board/{project}", "language": "fr", "direction": "out",
                 "timezone": "Europe/Paris"},
                {"at": f"{SLACK}/chat/{CHANNEL}", "language": "en", "direction": "out",
                 "timezone": "Europe/London"},
                {"at": f"{WHATSAPP}/circle/{CIRCLE}", "language": "pt", "direction": "out",
                 "timezone": "Europe/Lisbon"}]},
            # The recordings of those meetings, kept in the project's Docs & Files.
            "recordings": {"translate": False, "endpoints": [
                {"at": f"{ZOOM}/files/{host}", "direction": "in"},
                {"at": f"{BASECAMP}/files/{project}", "direction": "out"}]},
        },
    })
