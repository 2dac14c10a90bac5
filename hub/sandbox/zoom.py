"""A local Zoom: Server-to-Server OAuth, a user-authorized app's consent page and code exchange
(refresh tokens good once), meetings, cloud recordings and Team Chat channels.

Same paths, payloads and error envelopes (`{"code", "message"}`) as the Zoom API subset the
connector uses. Acting as a user (`user_*` methods) fires Zoom's webhooks at the hub, signed
with the app's secret token (`x-zm-signature: v0=HMAC-SHA256("v0:{ts}:{body}")`). Recordings
are served at their `download_url` to a bearer download token (24 h) or an access token.
A real account also fires webhooks for changes made through the API (echoes, which are the
hub's to recognise); set `echo_api_changes` for that, off by default. Faults: `rate_limit()`
answers 429s as Zoom does, the base class's `faults` delay or drop responses.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.base import Emulator, json_error, read_json
from hub.sandbox.consent import ConsentPage

TOKEN_SECONDS = 3599
DOWNLOAD_TOKEN_SECONDS = 86_400
SCOPES = ("meeting:read:admin meeting:write:admin cloud_recording:read:admin "
          "chat_message:read:admin chat_message:write:admin user:read:admin")
PER_SECOND = ("You have reached the maximum per-second rate limit for this API. "
              "Try again later.")
DAILY = ("You have reached the maximum daily rate limit for this API. Refer to the response "
         "header for details on when you can make another request.")

# What Zoom names each file type's extension (its API's `file_extension`): a transcript and
# closed captions are WebVTT, the chat is text.
FILE_EXTENSIONS = {"TRANSCRIPT": "VTT", "CC": "VTT", "CHAT": "TXT", "TIMELINE": "JSON"}


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, code: int, message: str) -> JSONResponse:
    return json_error(status, {"code": code, "message": message})


@dataclass
class Recording:
    """One file of a meeting's cloud recording."""

    id: str
    file_type: str
    recording_type: str
    content: bytes
    started: datetime
    ended: datetime


@dataclass
class ChatFile:
    """A file uploaded to Team Chat, and the link Zoom gives for it."""

    id: str
    name: str
    mime_type: str
    content: bytes
    jwt: str = field(default_factory=lambda: "eyJmaWxlIn0." + secrets.token_urlsafe(16))

    def listed(self, base_url: str) -> dict[str, Any]:
        return {"file_id": self.id, "file_name": self.name, "file_size": len(self.content),
                "download_url": f"{base_url}/file/download/{self.id}?filename="
                                f"{quote(self.name)}&jwt={self.jwt}"}


@dataclass(frozen=True)
class RateLimit:
    """One 429 to serve, per-second or daily."""

    daily: bool
    retry_after: float | None
    category: str

    def response(self) -> Response:
        headers = {"X-RateLimit-Category": self.category,
                   "X-RateLimit-Type": "Daily-limit" if self.daily else "QPS",
                   "X-RateLimit-Remaining": "0"}
        if self.retry_after is not None:
            headers["Retry-After"] = str(int(self.retry_after))
        return json_error(429, {"code": 429, "message": DAILY if self.daily else PER_SECOND},
                          headers)


@dataclass
class ZoomAccount:
    """The credentials the emulated account's Server-to-Server app has."""

    account_id: str = "AAAAAABBBB"
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"  # noqa: S105 - a sandbox's own fake secret
    secret_token: str = "sandbox-secret-token"  # noqa: S105 - signs the sandbox's webhooks
    host_id: str = "KDcuGIm1QgePTO8WbOqwIQ"
    host_email: str = "host@example.org"
    channels: set[str] = field(default_factory=lambda: {"C1"})


