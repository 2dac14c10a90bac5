"""The WhatsApp connector: Cloud API webhooks in, messages out to groups, members and circles.

This module is glue (client + mapping + circle rules) and the one place where Graph API
errors become hub errors. Circle membership, opt-outs and each member's 24-hour window live
in the connection's StateBox, never in the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar, NoReturn, TypeVar

import httpx

from hub.calendar.answers import Answer, reply_of
from hub.calendar.marks import is_attendance
from hub.connector import (
    Address,
    Capability,
    Connector,
    DeliveryStatus,
    Form,
    Inbound,
    LocalFile,
    Outgoing,
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
    NotSupported,
    PermanentError,
    TransientError,
    WebhookRejected,
)
from hub.events import Actor, Attachment, Event, Kind, Ref
from hub.files import fetch
from hub.http import parse_retry_after, raise_for_status, transport_error
from hub.people.model import Identity
from plugins.whatsapp import circles, mapping, people
from plugins.whatsapp.answers import Press
from plugins.whatsapp.circles import Member, Pending
from plugins.whatsapp.client import GraphClient, GraphError
from plugins.whatsapp.fanout import Fanout, WindowClosedError
from plugins.whatsapp.members import WINDOW_CLOSED, Roster
from plugins.whatsapp.settings import WhatsAppSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Graph error codes that mean "slow down": throughput, pair rate, app and WABA call limits.
RATE_LIMITS = {130429: 6.0, 131056: 6.0, 4: 60.0, 80007: 60.0, 131048: 60.0, 133016: 60.0}
#: Temporary failures on Meta's side.
TEMPORARY = {1, 2, 131000, 131016, 133004}
#: The token is invalid or lacks a permission: an admin must act.
AUTH = {0, 3, 10, 190, 200, 368, 131031, 131005}
#: What a handshake's `hub.challenge` may be (Meta sends digits), matched whole: it is echoed
#: back as the answer's body, so nothing else travels there (not even a trailing newline).
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{1,128}")


class WhatsAppConnector(Connector):
    """WhatsApp Cloud API: one business phone number, its groups and its circles."""

    name: ClassVar[str] = "whatsapp"
    display_name: ClassVar[str] = "WhatsApp"
    capabilities: ClassVar[Capability] = (
        Capability.WEBHOOK | Capability.SEND | Capability.UPDATE | Capability.DELETE
        | Capability.DOWNLOAD | Capability.UPLOAD
    )
    settings_model: ClassVar[type[WhatsAppSettings]] = WhatsAppSettings
    endpoint_kinds: ClassVar[dict[str, Shape]] = {
        "circle": Shape.CHAT, "group": Shape.CHAT, "member": Shape.CHAT,
    }
    default_base_url: ClassVar[str] = "https://graph.facebook.com"
    invitations: ClassVar[bool] = True  # an announcement's .ics, as a document

    def __init__(self, connection: str, settings: WhatsAppSettings, http: httpx.AsyncClient,
                 state: StateBox, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(connection, settings, http, state)
        self.settings: WhatsAppSettings = settings
        # Secrets are read when a call needs them: `passerelle normalize` builds connectors
        # from settings that have none.
        self.graph = GraphClient(http, base_url=self.base_url, api_version=settings.api_version,
                                 token=lambda: self.settings.access_token,
                                 phone_number_id=settings.phone_number_id)
        self.now = clock or (lambda: datetime.now(UTC))
        # State changes are read-modify-write of small JSON records: one writer at a time.
        self.lock = asyncio.Lock()
        self.roster = Roster(connection, settings, state)

    def shape_of(self, address: Address) -> Shape:
        shape = super().shape_of(address)
        if address.kind == "circle" and address.id not in self.settings.circles:
            known = ", ".join(sorted(self.settings.circles)) or "none yet"
            raise ConfigError(
                f'endpoint "{address}": connection "{self.connection}" has no circle '
                f'"{address.id}"; add [connections.{self.connection}.circles.{address.id}] '
                f"(members = [...], or open = true) or fix the name (circles: {known})")
        return shape

    # -- admin -----------------------------------------------------------------------------

    async def check(self, *, online: bool) -> list[str]:
        """Settings summary; online, the number's name and quality rating from Graph."""
        self._require_number()
        circles_text = ", ".join(
            f"{name} ({len(c.members)} configured)" for name, c in self.settings.circles.items()
        ) or "none"
        lines = [f"phone number id {self.settings.phone_number_id}", f"circles: {circles_text}"]
        if self.settings.template is None:
            lines.append("no template: members outside the 24-hour window receive nothing; "
                         f"set [connections.{self.connection}.template]")
        if online:
            info = await self._graph(self.graph.phone_number())
            lines.append(f"number {info.get('display_phone_number', '?')} "
                         f"({info.get('verified_name', '?')}), quality "
                         f"{info.get('quality_rating', 'unknown')}")
        return lines

    def _require_number(self) -> None:
        if not self.settings.phone_number_id:
            raise ConfigError(
                f'connection "{self.connection}": phone_number_id is not set; copy it from '
                "WhatsApp Manager → Phone numbers (or the app's WhatsApp → API Setup page)"
            )

    # -- inbound ---------------------------------------------------------------------------

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        """GET: Meta's subscription handshake. POST: `X-Hub-Signature-256` over the raw body."""
        if request.method == "GET":
            mode = request.query_value("hub.mode")
            token = request.query_value("hub.verify_token") or ""
            challenge = request.query_value("hub.challenge") or ""
            expected = self.settings.verify_token.get_secret_value()
            if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected.encode()):
                raise WebhookRejected("verification handshake with a wrong mode or verify "
                                      "token; type the connection's verify_token in the app's "
                                      "webhook settings", status=403)
            if not _CHALLENGE.fullmatch(challenge):
                raise WebhookRejected("verification handshake without a usable hub.challenge",
                                      status=400)
            return WebhookAnswer(200, challenge.encode(), "text/plain")
        if request.method != "POST":
            raise WebhookRejected(f"{request.method} is not a webhook method", status=405)
        header = request.header("x-hub-signature-256") or ""
        if not header.startswith("sha256="):
            raise WebhookRejected("missing X-Hub-Signature-256 header")
        key = self.settings.app_secret.get_secret_value().encode()
        expected_sig = hmac.new(key, request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(header[7:].strip().lower().encode(), expected_sig.encode()):
            raise WebhookRejected("X-Hub-Signature-256 does not match the body; check that "
                                  "app_secret is the secret of the app that sends webhooks")
        return None

    def parse(self, payload: Any) -> list[Event]:
        """A delivery's content events, as WhatsApp shows them (1:1 chats on `member/<id>`).

        Statuses and opt-in/opt-out keywords are not content; a verification request
        written down as JSON carries no events.
        """
        if mapping.is_handshake_rendering(payload):
            return []
        delivery = self._read(payload)
        for problem in delivery.problems:
            log.warning('connection "%s": WhatsApp reported %s', self.connection, problem)
        return [item.event for item in delivery.received
                if item.event is not None
                and (item.group_id or circles.read_keyword(self.settings, item.text) is None)]

    def _read(self, payload: Any) -> mapping.Delivery:
        try:
            return mapping.read_delivery(payload, connection=self.connection,
                                         phone_number_id=self.settings.phone_number_id)
        except mapping.PayloadError as exc:
            raise WebhookRejected(f'connection "{self.connection}": {exc}', status=400) from exc

    async def receive(self, request: WebhookRequest) -> Inbound:
        """Events moved onto each sender's circle, keywords applied, statuses reported."""
        delivery = self._read(request.json())
        for problem in delivery.problems:
            log.warning('connection "%s": WhatsApp reported %s', self.connection, problem)
        events: list[Event] = []
        answers: list[Answer] = []
        statuses: list[DeliveryStatus] = []
        replace_by_template: list[tuple[Member, Pending]] = []
        async with self.lock:
            for item in delivery.received:
                if item.pressed is not None:
                    answer = self._answer(item, item.pressed, await self.roster.pressed(item))
                    answers.extend([answer] if answer else [])
                    continue
                event = await self.roster.admit(item)
                if event is not None:
                    events.append(event)
            for report in delivery.reports:
                status, redo = await self.roster.report(report)
                statuses.append(status)
                if redo is not None:
                    replace_by_template.append(redo)
        for member, pending in replace_by_template:
            await self._replace_by_template(member, pending)
        return Inbound(events=events, statuses=statuses, answers=answers)

    def _answer(self, item: mapping.Received, press: Press, member: Member) -> Answer | None:
        """A reply button pressed, as the answer it gives about the hub's copy of the item
        it was under; None (logged) for a button or a message the hub does not know."""
        reply = reply_of(press.button)
        if reply is None:
            log.info('connection "%s": member …%s pressed a button %r that is no answer '
                     "button; nothing recorded", self.connection, member.key[-4:],
                     press.button[:60])
            return None
        asked = member.asked(press.on) if press.on else None
        if asked is None:
            log.info('connection "%s": member …%s pressed %r on message %r, which carries no '
                     "answer buttons the hub remembers; nothing recorded", self.connection,
                     member.key[-4:], press.button, press.on[:80])
            return None
        endpoint, representative = asked
        return Answer(about=Ref(platform=self.name, connection=self.connection,
                                endpoint=endpoint, native_id=representative),
                      person=Actor(platform=self.name, native_id=item.sender.key,
                                   name=item.sender.name),
                      reply=reply, at=item.at)

    async def _replace_by_template(self, member: Member, pending: Pending) -> None:
        """WhatsApp refused a free-form send after accepting it (131047 in a status): the
        template goes now. A failure here is logged; the status is recorded either way."""
        try:
            own = await self.send_template(member, pending.values)
        except (ConnectorError, ConfigError) as exc:
            log.warning('connection "%s": the template for member …%s could not replace a '
                        "refused message: %s", self.connection, member.key[-4:], exc)
            return
        async with self.lock:
            fresh = await self.roster.load(member.key) or member
            await self.roster.save(fresh.remember(
                circles.Entry("template", pending.representative, own)))

    # -- people ----------------------------------------------------------------------------

    async def people(self) -> list[Identity]:
        """Everyone in or once in a circle (opted out too), with their phone number; WhatsApp
        has no member list to ask, so this is the connection's own memory."""
        return people.identities(await self.roster.everyone(), self.connection)

    def identity_of(self, actor: Actor) -> Identity:
        return people.identity_of(actor, self.connection)

    # -- outbound --------------------------------------------------------------------------

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        """Text, media (uploaded once, sent by id), quote-replies and reactions.

        A circle fans out to each member; outside a member's 24-hour window the configured
        template goes instead. An event's announcement or reminder carries the answer buttons
        to members whose window is open. The receipt names the first member's wamid.
        """
        _refuse_attendance(outgoing, self.connection)
        fanout = Fanout(self, outgoing, target.address, language=target.language)
        if target.address.kind == "group":
            return Receipt(await fanout.to_group(target.address.id))
        representative = await fanout.to_members(
            await self._recipients(target.address, mentioned=outgoing.mentioned))
        assert representative is not None  # only notices may reach nobody
        return Receipt(representative)

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        """WhatsApp cannot edit a business message: the new text goes as a quote-reply of the
        old one, marked edited, to members whose 24-hour window is open."""
        _refuse_attendance(outgoing, self.connection)
        body = "✏️ _Edited_\n" + outgoing.body
        notice = replace(outgoing, form=Form.REPLY, body=body, reply_to=native_id)
        fanout = Fanout(self, notice, target.address, notice=True)
        if target.address.kind == "group":
            await fanout.to_group(target.address.id)
            return
        await fanout.to_members(await self._recipients(target.address, had=native_id))

    async def delete(self, target: Target, native_id: str) -> None:
        """WhatsApp cannot delete a business message: a reaction is taken back (empty emoji);
        a message gets a quote-reply saying it was deleted at its source."""
        address = target.address
        members = [] if address.kind == "group" else await self._recipients(address,
                                                                             had=native_id)
        reacted = [(m, own) for m in members if (own := m.reaction_target(native_id))]
        if reacted:
            for member, own in reacted:
                if circles.window_open(member, self.now()):
                    await self.send_one(member.address, mapping.reaction_message(own, ""))
            return
        event = Event(kind=Kind.MESSAGE_DELETED, occurred_at=self.now(),
                      source=Ref(platform=self.name, connection=self.connection,
                                 endpoint=address.endpoint, native_id=native_id),
                      actor=Actor(platform=self.name, native_id=self.connection, name="Hub"))
        # `delete` is not told whether an earlier attempt died half-way, so the notice always
        # reads its members' notes (a read each): a retry then sends it at most once.
        notice = Outgoing(form=Form.REPLY, event=event, title=None,
                          body="🗑️ _Deleted at its source_", reply_to=native_id,
                          idempotency_key=f"deleted-{native_id}", uncertain=True)
        fanout = Fanout(self, notice, address, notice=True, header=False)
        if address.kind == "group":
            await fanout.to_group(address.id)
        else:
            await fanout.to_members(members)

    async def _recipients(self, address: Address, *, mentioned: tuple[str, ...] = (),
                          had: str | None = None) -> list[Member]:
        """Who an item to `address` goes to: a circle's opted-in members, and, beyond them,
        the members it mentions who want a mention to reach them (`mentioned`, their choice
        in the people file) or, for an edit or deletion, whoever got the item (`had`)."""
        self._require_number()
        self.shape_of(address)
        if address.kind == "member":
            return [await self.roster.load(address.id) or Member(key=address.id)]
        members = await self.roster.circle_members(address.id)
        members += await self.roster.mentioned(mentioned, members)
        if had is not None:
            present = {m.key for m in members}
            members += [m for m in await self.roster.everyone()
                        if m.key not in present and m.own_id(had) is not None]
        return members

    async def send_template(self, member: Member, values: dict[str, str],
                            tag: dict[str, str] | None = None) -> str:
        """The configured template to one member, its parameters quoting `values`."""
        template = self.settings.template
        if template is None:
            raise PermanentError(
                f"member …{member.key[-4:]} has not written in 24 hours, so WhatsApp only "
                f"accepts an approved template; set [connections.{self.connection}.template] "
                "(name, language, parameters)", connection=self.connection)
        message = mapping.template_message(template.name, template.language,
                                           template.parameters, values)
        return await self.send_one(member.address, {**message, **(tag or {})})

    async def send_one(self, recipient: dict[str, str], message: dict[str, Any]) -> str:
        """One message to one recipient; Graph errors mapped to hub errors."""
        return await self._graph(self.graph.send_message({**recipient, **message}))

    async def upload(self, file: LocalFile) -> str:
        """Upload a file once; its media id serves every member of a circle for 30 days."""
        return await self._graph(self.graph.upload_media(
            file.path, name=file.name, mime_type=mapping.upload_type(file.mime_type)))

    # -- media -----------------------------------------------------------------------------

    async def download(self, attachment: Attachment) -> LocalFile:
        """`GET /{media-id}`, then its short-lived URL with the bearer token, size-capped."""
        if not attachment.native_id:
            raise PermanentError(f"attachment {attachment.name!r} has no media id",
                                 connection=self.connection)
        policy = self.download_policy(self.settings.media_hosts,
                                      max_bytes=self.settings.max_media_bytes)
        for attempt in range(2):
            info = await self._graph(self.graph.media_info(attachment.native_id))
            if info.file_size is not None and info.file_size > policy.max_bytes:
                raise PermanentError(
                    f"media {attachment.name!r} is {info.file_size} bytes, over the "
                    f"{policy.max_bytes} byte cap (max_media_bytes)", connection=self.connection)
            try:
                local = await fetch(self.http, info.url, policy, name=attachment.name,
                                    mime_type=attachment.mime_type or info.mime_type,
                                    headers=self.graph.auth, connection=self.connection)
            except (AuthError, PermanentError):
                # The URL lives about five minutes; a fresh one is one lookup away.
                if attempt:
                    raise
                continue
            _check_sha256(local, info.sha256, self.connection)
            return local
        raise AssertionError("unreachable")

    # -- errors ----------------------------------------------------------------------------

    async def _graph(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except GraphError as exc:
            self.raise_graph_error(exc)
        except httpx.TransportError as exc:
            raise transport_error(exc, connection=self.connection) from exc

    def raise_graph_error(self, exc: GraphError) -> NoReturn:
        """The one mapping of Graph error envelopes to hub errors."""
        # A gateway's 5xx has no Graph error body: its status is all there is to say.
        detail = (f"{exc.what}: WhatsApp error {exc.code}" if exc.code is not None
                  else f"{exc.what}: WhatsApp answered {exc.response.status_code}")
        if exc.message:
            detail += f" ({exc.message})"
        if exc.details:
            detail += f": {exc.details}"
        retry_after = parse_retry_after(exc.response.headers.get("retry-after"))
        if exc.code == WINDOW_CLOSED:
            raise WindowClosedError(detail, connection=self.connection)
        if exc.code in RATE_LIMITS:
            raise TransientError(detail, connection=self.connection,
                                 retry_after=retry_after or RATE_LIMITS[exc.code])
        if exc.code in TEMPORARY:
            raise TransientError(detail, connection=self.connection, retry_after=retry_after)
        if exc.code in AUTH or exc.response.status_code in (401, 403):
            raise AuthError(detail + "; renew the system-user token or grant it "
                            "whatsapp_business_messaging", connection=self.connection)
        try:
            raise_for_status(exc.response, connection=self.connection, what=exc.what)
        except ConnectorError as mapped:
            raise type(mapped)(detail, connection=self.connection,
                               retry_after=mapped.retry_after) from None
        raise PermanentError(detail, connection=self.connection)


def _refuse_attendance(outgoing: Outgoing, connection: str) -> None:
    """The attendance summary is kept up to date by edits, which WhatsApp cannot make."""
    if is_attendance(outgoing.event):
        raise NotSupported(
            "WhatsApp cannot edit a message in place, so the attendance summary would arrive "
            "again with every answer; it is not sent to WhatsApp", connection=connection)


def _check_sha256(local: LocalFile, expected: str | None, connection: str) -> None:
    if not expected or not re.fullmatch(r"[0-9a-f]{64}", expected):
        return
    digest = hashlib.sha256()
    with local.path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        local.path.unlink(missing_ok=True)
        raise TransientError(f"media {local.name!r} arrived damaged (sha256 mismatch)",
                             connection=connection)

