"""The Slack connector: Events API in; chat.postMessage, threads, edits, deletes, files and
reactions out. Glue between `client` and `mapping`, and the one place Slack errors are mapped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import SecretStr

from hub.connector import (
    Address,
    Capability,
    Connector,
    Form,
    Inbound,
    LocalFile,
    Outgoing,
    PollResult,
    Receipt,
    Shape,
    Target,
    WebhookAnswer,
    WebhookRequest,
)
from hub.errors import AuthError, ConnectorError, PermanentError, TransientError, WebhookRejected
from hub.events import Actor, Attachment, Event
from hub.files import fetch
from hub.http import transport_error
from hub.limits import RateLimiter
from plugins.slack import mapping, signing
from plugins.slack.catchup import CallBudget, HistoryCursor
from plugins.slack.client import AuthInfo, SlackApiError, SlackClient
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
# What a pure mapping raises on a payload whose fields have shapes Slack never sends.
MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, ArithmeticError)
HINTS = {
    "not_in_channel": "invite the app to the channel (/invite @the-app) and retry",
    "channel_not_found": "check the channel id in the endpoint address and add the app to it",
    "is_archived": "unarchive the channel or remove it from the bridge",
    "msg_too_long": "the message is over Slack's 40,000 characters",
    "cant_update_message": "Slack lets a bot edit only what it posted",
    "edit_window_closed": "the workspace forbids edits this late",
    "cant_delete_message": "Slack lets a bot delete only what it posted",
}
PENDING = "pending"
REFUSED = "refused"  # an attempt Slack refused outright: it made nothing
LEDGER = "recent_sends"  # StateBox key: idempotency key → native id, PENDING or REFUSED
LEDGER_SIZE = 512
NAMING_SECONDS = 1.0


class SlackConnector(Connector):
    """One Slack workspace through one app's bot token and signing secret."""

    name = "slack"
    capabilities = (Capability.POLL | Capability.WEBHOOK | Capability.SEND | Capability.UPDATE
                    | Capability.DELETE | Capability.DOWNLOAD | Capability.UPLOAD)
    settings_model = SlackSettings
    endpoint_kinds: ClassVar[dict[str, Shape]] = {"chat": Shape.CHAT}
    default_base_url = DEFAULT_BASE_URL

    settings: SlackSettings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._auth: AuthInfo | None = None
        self._channels: dict[str, RateLimiter] = {}
        self._history = CallBudget(self.settings.history_calls_per_minute)
        self._recent: OrderedDict[str, list[Event]] = OrderedDict()
        self._roots: OrderedDict[str, str] = OrderedDict()  # reply native id → its root's
        self._ledger_lock = asyncio.Lock()
        self._no_customize = False  # Slack refused chat:write.customize once
        self._users: dict[str, Actor] = {}

    @property
    def api(self) -> SlackClient:
        # Built on use: `passerelle normalize` constructs settings without secrets.
        token = getattr(self.settings, "bot_token", None) or SecretStr("")
        return SlackClient(self.http, self.base_url, token, self.connection)

    # -- errors -------------------------------------------------------------------------

    async def _call(self, call: Awaitable[T]) -> T:
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

    async def _identity(self) -> AuthInfo:
        if self._auth is None:
            self._auth = await self._call(self.api.auth_test())
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
        auth = await self._identity()
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
        return lines

    # -- ingest -------------------------------------------------------------------------

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        """Slack's v0 signature over the raw body, within 300 s; answers url_verification."""
        signing.verify(self.settings.signing_secret, request.header("x-slack-request-timestamp"),
                       request.header("x-slack-signature"), request.body, request.received_at,
                       self.connection)
        try:
            payload = json.loads(request.body)
        except (ValueError, RecursionError) as exc:
            # A body nested thousands deep exhausts the decoder's stack: malformed, not a crash.
            raise WebhookRejected(f"body is not JSON: {exc}", status=400) from None
        if isinstance(payload, dict) and payload.get("type") == "url_verification":
            return WebhookAnswer(200, str(payload.get("challenge", "")).encode(), "text/plain")
        return None

    async def receive(self, request: WebhookRequest) -> Inbound:
        """Events of one delivery. Slack's retries of an event (same `event_id`) get the same
        events back without new API calls; the store's unique key drops the duplicates. They
        are never answered with nothing: the first attempt may not have been stored."""
        try:
            payload = json.loads(request.body)
        except (ValueError, RecursionError) as exc:
            raise WebhookRejected(f"body is not JSON: {exc}", status=400) from None
        event_id = payload.get("event_id") if isinstance(payload, dict) else None
        if isinstance(event_id, str) and event_id in self._recent:
            return Inbound(events=self._recent[event_id])
        try:
            events = self.parse(payload)
        except mapping.PayloadError as exc:
            raise WebhookRejected(f"unreadable Slack event: {exc}", status=400) from None
        except MALFORMED as exc:
            # parse is pure: what fails in it is the payload's fault, and retrying cannot help.
            raise WebhookRejected("unreadable Slack event: a field has an unexpected shape "
                                  f"({type(exc).__name__})", status=400) from None
        try:
            # Slack wants its answer within 3 s: names are a nicety, never worth a retry.
            async with asyncio.timeout(NAMING_SECONDS):
                events = await self._named(events)
        except TimeoutError:
            log.warning("slack %s: users.info too slow; authors keep their ids", self.connection)
        for event in events:
            if event.parent is not None and event.kind.noun == "message":
                self._remember_root(event.source.native_id, event.parent.native_id)
        if isinstance(payload, dict) and payload.get("type") == "app_rate_limited":
            log.warning("slack %s: Slack dropped events for this hour (app_rate_limited); "
                        "catch-up will fetch what it can", self.connection)
        if isinstance(event_id, str):
            self._recent[event_id] = events
            while len(self._recent) > 1024:
                self._recent.popitem(last=False)
        return Inbound(events=events)

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
                user = await self._call(self.api.user_info(actor.native_id))
            except ConnectorError as exc:
                log.warning("slack %s: no name for %s (%s)", self.connection, actor.native_id, exc)
                return actor
            profile = user.get("profile") or {}
            name = (profile.get("display_name") or profile.get("real_name")
                    or user.get("real_name") or user.get("name") or actor.native_id)
            self._users[actor.native_id] = actor.model_copy(update={
                "name": str(name), "avatar_url": profile.get("image_72") or actor.avatar_url,
                "email": profile.get("email") or actor.email})
        return self._users[actor.native_id]

    async def poll(self, address: Address, cursor: str | None) -> PollResult:
        """Catch up through conversations.history/replies within the configured call budget.

        The first poll only records where the channel is: it never mirrors old history.
        """
        channel = address.id
        await self._identity()
        state = HistoryCursor.load(cursor)
        if state is None:
            if not self._budget():
                return PollResult([], None)
            body = await self._call(self.api.history(channel, oldest=None, cursor=None, limit=1))
            newest = [str(m["ts"]) for m in body.get("messages") or () if "ts" in m]
            return PollResult([], HistoryCursor(oldest=max(newest, default="0")).dump())
        messages: list[dict[str, Any]] = []
        while (state.threads or not state.history_done) and self._budget():
            if state.threads:
                thread, _, thread_page = state.threads[0].partition(" ")
                body = await self._call(self.api.replies(
                    channel, thread, oldest=state.oldest, cursor=thread_page or None,
                    limit=self.settings.history_page_size))
                messages += [m for m in body.get("messages") or () if m.get("ts") != thread]
                state = state.thread_read(state.threads[0], _next_page(body))
            else:
                body = await self._call(self.api.history(
                    channel, oldest=state.oldest, cursor=state.page,
                    limit=self.settings.history_page_size))
                page = list(body.get("messages") or ())
                messages += page
                state = state.page_read(page, _next_page(body))
        events = [e for m in messages for e in mapping.parse_event(m, self.connection, self._own(),
                                               self.settings.metadata_event_type, channel)]
        events.sort(key=lambda e: e.occurred_at)
        return PollResult(await self._named(events), state.settled().dump())

    def _budget(self) -> bool:
        return self._history.take()

    # -- deliver ------------------------------------------------------------------------

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        """Post a message (or reply, file or reaction) showing the real author."""
        channel = target.address.id
        if outgoing.form is Form.REACTION:
            return Receipt(await self._react(outgoing, channel))
        thread_ts = self._thread_of(outgoing.reply_to)
        key = outgoing.idempotency_key
        # Only a retry can find an earlier attempt: a first one spares the ledger read.
        previous = await self._ledger_get(key) if outgoing.uncertain else None
        if previous and previous not in (PENDING, REFUSED):
            return Receipt(previous)
        # An earlier attempt's outcome is unknown: it was cut short before the ledger said
        # anything (the hub commits it with the attempt's end), or its answer was lost.
        if previous == PENDING or (outgoing.uncertain and previous is None):
            found = await self._reconcile(channel, thread_ts, key)
            if found:
                await self._ledger_set(key, found)
                return Receipt(found)
        await self._ledger_set(key, PENDING)
        try:
            if outgoing.files:
                made = await self._send_files(outgoing, channel, thread_ts)
            else:
                made = await self._post(outgoing, channel, thread_ts)
        except (AuthError, PermanentError):
            await self._ledger_set(key, REFUSED)
            raise
        except TransientError as exc:
            if exc.retry_after is not None:  # a 429 made nothing either
                await self._ledger_set(key, REFUSED)
            raise
        await self._ledger_set(key, made)
        if thread_ts:
            self._remember_root(made, mapping.native_id(channel, thread_ts))
        return Receipt(made)

    async def _ledger_get(self, key: str) -> str | None:
        ledger: dict[str, str] = json.loads(await self.state.get(LEDGER) or "{}")
        return ledger.get(key)

    async def _ledger_set(self, key: str, value: str | None) -> None:
        """Remember recent sends (one bounded entry, not a row per post) across restarts."""
        async with self._ledger_lock:
            ledger: dict[str, str] = json.loads(await self.state.get(LEDGER) or "{}")
            ledger.pop(key, None)
            if value is not None:
                ledger[key] = value
            for stale in list(ledger)[:-LEDGER_SIZE]:
                del ledger[stale]
            await self.state.set(LEDGER, json.dumps(ledger, separators=(",", ":")))

    def _thread_of(self, reply_to: str | None) -> str | None:
        """The thread root's ts: Slack threads hang under a root, never under a reply."""
        if not reply_to:
            return None
        return mapping.split_native_id(self._roots.get(reply_to, reply_to))[1]

    def _remember_root(self, message: str, root: str) -> None:
        self._roots[message] = root
        while len(self._roots) > 4096:
            self._roots.popitem(last=False)

    async def _customize(self) -> bool:
        if self.settings.show_author_as != "customize" or self._no_customize:
            return False
        scopes = (await self._identity()).scopes
        return scopes is None or "chat:write.customize" in scopes

    def _marker(self, outgoing: Outgoing) -> dict[str, Any]:
        return mapping.mirror_metadata(outgoing, self.settings.metadata_event_type)

    async def _post(self, outgoing: Outgoing, channel: str, thread_ts: str | None) -> str:
        customize = await self._customize()
        actor = outgoing.event.actor
        await self._pace(channel)
        try:
            body = await self._call(self.api.post_message(
                channel, mapping.render(outgoing, prefix=not customize), thread_ts=thread_ts,
                username=outgoing.author if customize else None,
                icon_url=actor.avatar_url if customize else None,
                metadata=self._marker(outgoing)))
        except AuthError as exc:
            if not customize or "chat:write.customize" not in str(exc):
                raise
            log.warning("slack %s: no chat:write.customize; authors shown as a prefix",
                        self.connection)
            self._no_customize = True
            return await self._post(outgoing, channel, thread_ts)
        return mapping.native_id(str(body.get("channel") or channel), str(body["ts"]))

    async def _pace(self, channel: str) -> None:
        limiter = self._channels.get(channel)
        if limiter is None:
            limiter = RateLimiter(1.0 / self.settings.channel_interval_seconds)
            self._channels[channel] = limiter
        await limiter.acquire()

    async def _send_files(self, outgoing: Outgoing, channel: str, thread_ts: str | None) -> str:
        ids = [await self._upload(file) for file in outgoing.files]
        await self._pace(channel)
        # Slack applies no author customisation to file shares: the prefix always shows.
        await self._call(self.api.complete_upload(
            [(i, f.name) for i, f in zip(ids, outgoing.files, strict=True)], channel=channel,
            thread_ts=thread_ts, initial_comment=mapping.render(outgoing, prefix=True) or None))
        ts = await self._share_ts(ids[0], channel)
        return mapping.native_id(channel, ts or f"file:{ids[0]}")

    async def _upload(self, file: LocalFile) -> str:
        upload_url, file_id = await self._call(self.api.get_upload_url(file.name, file.size))
        await self._call(self.api.upload_bytes(upload_url, file.path, file.size))
        return file_id

    async def _share_ts(self, file_id: str, channel: str) -> str | None:
        """The share message's ts: Slack shares an uploaded file asynchronously."""
        deadline = time.monotonic() + self.settings.upload_share_wait_seconds
        while True:
            info = await self._call(self.api.file_info(file_id))
            for kind in ("public", "private"):
                shares = ((info.get("shares") or {}).get(kind) or {}).get(channel) or []
                if shares and shares[0].get("ts"):
                    return str(shares[0]["ts"])
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(0.25)

    async def _reconcile(self, channel: str, thread_ts: str | None, key: str) -> str | None:
        """Find a post an ambiguous attempt made, by the idempotency key in its metadata."""
        if not self._budget():  # reconciling matters more than one catch-up call: wait for it
            await asyncio.sleep(self._history.wait())
            self._budget()
        if thread_ts:
            body = await self._call(self.api.replies(channel, thread_ts, oldest=None, limit=100))
        else:
            body = await self._call(self.api.history(channel, oldest=None, cursor=None,
                                                     limit=100))
        for message in body.get("messages") or ():
            if mapping.metadata_key(message, self.settings.metadata_event_type) == key:
                return mapping.native_id(channel, str(message["ts"]))
        return None

    async def _react(self, outgoing: Outgoing, channel: str) -> str:
        if not outgoing.reply_to:
            raise PermanentError("a reaction needs the message it reacts to",
                                 connection=self.connection)
        name = mapping.reaction_name(outgoing.body)
        if name is None:
            raise PermanentError(f"no Slack emoji name for reaction {outgoing.body!r}",
                                 connection=self.connection)
        _, ts = mapping.split_native_id(outgoing.reply_to)
        try:
            await self._call(self.api.add_reaction(channel, ts, name))
        except PermanentError as exc:
            if "already_reacted" not in str(exc):
                raise
        return f"{outgoing.reply_to}/:{name}:/{(await self._identity()).user_id}"

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        """chat.update of a post the hub made; reactions have nothing to edit."""
        channel, ts = mapping.split_native_id(native_id)
        if "/:" in ts:
            return
        if ts.startswith("file:"):
            found = await self._share_ts(ts[5:], channel)
            if found is None:
                raise PermanentError(f"file {ts[5:]} has no share message to edit yet",
                                     connection=self.connection)
            ts = found
        prefix = outgoing.files != () or not await self._customize()
        await self._pace(channel)
        await self._call(self.api.update_message(
            channel, ts, mapping.render(outgoing, prefix=prefix), metadata=self._marker(outgoing)))

    async def delete(self, target: Target, native_id: str) -> None:
        """Remove a post, file or reaction the hub made; one already gone counts as done."""
        channel, ts = mapping.split_native_id(native_id)
        try:
            if "/:" in ts:
                message_ts, name, _ = ts.split("/", 2)
                await self._call(self.api.remove_reaction(channel, message_ts, name.strip(":")))
            elif ts.startswith("file:"):
                await self._call(self.api.delete_file(ts[5:]))
            else:
                await self._call(self.api.delete_message(channel, ts))
        except PermanentError as exc:
            if not any(gone in str(exc) for gone in ("message_not_found", "file_not_found",
                                                     "file_deleted", "no_reaction")):
                raise

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