class ZoomEmulator(Emulator):
    """In-memory Zoom with its webhooks; `base_url` is both the OAuth and the API origin."""

    platform = "zoom"

    def __init__(self, account: ZoomAccount | None = None, *,
                 echo_api_changes: bool = False) -> None:
        self.account = account or ZoomAccount()
        self.echo_api_changes = echo_api_changes
        self.tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.download_tokens: dict[str, float] = {}
        self.meetings: dict[int, dict[str, Any]] = {}
        self.recordings: dict[int, list[Recording]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.fired: list[dict[str, Any]] = []  # every webhook payload sent, in order
        self._limits: dict[str, deque[RateLimit]] = {}
        self.chat_files: dict[str, ChatFile] = {}
        # A user-authorized app: its consent page, and the tokens it gave for a code.
        self.consent = ConsentPage(platform="Zoom", path="/oauth/authorize",
                                   client_id=self.account.client_id)
        self.refresh_tokens: set[str] = set()  # each good once, as Zoom's are
        self.granted: list[str] = []  # access tokens given for a code, oldest first
        self.last_bearer: str | None = None  # the token of the latest API call
        # The account's users, as GET /users lists them; the host first.
        self.users: list[dict[str, Any]] = [self._user_record(
            self.account.host_id, self.account.host_email, "Hana", "Host")]
        super().__init__()

    def routes(self) -> list[Any]:
        return [
            *self.consent.routes(),
            Route("/oauth/token", self._token, methods=["POST"]),
            Route("/v2/users", self._list_users, methods=["GET"]),
            Route("/v2/users/{user_id}", self._user, methods=["GET"]),
            Route("/v2/users/{user_id}/meetings", self._create_meeting, methods=["POST"]),
            Route("/v2/users/{user_id}/meetings", self._list_meetings, methods=["GET"]),
            Route("/v2/users/{user_id}/recordings", self._list_recordings, methods=["GET"]),
            Route("/v2/meetings/{meeting_id}", self._meeting,
                  methods=["GET", "PATCH", "DELETE"]),
            Route("/v2/chat/users/{user_id}/messages", self._post_message, methods=["POST"]),
            Route("/v2/chat/users/{user_id}/messages", self._list_messages, methods=["GET"]),
            Route("/v2/chat/users/{user_id}/messages/{message_id}", self._message,
                  methods=["GET", "PUT", "DELETE"]),
            Route("/rec/download/{file_id}", self._download, methods=["GET"]),
            Route("/v2/chat/users/{user_id}/files", self._upload, methods=["POST"]),
            Route("/file-node/v2/chat/users/{user_id}/files", self._upload, methods=["POST"]),
            Route("/file/download/{file_id}", self._chat_file, methods=["GET"]),
        ]

    # ------------------------------------------------------------ faults

    def rate_limit(self, path_prefix: str, *, times: int = 1, daily: bool = False,
                   retry_after: float | None = None, category: str = "Medium") -> None:
        """The next `times` calls under `path_prefix` answer 429 as Zoom does: its message
        and `X-RateLimit-*` headers; `Retry-After` only when given (Zoom sends it for the
        daily limit, not always for the per-second one)."""
        self._limits.setdefault(path_prefix, deque()).extend(
            [RateLimit(daily, retry_after, category)] * times)

    def revoke_tokens(self) -> None:
        """Every access token stops working (rotated secret, app deactivated)."""
        self.tokens.clear()

    # ------------------------------------------------------------ OAuth

    async def _token(self, request: Request) -> Response:
        expected = base64.b64encode(
            f"{self.account.client_id}:{self.account.client_secret}".encode()).decode()
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Basic {expected}".encode()):
            return json_error(400, {"reason": "Invalid client_id or client_secret",
                                    "error": "invalid_client"})
        # Zoom reads its parameters from the query or an x-www-form-urlencoded body.
        form = {**dict(request.query_params), **dict(parse_qsl((await request.body()).decode()))}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            if not self.consent.redeem(form.get("code"), self.account.client_id,
                                       form.get("redirect_uri")):
                return json_error(400, {"reason": "Invalid authorization code",
                                        "error": "invalid_grant"})
            return self._user_tokens(granted=True)
        if grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return json_error(400, {"reason": "Invalid Token!", "error": "invalid_grant"})
            self.refresh_tokens.discard(form["refresh_token"])
            return self._user_tokens(granted=False)
        if grant != "account_credentials":
            return json_error(400, {"reason": "Unsupported grant type",
                                    "error": "unsupported_grant_type"})
        if form.get("account_id") != self.account.account_id:
            return json_error(400, {"reason": "Invalid account_id", "error": "invalid_request"})
        token = "eyJzYW5kYm94In0." + secrets.token_urlsafe(24)
        self.tokens[token] = time.time() + TOKEN_SECONDS
        return JSONResponse({"access_token": token, "token_type": "bearer",
                             "expires_in": TOKEN_SECONDS, "scope": SCOPES,
                             "api_url": self.base_url})

    def _user_tokens(self, *, granted: bool) -> Response:
        token = "eyJ1c2VyIn0." + secrets.token_urlsafe(24)
        refresh = "eyJyZWZyZXNoIn0." + secrets.token_urlsafe(24)
        self.tokens[token] = time.time() + TOKEN_SECONDS
        self.refresh_tokens.add(refresh)
        if granted:
            self.granted.append(token)
        return JSONResponse({"access_token": token, "token_type": "bearer",
                             "refresh_token": refresh, "expires_in": TOKEN_SECONDS,
                             "scope": SCOPES, "api_url": self.base_url})

    def _gate(self, request: Request, *, downloads: bool = False) -> Response | None:
        """Zoom's answer when a call may not go through: rate limited, or no valid token."""
        for prefix, queue in self._limits.items():
            if request.url.path.startswith(prefix) and queue:
                return queue.popleft().response()
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        valid = dict(self.tokens, **(self.download_tokens if downloads else {}))
        if valid.get(token, 0.0) > time.time():
            self.last_bearer = token
            return None
        return _error(401, 124, "Invalid access token.")

    def _user_id(self, user_id: str) -> str | None:
        known = {"me", self.account.host_id, self.account.host_email}
        return self.account.host_id if user_id in known else None

    # ------------------------------------------------------------ users and meetings

    async def _user(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        if self._user_id(request.path_params["user_id"]) is None:
            return _error(404, 1001, "User does not exist: "
                                     f"{request.path_params['user_id']}.")
        return JSONResponse({"id": self.account.host_id, "email": self.account.host_email,
                             "first_name": "Hana", "last_name": "Host", "type": 2,
                             "status": "active", "account_id": self.account.account_id})

    def add_user(self, email: str, first_name: str, last_name: str, *,
                 timezone: str = "Europe/Paris", status: str = "active") -> dict[str, Any]:
        """Someone on the account; Team Chat names them by their display name."""
        user = self._user_record(secrets.token_urlsafe(16)[:22], email, first_name, last_name,
                                 timezone=timezone, status=status)
        self.users.append(user)
        return user

    def _user_record(self, user_id: str, email: str, first_name: str, last_name: str, *,
                     timezone: str = "Europe/Paris", status: str = "active") -> dict[str, Any]:
        """A user in the shape of the List users example of Zoom's reference."""
        return {"id": user_id, "first_name": first_name, "last_name": last_name,
                "display_name": f"{first_name} {last_name}", "email": email, "type": 2,
                "pmi": 6589310093, "timezone": timezone, "verified": 1, "dept": "",
                "created_at": "2019-06-01T07:58:03Z", "user_created_at": "2019-06-01T07:58:03Z",
                "last_login_time": "2026-03-25T05:40:55Z", "language": "en-US",
                "status": status, "role_id": "0"}

    async def _list_users(self, request: Request) -> Response:
        """Users of one status (active unless asked), `page_size` at a time."""
        if (refused := self._gate(request)) is not None:
            return refused
        query = request.query_params
        wanted = [u for u in self.users if u["status"] == query.get("status", "active")]
        size = max(1, min(int(query.get("page_size") or 30), 2000))
        token = query.get("next_page_token") or ""
        start = int(base64.urlsafe_b64decode(token).decode()) if token else 0
        more = start + size < len(wanted)
        following = base64.urlsafe_b64encode(str(start + size).encode()).decode() if more else ""
        return JSONResponse({"next_page_token": following,
                             "page_count": -(-len(wanted) // size), "page_size": size,
                             "total_records": len(wanted),
                             "users": wanted[start:start + size]})

    async def _create_meeting(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        if self._user_id(request.path_params["user_id"]) is None:
            return _error(404, 1001, f"User does not exist: {request.path_params['user_id']}.")
        body = await read_json(request)
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        problem = _meeting_problem(body)
        if problem:
            return _error(400, 300, problem)
        meeting = self._new_meeting(body)
        if self.echo_api_changes:
            await self._fire_meeting("meeting.created", meeting)
        return JSONResponse(meeting, status_code=201)

    def _new_meeting(self, body: dict[str, Any]) -> dict[str, Any]:
        """A meeting of the account's host, as Zoom returns it once made."""
        meeting_id = 80_000_000_000 + self.next_id()
        meeting = {
            "uuid": base64.b64encode(uuid.uuid4().bytes).decode(), "id": meeting_id,
            "host_id": self.account.host_id, "host_email": self.account.host_email,
            "topic": body.get("topic", "Zoom Meeting"), "type": body.get("type", 2),
            "status": "waiting", "start_time": body.get("start_time"),
            "duration": body.get("duration", 60), "timezone": body.get("timezone", "UTC"),
            "agenda": body.get("agenda", ""), "created_at": _stamp(_now()),
            "start_url": f"https://us05web.zoom.us/s/{meeting_id}?zak=sandbox",
            "join_url": f"https://us05web.zoom.us/j/{meeting_id}?pwd={secrets.token_hex(8)}",
            "password": secrets.token_hex(3),
            "settings": dict(body.get("settings") or {}),
        }
        self.meetings[meeting_id] = meeting
        return meeting

    async def _meeting(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        raw = request.path_params["meeting_id"]
        meeting = self.meetings.get(int(raw)) if raw.isdigit() else None
        if meeting is None:
            return _error(404, 3001, f"Meeting does not exist: {raw}.")
        if request.method == "GET":
            return JSONResponse(meeting)
        if request.method == "DELETE":
            del self.meetings[meeting["id"]]
            if self.echo_api_changes:
                await self._fire_meeting("meeting.deleted", meeting)
            return Response(status_code=204)
        body = await read_json(request)
        if not isinstance(body, dict):
            return _error(400, 300, "Request Body should be a valid JSON object.")
        problem = _meeting_problem({**meeting, **body})
        if problem:
            return _error(400, 300, problem)
        changed = {k: v for k, v in body.items() if meeting.get(k) != v}
        old = {k: meeting.get(k) for k in changed}
        meeting.update(changed)
        if self.echo_api_changes and changed:
            await self._fire_meeting("meeting.updated", {"id": meeting["id"], **changed}, old)
        return Response(status_code=204)

    async def _list_meetings(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        host = self._user_id(request.path_params["user_id"])
        listed = [_listed(m) for m in self.meetings.values() if m["host_id"] == host]
        return JSONResponse({"page_size": 300, "total_records": len(listed),
                             "next_page_token": "", "meetings": listed})

    async def _list_recordings(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        start = request.query_params.get("from", "0000-01-01")
        end = request.query_params.get("to", "9999-12-31")
        meetings = [self._recording_object(meeting_id) for meeting_id, files
                    in self.recordings.items()
                    if files and start <= files[0].started.date().isoformat() <= end]
        return JSONResponse({"from": start, "to": end, "page_size": 300,
                             "total_records": len(meetings), "next_page_token": "",
                             "meetings": meetings})

    # ------------------------------------------------------------ recordings

    async def _download(self, request: Request) -> Response:
        if (refused := self._gate(request, downloads=True)) is not None:
            return refused
        for files in self.recordings.values():
            for item in files:
                if item.id == request.path_params["file_id"]:
                    return Response(item.content, media_type="application/octet-stream")
        return _error(404, 3301, "This recording does not exist.")

    def _recording_object(self, meeting_id: int) -> dict[str, Any]:
        meeting = self.meetings.get(meeting_id) or {"id": meeting_id, "topic": "Zoom Meeting"}
        files = self.recordings[meeting_id]
        return {
            "uuid": meeting.get("uuid"), "id": meeting_id, "account_id": self.account.account_id,
            "host_id": meeting.get("host_id", self.account.host_id),
            "host_email": self.account.host_email, "topic": meeting.get("topic"), "type": 2,
            "start_time": meeting.get("start_time"), "timezone": meeting.get("timezone"),
            "duration": meeting.get("duration"),
            "total_size": sum(len(f.content) for f in files), "recording_count": len(files),
            "share_url": f"https://us05web.zoom.us/rec/share/{meeting_id}",
            "recording_files": [{
                "id": f.id, "meeting_id": meeting.get("uuid"),
                "recording_start": _stamp(f.started), "recording_end": _stamp(f.ended),
                "file_type": f.file_type,
                "file_extension": FILE_EXTENSIONS.get(f.file_type, f.file_type),
                "file_size": len(f.content),
                "play_url": f"https://us05web.zoom.us/rec/play/{f.id}",
                "download_url": f"{self.base_url}/rec/download/{f.id}",
                "status": "completed", "recording_type": f.recording_type,
            } for f in files],
        }

    # ------------------------------------------------------------ Team Chat

    async def _post_message(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        body = await read_json(request)
        if not isinstance(body, dict) or not isinstance(body.get("message"), str):
            return _error(400, 300, "Invalid parameter: message.")
        if len(body["message"]) > 1024:
            return _error(400, 300, "Invalid parameter: message (at most 1024 characters).")
        channel = body.get("to_channel")
        if channel not in self.account.channels:
            return _error(404, 4130, f"Channel does not exist: {channel}.")
        main = body.get("reply_main_message_id")
        if main is not None:
            parent = self.messages.get(main)
            if parent is None or parent["channel_id"] != channel:
                return _error(400, 5301, "Message sending failed.")
            if parent.get("reply_main_message_id"):
                return _error(400, 5402, "This only supports replies to a main message.")
        file_ids = body.get("file_ids") or []
        if len(file_ids) > 6 or any(f not in self.chat_files for f in file_ids):
            return _error(400, 5404, f"File does not exist: {file_ids}.")
        message = self._store_message(channel, body["message"], self.account.host_email,
                                      main, body.get("rich_text"), body.get("at_items"),
                                      [self.chat_files[f] for f in file_ids])
        return JSONResponse({"id": message["id"]}, status_code=201)

    async def _upload(self, request: Request) -> Response:
        """Zoom's file API answers on another node: the first call is redirected (307)."""
        if (refused := self._gate(request)) is not None:
            return refused
        if not request.url.path.startswith("/file-node/"):
            return Response(status_code=307, headers={
                "Location": f"{self.base_url}/file-node{request.url.path}?{request.url.query}"})
        fields = _multipart(request.headers.get("content-type", ""), await request.body())
        if "file" not in fields:
            return _error(400, 300, "Invalid parameter: file.")
        content, mime_type, name = fields["file"]
        item = ChatFile(id=secrets.token_urlsafe(16), name=name or "file", mime_type=mime_type,
                        content=content)
        self.chat_files[item.id] = item
        return JSONResponse({"id": item.id}, status_code=201)

    async def _chat_file(self, request: Request) -> Response:
        item = self.chat_files.get(request.path_params["file_id"])
        if item is None:
            return _error(404, 5404, "File does not exist.")
        signed = hmac.compare_digest(request.query_params.get("jwt", ""), item.jwt)
        if not signed and (refused := self._gate(request)) is not None:
            return refused
        return Response(item.content, media_type=item.mime_type)

    async def _message(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        message = self.messages.get(request.path_params["message_id"])
        body = await read_json(request) if request.method == "PUT" else None
        if isinstance(body, dict):
            channel = body.get("to_channel")
        else:
            channel = request.query_params.get("to_channel")
        if message is None or message["channel_id"] != channel:
            return _error(400, 300, f"Message does not exist: {request.path_params['message_id']}.")
        if request.method == "GET":
            return JSONResponse({k: v for k, v in message.items() if k != "channel_id"})
        if request.method == "DELETE":
            del self.messages[message["id"]]
        elif not isinstance(body, dict) or not isinstance(body.get("message"), str):
            return _error(400, 300, "Invalid parameter: message.")
        else:
            message["message"] = body["message"]
        return Response(status_code=204)

    async def _list_messages(self, request: Request) -> Response:
        if (refused := self._gate(request)) is not None:
            return refused
        channel = request.query_params.get("to_channel")
        if channel not in self.account.channels:
            return _error(404, 4130, f"Channel does not exist: {channel}.")
        start = request.query_params.get("from", "0000")
        end = request.query_params.get("to", "9999")
        listed = sorted((m for m in self.messages.values() if m["channel_id"] == channel
                         and start <= m["date_time"] <= end),
                        key=lambda m: m["timestamp"], reverse=True)
        return JSONResponse({"from": start, "to": end, "page_size": 50, "next_page_token": "",
                             "messages": [{k: v for k, v in m.items() if k != "channel_id"}
                                          for m in listed]})

    def _store_message(self, channel: str, text: str, sender: str, main: str | None,
                       rich_text: Any = None, at_items: Any = None,
                       files: list[ChatFile] | None = None) -> dict[str, Any]:
        moment = datetime.now(UTC)
        message: dict[str, Any] = {
            "id": str(uuid.uuid4()).upper(), "message": text, "sender": sender,
            "sender_member_id": hashlib.sha256(sender.encode()).hexdigest()[:46],
            "sender_display_name": next(
                (u["display_name"] for u in self.users if u["email"] == sender),
                sender.split("@")[0].title()),
            "date_time": _stamp(moment), "timestamp": int(moment.timestamp() * 1000),
            "channel_id": channel,
        }
        if main:
            message["reply_main_message_id"] = main
        if rich_text:
            message["rich_text"] = rich_text
        if at_items:
            message["at_items"] = at_items
        if files:
            message["files"] = [f.listed(self.base_url) for f in files]
        self.messages[message["id"]] = message
        return message

    # ------------------------------------------------------------ acting as a user

    async def user_schedules_meeting(self, topic: str, start: datetime, minutes: int = 60,
                                     agenda: str = "") -> dict[str, Any]:
        """Someone schedules a meeting in the Zoom client: meeting.created fires."""
        meeting = self._new_meeting({"topic": topic, "start_time": _stamp(start),
                                     "duration": minutes, "agenda": agenda})
        await self._fire_meeting("meeting.created", meeting)
        return meeting

    async def user_moves_meeting(self, meeting_id: int, start: datetime) -> httpx.Response:
        """The host moves a meeting: meeting.updated carries only what changed."""
        meeting = self.meetings[meeting_id]
        old = {"id": meeting_id, "start_time": meeting["start_time"]}
        meeting["start_time"] = _stamp(start)
        return await self._fire_meeting("meeting.updated",
                                        {"id": meeting_id, "start_time": meeting["start_time"]},
                                        old)

    async def meeting_recorded(self, meeting_id: int, files: dict[str, bytes]
                               ) -> httpx.Response:
        """A meeting ends and its cloud recording finishes: recording.completed fires with a
        download token. `files` maps a file type (MP4, M4A, TRANSCRIPT…) to its bytes."""
        ended = _now()
        self.recordings[meeting_id] = [
            Recording(id=str(uuid.uuid4()), file_type=file_type,
                      recording_type={"MP4": "shared_screen_with_speaker_view",
                                      "M4A": "audio_only"}.get(file_type, "audio_transcript"),
                      content=content, started=ended - timedelta(minutes=30), ended=ended)
            for file_type, content in files.items()
        ]
        token = "eyJkb3dubG9hZCJ9." + secrets.token_urlsafe(24)
        self.download_tokens[token] = time.time() + DOWNLOAD_TOKEN_SECONDS
        obj = self._recording_object(meeting_id)
        return await self._fire("recording.completed", {"account_id": self.account.account_id,
                                                        "object": obj}, download_token=token)

    async def user_posts(self, channel: str, text: str, *, sender: str = "ana@example.org",
                         reply_to: str | None = None,
                         files: dict[str, tuple[bytes, str]] | None = None) -> dict[str, Any]:
        """Someone writes in a channel (or in a thread), maybe with files (name → bytes and
        type): team_chat.channel_message_posted, whose files come without their links."""
        attached = [ChatFile(id=secrets.token_urlsafe(16), name=name, mime_type=mime_type,
                             content=content)
                    for name, (content, mime_type) in (files or {}).items()]
        self.chat_files.update({f.id: f for f in attached})
        message = self._store_message(channel, text, sender, reply_to, files=attached)
        extra: dict[str, Any] = {"message": text}
        if attached:
            extra["files"] = [{"file_id": f.id, "file_name": f.name,
                               "file_size": len(f.content),
                               "OS_file_type": f.name.rsplit(".", 1)[-1].upper(),
                               "file_message_type": "file"} for f in attached]
        await self._fire_chat("team_chat.channel_message_posted", message, extra)
        return message

    async def user_edits(self, message_id: str, text: str) -> httpx.Response:
        """The author edits a channel message: team_chat.channel_message_updated."""
        message = self.messages[message_id]
        message["message"] = text
        return await self._fire_chat("team_chat.channel_message_updated", message,
                                     {"message": text})

    async def user_deletes(self, message_id: str) -> httpx.Response:
        """The author deletes a channel message: team_chat.channel_message_deleted."""
        message = self.messages.pop(message_id)
        return await self._fire_chat("team_chat.channel_message_deleted", message, {})

    async def _fire_chat(self, event: str, message: dict[str, Any], extra: dict[str, Any]
                         ) -> httpx.Response:
        moment = datetime.now(UTC)
        obj = {"message_id": message["id"], "date_time": _stamp(moment),
               "timestamp": int(moment.timestamp() * 1000), "channel_id": message["channel_id"],
               "channel_name": message["channel_id"], **extra}
        if message.get("reply_main_message_id"):
            obj["reply_main_message_id"] = message["reply_main_message_id"]
        return await self._fire(event, {
            "account_id": self.account.account_id, "operator": message["sender"],
            "operator_id": message["sender_member_id"][:22],
            "operator_member_id": message["sender_member_id"], "by_external_user": False,
            "object": obj})

    async def validate_endpoint(self, plain_token: str | None = None) -> httpx.Response:
        """What Zoom does when the endpoint URL is saved, and every 72 hours."""
        plain = plain_token or secrets.token_urlsafe(16)
        return await self._fire_raw({"payload": {"plainToken": plain},
                                     "event_ts": int(time.time() * 1000),
                                     "event": "endpoint.url_validation"})

    # ------------------------------------------------------------ firing

    async def _fire_meeting(self, event: str, obj: dict[str, Any],
                            old: dict[str, Any] | None = None) -> httpx.Response:
        payload: dict[str, Any] = {"account_id": self.account.account_id,
                                   "operator": self.account.host_email,
                                   "operator_id": self.account.host_id, "object": dict(obj)}
        if old is not None:
            payload["old_object"] = old
            payload["time_stamp"] = int(time.time() * 1000)
        return await self._fire(event, payload)

    async def _fire(self, event: str, payload: dict[str, Any], **extra: Any) -> httpx.Response:
        return await self._fire_raw({"event": event, "payload": payload,
                                     "event_ts": int(time.time() * 1000), **extra})

    async def _fire_raw(self, payload: dict[str, Any]) -> httpx.Response:
        self.fired.append(payload)
        body = json.dumps(payload, separators=(",", ":")).encode()
        return await self.fire(body, self.signature_headers(body))

    def signature_headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """The headers Zoom signs a webhook with."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        digest = hmac.new(self.account.secret_token.encode(),
                          f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
        return {"x-zm-signature": f"v0={digest}", "x-zm-request-timestamp": stamp}


def _meeting_problem(meeting: dict[str, Any]) -> str | None:
    """What Zoom's validation would refuse in a meeting body, or None."""
    if len(str(meeting.get("topic", ""))) > 200:
        return "Invalid field: topic (at most 200 characters)."
    if len(str(meeting.get("agenda", ""))) > 2000:
        return "Invalid field: agenda (at most 2000 characters)."
    start = meeting.get("start_time")
    if meeting.get("type", 2) == 2:
        try:
            datetime.fromisoformat(str(start).replace("Z", "+00:00"))
        except ValueError:
            return f"Invalid field: start_time ({start!r})."
    duration = meeting.get("duration", 60)
    if not isinstance(duration, int) or duration <= 0:
        return "Invalid field: duration."
    interpretation = (meeting.get("settings") or {}).get("language_interpretation")
    if interpretation is not None:
        people = interpretation.get("interpreters") or []
        if not all(isinstance(p, dict) and p.get("email")
                   and (p.get("languages") or p.get("interpreter_languages")) for p in people):
            return "Invalid field: settings.language_interpretation.interpreters."
    return None


def _listed(meeting: dict[str, Any]) -> dict[str, Any]:
    """A meeting as GET /users/{userId}/meetings lists it."""
    keys = ("uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone",
            "agenda", "created_at", "join_url")
    return {key: meeting[key] for key in keys if key in meeting}


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[bytes, str, str | None]]:
    """multipart/form-data fields: name -> (bytes, content type, file name)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, tuple[bytes, str, str | None]] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (payload, part.get_content_type(), part.get_filename())
    return fields
