"""The Slack connector: Events API, catch-up and members' answers (`interactivity`) in;
chat.postMessage, threads, edits, deletes, files and reactions out (`outbound`). Glue between
`client` and `mapping`, and the one place Slack errors are mapped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import SecretStr, ValidationError

from hub.calendar.answers import Answer
from hub.connector import (
    MALFORMED,
    Address,
    Capability,
    Connector,
    Inbound,
    LocalFile,
    Outgoing,
    PollResult,
    Receipt,
    Shape,
    Target,
    WebhookAnswer,
    WebhookRequest,
    unreadable,
)
from hub.errors import AuthError, ConnectorError, PermanentError, TransientError, WebhookRejected
from hub.events import Actor, Attachment, Event, problems
from hub.files import fetch
from hub.http import transport_error
from hub.people.model import Identity
from plugins.slack import copy_links, interactivity, mapping, people, signing
from plugins.slack.catchup import CallBudget, HistoryCursor
from plugins.slack.client import AuthInfo, SlackApiError, SlackClient
from plugins.slack.outbound import Outbound
from plugins.slack.settings import DEFAULT_BASE_URL, SlackSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

REQUIRED_SCOPES = ("chat:write", "channels:history", "files:read", "files:write", "users:read")
AUTH_ERRORS = frozenset({
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
    "no_permission", "not_allowed_token_type", "ekm_access_denied", "team_access_not_granted",
    "missing_scope",
})
TRANSIENT_ERRORS = frozenset({
    "internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited",
    "invalid_response",
})
HINTS = {
    "not_in_channel": "invite the app to the channel (/invite @the-app) and retry",
    "channel_not_found": "check the channel id in the endpoint address and add the app to it",
    "is_archived": "unarchive the channel or remove it from the bridge",
    "msg_too_long": "the message is over Slack's 40,000 characters",
    "cant_update_message": "Slack lets a bot edit only what it posted",
    "edit_window_closed": "the workspace forbids edits this late",
    "cant_delete_message": "Slack lets a bot delete only what it posted",
}
NAMING_SECONDS = 1.0
PEOPLE_PAGE = 200  # Slack's advice for users.list
PEOPLE_PAGES = 100  # a bound, should a cursor never end


class SlackConnector(Connector):
    """One Slack workspace through one app's bot token and signing secret."""

    name = "slack"
    capabilities = (Capability.POLL | Capability.WEBHOOK | Capability.SEND | Capability.UPDATE
                    | Capability.DELETE | Capability.DOWNLOAD | Capability.UPLOAD)
    settings_model = SlackSettings
    endpoint_kinds: ClassVar[dict[str, Shape]] = {"chat": Shape.CHAT}
    default_base_url = DEFAULT_BASE_URL
    invitations: ClassVar[bool] = True  # an announcement's .ics, shared with it

    settings: SlackSettings

    def __init__(self, *args: Any, clock: Callable[[], float] = time.monotonic,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock  # what each channel's pacing measures time with (seconds)
        self._auth: AuthInfo | None = None
        self.history_budget = CallBudget(self.settings.history_calls_per_minute)
        self._recent: OrderedDict[str, list[Event]] = OrderedDict()
        self.outbound = Outbound(self)
        self._users: dict[str, Actor] = {}

    @property
    def api(self) -> SlackClient:
        # Built on use: `passerelle normalize` constructs settings without secrets.
        token = getattr(self.settings, "bot_token", None) or SecretStr("")
        return SlackClient(self.http, self.base_url, token, self.connection)

    # -- errors -------------------------------------------------------------------------

    async def call(self, call: Awaitable[T]) -> T:
        """A Slack API call, its failure as the hub error it means."""
        try:
            return await call
        except SlackApiError as exc:
            raise self._error(exc) from None
        except httpx.TransportError as exc:
            raise transport_error(exc, connection=self.connection) from exc

    def _error(self, exc: SlackApiError) -> ConnectorError:
        where = f"{exc.method}: {exc.error}"
        if exc.error == "missing_scope":
            scope = exc.needed or "(Slack did not say which)"
            fix = (' or set show_author_as = "prefix"' if scope == "chat:write.customize" else "")
            return AuthError(f"{exc.method}: the token lacks scope {scope}; add it under OAuth & "
                             f"Permissions → Bot Token Scopes, reinstall the app{fix}",
                             connection=self.connection)
        if exc.error in AUTH_ERRORS:
            return AuthError(f"{where}; the bot token was refused: copy a fresh Bot User OAuth "
                             "Token (xoxb-…) into bot_token", connection=self.connection)
        if exc.error in TRANSIENT_ERRORS:
            return TransientError(where, connection=self.connection)
        hint = HINTS.get(exc.error)
        return PermanentError(f"{where}; {hint}" if hint else where, connection=self.connection)

    # -- identity -----------------------------------------------------------------------

    async def identity(self) -> AuthInfo:
        if self._auth is None:
            self._auth = await self.call(self.api.auth_test())
        return self._auth

    def _own(self) -> set[str]:
        own = set(self.settings.own_identities)
        if self._auth is not None:
            own |= self._auth.identities
        return own

    async def check(self, *, online: bool) -> list[str]:
        """Offline: the token's kind. Online: auth.test, and the scopes the app still needs."""
        token = self.settings.bot_token.get_secret_value()
        lines = [] if token.startswith("xoxb-") else [
            "bot_token does not start with xoxb-: use the Bot User OAuth Token, not a user token"]
        if not online:
            return lines
        self._auth = None
        auth = await self.identity()
        lines.append(f'workspace "{auth.team}" ({auth.url}) as bot user {auth.user_id}')
        if auth.scopes is not None:
            missing = [s for s in REQUIRED_SCOPES if s not in auth.scopes]
            if missing:
                raise AuthError(f"the token lacks scope(s) {', '.join(missing)}; add them under "
                                "OAuth & Permissions → Bot Token Scopes and reinstall the app",
                                connection=self.connection)
            if "chat:write.customize" not in auth.scopes:
                lines.append("scope chat:write.customize is missing: authors are shown as a "
                             '"Name (Platform):" prefix instead of their name and avatar')
            if "users:read.email" not in auth.scopes:
                lines.append("scope users:read.email is missing: members come without e-mail "
                             "addresses, so only the people file matches them with their "
                             "accounts elsewhere")
        return lines

    # -- ingest -------------------------------------------------------------------------

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        """Slack's v0 signature over the raw body, within 300 s, for events and interactivity
        requests alike; answers url_verification. Slack POSTs every request: one of another
        method is none, however signed."""
        if request.method != "POST":
            raise WebhookRejected("Slack sends events as POST requests", status=405)
        signing.verify(self.settings.signing_secret, request.header("x-slack-request-timestamp"),
                       request.header("x-slack-signature"), request.body, request.received_at,
                       self.connection)
        if request.path == interactivity.PATH:
            return None  # a form, never a handshake
        payload = request.json()
        if isinstance(payload, dict) and payload.get("type") == "url_verification":
            return WebhookAnswer(200, str(payload.get("challenge", "")).encode(), "text/plain")
        return None

    async def receive(self, request: WebhookRequest) -> Inbound:
        """Events of one delivery, or the answers of one interactivity request. Slack's
        retries of an event (same `event_id`) get the same events back without new API calls;
        the store's unique key drops the duplicates. They are never answered with nothing: the
        first attempt may not have been stored."""
        if request.path == interactivity.PATH:
            return Inbound(answers=await self._answers(request))
        payload = request.json()
        event_id = payload.get("event_id") if isinstance(payload, dict) else None
        if isinstance(event_id, str) and event_id in self._recent:
            return Inbound(events=self._recent[event_id])
        try:
            events = self.parse(payload)
        except mapping.PayloadError as exc:
            raise WebhookRejected(f"unreadable Slack event: {exc}", status=400) from None
        except MALFORMED as exc:
            # parse is pure: what fails in it is the payload's fault, and retrying cannot help.
            raise unreadable("unreadable Slack event", exc) from None
        try:
            # Slack wants its answer within 3 s: names are a nicety, never worth a retry.
            async with asyncio.timeout(NAMING_SECONDS):
                events = await self._named(events)
        except TimeoutError:
            log.warning("slack %s: users.info too slow; authors keep their ids", self.connection)
        for event in events:
            if event.parent is not None and event.kind.noun == "message":
                self.outbound.remember_root(event.source.native_id, event.parent.native_id)
        if isinstance(payload, dict) and payload.get("type") == "app_rate_limited":
            log.warning("slack %s: Slack dropped events for this hour (app_rate_limited); "
                        "catch-up will fetch what it can", self.connection)
        if isinstance(event_id, str):
            self._recent[event_id] = events
            while len(self._recent) > 1024:
                self._recent.popitem(last=False)
        return Inbound(events=events)

    async def _answers(self, request: WebhookRequest) -> list[Answer]:
        """The answers a member gave by pressing our buttons, with their display name."""
        try:
            form = dataclasses.replace(request, body=interactivity.payload_field(request.body))
            answers = interactivity.answers_of(form.json(), self.connection, request.received_at)
        except mapping.PayloadError as exc:
            raise WebhookRejected(f"unreadable Slack interaction: {exc}", status=400) from None
        except MALFORMED as exc:
            raise unreadable("unreadable Slack interaction", exc) from None
        named = []
        for answer in answers:
            try:
                # Slack shows an error to whoever pressed after 3 s: the username will do.
                async with asyncio.timeout(NAMING_SECONDS):
                    person = await self._user(answer.person)
            except TimeoutError:
                log.warning("slack %s: users.info too slow; %s keeps their username",
                            self.connection, answer.person.native_id)
                person = answer.person
            named.append(dataclasses.replace(answer, person=person))
        return named

    def parse(self, payload: Any) -> list[Event]:
        """Pure: an Events API body to canonical events, the hub's own posts left out."""
        return mapping.parse_payload(payload, self.connection, self._own(),
                                     self.settings.metadata_event_type)

    async def _named(self, events: Sequence[Event]) -> list[Event]:
        """Put people's names and avatars on events that only carry a user id."""
        named = []
        for event in events:
            actor = event.actor
            if actor.name == actor.native_id and actor.native_id[:1] in ("U", "W"):
                actor = await self._user(actor)
            named.append(event if actor is event.actor
                         else event.model_copy(update={"actor": actor}))
        return named

    async def _user(self, actor: Actor) -> Actor:
        if actor.native_id not in self._users:
            try:
                user = await self.call(self.api.user_info(actor.native_id))
            except ConnectorError as exc:
                log.warning("slack %s: no name for %s (%s)", self.connection, actor.native_id, exc)
                return actor
            profile = user.get("profile") or {}
            name = (profile.get("display_name") or profile.get("real_name")
                    or user.get("real_name") or user.get("name") or actor.native_id)
            try:
                # Validated, not copied: what users.info says must be text the store can hold.
                self._users[actor.native_id] = Actor.model_validate({
                    **actor.model_dump(), "name": str(name),
                    "avatar_url": profile.get("image_72") or actor.avatar_url,
                    "email": profile.get("email") or actor.email})
            except ValidationError as exc:
                log.warning("slack %s: no name for %s (%s)", self.connection, actor.native_id,
                            problems(exc))
                return actor
        return self._users[actor.native_id]

    async def people(self) -> list[Identity]:
        """The workspace's people (users.list, every page): e-mail addresses need the
        users:read.email scope, and come without it as nothing, never as an error."""
        found: list[Identity] = []
        cursor: str | None = None
        for _ in range(PEOPLE_PAGES):
            body = await self.call(self.api.users_list(cursor=cursor, limit=PEOPLE_PAGE))
            found += people.identities(body.get("members") or (), self.connection)
            cursor = (body.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
        return found

    async def poll(self, address: Address, cursor: str | None) -> PollResult:
        """Catch up through conversations.history/replies within the configured call budget.

        The first poll only records where the channel is: it never mirrors old history.
        """
        channel = address.id
        await self.identity()
        state = HistoryCursor.load(cursor)
        if state is None:
            if not self.history_budget.take():
                return PollResult([], None)
            body = await self.call(self.api.history(channel, oldest=None, cursor=None, limit=1))
            newest = [str(m["ts"]) for m in body.get("messages") or () if "ts" in m]
            return PollResult([], HistoryCursor(oldest=max(newest, default="0")).dump())
        messages: list[dict[str, Any]] = []
        while (state.threads or not state.history_done) and self.history_budget.take():
            if state.threads:
                thread, _, thread_page = state.threads[0].partition(" ")
                body = await self.call(self.api.replies(
                    channel, thread, oldest=state.oldest, cursor=thread_page or None,
                    limit=self.settings.history_page_size))
                messages += [m for m in body.get("messages") or () if m.get("ts") != thread]
                state = state.thread_read(state.threads[0], _next_page(body))
            else:
                body = await self.call(self.api.history(
                    channel, oldest=state.oldest, cursor=state.page,
                    limit=self.settings.history_page_size))
                page = list(body.get("messages") or ())
                messages += page
                state = state.page_read(page, _next_page(body))
        events = [e for m in messages for e in mapping.parse_event(m, self.connection, self._own(),
                                               self.settings.metadata_event_type, channel)]
        events.sort(key=lambda e: e.occurred_at)
        return PollResult(await self._named(events), state.settled().dump())

    # -- deliver ------------------------------------------------------------------------

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        """Post a message (or reply, file or reaction) showing the real author."""
        return await self.outbound.send(outgoing, target)

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        """chat.update of a post the hub made; reactions have nothing to edit."""
        await self.outbound.update(outgoing, target, native_id)

    async def delete(self, target: Target, native_id: str) -> None:
        """Remove a post, file or reaction the hub made; one already gone counts as done."""
        await self.outbound.delete(target, native_id)

    async def permalink(self, event: Event) -> str | None:
        """A message's permalink, built as chat.getPermalink gives it from the workspace URL
        (auth.test, asked once); None for reactions, or when Slack cannot say who it is."""
        if event.kind.noun != "message":
            return None
        try:
            channel, ts = mapping.split_native_id(event.source.native_id)
            thread = mapping.split_native_id(event.parent.native_id)[1] if event.parent else None
            workspace = (await self.identity()).url
        except (mapping.PayloadError, ConnectorError):
            return None
        return mapping.permalink(workspace, channel, ts, thread) if workspace else None

    async def copy_link(self, address: Address, native_id: str) -> str | None:
        return await copy_links.copy_link(self, native_id)

    async def download(self, attachment: Attachment) -> LocalFile:
        """A shared file's bytes, with the bot token, from Slack's file hosts only."""
        if not attachment.url:
            raise PermanentError(f"file {attachment.name!r} has no download URL",
                                 connection=self.connection)
        policy = self.download_policy(self.settings.file_hosts)
        return await fetch(self.http, attachment.url, policy, name=attachment.name,
                           mime_type=attachment.mime_type, headers=self.api.auth_headers(),
                           connection=self.connection)


def _next_page(body: dict[str, Any]) -> str | None:
    """Slack's `next_cursor`, when there is a next page."""
    cursor = (body.get("response_metadata") or {}).get("next_cursor")
    return str(cursor) if body.get("has_more") and cursor else None
