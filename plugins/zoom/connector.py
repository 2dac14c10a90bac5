"""The Zoom connector: meetings as calendar events, cloud recordings as files, Team Chat
channels as chat. Thin glue over `client` and `mapping`, and the one place Zoom's errors
become the hub's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from hub.connector import (
    MALFORMED,
    Address,
    Capability,
    ConnectionSettings,
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
    unreadable,
)
from hub.errors import (
    AuthError,
    ConfigError,
    ConnectorError,
    PermanentError,
    TransientError,
    WebhookRejected,
)
from hub.events import Actor, Attachment, Event
from hub.files import DownloadPolicy, fetch
from hub.http import parse_retry_after, raise_for_status, transport_error
from hub.people.model import Identity
from plugins.zoom import mapping, people, signing
from plugins.zoom.authorization import UserTokens
from plugins.zoom.catchup import Catchup
from plugins.zoom.client import (
    AccessToken,
    NoCredentials,
    RedirectRefused,
    ZoomApiError,
    ZoomClient,
    pages,
)
from plugins.zoom.meetings import Meetings
from plugins.zoom.settings import DEFAULT_API_URL, ZoomSettings
from plugins.zoom.teamchat import Channels

log = logging.getLogger(__name__)

# Zoom error codes that mean the token is no good or lacks a scope, whatever the status.
AUTH_CODES = {124, 4700, 4702, 4711}
# Codes that name the item as missing: 3001 "Meeting does not exist" / "Meeting {id} is not
# found or has expired", 4130 "Channel does not exist". Zoom's 300 is its generic "bad request"
# (a missing field as much as "Message does not exist: {id}" for a chat message, or "Meeting
# {id} is not found or has expired" on a meeting delete), so only its message can say "gone".
GONE_CODES = {3001, 4130}
GONE_WORDING = re.compile(r"does not exist|not found|has expired|already deleted", re.I)
MAX_STATE_KEY = 200  # what the store keeps of a StateBox key (hub/store/schema.py)


class ZoomConnector(Connector):
    """A Zoom account through a Server-to-Server OAuth app, or a user-authorized app connected
    from the console (see plugins/zoom/README.md)."""

    name: ClassVar[str] = "zoom"
    capabilities: ClassVar[Capability] = (
        Capability.POLL | Capability.WEBHOOK | Capability.SEND | Capability.UPDATE
        | Capability.DELETE | Capability.DOWNLOAD | Capability.UPLOAD
    )
    settings_model: ClassVar[type[ConnectionSettings]] = ZoomSettings
    endpoint_kinds: ClassVar[Mapping[str, Shape]] = {
        "calendar": Shape.CALENDAR, "files": Shape.FILES, "chat": Shape.CHAT}
    default_base_url: ClassVar[str] = DEFAULT_API_URL
    invitations: ClassVar[bool] = True  # an announcement's .ics, in a Team Chat channel

    def __init__(self, connection: str, settings: ConnectionSettings, http: httpx.AsyncClient,
                 state: StateBox) -> None:
        super().__init__(connection, settings, http, state)
        if not isinstance(settings, ZoomSettings):
            raise ConfigError(f'connection "{connection}": settings are not Zoom settings')
        self.zoom = settings
        self.user_tokens = UserTokens(http, settings, state)
        self.client = ZoomClient(http, settings, user=self.user_tokens)
        self.catchup = Catchup(self.client, settings, connection)
        self.meetings = Meetings(self.client, settings, connection)
        self.channels = Channels(self.client, settings, connection)

    # ------------------------------------------------------------ admin

    async def check(self, *, online: bool) -> list[str]:
        """Settings offline; online, get a token and read the chat user."""
        user_app = self.zoom.authorization == "user"
        missing = [name for name in ("client_id",) if not self.zoom.client_id]
        if not user_app and not self.zoom.account_id:
            missing.insert(0, "account_id")
        if missing:
            raise ConfigError(f'connection "{self.connection}": set {" and ".join(missing)} '
                              "(App Credentials page of the app)" + ("" if user_app else
                              '; or, for a user-authorized app, set authorization = "user" and '
                              "connect the account on the console's Connect an account page"))
        if not online:
            return ["user-authorized app: connected on the console's Connect an account page, "
                    "or with access_token" if user_app
                    else f"account {self.zoom.account_id}: settings complete"]
        with self._calls("check"):
            token = await self.client.token()
            user = await self.client.get_user(self.zoom.chat_user)
        who = user.get("email") or user.get("id") or self.zoom.chat_user
        posted = f"Team Chat messages are posted as {who}"
        if (user_token := await self.user_tokens.current()) is not None and \
                user_token.value == token.value:
            connected = await self.user_tokens.connected_as()
            return [f"user-authorized token ({token.api_url}), "
                    + (f"connected from the console as {connected}" if connected
                       else "from access_token"), posted]
        return [f"token minted for account {self.zoom.account_id} ({token.api_url})",
                f"scopes: {token.scope or '(none listed)'}", posted]

    # ------------------------------------------------------------ people

    async def people(self) -> list[Identity]:
        """The account's active users (`GET /users`, every page), known by e-mail address
        (plugins/zoom/people.py says why). Needs the `user:read:admin` scope."""
        with self._calls("listing users"):
            return people.identities(
                [user async for user in pages(lambda page: self.client.list_users(
                    page_token=page), "users")], self.connection)

    def identity_of(self, actor: Actor) -> Identity:
        return people.identity_of(actor, self.connection)

    # ------------------------------------------------------------ connecting (hub.authorizing)

    def authorization_url(self, redirect_uri: str, state: str) -> str:
        """Zoom's consent page for this connection's (user-managed) app."""
        return self.user_tokens.authorization_url(redirect_uri, state)

    async def authorize(self, code: str, redirect_uri: str) -> str:
        """Trade Zoom's code for user tokens, used from the next call on; who allowed it."""
        async def identify(token: AccessToken) -> str:
            user = await self.client.whoami(token)
            name = " ".join(str(user[k]) for k in ("first_name", "last_name") if user.get(k))
            email = user.get("email")
            return f"{name} ({email})" if name and email else name or str(email or user.get("id"))

        with self._calls("connecting the account"):
            return await self.user_tokens.exchange(code, redirect_uri, identify)

    async def authorized_as(self) -> str | None:
        """Whom the console connected, while those tokens are in use."""
        return await self.user_tokens.connected_as()

    # ------------------------------------------------------------ webhooks in

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        """Check `x-zm-signature` over the raw body within the replay window; answer the
        `endpoint.url_validation` handshake (itself signed) with the encrypted token."""
        signing.verify(request, self.zoom.secret_token, self.zoom.webhook_tolerance_seconds)
        return signing.handshake(signing.json_object(request), self.zoom.secret_token)

    async def receive(self, request: WebhookRequest) -> Inbound:
        """Events of a verified webhook. `meeting.updated` carries only what changed, so the
        meeting is read again; a recording's download token is kept for its downloads."""
        payload = signing.json_object(request)
        name = payload.get("event")
        inner = payload.get("payload")
        inner = inner if isinstance(inner, dict) else {}
        obj = inner.get("object")
        if name == "meeting.updated" and isinstance(obj, dict) and obj.get("id") is not None:
            meeting = await self._current_meeting(str(obj["id"]))
            if meeting is not None:
                payload = {**payload, "payload": {**inner, "object": meeting}}
        if str(name).startswith(("team_chat.channel_message", "chat_message.")) \
                and isinstance(obj, dict) and _files_without_link(obj):
            payload = {**payload, "payload": {**inner, "object": await self._file_links(obj)}}
        try:
            events = self.parse(payload)
        except mapping.NotAZoomEvent as exc:
            raise WebhookRejected(str(exc), status=400) from exc
        except MALFORMED as exc:
            # parse is pure: what fails in it is the payload's fault, and retrying cannot help.
            raise unreadable(f"unreadable Zoom {str(name)[:60]!r} payload", exc) from exc
        # Kept only once the webhook is accepted: a refused one must leave nothing behind.
        if name in ("recording.completed", "recording.transcript_completed") \
                and isinstance(obj, dict):
            token = payload.get("download_token")
            if isinstance(token, str) and token:
                for item in obj.get("recording_files") or ():
                    if isinstance(item, dict):
                        await self._keep_token(mapping.recording_file_id(obj, item), token)
        return Inbound(events=events)

    async def _keep_token(self, file_id: str, token: str) -> None:
        """A recording file's download token, for its downloads. A key or token that is not
        plain text, or a key longer than the store's, is left out (the app's own token still
        reads the file): on PostgreSQL, it would fail the webhook on every retry."""
        key = _token_key(file_id)
        if len(key) > MAX_STATE_KEY or not (key.isprintable() and token.isprintable()):
            log.warning("zoom %s: the download token of recording file %r… is not kept: its id "
                        "or token is not plain text, or the id is over %d characters",
                        self.connection, file_id[:40], MAX_STATE_KEY - len(_token_key("")))
            return
        await self.state.set(key, token)

    async def _current_meeting(self, meeting_id: str) -> dict[str, Any] | None:
        try:
            with self._calls("meeting read"):
                return await self.client.get_meeting(meeting_id)
        except PermanentError:
            return None  # deleted since: the payload's own fields are all there is

    async def _file_links(self, obj: dict[str, Any]) -> dict[str, Any]:
        """The message's files with their download links, which webhooks leave out."""
        message_id = str(obj.get("message_id") or obj.get("id") or "")
        try:
            with self._calls("chat message read"):
                found = await self.client.get_chat(self.zoom.chat_user, message_id,
                                                   str(obj.get("channel_id")))
        except PermanentError:
            return obj  # gone, or not readable by chat_user: the names still travel
        links = {str(f.get("file_id")): f.get("download_url")
                 for f in [found, *(found.get("files") or ())] if isinstance(f, dict)}
        files = [{**f, "download_url": f.get("download_url") or links.get(str(f.get("file_id")))}
                 for f in obj.get("files") or () if isinstance(f, dict)]
        return {**obj, "files": files}

    def parse(self, payload: Any) -> list[Event]:
        """Events of one Zoom webhook payload (or meeting resource); pure."""
        return mapping.parse_payload(payload, self.connection, self.zoom.recording_file_types)

    # ------------------------------------------------------------ polling

    async def poll(self, address: Address, cursor: str | None) -> PollResult:
        """Upcoming meetings, recent recordings or recent channel messages of one endpoint."""
        shape = self.shape_of(address)
        with self._calls("poll"):
            if shape is Shape.CALENDAR:
                return await self.catchup.meetings(address.id, cursor)
            if shape is Shape.FILES:
                return await self.catchup.recordings(address.id, cursor)
            return await self.catchup.chat(address.id, cursor)

    # ------------------------------------------------------------ delivering

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        """A meeting for a calendar event (its join link told back), or a channel message."""
        if target.shape is Shape.CALENDAR:
            with self._calls("meeting create"):
                return await self.meetings.create(outgoing, target)
        if target.shape is Shape.CHAT:
            with self._calls("chat message"):
                return Receipt(native_id=await self.channels.post(outgoing, target.address.id))
        raise PermanentError(f'endpoint "{target.address}": Zoom cloud recordings cannot be '
                             'added to from outside; give it direction = "in"',
                             connection=self.connection)

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        """Move a meeting (PATCH), or edit a channel message."""
        if target.shape is Shape.CALENDAR:
            with self._calls("meeting update"):
                await self.meetings.move(outgoing, target, native_id)
        elif target.shape is Shape.CHAT:
            with self._calls("chat edit"):
                await self.channels.edit(outgoing, target.address.id, native_id)
        else:
            raise PermanentError(f'endpoint "{target.address}" takes no edits',
                                 connection=self.connection)

    async def delete(self, target: Target, native_id: str) -> None:
        """Delete a meeting or a channel message; one that is already gone is fine."""
        try:
            with self._calls("delete"):
                if target.shape is Shape.CALENDAR:
                    await self.meetings.cancel(native_id)
                elif target.shape is Shape.CHAT:
                    await self.channels.delete(target.address.id, native_id)
                else:
                    raise PermanentError(f'endpoint "{target.address}" takes no deletes',
                                         connection=self.connection)
        except _Gone:
            return

    async def download(self, attachment: Attachment) -> LocalFile:
        """A recording file, streamed under the size cap, with the webhook's download token
        while it lasts (24 h), else with the app's own token."""
        if not attachment.url:
            raise PermanentError(f"attachment {attachment.name!r} has no download URL",
                                 connection=self.connection)
        policy = self.download_policy(self.zoom.file_hosts, max_bytes=self.zoom.max_file_bytes)
        key = _token_key(attachment.native_id or "")
        saved = await self.state.get(key)
        if saved:
            try:
                return await self._fetch(attachment, policy, saved)
            except AuthError:
                # Expired (24 h): forget it; the app's own token reads the account's recordings.
                await self.state.set(key, "")
        with self._calls("token"):
            bearer = (await self.client.token()).value
        return await self._fetch(attachment, policy, bearer)

    async def _fetch(self, attachment: Attachment, policy: DownloadPolicy, bearer: str
                     ) -> LocalFile:
        assert attachment.url is not None
        return await fetch(self.http, attachment.url, policy, name=attachment.name,
                           mime_type=attachment.mime_type,
                           headers={"Authorization": f"Bearer {bearer}"},
                           connection=self.connection)

    # ------------------------------------------------------------ errors

    @contextmanager
    def _calls(self, what: str) -> Iterator[None]:
        """Zoom's failures as the hub's errors: the one place they are mapped."""
        try:
            yield
        except httpx.TransportError as exc:
            raise transport_error(exc, connection=self.connection) from exc
        except ZoomApiError as exc:
            raise self._mapped(exc, what) from None
        except NoCredentials:
            raise AuthError(f"{what}: this user-authorized app was never connected: connect the "
                            "account on the console's Connect an account page, or set "
                            "access_token", connection=self.connection) from None
        except RedirectRefused as exc:
            raise PermanentError(f"{what}: Zoom sent the upload on to {exc.host}, which is not "
                                 "one of file_hosts; add it there if it is Zoom's",
                                 connection=self.connection) from None

    def _mapped(self, exc: ZoomApiError, what: str) -> ConnectorError:
        body = exc.body
        code = body.get("code")
        said = str(body.get("message") or body.get("reason") or "")[:200]
        label = f"Zoom code {code}" if code else "Zoom"
        detail = f" ({label}: {said})" if said else ""
        if exc.oauth:
            return AuthError(f"Zoom refused the token request{detail}: check account_id, "
                             "client_id and client_secret of the Server-to-Server OAuth app, "
                             "and that the app is activated; for a user-authorized app, connect "
                             "the account again on the console's Connect an account page",
                             connection=self.connection)
        if code in AUTH_CODES:
            return AuthError(f"{what} refused{detail}: the app's token lacks a scope this needs; "
                             "add it on the app's Scopes page (see plugins/zoom/README.md)",
                             connection=self.connection)
        if exc.status == 429:
            return self._rate_limited(exc.response, what, detail)
        if exc.status == 404 or code in GONE_CODES or (code == 300
                                                       and GONE_WORDING.search(said)):
            return _Gone(f"{what}: not found{detail}", connection=self.connection)
        try:
            raise_for_status(exc.response, connection=self.connection, what=what)
        except ConnectorError as error:
            text = str(error).removeprefix(f'connection "{self.connection}": ')
            return type(error)(text + detail, connection=self.connection,
                               retry_after=error.retry_after)
        return TransientError(f"{what}: unexpected answer {exc.status}",
                              connection=self.connection)

    def _rate_limited(self, response: httpx.Response, what: str, detail: str) -> TransientError:
        category = response.headers.get("x-ratelimit-category", "")
        limit_type = response.headers.get("x-ratelimit-type", "")
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if retry_after is None and limit_type.lower().startswith("daily"):
            now = datetime.now(UTC)
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
            retry_after = (midnight - now).total_seconds()
        label = " ".join(part for part in (category, limit_type) if part) or "rate"
        return TransientError(
            f"{what}: Zoom's {label} limit was reached{detail}; it is shared by every app of the "
            "account, so other integrations count too", connection=self.connection,
            retry_after=retry_after)


class _Gone(PermanentError):
    """The item is not there (any more): permanent for a send, done for a delete."""


def _files_without_link(obj: dict[str, Any]) -> bool:
    return any(isinstance(f, dict) and not f.get("download_url") for f in obj.get("files") or ())


def _token_key(file_id: str) -> str:
    return f"download_token:{file_id}"


