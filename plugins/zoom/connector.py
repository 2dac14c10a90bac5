"""The Zoom connector: meetings as calendar events, cloud recordings as files, Team Chat
channels as chat. Thin glue over `client` and `mapping`, and the one place Zoom's errors
become the hub's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from hub.connector import (
    Address,
    Capability,
    ConnectionSettings,
    Connector,
    Form,
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
from hub.files import DownloadPolicy, fetch
from hub.http import parse_retry_after, raise_for_status, transport_error
from hub.markup import escape
from plugins.zoom import chattext, mapping, outbound, signing
from plugins.zoom.catchup import Catchup
from plugins.zoom.client import RedirectRefused, ZoomApiError, ZoomClient, pages, zoom_time
from plugins.zoom.settings import DEFAULT_API_URL, Interpreter, ZoomSettings

# Zoom error codes that mean the token is no good or lacks a scope, whatever the status.
AUTH_CODES = {124, 4700, 4702, 4711}
GONE_CODES = {3001, 5301, 4130}  # meeting / message / channel does not exist
CLOCK_SLACK = 60  # seconds: our clock and Zoom's may disagree a little
FILES_PER_MESSAGE = 6


class ZoomConnector(Connector):
    """A Zoom account through a Server-to-Server OAuth app (see plugins/zoom/README.md)."""

    name: ClassVar[str] = "zoom"
    capabilities: ClassVar[Capability] = (
        Capability.POLL | Capability.WEBHOOK | Capability.SEND | Capability.UPDATE
        | Capability.DELETE | Capability.DOWNLOAD | Capability.UPLOAD
    )
    settings_model: ClassVar[type[ConnectionSettings]] = ZoomSettings
    endpoint_kinds: ClassVar[Mapping[str, Shape]] = {
        "calendar": Shape.CALENDAR, "files": Shape.FILES, "chat": Shape.CHAT}
    default_base_url: ClassVar[str] = DEFAULT_API_URL

    def __init__(self, connection: str, settings: ConnectionSettings, http: httpx.AsyncClient,
                 state: StateBox) -> None:
        super().__init__(connection, settings, http, state)
        if not isinstance(settings, ZoomSettings):
            raise ConfigError(f'connection "{connection}": settings are not Zoom settings')
        self.zoom = settings
        self.client = ZoomClient(http, settings)
        self.catchup = Catchup(self.client, settings, connection)

    # ------------------------------------------------------------ admin

    async def check(self, *, online: bool) -> list[str]:
        """Settings offline; online, mint a token and read the chat user."""
        missing = [name for name in ("account_id", "client_id") if not getattr(self.zoom, name)]
        if missing:
            raise ConfigError(f'connection "{self.connection}": set {" and ".join(missing)} '
                              "(App Credentials page of the Server-to-Server OAuth app)")
        if not online:
            return [f"account {self.zoom.account_id}: settings complete"]
        with self._calls("check"):
            token = await self.client.token()
            user = await self.client.get_user(self.zoom.chat_user)
        who = user.get("email") or user.get("id") or self.zoom.chat_user
        return [f"token minted for account {self.zoom.account_id} ({token.api_url})",
                f"scopes: {token.scope or '(none listed)'}",
                f"Team Chat messages are posted as {who}"]

    # ------------------------------------------------------------ webhooks in

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        """Check `x-zm-signature` over the raw body within the replay window; answer the
        `endpoint.url_validation` handshake (itself signed) with the encrypted token."""
        signing.verify(request, self.zoom.secret_token, self.zoom.webhook_tolerance_seconds)
        return signing.handshake(signing.json_body(request.body), self.zoom.secret_token)

    async def receive(self, request: WebhookRequest) -> Inbound:
        """Events of a verified webhook. `meeting.updated` carries only what changed, so the
        meeting is read again; a recording's download token is kept for its downloads."""
        payload = signing.json_body(request.body)
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
        if name in ("recording.completed", "recording.transcript_completed") \
                and isinstance(obj, dict):
            token = payload.get("download_token")
            if isinstance(token, str) and token:
                for item in obj.get("recording_files") or ():
                    if isinstance(item, dict):
                        key = _token_key(mapping.recording_file_id(obj, item))
                        await self.state.set(key, token)
        try:
            return Inbound(events=self.parse(payload))
        except mapping.NotAZoomEvent as exc:
            raise WebhookRejected(str(exc), status=400) from exc

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
            return await self._create_meeting(outgoing, target)
        if target.shape is Shape.CHAT:
            return await self._post(outgoing, target)
        raise PermanentError(f'endpoint "{target.address}": Zoom cloud recordings cannot be '
                             'added to from outside; give it direction = "in"',
                             connection=self.connection)

    async def _create_meeting(self, outgoing: Outgoing, target: Target) -> Receipt:
        """Zoom has no idempotency key: an attempt is noted first, so that a retry after a
        lost answer adopts the meeting the first attempt made instead of making another."""
        body = self._meeting_body(outgoing, self._interpreters(target))
        attempt = f"meeting_attempt:{outgoing.idempotency_key}"
        with self._calls("meeting create"):
            meeting = None
            if await self.state.get(attempt):
                meeting = await self._made_before(target.address.id, body)
            if meeting is None:
                await self.state.set(attempt, body["start_time"])
                meeting = await self.client.create_meeting(target.address.id, body)
        return Receipt(native_id=str(meeting["id"]), notice=outbound.join_notice(meeting))

    async def _made_before(self, host: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The host's scheduled meeting with this topic and start, if an attempt made it."""
        async for item in pages(lambda page: self.client.list_meetings(
                host, kind="scheduled", page_token=page), "meetings"):
            if item.get("topic") == body["topic"] and item.get("start_time") == body["start_time"]:
                return await self.client.get_meeting(str(item["id"]))
        return None

    def _interpreters(self, target: Target) -> list[Interpreter]:
        languages = target.options.get("bridge_languages")
        return outbound.select_interpreters(
            self.zoom.interpreters, list(languages) if languages is not None else None)

    def _meeting_body(self, outgoing: Outgoing, interpreters: list[Interpreter]
                      ) -> dict[str, Any]:
        schedule = outgoing.event.schedule
        if outgoing.form is not Form.CALENDAR or schedule is None:
            raise PermanentError(f"a Zoom meeting is made from a calendar event with a time; "
                                 f"got {outgoing.event.kind.value} as {outgoing.form.value}",
                                 connection=self.connection)
        if schedule.all_day:
            raise PermanentError(f'"{outgoing.title or outgoing.event.title}" is an all-day '
                                 "event: a Zoom meeting needs a start time, so none is made; "
                                 "give the event a time to have one",
                                 connection=self.connection)
        return outbound.meeting_request(outgoing.title, outgoing.body, schedule,
                                       default_minutes=self.zoom.default_duration_minutes,
                                       interpreters=interpreters)

    async def _post(self, outgoing: Outgoing, target: Target) -> Receipt:
        """Post (in chunks if long). As for meetings, an attempt is noted first: a retry
        after a lost answer skips what the channel already shows since then."""
        if outgoing.form is Form.REACTION:
            raise PermanentError("reactions are not mirrored to Zoom Team Chat",
                                 connection=self.connection)
        channel = target.address.id
        chunks = chattext.split_message(chattext.to_zoom_text(_chat_markup(outgoing)))
        attempt = f"chat_attempt:{outgoing.idempotency_key}"
        first: str | None = None
        with self._calls("chat message"):
            since = await self.state.get(attempt)
            shown = await self._posted_since(channel, since) if since else {}
            if not since:
                await self.state.set(attempt, zoom_time(datetime.now(UTC) - timedelta(
                    seconds=CLOCK_SLACK)))
            files = [] if chunks[0].message in shown else await self._upload(outgoing)
            # Zoom takes at most six files a message: more go in replies under the first.
            groups = [files[i:i + FILES_PER_MESSAGE]
                      for i in range(0, len(files), FILES_PER_MESSAGE)]
            texts = [(chunk, groups[0] if index == 0 and groups else [])
                     for index, chunk in enumerate(chunks)]
            texts += [(chattext.ChatText(", ".join(name for _, name in group)), group)
                      for group in groups[1:]]
            for chunk, carried in texts:
                sent = shown.get(chunk.message)
                if sent is None:
                    body = {**chunk.request(), "to_channel": channel}
                    if carried:
                        body["file_ids"] = [file_id for file_id, _ in carried]
                    thread = outgoing.reply_to or first
                    if thread:
                        body["reply_main_message_id"] = thread
                    sent = await self.client.send_chat(self.zoom.chat_user, body)
                first = first or sent
        assert first is not None  # split_message gives at least one chunk
        return Receipt(native_id=first)

    async def _upload(self, outgoing: Outgoing) -> list[tuple[str, str]]:
        """(file id, name) of each file uploaded for the message."""
        return [(await self.client.upload_chat_file(
            self.zoom.chat_user, file.path, file.name, file.mime_type,
            may_follow=self._may_follow), file.name) for file in outgoing.files]

    def _may_follow(self, url: str) -> bool:
        """A redirect the token may follow: Zoom's own hosts, or the configured sandbox."""
        parts = urlsplit(url)
        configured = self.zoom.file_api_url or self.zoom.base_url
        if configured and urlsplit(configured)[:2] == parts[:2]:
            return True
        policy = DownloadPolicy.build(self.zoom.file_hosts)
        return parts.scheme == "https" and policy.host_allowed(parts.hostname or "")

    async def _posted_since(self, channel: str, since: str) -> dict[str, str]:
        """Text → id of the channel's messages since an earlier attempt."""
        end = zoom_time(datetime.now(UTC) + timedelta(seconds=CLOCK_SLACK))
        return {str(item.get("message")): str(item.get("id")) async for item in pages(
            lambda page: self.client.list_chat(self.zoom.chat_user, channel, start=since,
                                               end=end, page_token=page), "messages")}

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        """Move a meeting (PATCH), or edit a channel message (plain text: Zoom's edit takes
        no formatting)."""
        if target.shape is Shape.CALENDAR:
            body = self._meeting_body(outgoing, self._interpreters(target))
            with self._calls("meeting update"):
                await self.client.update_meeting(native_id, body)
            return
        if target.shape is not Shape.CHAT:
            raise PermanentError(f'endpoint "{target.address}" takes no edits',
                                 connection=self.connection)
        text = chattext.split_message(chattext.to_zoom_text(_chat_markup(outgoing)))[0]
        with self._calls("chat edit"):
            await self.client.edit_chat(self.zoom.chat_user, native_id,
                                        {"message": text.message, "to_channel": target.address.id})

    async def delete(self, target: Target, native_id: str) -> None:
        """Delete a meeting or a channel message; one that is already gone is fine."""
        try:
            with self._calls("delete"):
                if target.shape is Shape.CALENDAR:
                    await self.client.delete_meeting(native_id)
                elif target.shape is Shape.CHAT:
                    await self.client.delete_chat(self.zoom.chat_user, native_id,
                                                  target.address.id)
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
        policy = DownloadPolicy.build(self.zoom.file_hosts, base_url=self.zoom.base_url,
                                      max_bytes=self.zoom.max_file_bytes)
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
                             "and that the app is activated", connection=self.connection)
        if code in AUTH_CODES:
            return AuthError(f"{what} refused{detail}: the app's token lacks a scope this needs; "
                             "add it on the app's Scopes page (see plugins/zoom/README.md)",
                             connection=self.connection)
        if exc.status == 429:
            return self._rate_limited(exc.response, what, detail)
        if exc.status == 404 or code in GONE_CODES:
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


def _chat_markup(outgoing: Outgoing) -> str:
    """What a channel shows: who wrote it, then the item (a calendar event as an
    announcement), then the names of files Team Chat cannot carry from here."""
    event = outgoing.event
    if event.kind.noun == "event":
        content = outbound.announcement(event, outgoing.title, outgoing.body)
    elif outgoing.title:
        content = f"**{escape(outgoing.title)}**\n\n{outgoing.body}"
    else:
        content = outgoing.body
    # Files that travel (uploaded with the message) need no mention; the others are named.
    files = [] if outgoing.files else [a.name for a in event.attachments]
    if files:
        content += "\n\n" + "\n".join(f"- {escape(name)}" for name in files)
    return f"**{escape(outgoing.author)}**\n{content}"


def _files_without_link(obj: dict[str, Any]) -> bool:
    return any(isinstance(f, dict) and not f.get("download_url") for f in obj.get("files") or ())


def _token_key(file_id: str) -> str:
    return f"download_token:{file_id}"


