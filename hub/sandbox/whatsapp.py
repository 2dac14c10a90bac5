"""A local WhatsApp Cloud API: the Graph paths the connector uses and the webhooks Meta sends.

Same paths (`/{version}/{phone-number-id}/messages`, `/media`, `/{media-id}`), bearer auth,
Meta's error envelope (`error.code`, `error_subcode`, `error_data.details`), the 24-hour
customer-service window (a free-form send to someone who has not written for 24 hours is
refused with 131047, at once or in a later `failed` status), approved templates only, media
URLs that expire
after `media_url_ttl` seconds, and webhooks signed with the app secret
(`X-Hub-Signature-256`). Every accepted message is reported in a `sent` status webhook that
echoes its `biz_opaque_callback_data`, delivered again with backoff until the hub answers 200
(as Meta retries). Interactive reply buttons messages are checked as the Cloud API checks
them (a body, one to three buttons with unique ids and titles of at most 20 characters).
Act as a WhatsApp user with `user_sends_text`, `user_sends_image`, `user_reacts`,
`user_presses`; read what the business sent with `sent_to`.
"""

from __future__ import annotations

import asyncio
import base64
import email.parser
import email.policy
import hashlib
import hmac
import itertools
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.base import Emulator, Fault, json_error

WINDOW = timedelta(hours=24)
WINDOW_DETAILS = ("Message failed to send because more than 24 hours have passed since the "
                  "customer last replied to this number.")
MEDIA_LIMITS = {"image": 5 * 2**20, "video": 16 * 2**20, "audio": 16 * 2**20,
                "document": 100 * 2**20, "sticker": 500 * 1024}


@dataclass
class User:
    """A WhatsApp user the sandbox knows: their number, BSUID and last message time."""

    wa_id: str
    name: str
    user_id: str
    last_inbound: datetime | None = None


