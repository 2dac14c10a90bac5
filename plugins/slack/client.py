"""A typed wrapper of the Slack Web API methods the connector uses.

It receives the core's `httpx.AsyncClient`; HTTP statuses become hub errors through
`hub.http.raise_for_status`, and Slack's `{"ok": false, "error": …}` envelope becomes a
`SlackApiError` that the connector maps (the one place platform errors are mapped).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
from pydantic import SecretStr

from hub.http import raise_for_status

CHUNK = 64 * 1024


class SlackApiError(Exception):
    """A Web API call answered `ok: false`; `needed` names a missing scope when Slack says."""

    def __init__(self, method: str, error: str, *, needed: str | None = None,
                 provided: str | None = None) -> None:
        self.method = method
        self.error = error
        self.needed = needed
        self.provided = provided
        super().__init__(f"{method} answered {error}")


@dataclass(frozen=True, slots=True)
class AuthInfo:
    """Who the token is (`auth.test`) and which scopes it carries (`x-oauth-scopes`)."""

    team_id: str
    team: str
    user_id: str
    bot_id: str | None
    url: str
    scopes: frozenset[str] | None  # None when Slack did not say

    @property
    def identities(self) -> frozenset[str]:
        return frozenset(i for i in (self.user_id, self.bot_id) if i)


class SlackClient:
    """The Slack Web API (https://docs.slack.dev/reference/methods) over an injected client."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: SecretStr,
                 connection: str = "") -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.connection = connection

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.get_secret_value()}"}

    async def call(self, method: str, *, json_body: Mapping[str, Any] | None = None,
                   form: Mapping[str, str] | None = None) -> tuple[dict[str, Any], httpx.Headers]:
        """POST one method (JSON for writes, form-encoded for reads, as Slack documents)."""
        url = f"{self.base_url}/{method}"
        if json_body is not None:
            response = await self.http.post(
                url, content=json.dumps(json_body).encode(),
                headers={**self._headers(), "Content-Type": "application/json; charset=utf-8"})
        else:
            response = await self.http.post(url, data=dict(form or {}), headers=self._headers())
        raise_for_status(response, connection=self.connection, what=method)
        try:
            body = response.json()
        except ValueError:
            raise SlackApiError(method, "invalid_response") from None
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            raise SlackApiError(method, str(body.get("error") or "unknown_error"),
                                needed=body.get("needed"), provided=body.get("provided"))
        return body, response.headers

    async def auth_test(self) -> AuthInfo:
        body, headers = await self.call("auth.test", form={})
        scopes = headers.get("x-oauth-scopes")
        return AuthInfo(
            team_id=str(body.get("team_id", "")), team=str(body.get("team", "")),
            user_id=str(body.get("user_id", "")), bot_id=body.get("bot_id"),
            url=str(body.get("url", "")),
            scopes=None if scopes is None else frozenset(
                s.strip() for s in scopes.split(",") if s.strip()),
        )

    async def post_message(self, channel: str, text: str, *, thread_ts: str | None = None,
                           username: str | None = None, icon_url: str | None = None,
                           metadata: Mapping[str, Any] | None = None,
                           blocks: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """`text` is what notifications show; `blocks`, when given, what the channel shows."""
        args: dict[str, Any] = {"channel": channel, "text": text}
        if blocks:
            args["blocks"] = list(blocks)
        if thread_ts:
            args["thread_ts"] = thread_ts
        if username:
            args["username"] = username
        if icon_url:
            args["icon_url"] = icon_url
        if metadata:
            args["metadata"] = dict(metadata)
        body, _ = await self.call("chat.postMessage", json_body=args)
        return body

    async def update_message(self, channel: str, ts: str, text: str,
                             metadata: Mapping[str, Any] | None = None,
                             blocks: Sequence[Mapping[str, Any]] | None = None
                             ) -> dict[str, Any]:
        """`blocks` replace the message's; None keeps them, and [] removes them."""
        args: dict[str, Any] = {"channel": channel, "ts": ts, "text": text}
        if blocks is not None:
            args["blocks"] = list(blocks)
        if metadata:
            args["metadata"] = dict(metadata)
        body, _ = await self.call("chat.update", json_body=args)
        return body

    async def delete_message(self, channel: str, ts: str) -> None:
        await self.call("chat.delete", json_body={"channel": channel, "ts": ts})

    async def history(self, channel: str, *, oldest: str | None, cursor: str | None,
                      limit: int) -> dict[str, Any]:
        return await self._page("conversations.history", {"channel": channel},
                                oldest=oldest, cursor=cursor, limit=limit)

    async def replies(self, channel: str, ts: str, *, oldest: str | None,
                      limit: int, cursor: str | None = None) -> dict[str, Any]:
        return await self._page("conversations.replies", {"channel": channel, "ts": ts},
                                oldest=oldest, cursor=cursor, limit=limit)

    async def _page(self, method: str, form: dict[str, str], *, oldest: str | None,
                    cursor: str | None, limit: int) -> dict[str, Any]:
        """One page of a conversation method, metadata included (it marks the hub's posts)."""
        form = {**form, "limit": str(limit), "include_all_metadata": "true"}
        if oldest:
            form["oldest"] = oldest
        if cursor:
            form["cursor"] = cursor
        body, _ = await self.call(method, form=form)
        return body

    async def user_info(self, user: str) -> dict[str, Any]:
        body, _ = await self.call("users.info", form={"user": user})
        found = body.get("user")
        return found if isinstance(found, dict) else {}

    async def users_list(self, *, cursor: str | None, limit: int) -> dict[str, Any]:
        """One page of the workspace's members (`users.list`, cursor-paginated)."""
        form = {"limit": str(limit)}
        if cursor:
            form["cursor"] = cursor
        body, _ = await self.call("users.list", form=form)
        return body

    async def get_upload_url(self, filename: str, length: int) -> tuple[str, str]:
        body, _ = await self.call("files.getUploadURLExternal",
                                  form={"filename": filename, "length": str(length)})
        return str(body["upload_url"]), str(body["file_id"])

    async def upload_bytes(self, upload_url: str, path: Path, size: int) -> None:
        """Send the raw bytes to the pre-signed URL; it needs no token, so none is sent."""
        response = await self.http.post(
            upload_url, content=_chunks(path),
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)})
        raise_for_status(response, connection=self.connection, what="file upload")

    async def complete_upload(self, files: Sequence[tuple[str, str]], *, channel: str,
                              thread_ts: str | None, initial_comment: str | None,
                              blocks: Sequence[Mapping[str, Any]] | None = None
                              ) -> dict[str, Any]:
        """Share uploaded files (id, title) in one message of `channel`, introduced by
        `initial_comment` or, when given, by `blocks` (Slack ignores blocks beside a
        comment, so only one of them is sent)."""
        args: dict[str, Any] = {"files": [{"id": i, "title": t} for i, t in files],
                                "channel_id": channel}
        if thread_ts:
            args["thread_ts"] = thread_ts
        if blocks:
            args["blocks"] = list(blocks)
        elif initial_comment:
            args["initial_comment"] = initial_comment
        body, _ = await self.call("files.completeUploadExternal", json_body=args)
        return body

    async def file_info(self, file_id: str) -> dict[str, Any]:
        body, _ = await self.call("files.info", form={"file": file_id})
        found = body.get("file")
        return found if isinstance(found, dict) else {}

    async def delete_file(self, file_id: str) -> None:
        await self.call("files.delete", json_body={"file": file_id})

    async def add_reaction(self, channel: str, ts: str, name: str) -> None:
        await self.call("reactions.add",
                        json_body={"channel": channel, "timestamp": ts, "name": name})

    async def remove_reaction(self, channel: str, ts: str, name: str) -> None:
        await self.call("reactions.remove",
                        json_body={"channel": channel, "timestamp": ts, "name": name})

    def auth_headers(self) -> dict[str, str]:
        """For downloads of `url_private` files, which need the bot token."""
        return self._headers()


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as handle:
        while chunk := await handle.read(CHUNK):
            yield chunk

