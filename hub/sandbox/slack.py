"""A local Slack: the Web API methods the connector uses, the Events API it sends.

Same paths (`/api/<method>`), `{"ok": false, "error": …}` envelopes on HTTP 200, bearer auth
with `x-oauth-scopes` on every answer, cursor pagination, 429 + `Retry-After` when a channel
gets more than one post per `channel_interval`, the external file upload flow, and
event_callback deliveries signed with the app's signing secret (v0). What the app posts
comes back as events too, as Slack does, so echo suppression is exercised for real. A person
pressing a button of a message sends a `block_actions` interactivity request, signed the same
way, as a form (`payload=<json>`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from hub.sandbox.base import Emulator
from hub.sandbox.slack_blocks import Press, block_actions, keep_blocks, valid_blocks

log = logging.getLogger(__name__)
SCOPES = ("chat:write", "chat:write.customize", "channels:history", "groups:history",
          "files:read", "files:write", "users:read", "users:read.email", "reactions:read",
          "reactions:write")
Message = dict[str, Any]


class SlackEmulator(Emulator):
    """One workspace with one installed app; act as its people with `post`, `edit`…"""

    platform = "slack"

    def __init__(self, *, token: str = "xoxb-sandbox-token",  # noqa: S107 - a sandbox's
                 signing_secret: str = "sandbox-signing-secret",  # noqa: S107 - not secrets
                 team_id: str = "T0SANDBOX", app_id: str = "A0SANDBOX", bot_user: str = "U0BOT",
                 bot_id: str = "B0BOT", scopes: tuple[str, ...] = SCOPES,
                 channel_interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.token, self.signing_secret = token, signing_secret
        self.team_id, self.app_id, self.bot_user, self.bot_id = team_id, app_id, bot_user, bot_id
        self.scopes = set(scopes)
        self.channel_interval = channel_interval
        self.clock = clock  # what the one-post-per-interval rule measures time with (seconds)
        self.channels: dict[str, list[Message]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.blobs: dict[str, bytes] = {}
        self.reactions: list[tuple[str, str, str, str]] = []  # channel, ts, name, user
        self.rate_limited = 0  # 429s answered to chat.postMessage
        self.fired: list[dict[str, Any]] = []  # every event delivery, in order
        self._last_post: dict[str, float] = {}
        self._last_ts = 0.0
        self._events = itertools.count(1)
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None
        self.undelivered: list[dict[str, Any]] = []  # events the hub refused four times
        # The app's Interactivity Request URL: where button presses go.
        self.interactivity_url: str | None = None
        super().__init__()

    def routes(self) -> list[Any]:
        return [Route("/api/{method}", self._api, methods=["GET", "POST"]),
                Route("/upload/v1/{upload_id}", self._upload, methods=["POST"]),
                Route("/files-pri/{team_file}/download/{name}", self._download, methods=["GET"])]

    # -- acting as people ----------------------------------------------------------------

    def add_channel(self, channel: str) -> None:
        self.channels.setdefault(channel, [])

    def add_user(self, user: str, name: str, avatar: str | None = None, *,
                 email: str | None = None, title: str = "", tz: str = "Europe/Lisbon",
                 bot: bool = False, deleted: bool = False) -> None:
        """A member of the workspace; their e-mail address is made from their name unless
        given (Slack shows it to tokens with users:read.email only)."""
        self.users[user] = {
            "id": user, "team_id": self.team_id, "name": name.lower(), "deleted": deleted,
            "real_name": name, "tz": tz, "is_bot": bot, "is_app_user": False,
            "profile": {"display_name": name, "real_name": name, "title": title,
                        "email": email or _address(name),
                        "image_72": avatar or f"https://avatars.example/{user}.png"}}

    async def post(self, channel: str, user: str, text: str, *, thread_ts: str | None = None,
                   broadcast: bool = False) -> Message:
        """A person writes in a channel (or a thread); the app hears it as an event."""
        message: Message = {"type": "message", "user": user, "text": text, "ts": self._ts(),
                            "team": self.team_id,
                            "client_msg_id": f"cm-{self.next_id()}"}
        if thread_ts:
            message.update(thread_ts=thread_ts, parent_user_id=self._find(channel,
                                                                          thread_ts)["user"])
            if broadcast:
                message["subtype"] = "thread_broadcast"
        self._add(channel, message)
        await self._deliver({**message, "channel": channel, "event_ts": message["ts"],
                             "channel_type": "channel"})
        return message

    async def edit(self, channel: str, ts: str, text: str) -> None:
        message = self._find(channel, ts)
        previous = dict(message)
        message["text"] = text
        message["edited"] = {"user": message.get("user", self.bot_user), "ts": self._ts()}
        await self._deliver({"type": "message", "subtype": "message_changed", "hidden": True,
                             "channel": channel, "ts": message["edited"]["ts"],
                             "event_ts": message["edited"]["ts"], "message": dict(message),
                             "previous_message": previous, "channel_type": "channel"})

    async def delete(self, channel: str, ts: str) -> None:
        """A person deletes a message; a thread root with replies stays as a tombstone."""
        message = self._find(channel, ts)
        now = self._ts()
        if self._tombstone(channel, message):
            await self._deliver({"type": "message", "subtype": "message_changed",
                                 "hidden": True, "channel": channel, "ts": now,
                                 "event_ts": now, "message": self._find(channel, ts),
                                 "previous_message": message, "channel_type": "channel"})
            return
        self.channels[channel].remove(message)
        await self._deliver({"type": "message", "subtype": "message_deleted", "hidden": True,
                             "channel": channel, "ts": now, "event_ts": now, "deleted_ts": ts,
                             "previous_message": message, "channel_type": "channel"})

    async def share_file(self, channel: str, user: str, name: str, content: bytes,
                         mimetype: str, text: str = "") -> Message:
        """A person uploads a file into a channel with a comment."""
        file = self._file(name, content, mimetype, user)
        message: Message = {"type": "message", "subtype": "file_share", "user": user,
                            "text": text, "ts": self._ts(), "files": [file], "upload": True}
        self._add(channel, message)
        self._share(file, channel, message["ts"])
        await self._deliver({**message, "channel": channel, "event_ts": message["ts"],
                             "channel_type": "channel"})
        return message

    async def react(self, channel: str, ts: str, user: str, name: str) -> None:
        self.reactions.append((channel, ts, name, user))
        await self._deliver({"type": "reaction_added", "user": user, "reaction": name,
                             "item": {"type": "message", "channel": channel, "ts": ts},
                             "event_ts": self._ts()})

    async def user_clicks(self, channel: str, ts: str, user: str, value: str) -> httpx.Response:
        """A person presses the button of `value` on a message: Slack posts a signed
        block_actions request to the Interactivity Request URL; the hub's answer is returned.
        A button the message does not show cannot be pressed (KeyError)."""
        if self.interactivity_url is None:
            raise RuntimeError("slack sandbox has no interactivity_url: Interactivity is off")
        number = self.next_id()
        press = Press(user=user, username=str(self.users.get(user, {}).get("name") or user),
                      team_id=self.team_id, app_id=self.app_id, action_ts=self._ts(),
                      trigger_id=f"{number}.{self.team_id}.sandbox",
                      response_url=f"{self.base_url}/actions/{self.team_id}/{number}/sandbox")
        payload = block_actions(channel, self._find(channel, ts), value, press)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        stamp = str(int(time.time()))
        return await self.fire(body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": self.sign(stamp, body)},
            url=self.interactivity_url)

    def messages(self, channel: str) -> list[Message]:
        """A channel's messages, oldest first, replies included."""
        return list(self.channels.get(channel, []))

    async def quiet(self) -> None:
        """Wait until every event this emulator fired has been answered (or given up)."""
        await self._outbox.join()

    # -- events --------------------------------------------------------------------------

    def sign(self, stamp: str, body: bytes) -> str:
        base = b"v0:" + stamp.encode() + b":" + body
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()

    def envelope(self, event: Mapping[str, Any]) -> dict[str, Any]:
        return {"token": "sandbox-verification-token", "team_id": self.team_id,
                "api_app_id": self.app_id, "event": dict(event), "type": "event_callback",
                "event_id": f"Ev{next(self._events):09d}", "event_time": int(time.time()),
                "authorizations": [{"enterprise_id": None, "team_id": self.team_id,
                                    "user_id": self.bot_user, "is_bot": True,
                                    "is_enterprise_install": False}],
                "is_ext_shared_channel": False, "event_context": "4-sandbox"}

    async def send_event(self, payload: Mapping[str, Any], *, retry: int = 0) -> int:
        """Deliver one signed Events API request now; returns the hub's HTTP status."""
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()))
        headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": self.sign(stamp, body)}
        if retry:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"})
        response = await self.fire(body, headers)
        return response.status_code

    async def _deliver(self, event: Mapping[str, Any]) -> None:
        payload = self.envelope(event)
        self.fired.append(payload)
        if self.webhook_url is None:
            return
        # Slack delivers after answering the API call that caused the event; one sender
        # keeps this workspace's events in the order they happened.
        self._outbox.put_nowait(payload)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_all())

    async def _send_all(self) -> None:
        while not self._outbox.empty():
            payload = self._outbox.get_nowait()
            try:
                await self._with_retries(payload)
            finally:
                self._outbox.task_done()

    async def _with_retries(self, payload: dict[str, Any]) -> None:
        """The first attempt and Slack's three retries; then the event is given up."""
        for attempt in range(4):
            try:
                if await self.send_event(payload, retry=attempt) < 300:
                    return
            except httpx.TransportError as exc:
                log.warning("slack sandbox: event %s not delivered: %s", payload["event_id"], exc)
            await asyncio.sleep(0.05 * (attempt + 1))
        self.undelivered.append(payload)

    # -- the Web API ---------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return self._answer({"ok": False, "error": "not_authed"})
        if auth.removeprefix("Bearer ") != self.token:
            return self._answer({"ok": False, "error": "invalid_auth"})
        args = await _arguments(request)
        if args is None:
            return self._answer({"ok": False, "error": "invalid_json"})
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return self._answer({"ok": False, "error": "unknown_method"})
        result: Response | dict[str, Any] = await handler(args)
        return result if isinstance(result, Response) else self._answer(result)

    def _answer(self, body: Mapping[str, Any], status: int = 200,
                headers: Mapping[str, str] | None = None) -> JSONResponse:
        return JSONResponse(dict(body), status_code=status,
                            headers={"x-oauth-scopes": ",".join(sorted(self.scopes)),
                                     "x-accepted-oauth-scopes": "", **(headers or {})})

    def _needs(self, scope: str) -> dict[str, Any] | None:
        if scope in self.scopes:
            return None
        return {"ok": False, "error": "missing_scope", "needed": scope,
                "provided": ",".join(sorted(self.scopes))}

    async def m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://sandbox.slack.test/", "team": "Sandbox",
                "user": "passerelle", "team_id": self.team_id, "user_id": self.bot_user,
                "bot_id": self.bot_id, "is_enterprise_install": False}

    async def m_chat_postMessage(self, args: dict[str, Any]) -> Response | dict[str, Any]:
        channel = str(args.get("channel", ""))
        if missing := self._needs("chat:write"):
            return missing
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if not valid_blocks(args.get("blocks")):
            return {"ok": False, "error": "invalid_blocks"}
        if (args.get("username") or args.get("icon_url")) and \
                (missing := self._needs("chat:write.customize")):
            return missing
        now = self.clock()
        if now - self._last_post.get(channel, -1e9) < self.channel_interval:
            self.rate_limited += 1
            return self._answer({"ok": False, "error": "ratelimited"}, status=429,
                                headers={"Retry-After": "1"})
        self._last_post[channel] = now
        message = self._bot_message(str(args["text"]), args)
        if args.get("thread_ts"):
            self._find(channel, str(args["thread_ts"]))
            message["thread_ts"] = str(args["thread_ts"])
        self._add(channel, message)
        await self._deliver({**message, "channel": channel, "event_ts": message["ts"],
                             "channel_type": "channel"})
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    async def m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        found = self._lookup(channel, ts)
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        if found.get("bot_id") != self.bot_id:
            return {"ok": False, "error": "cant_update_message"}
        if not valid_blocks(args.get("blocks")):
            return {"ok": False, "error": "invalid_blocks"}
        previous = dict(found)
        found["text"] = str(args.get("text", found["text"]))
        if "blocks" in args:  # Slack keeps a message's blocks unless told others, or none
            keep_blocks(found, args["blocks"])
        found["edited"] = {"user": self.bot_user, "ts": self._ts()}
        await self._deliver({"type": "message", "subtype": "message_changed", "hidden": True,
                             "channel": channel, "ts": found["edited"]["ts"],
                             "event_ts": found["edited"]["ts"], "message": dict(found),
                             "previous_message": previous, "channel_type": "channel"})
        return {"ok": True, "channel": channel, "ts": ts, "text": found["text"]}

    async def m_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        found = self._lookup(channel, ts)
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        if found.get("bot_id") != self.bot_id and found.get("user") != self.bot_user:
            return {"ok": False, "error": "cant_delete_message"}
        now = self._ts()
        if self._tombstone(channel, found):
            await self._deliver({"type": "message", "subtype": "message_changed",
                                 "hidden": True, "channel": channel, "ts": now,
                                 "event_ts": now, "message": self._find(channel, ts),
                                 "previous_message": found, "channel_type": "channel"})
            return {"ok": True, "channel": channel, "ts": ts}
        self.channels[channel].remove(found)
        await self._deliver({"type": "message", "subtype": "message_deleted", "hidden": True,
                             "channel": channel, "ts": now, "event_ts": now, "deleted_ts": ts,
                             "previous_message": found, "channel_type": "channel"})
        return {"ok": True, "channel": channel, "ts": ts}

    async def m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(args.get("oldest") or 0)
        top = [m for m in reversed(self.channels[channel])
               if float(m["ts"]) > oldest and (m.get("thread_ts") in (None, m["ts"])
                                               or m.get("subtype") == "thread_broadcast")]
        return self._page(channel, top, args)

    async def m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        parent = self._lookup(channel, ts)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        oldest = float(args.get("oldest") or 0)
        replies = [m for m in self.channels[channel]
                   if m.get("thread_ts") == ts and m["ts"] != ts and float(m["ts"]) > oldest]
        return self._page(channel, [self._with_thread(channel, parent), *replies], args)

    def _page(self, channel: str, items: list[Message], args: dict[str, Any]) -> dict[str, Any]:
        limit = max(1, min(int(args.get("limit") or 100), 999))
        start = int(base64.b64decode(args["cursor"]).decode().split(":")[1]) \
            if args.get("cursor") else 0
        page = items[start:start + limit]
        more = start + limit < len(items)
        keep_metadata = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
        shown = [self._with_thread(channel, m) for m in page]
        if not keep_metadata:
            shown = [{k: v for k, v in m.items() if k != "metadata"} for m in shown]
        cursor = base64.b64encode(f"next_ts:{start + limit}".encode()).decode() if more else ""
        return {"ok": True, "messages": shown, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": cursor}}

    async def m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        if missing := self._needs("users:read"):
            return missing
        user = self.users.get(str(args.get("user", "")))
        return ({"ok": True, "user": self._shown_user(user)} if user
                else {"ok": False, "error": "user_not_found"})

    async def m_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every member, deleted ones and bots included, a cursor's page at a time."""
        if missing := self._needs("users:read"):
            return missing
        users = sorted(self.users.values(), key=lambda u: str(u["id"]))
        limit = max(1, min(int(args.get("limit") or 1000), 1000))
        start = int(base64.b64decode(args["cursor"]).decode().split(":")[1]) \
            if args.get("cursor") else 0
        more = start + limit < len(users)
        cursor = base64.b64encode(f"user:{start + limit}".encode()).decode() if more else ""
        return {"ok": True, "members": [self._shown_user(u) for u in users[start:start + limit]],
                "cache_ts": int(time.time()), "response_metadata": {"next_cursor": cursor}}

    def _shown_user(self, user: dict[str, Any]) -> dict[str, Any]:
        """A user as this token may see them: no e-mail address without users:read.email."""
        if "users:read.email" in self.scopes:
            return user
        profile = {k: v for k, v in user["profile"].items() if k != "email"}
        return {**user, "profile": profile}

    async def m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if missing := self._needs("files:write"):
            return missing
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{self.next_id():09d}"
        self.files[file_id] = {"id": file_id, "name": str(args["filename"]),
                               "length": int(args["length"]), "pending": True}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/v1/{file_id}",
                "file_id": file_id}

    async def m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        channel = args.get("channel_id")
        done = []
        for item in files or ():
            record = self.files.get(str(item.get("id")))
            if record is None or item["id"] not in self.blobs:
                return {"ok": False, "error": "file_not_found"}
            file = self._file(record["name"], self.blobs[item["id"]],
                              "application/octet-stream", self.bot_user, file_id=item["id"],
                              title=item.get("title"))
            done.append(file)
        if channel:
            if channel not in self.channels:
                return {"ok": False, "error": "channel_not_found"}
            if not valid_blocks(args.get("blocks")):
                return {"ok": False, "error": "invalid_blocks"}
            comment = args.get("initial_comment")
            # Slack ignores blocks beside an initial comment.
            message = self._bot_message(str(comment or ""),
                                        {} if comment else {"blocks": args.get("blocks")})
            message.update(subtype="file_share", files=done, upload=True)
            if args.get("thread_ts"):
                message["thread_ts"] = str(args["thread_ts"])
            self._add(channel, message)
            for file in done:
                self._share(file, channel, message["ts"])
            await self._deliver({**message, "channel": channel, "event_ts": message["ts"],
                                 "channel_type": "channel"})
        # Slack shares asynchronously: the answer never carries the share.
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in done]}

    async def m_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        file = self.files.get(str(args.get("file", "")))
        if file is None or file.get("pending"):
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": file}

    async def m_files_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.files.pop(str(args.get("file", "")), None) is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True}

    async def m_reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        if missing := self._needs("reactions:write"):
            return missing
        key = (str(args.get("channel")), str(args.get("timestamp")), str(args.get("name")),
               self.bot_user)
        if self._lookup(key[0], key[1]) is None:
            return {"ok": False, "error": "message_not_found"}
        if key in self.reactions:
            return {"ok": False, "error": "already_reacted"}
        self.reactions.append(key)
        return {"ok": True}

    async def m_reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("timestamp")), str(args.get("name")),
               self.bot_user)
        if key not in self.reactions:
            return {"ok": False, "error": "no_reaction"}
        self.reactions.remove(key)
        return {"ok": True}

    async def _upload(self, request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        record = self.files.get(upload_id)
        if record is None:
            return PlainTextResponse("not found", status_code=404)
        data = await request.body()
        self.blobs[upload_id] = data
        return PlainTextResponse(f"OK - {len(data)}")

    async def _download(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            # Slack answers a missing token with its login page, not an error status.
            return Response("<html>sign in</html>", media_type="text/html")
        file_id = request.path_params["team_file"].rsplit("-", 1)[-1]
        if file_id not in self.blobs:
            return PlainTextResponse("not found", status_code=404)
        return Response(self.blobs[file_id], media_type="application/octet-stream")

    # -- state ---------------------------------------------------------------------------

    def _ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _add(self, channel: str, message: Message) -> None:
        self.channels.setdefault(channel, []).append(message)

    def _lookup(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.channels.get(channel, []) if m["ts"] == ts), None)

    def _find(self, channel: str, ts: str) -> Message:
        found = self._lookup(channel, ts)
        if found is None:
            raise KeyError(f"no message {ts} in {channel}")
        return found

    def _tombstone(self, channel: str, message: Message) -> bool:
        """A deleted thread root with replies stays, as Slack shows it, "This message was
        deleted."; True when that happened instead of a removal."""
        ts = message["ts"]
        if not any(m.get("thread_ts") == ts and m["ts"] != ts for m in self.channels[channel]):
            return False
        index = self.channels[channel].index(message)
        self.channels[channel][index] = {
            "type": "message", "subtype": "tombstone", "hidden": True,
            "text": "This message was deleted.", "user": "USLACKBOT", "ts": ts,
            "thread_ts": ts, "parent_user_id": "USLACKBOT"}
        return True

    def _with_thread(self, channel: str, message: Message) -> Message:
        replies = [m for m in self.channels.get(channel, [])
                   if m.get("thread_ts") == message["ts"] and m["ts"] != message["ts"]]
        if not replies:
            return message
        return {**message, "thread_ts": message["ts"], "reply_count": len(replies),
                "latest_reply": replies[-1]["ts"]}

    def _bot_message(self, text: str, args: Mapping[str, Any]) -> Message:
        message: Message = {"type": "message", "text": text, "ts": self._ts(),
                            "bot_id": self.bot_id, "app_id": self.app_id,
                            "user": self.bot_user, "team": self.team_id,
                            "bot_profile": {"id": self.bot_id, "app_id": self.app_id,
                                            "name": "passerelle", "team_id": self.team_id}}
        if args.get("username"):
            message["username"] = args["username"]
        if args.get("icon_url"):
            message["icons"] = {"image_48": args["icon_url"]}
        if isinstance(args.get("metadata"), Mapping):
            message["metadata"] = dict(args["metadata"])
        keep_blocks(message, args.get("blocks"))
        return message

    def _file(self, name: str, content: bytes, mimetype: str, user: str, *,
              file_id: str | None = None, title: str | None = None) -> dict[str, Any]:
        file_id = file_id or f"F{self.next_id():09d}"
        self.blobs[file_id] = content
        url = f"{self.base_url}/files-pri/{self.team_id}-{file_id}/download/{name}"
        file = {"id": file_id, "created": int(time.time()), "name": name,
                "title": title or name, "mimetype": mimetype, "size": len(content),
                "user": user, "mode": "hosted", "url_private": url,
                "url_private_download": url, "shares": {}}
        self.files[file_id] = file
        return file

    def _share(self, file: dict[str, Any], channel: str, ts: str) -> None:
        file["shares"].setdefault("public", {}).setdefault(channel, []).append(
            {"ts": ts, "channel_name": channel, "reply_count": 0})


def _address(name: str) -> str:
    """`Ana Souza` -> `ana.souza@example.org`: every sandbox person has an address."""
    return ".".join(name.lower().split()) + "@example.org"


async def _arguments(request: Request) -> dict[str, Any] | None:
    """Arguments as Slack reads them: query string, then a form or a JSON body."""
    args: dict[str, Any] = dict(request.query_params)
    if request.method != "POST":
        return args
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        args.update(body)
    else:
        args.update(parse_qsl((await request.body()).decode("utf-8", "replace")))
    return args