@dataclass
class Media:
    data: bytes
    mime_type: str
    filename: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Sent:
    """A message the business sent, as the sandbox accepted it."""

    wamid: str
    to: str
    type: str
    body: dict[str, Any]
    at: datetime
    context: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def graph_error(status: int, code: int, message: str, *, subcode: int | None = None,
                details: str | None = None) -> JSONResponse:
    """Meta's error envelope."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "A" + secrets.token_hex(8)}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return json_error(status, {"error": error})


def rate_limit_fault(code: int = 130429) -> Fault:
    """An injected throughput (130429) or pair (131056) rate limit, as Graph answers it."""
    return Fault(status=400, body={"error": {
        "message": f"(#{code}) Rate limit hit", "type": "OAuthException", "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": "Rate limit hit"},
        "fbtrace_id": "Asandbox"}})


STATUS_ATTEMPTS = 40  # about a minute of retries for a status the hub did not take
STATUS_BACKOFF_CAP = 2.0


class WhatsAppEmulator(Emulator):
    """One business phone number on the Cloud API, with its users, groups and media."""

    platform = "whatsapp"

    def __init__(self, *, phone_number_id: str = "1122334455667",
                 display_phone_number: str = "15550001111",
                 access_token: str = "sandbox-access-token",  # noqa: S107 - a sandbox's
                 app_secret: str = "sandbox-app-secret",  # noqa: S107 - not a secret
                 waba_id: str = "102290129340398",
                 templates: Mapping[str, set[str]] | None = None,
                 media_url_ttl: float = 300.0, window_errors: str = "sync",
                 status_delay: float = 0.2, report_sent: bool = True,
                 clock: Callable[[], datetime] | None = None) -> None:
        """`window_errors`: "sync" refuses a send outside the 24-hour window with 131047;
        "status" accepts it and reports it `failed` (131047) `status_delay` seconds later,
        as the Cloud API usually does. `report_sent`: fire a `sent` status for every accepted
        message (when a webhook_url is set)."""
        self.phone_number_id = phone_number_id
        self.display_phone_number = display_phone_number
        self.access_token = access_token
        self.app_secret = app_secret
        self.waba_id = waba_id
        self.templates = dict(templates or {"new_post": {"en", "pt_PT"}})
        self.media_url_ttl = media_url_ttl
        if window_errors not in ("sync", "status"):
            raise ValueError('window_errors is "sync" or "status"')
        self.window_errors = window_errors
        self.status_delay = status_delay
        self.report_sent = report_sent
        self._tasks: set[asyncio.Task[None]] = set()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.users: dict[str, User] = {}
        self.groups: dict[str, list[str]] = {}
        self.media: dict[str, Media] = {}
        self.sent: list[Sent] = []
        self.fired: list[dict[str, Any]] = []
        self._urls: dict[str, tuple[str, datetime]] = {}  # download token -> (media id, expiry)
        self._wamids = itertools.count(1)
        super().__init__()

    # -- people ---------------------------------------------------------------------------

    def user(self, wa_id: str, name: str | None = None) -> User:
        if wa_id not in self.users:
            digest = hashlib.sha256(wa_id.encode()).hexdigest()
            self.users[wa_id] = User(wa_id, name or f"User {wa_id[-4:]}",
                                     f"US.{int(digest[:16], 16)}")
        elif name:
            self.users[wa_id].name = name
        return self.users[wa_id]

    def group(self, group_id: str, *participants: str) -> None:
        self.groups[group_id] = list(participants)

    def _wamid(self) -> str:
        raw = f"sandbox-{self.phone_number_id}-{next(self._wamids)}-{secrets.token_hex(4)}"
        return "wamid." + base64.b64encode(raw.encode()).decode()

    def sent_to(self, wa_id: str) -> list[Sent]:
        return [message for message in self.sent if message.to == wa_id]

    async def user_sends(self, wa_id: str, message: dict[str, Any], *, name: str | None = None,
                         group_id: str | None = None) -> str:
        """A user's message reaches the business: opens their window and fires the webhook."""
        person = self.user(wa_id, name)
        now = self.clock()
        person.last_inbound = now
        wamid = self._wamid()
        body: dict[str, Any] = {"from": wa_id, "id": wamid,
                                "timestamp": str(int(now.timestamp())), **message}
        if group_id:
            body["group_id"] = group_id
        await self._fire_value({
            "contacts": [{"profile": {"name": person.name}, "wa_id": wa_id,
                          "user_id": person.user_id}],
            "messages": [body]})
        return wamid

    async def user_sends_text(self, wa_id: str, text: str, *, name: str | None = None,
                              reply_to: str | None = None, group_id: str | None = None) -> str:
        message: dict[str, Any] = {"type": "text", "text": {"body": text}}
        if reply_to:
            message["context"] = {"from": self.display_phone_number, "id": reply_to}
        return await self.user_sends(wa_id, message, name=name, group_id=group_id)

    async def user_sends_image(self, wa_id: str, data: bytes, *, mime_type: str = "image/jpeg",
                               caption: str | None = None, name: str | None = None) -> str:
        media_id = str(10**15 + next(self._wamids))
        self.media[media_id] = Media(data, mime_type)
        image: dict[str, Any] = {"mime_type": mime_type, "id": media_id,
                                 "sha256": base64.b64encode(hashlib.sha256(data).digest())
                                 .decode()}
        if caption:
            image["caption"] = caption
        return await self.user_sends(wa_id, {"type": "image", "image": image}, name=name)

    async def user_reacts(self, wa_id: str, message_id: str, emoji: str) -> str:
        return await self.user_sends(wa_id, {"type": "reaction", "reaction": {
            "message_id": message_id, "emoji": emoji}})

    async def user_presses(self, wa_id: str, wamid: str, button_id: str, *,
                           name: str | None = None) -> str:
        """The user taps a reply button of the interactive message `wamid` the business sent
        them: WhatsApp's `button_reply` webhook, naming the message in `context`."""
        message = next((m for m in self.sent if m.wamid == wamid), None)
        if message is None or message.to not in (wa_id, self.user(wa_id).user_id) \
                or message.type != "interactive":
            raise ValueError(f"{wa_id} received no interactive message {wamid}")
        titles = {button["reply"]["id"]: button["reply"]["title"]
                  for button in message.body["action"]["buttons"]}
        if button_id not in titles:
            raise ValueError(f"message {wamid} has no button {button_id!r}; it has "
                             f"{sorted(titles)}")
        return await self.user_sends(wa_id, {
            "context": {"from": self.display_phone_number, "id": wamid},
            "type": "interactive",
            "interactive": {"type": "button_reply",
                            "button_reply": {"id": button_id, "title": titles[button_id]}}},
            name=name)

    async def fire_status(self, wamid: str, status: str, *, error: int | None = None
                          ) -> httpx.Response:
        """Report on a message the business sent (`sent`, `delivered`, `read`, `failed`)."""
        message = next(m for m in self.sent if m.wamid == wamid)
        entry: dict[str, Any] = {"id": wamid, "status": status,
                                 "timestamp": str(int(self.clock().timestamp())),
                                 "recipient_id": message.to}
        if "biz_opaque_callback_data" in message.extra:
            entry["biz_opaque_callback_data"] = message.extra["biz_opaque_callback_data"]
        if error is not None:
            title = "Re-engagement message" if error == 131047 else "sandbox failure"
            details = WINDOW_DETAILS if error == 131047 else "reported by the sandbox"
            entry["errors"] = [{"code": error, "title": title, "message": title,
                                "error_data": {"details": details}}]
        return await self._fire_value({"statuses": [entry]})

    async def _report_sent(self, wamid: str) -> None:
        """Meta retries a webhook the receiver did not take, with backoff, for days; the
        sandbox for about a minute."""
        for attempt in range(STATUS_ATTEMPTS):
            try:
                if (await self.fire_status(wamid, "sent")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # the hub is down or restarting: try again, as Meta does
            await asyncio.sleep(min(STATUS_BACKOFF_CAP, 0.05 * 2 ** attempt))

    def _later(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fail_later(self, wamid: str) -> None:
        await asyncio.sleep(self.status_delay)
        await self.fire_status(wamid, "failed", error=131047)

    async def settle(self) -> None:
        """Wait until every status the sandbox scheduled has been fired."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        await super().aclose()

    async def _fire_value(self, value: dict[str, Any]) -> httpx.Response:
        payload = {"object": "whatsapp_business_account", "entry": [{"id": self.waba_id,
                   "changes": [{"field": "messages", "value": {
                       "messaging_product": "whatsapp",
                       "metadata": {"display_phone_number": self.display_phone_number,
                                    "phone_number_id": self.phone_number_id},
                       **value}}]}]}
        self.fired.append(payload)
        body = json.dumps(payload).encode()
        signature = hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        return await self.fire(body, {"X-Hub-Signature-256": f"sha256={signature}"})

    def advance(self, **delta: float) -> None:
        """Move every user's last message back in time (as if `delta` had passed)."""
        for person in self.users.values():
            if person.last_inbound:
                person.last_inbound -= timedelta(**delta)

    # -- Graph API ------------------------------------------------------------------------

    def routes(self) -> list[Any]:
        return [
            Route("/{version}/{number}/messages", self._messages, methods=["POST"]),
            Route("/{version}/{number}/media", self._upload, methods=["POST"]),
            Route("/media-download/{token}", self._download, methods=["GET"]),
            Route("/{version}/{node}", self._node, methods=["GET"]),
        ]

    def _unauthorised(self, request: Request) -> Response | None:
        given = request.headers.get("authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {self.access_token}".encode()):
            return None
        return graph_error(401, 190, "Error validating access token: Session has expired",
                           subcode=463)

    def _wrong_number(self, number: str) -> Response | None:
        if number == self.phone_number_id:
            return None
        return graph_error(400, 100, f"Unsupported post request. Object with ID '{number}' "
                           "does not exist", subcode=33)

    async def _node(self, request: Request) -> Response:
        if (refused := self._unauthorised(request)) is not None:
            return refused
        node = request.path_params["node"]
        if node == self.phone_number_id:
            return JSONResponse({"display_phone_number": self.display_phone_number,
                                 "verified_name": "Passerelle Sandbox",
                                 "quality_rating": "GREEN", "id": node})
        media = self.media.get(node)
        if media is None:
            return graph_error(400, 100, f"Unsupported get request. Object with ID '{node}' "
                               "does not exist", subcode=33)
        token = secrets.token_urlsafe(12)
        self._urls[token] = (node, self.clock() + timedelta(seconds=self.media_url_ttl))
        return JSONResponse({"messaging_product": "whatsapp",
                             "url": f"{self.base_url}/media-download/{token}",
                             "mime_type": media.mime_type, "sha256": media.sha256,
                             "file_size": str(len(media.data)), "id": node})

    async def _download(self, request: Request) -> Response:
        if (refused := self._unauthorised(request)) is not None:
            return refused
        found = self._urls.get(request.path_params["token"])
        if found is None or found[1] < self.clock():
            return Response(b"URL signature expired", status_code=404,
                            media_type="text/plain")
        media = self.media[found[0]]
        return Response(media.data, media_type=media.mime_type)

    async def _upload(self, request: Request) -> Response:
        if (refused := self._unauthorised(request) or
                self._wrong_number(request.path_params["number"])) is not None:
            return refused
        fields = _multipart(request.headers.get("content-type", ""), await request.body())
        file = fields.get("file")
        if fields.get("messaging_product", (b"",))[0] != b"whatsapp" or file is None:
            return graph_error(400, 100, "(#100) The parameter messaging_product is required.")
        mime = (fields.get("type", (b"",))[0].decode() or file[1] or "application/octet-stream")
        kind = mime.split("/")[0] if mime.split("/")[0] in ("image", "video", "audio") \
            else "document"
        if len(file[0]) > MEDIA_LIMITS[kind]:
            return graph_error(400, 131053, "(#131053) Media upload error",
                               details=f"{kind} larger than {MEDIA_LIMITS[kind]} bytes")
        media_id = str(10**15 + next(self._wamids))
        self.media[media_id] = Media(file[0], mime, file[2])
        return JSONResponse({"id": media_id})

    async def _messages(self, request: Request) -> Response:
        if (refused := self._unauthorised(request) or
                self._wrong_number(request.path_params["number"])) is not None:
            return refused
        try:
            body = json.loads(await request.body())
        except ValueError:
            return graph_error(400, 100, "(#100) Invalid JSON")
        if body.get("messaging_product") != "whatsapp":
            return graph_error(400, 100, "(#100) The parameter messaging_product is required.")
        kind = body.get("type", "text")
        content = body.get(kind)
        if not isinstance(content, dict):
            return graph_error(400, 100, f"(#100) Param {kind} is required")
        to = body.get("to") or body.get("recipient")
        if not to:
            return graph_error(400, 100, "(#100) The parameter to is required.")
        problem = self._refusal(body, kind, content, str(to))
        if problem is not None:
            return problem
        wamid = self._wamid()
        if body.get("recipient_type") != "group" and self._outside_window(kind, str(to)):
            # window_errors == "status": accepted now, reported failed a moment later.
            self._later(self._fail_later(wamid))
        elif self.report_sent and self.webhook_url is not None:
            self._later(self._report_sent(wamid))
        context = (body.get("context") or {}).get("message_id")
        self.sent.append(Sent(wamid, str(to), kind, content, self.clock(), context,
                              {k: v for k, v in body.items()
                               if k not in ("messaging_product", "type", kind, "context")}))
        return JSONResponse({"messaging_product": "whatsapp",
                             "contacts": [{"input": to, "wa_id": to}],
                             "messages": [{"id": wamid}]})

    def _outside_window(self, kind: str, to: str) -> bool:
        if kind == "template":
            return False
        person = self.users.get(to) or next(
            (u for u in self.users.values() if u.user_id == to), None)
        return (person is None or person.last_inbound is None
                or self.clock() - person.last_inbound >= WINDOW)

    def _refusal(self, body: Mapping[str, Any], kind: str, content: Mapping[str, Any],
                 to: str) -> Response | None:
        if body.get("recipient_type") == "group":
            if to not in self.groups:
                return graph_error(400, 100, "(#100) Invalid parameter", details="unknown group")
            if kind not in ("text", "image", "video", "audio", "document", "template"):
                return graph_error(400, 131051, "(#131051) Unsupported message type",
                                   details=f"{kind} messages are not supported in groups")
        elif self._outside_window(kind, to) and self.window_errors == "sync":
            return graph_error(400, 131047, "(#131047) Re-engagement message",
                               subcode=2494010, details=WINDOW_DETAILS)
        if kind == "text" and len(str(content.get("body", ""))) > 4096:
            return graph_error(400, 100, "(#100) Param text['body'] must be at most 4096 "
                               "characters long.")
        if kind in MEDIA_LIMITS and "id" in content and content["id"] not in self.media:
            return graph_error(400, 131053, "(#131053) Media upload error",
                               details="media id does not exist")
        if kind == "interactive":
            return _interactive_refusal(content)
        if kind == "template":
            name = content.get("name")
            language = (content.get("language") or {}).get("code")
            if language not in self.templates.get(str(name), set()):
                return graph_error(404, 132001, "(#132001) Template name does not exist in the "
                                   "translation", details=f"template name ({name}) does not "
                                   f"exist in {language}")
        return None


BODY_LIMIT, BUTTONS, TITLE_LIMIT, ID_LIMIT = 1024, 3, 20, 256


def _interactive_refusal(content: Mapping[str, Any]) -> Response | None:
    """What the Cloud API refuses in an interactive reply buttons message (the only kind of
    interactive message the sandbox takes)."""
    if content.get("type") != "button":
        return graph_error(400, 131009, "(#131009) Parameter value is not valid",
                           details="the sandbox takes reply buttons messages only "
                           '(interactive.type "button")')
    text = (content.get("body") or {}).get("text")
    if not isinstance(text, str) or not text:
        return graph_error(400, 100, "(#100) The parameter interactive['body']['text'] is "
                           "required.")
    if len(text) > BODY_LIMIT:
        return graph_error(400, 131009, "(#131009) Parameter value is not valid",
                           details=f"Body text length invalid. Max length: {BODY_LIMIT}")
    buttons = (content.get("action") or {}).get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= BUTTONS:
        return graph_error(400, 131009, "(#131009) Parameter value is not valid",
                           details=f"Buttons count invalid. Min: 1, Max: {BUTTONS}")
    replies = [button.get("reply") if isinstance(button, dict) else None for button in buttons]
    if not all(isinstance(reply, dict) and button.get("type") == "reply"
               for button, reply in zip(buttons, replies, strict=True)):
        return graph_error(400, 100, "(#100) Each button needs type \"reply\" and a reply "
                           "object")
    ids = [str(reply.get("id") or "") for reply in replies if isinstance(reply, dict)]
    titles = [str(reply.get("title") or "") for reply in replies if isinstance(reply, dict)]
    if not all(1 <= len(title) <= TITLE_LIMIT for title in titles):
        return graph_error(400, 131009, "(#131009) Parameter value is not valid",
                           details=f"Button title length invalid. Min length: 1, Max length: "
                           f"{TITLE_LIMIT}")
    if not all(1 <= len(button) <= ID_LIMIT for button in ids):
        return graph_error(400, 131009, "(#131009) Parameter value is not valid",
                           details=f"Button id length invalid. Min length: 1, Max length: "
                           f"{ID_LIMIT}")
    if len(set(ids)) != len(ids) or len(set(titles)) != len(titles):
        return graph_error(400, 131009, "(#131009) Parameter value is not valid",
                           details="Button ids and titles must be unique")
    return None


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[bytes, str, str | None]]:
    """multipart/form-data fields: name -> (bytes, content type, file name)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, tuple[bytes, str, str | None]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (payload, part.get_content_type(), part.get_filename())
    return fields
