"""The Basecamp connector: glue between the client, the mapping and the hub.

This module is the one place Basecamp's answers become hub errors (`map_error`).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from hub.connector import (
    Address,
    Capability,
    Connector,
    Inbound,
    LocalFile,
    Outgoing,
    PollResult,
    Receipt,
    Shape,
    StateBox,
    Target,
    WebhookAnswer,
    WebhookRequest,
)
from hub.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    PermanentError,
    TransientError,
    WebhookRejected,
)
from hub.events import Attachment, Event
from hub.files import fetch
from hub.http import raise_for_status
from hub.people.model import Identity
from plugins.basecamp import mapping, people
from plugins.basecamp.client import AccountInactive, BasecampClient, NotFound
from plugins.basecamp.inbound import Reader
from plugins.basecamp.oauth import OAuthTokens
from plugins.basecamp.outbound import Publisher
from plugins.basecamp.settings import DEFAULT_BASE_URL, BasecampSettings

INACTIVE_KEY = "account_inactive"
# The dock tool of each endpoint kind.
TOOLS = {"board": "message_board", "todos": "todoset", "chat": "chat", "calendar": "schedule",
         "files": "vault"}


async def map_error(response: httpx.Response, *, connection: str, what: str) -> ConnectorError:
    """What a failed Basecamp response means for the hub (the one place it is decided)."""
    status = response.status_code
    where = f"{what}: Basecamp answered {status}"
    if status == 404 and response.headers.get("reason", "").strip().lower() == "account inactive":
        return AccountInactive(
            f"{where} (Reason: Account Inactive): the account's trial ended or it is suspended; "
            "the connection is off: reactivate the account in Basecamp (the hub tries again "
            "every inactive_retry_minutes)", connection=connection)
    if status == 404:
        return NotFound(f"{where}: the item was deleted or the hub's user cannot see it",
                        connection=connection)
    if status == 403:
        return AuthError(f"{where}: the hub's Basecamp user may not do this (client users cannot "
                         "manage webhooks; add the user to the project)", connection=connection)
    if status == 400:
        return PermanentError(f"{where}: the request was refused as invalid (check that "
                              "`contact` is set, and the item's content)", connection=connection)
    if status == 507:
        return PermanentError(f"{where}: the account has reached its limit (webhooks or "
                              "projects); remove unused ones", connection=connection)
    try:
        raise_for_status(_without_key(response), connection=connection, what=what)
    except ConnectorError as exc:
        return exc
    return TransientError(f"{where}: unexpected answer", connection=connection)


_CHATBOT_KEY = re.compile(r"/integrations/[^/]+/")


def _without_key(response: httpx.Response) -> httpx.Response:
    """The response as errors may quote it: a chatbot's key is its URL's secret part."""
    url = response.request.url
    if "/integrations/" not in url.path:
        return response
    hidden = url.copy_with(path=_CHATBOT_KEY.sub("/integrations/<chatbot_key>/", url.path),
                           query=None)
    return httpx.Response(response.status_code, headers=response.headers,
                          request=httpx.Request(response.request.method, hidden))


class BasecampConnector(Connector):
    """Message boards, to-dos, comments, Campfire, schedules and Docs & Files of one account."""

    name: ClassVar[str] = "basecamp"
    capabilities: ClassVar[Capability] = (
        Capability.POLL | Capability.WEBHOOK | Capability.SEND | Capability.UPDATE
        | Capability.DELETE | Capability.DOWNLOAD | Capability.UPLOAD
    )
    settings_model = BasecampSettings
    endpoint_kinds: ClassVar[Mapping[str, Shape]] = {
        "board": Shape.BOARD, "todos": Shape.BOARD, "chat": Shape.CHAT,
        "calendar": Shape.CALENDAR, "files": Shape.FILES,
    }
    default_base_url: ClassVar[str] = DEFAULT_BASE_URL

    def __init__(self, connection: str, settings: BasecampSettings,
                 http: httpx.AsyncClient, state: StateBox) -> None:
        super().__init__(connection, settings, http, state)
        self.config = settings
        self._client: BasecampClient | None = None
        self._docks: dict[str, dict[str, str]] = {}
        self._inactive_until: datetime | None = None
        self._inactive_loaded = False
        self._me: str | None = None

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def client(self) -> BasecampClient:
        if self._client is None:
            problems = [p for p in self.config.problems(self.connection)
                        if "account_id" in p or "contact" in p]
            if problems:
                raise ConfigError(problems)
            secret = self.config.client_secret
            refresh = self.config.refresh_token
            access = self.config.access_token
            tokens = OAuthTokens(
                access_token=access.get_secret_value() if access else None,
                refresh_token=refresh.get_secret_value() if refresh else None,
                client_id=self.config.client_id,
                client_secret=secret.get_secret_value() if secret else None,
                launchpad_url=self.config.launchpad_url,
                state=self.state, http=self.http, user_agent=self.config.user_agent,
                connection=self.connection)
            self._client = BasecampClient(
                self.http, api_url=f"{self.base_url.rstrip('/')}/{self.config.account_id}",
                user_agent=self.config.user_agent, tokens=tokens, on_error=self._error,
                connection=self.connection)
        return self._client

    async def _error(self, response: httpx.Response, what: str) -> ConnectorError:
        error = await map_error(response, connection=self.connection, what=what)
        if isinstance(error, AccountInactive):
            self._inactive_until = datetime.now(UTC) + timedelta(
                minutes=self.config.inactive_retry_minutes)
            await self.state.set(INACTIVE_KEY, self._inactive_until.isoformat())
            await self.state.set("status", f"off: {error}")
        return error

    async def ready(self) -> BasecampClient:
        """The client, unless the account was found inactive lately: then no call is made
        until `inactive_retry_minutes` have passed, when one call finds out again."""
        if not self._inactive_loaded:
            stored = await self.state.get(INACTIVE_KEY)
            self._inactive_until = datetime.fromisoformat(stored) if stored else None
            self._inactive_loaded = True
        if self._inactive_until is not None and datetime.now(UTC) < self._inactive_until:
            raise AccountInactive(
                "Basecamp said the account is inactive (trial ended or suspended): reactivate "
                f"it in Basecamp; the hub asks again at {self._inactive_until:%Y-%m-%d %H:%M} "
                "UTC", connection=self.connection)
        return self.client

    async def tool(self, project_id: str, kind: str) -> str:
        """The id of a project's dock tool (message board, to-do set, Campfire, schedule or
        vault)."""
        if not project_id.isdigit():
            raise ConfigError(f'endpoint "{self.connection}/{kind}/{project_id}": Basecamp '
                              "endpoints are addressed by project id, a number (open the "
                              "project: it is the number after /projects/)")
        if project_id not in self._docks:
            client = await self.ready()
            project = await client.project(project_id)
            self._docks[project_id] = {
                str(tool.get("name")): str(tool.get("id"))
                for tool in project.get("dock") or [] if tool.get("enabled")}
        found = self._docks[project_id].get(TOOLS[kind])
        if found is None:
            raise PermanentError(f'project {project_id} has no enabled "{TOOLS[kind]}" tool: turn '
                                 "it on in the project's settings or remove the endpoint",
                                 connection=self.connection)
        return found

    async def me(self) -> str:
        """The person id of the hub's own Basecamp user (read once)."""
        if self._me is None:
            self._me = str((await (await self.ready()).profile()).get("id"))
        return self._me

    # -- connecting the account from the console (hub.authorizing.Authorizing) -------------

    def authorization_url(self, redirect_uri: str, state: str) -> str:
        """Launchpad's consent page for this connection's integration."""
        return self.client.tokens.authorization_url(redirect_uri, state)

    async def authorize(self, code: str, redirect_uri: str) -> str:
        """Trade Launchpad's code for tokens, used from the next call on."""
        return await self.client.tokens.exchange(code, redirect_uri)

    async def authorized_as(self) -> str | None:
        """Whom the console connected, while those tokens are in use."""
        return await self.client.tokens.connected_as()

    # -- check ------------------------------------------------------------------------------

    async def check(self, *, online: bool) -> list[str]:
        """Settings first; online, the account, the hub's own identity and the projects."""
        problems = self.config.problems(self.connection)
        if problems:
            raise ConfigError(problems)
        lines = [f"Basecamp account {self.config.account_id}, User-Agent "
                 f"{self.config.user_agent!r}"]
        if self.config.webhook_secret is None:
            lines.append("no webhook_secret: webhooks are refused, polling only")
        if not online:
            return lines
        client = self.client  # an admin's check always asks Basecamp, even when off
        me = await client.profile()
        projects = await client.projects()
        if self._inactive_until is not None or await self.state.get(INACTIVE_KEY):
            self._inactive_until, self._inactive_loaded = None, True
            await self.state.set(INACTIVE_KEY, "")
        own = str(me.get("id"))
        lines.append(f"reachable as {me.get('name')} (person {own})")
        if own not in self.config.own_identities:
            lines.append(f'add "{own}" to own_identities, so what the hub posts is not mirrored '
                         "back")
        for project in projects:
            tools = [name for name, tool in TOOLS.items()
                     if any(t.get("name") == tool and t.get("enabled")
                            for t in project.get("dock") or [])]
            lines.append(f"project {project.get('id')} {project.get('name')!r}: "
                         + (", ".join(f"{t}/{project.get('id')}" for t in tools) or "no tools"))
        return lines

    # -- ingest -----------------------------------------------------------------------------

    def parse(self, payload: Any) -> list[Event]:
        """Pure: a webhook delivery, a recording or a list of recordings as events."""
        return mapping.parse_payload(payload, self.connection)

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        """Basecamp signs nothing: the secret at the end of the URL is the only proof."""
        secret = self.config.webhook_secret
        if secret is None:
            raise WebhookRejected("this connection has no webhook_secret, so it takes no "
                                  "webhooks", status=404)
        if not hmac.compare_digest(request.path.encode(), secret.get_secret_value().encode()):
            raise WebhookRejected("unknown webhook URL", status=404)
        if request.method != "POST":
            raise WebhookRejected("webhooks are POSTed", status=405)
        return None

    async def receive(self, request: WebhookRequest) -> Inbound:
        """Read the hint, fetch the recording it names, and map what is true now."""
        return await Reader(self).receive(request.json())

    async def poll(self, address: Address, cursor: str | None) -> PollResult:
        """Changes since the cursor (minus the overlap window), oldest first."""
        if address.kind not in TOOLS:
            self.shape_of(address)
        return await Reader(self).poll(address, cursor)

    async def people(self) -> list[Identity]:
        """The account's people (every page of `/people.json`), the hub's own user left out."""
        client = await self.ready()
        return people.identities(await client.people(), self.connection, own=await self.me())

    # -- deliver ----------------------------------------------------------------------------

    def publisher(self) -> Publisher:
        return Publisher(self, self.config)

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        """Create a post, to-do, comment, Campfire line, schedule entry or upload."""
        await self.ready()
        return await self.publisher().send(outgoing, target)

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        """Edit what the hub made; Campfire lines cannot be edited through the API."""
        await self.ready()
        await self.publisher().update(outgoing, target, native_id)

    async def delete(self, target: Target, native_id: str) -> None:
        """Trash what the hub made (a Campfire line is deleted); already gone counts as done."""
        await self.ready()
        await self.publisher().delete(target, native_id)

    async def permalink(self, event: Event) -> str | None:
        """The recording's `app_url`, as Basecamp gave it with the item; no call is made."""
        return mapping.app_url(event.raw)

    async def download(self, attachment: Attachment) -> LocalFile:
        """Stream a Basecamp file with the OAuth token, which never leaves Basecamp's hosts."""
        client = await self.ready()
        if not attachment.url:
            raise PermanentError(f"attachment {attachment.name!r} has no download URL",
                                 connection=self.connection)
        policy = self.download_policy(self.config.file_hosts)
        token = await client.tokens.current()
        return await fetch(self.http, attachment.url, policy, name=attachment.name,
                           mime_type=attachment.mime_type,
                           headers={"Authorization": f"Bearer {token}",
                                    "User-Agent": self.config.user_agent},
                           connection=self.connection)
