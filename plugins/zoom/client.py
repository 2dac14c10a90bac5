"""A typed wrapper of the Zoom API calls the connector makes, over the hub's httpx client.

Authentication is Server-to-Server OAuth: `POST {oauth_url}/oauth/token?grant_type=
account_credentials&account_id=…` with HTTP Basic `client_id:client_secret` gives a bearer
token for one hour (no refresh token: a new one is minted) and the `api_url` of the account's
region. The token is kept in memory only, renewed a few minutes before it expires, and minted
again once when the API answers 401 (revoked or rotated credentials). A user-authorized app's
tokens (plugins/zoom/authorization.py), when the connection has them, are used instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from plugins.zoom.settings import DEFAULT_API_URL, DEFAULT_FILE_API_URL, ZoomSettings

if TYPE_CHECKING:
    from plugins.zoom.authorization import UserTokens

RENEW_MARGIN = 300.0  # seconds before expiry when a token is replaced
API_PREFIX = "/v2"
MAX_REDIRECTS = 3


class ZoomApiError(Exception):
    """Zoom answered with an error status; the connector maps it to the hub's errors."""

    def __init__(self, response: httpx.Response, *, oauth: bool = False) -> None:
        self.response = response
        self.oauth = oauth
        super().__init__(f"{response.request.method} {response.request.url.path} answered "
                         f"{response.status_code}")

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def body(self) -> Mapping[str, Any]:
        """Zoom's error envelope, `{"code", "message"}` (or OAuth's `{"reason", "error"}`)."""
        try:
            data = self.response.json()
        except ValueError:
            return {}
        return data if isinstance(data, Mapping) else {}


class NoCredentials(Exception):
    """A user-authorized app that was never connected: nothing to call with."""


class RedirectRefused(Exception):
    """Zoom's file API sent the upload to a host the connector does not trust with a token."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(f"upload redirected to {host}")


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str
    expires_at: float  # seconds since the epoch
    api_url: str
    scope: str


class ZoomClient:
    """The calls the connector needs; never creates an HTTP client, it is handed one."""

    def __init__(self, http: httpx.AsyncClient, settings: ZoomSettings,
                 clock: Callable[[], float] = time.time, user: UserTokens | None = None
                 ) -> None:
        self._http = http
        self._user = user
        # Credentials are read when a token is minted, not before: `passerelle normalize`
        # builds connectors from settings that hold none.
        self._settings = settings
        self._oauth_url = settings.oauth_url.rstrip("/")
        base = settings.base_url
        self._api_url = base.rstrip("/") if base else None  # a sandbox or proxy wins
        self._file_api_url = (settings.file_api_url or base or DEFAULT_FILE_API_URL).rstrip("/")
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()

    # -- authentication

    async def token(self) -> AccessToken:
        """A bearer token good for at least a few more minutes: the user-authorized one when
        there is one, else one minted for the Server-to-Server app."""
        if self._user is not None and (user := await self._user.current()) is not None:
            return user
        if self._settings.authorization == "user":
            raise NoCredentials
        async with self._lock:
            token = self._token
            if token is None or token.expires_at - self._clock() < RENEW_MARGIN:
                token = self._token = await self._mint()
            return token

    def forget_token(self) -> None:
        self._token = None
        if self._user is not None:
            self._user.rejected()

    async def _mint(self) -> AccessToken:
        response = await self._http.post(
            f"{self._oauth_url}/oauth/token",
            params={"grant_type": "account_credentials",
                    "account_id": self._settings.account_id},
            auth=(self._settings.client_id, self._settings.client_secret.get_secret_value()),
        )
        try:
            data = response.json() if response.status_code == 200 else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or not data.get("access_token"):
            raise ZoomApiError(response, oauth=True)
        return AccessToken(
            value=str(data["access_token"]),
            expires_at=self._clock() + float(data.get("expires_in", 3600)),
            api_url=str(data.get("api_url") or DEFAULT_API_URL).rstrip("/"),
            scope=str(data.get("scope") or ""),
        )

    # -- the one request path

    async def request(self, method: str, path: str, *, json: Any = None,
                      params: Mapping[str, Any] | None = None) -> httpx.Response:
        """Call `/v2{path}`; on 401 mint a new token and try once more."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        response = await self._send(method, path, json, query)
        if response.status_code == 401:
            await response.aread()
            self.forget_token()
            response = await self._send(method, path, json, query)
        if response.status_code >= 400:
            await response.aread()
            raise ZoomApiError(response)
        return response

    async def _send(self, method: str, path: str, body: Any, query: Mapping[str, Any]
                    ) -> httpx.Response:
        token = await self.token()
        return await self._http.request(
            method, f"{self._api_url or token.api_url}{API_PREFIX}{path}", json=body,
            params=query, headers={"Authorization": f"Bearer {token.value}"},
        )

    async def whoami(self, token: AccessToken) -> dict[str, Any]:
        """The user `token` belongs to (`GET /users/me`), asked with that token alone."""
        response = await self._http.get(f"{self._api_url or token.api_url}{API_PREFIX}/users/me",
                                        headers={"Authorization": f"Bearer {token.value}"})
        if response.status_code >= 400:
            raise ZoomApiError(response)
        data = response.json()
        return data if isinstance(data, dict) else {}

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.request(method, path, **kwargs)
        data = response.json() if response.content else {}
        return data if isinstance(data, dict) else {}

    # -- users

    async def get_user(self, user_id: str) -> dict[str, Any]:
        return await self._json("GET", f"/users/{_segment(user_id)}")

    async def list_users(self, *, page_token: str | None = None) -> dict[str, Any]:
        """One page of the account's active users (`GET /users`)."""
        return await self._json("GET", "/users", params={
            "status": "active", "page_size": 300, "next_page_token": page_token})

    # -- meetings

    async def create_meeting(self, user_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return await self._json("POST", f"/users/{_segment(user_id)}/meetings", json=body)

    async def get_meeting(self, meeting_id: str) -> dict[str, Any]:
        return await self._json("GET", f"/meetings/{_segment(meeting_id)}")

    async def update_meeting(self, meeting_id: str, body: Mapping[str, Any]) -> None:
        await self.request("PATCH", f"/meetings/{_segment(meeting_id)}", json=body)

    async def delete_meeting(self, meeting_id: str) -> None:
        await self.request("DELETE", f"/meetings/{_segment(meeting_id)}")

    async def list_meetings(self, user_id: str, *, kind: str = "upcoming",
                            page_token: str | None = None) -> dict[str, Any]:
        return await self._json("GET", f"/users/{_segment(user_id)}/meetings", params={
            "type": kind, "page_size": 300, "next_page_token": page_token})

    async def list_recordings(self, user_id: str, *, start: str, end: str,
                              page_token: str | None = None) -> dict[str, Any]:
        return await self._json("GET", f"/users/{_segment(user_id)}/recordings", params={
            "from": start, "to": end, "page_size": 300, "next_page_token": page_token})

    # -- Team Chat

    async def send_chat(self, user_id: str, body: Mapping[str, Any]) -> str:
        data = await self._json("POST", f"/chat/users/{_segment(user_id)}/messages", json=body)
        return str(data["id"])

    async def get_chat(self, user_id: str, message_id: str, channel: str) -> dict[str, Any]:
        return await self._json("GET", f"/chat/users/{_segment(user_id)}/messages/"
                                       f"{_segment(message_id)}", params={"to_channel": channel})

    async def upload_chat_file(self, user_id: str, path: Path, name: str, mime_type: str, *,
                               may_follow: Callable[[str], bool]) -> str:
        """Upload a file for a channel message (its id goes in `file_ids`). The file API may
        redirect and wants the token kept; it is kept only for hosts `may_follow` accepts."""
        url = f"{self._file_api_url}{API_PREFIX}/chat/users/{_segment(user_id)}/files"
        query: dict[str, str] | None = {"postToPersonalChat": "false"}
        renewed = False
        for _ in range(MAX_REDIRECTS + 1):
            token = await self.token()
            with path.open("rb") as handle:
                response = await self._http.post(
                    url, params=query, files={"file": (name, handle, mime_type)},
                    headers={"Authorization": f"Bearer {token.value}"})
            if response.is_redirect and "location" in response.headers:
                url, query = urljoin(url, response.headers["location"]), None
                host = urlsplit(url).hostname or ""
                if not may_follow(url):
                    raise RedirectRefused(host)
                continue
            if response.status_code == 401 and not renewed:
                self.forget_token()
                renewed = True
                continue
            if response.status_code >= 400:
                raise ZoomApiError(response)
            return str(response.json()["id"])
        raise RedirectRefused(f"{urlsplit(url).hostname} (more than {MAX_REDIRECTS} redirects)")

    async def edit_chat(self, user_id: str, message_id: str, body: Mapping[str, Any]) -> None:
        await self.request("PUT", f"/chat/users/{_segment(user_id)}/messages/"
                                  f"{_segment(message_id)}", json=body)

    async def delete_chat(self, user_id: str, message_id: str, channel: str) -> None:
        await self.request("DELETE", f"/chat/users/{_segment(user_id)}/messages/"
                                     f"{_segment(message_id)}", params={"to_channel": channel})

    async def list_chat(self, user_id: str, channel: str, *, start: str, end: str,
                        page_token: str | None = None) -> dict[str, Any]:
        return await self._json("GET", f"/chat/users/{_segment(user_id)}/messages", params={
            "to_channel": channel, "from": start, "to": end, "page_size": 50,
            "next_page_token": page_token})


async def pages(call: Callable[[str | None], Awaitable[dict[str, Any]]], key: str
                 ) -> AsyncIterator[dict[str, Any]]:
    """Every item of a paginated list (`next_page_token`)."""
    page: str | None = None
    while True:
        data = await call(page)
        for item in data.get(key) or ():
            if isinstance(item, dict):
                yield item
        page = data.get("next_page_token") or None
        if page is None:
            return


def zoom_time(value: datetime) -> str:
    """A time as Zoom's query parameters spell it: `yyyy-MM-ddTHH:mm:ssZ`, in UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _segment(value: str) -> str:
    """One path segment. Meeting UUIDs that start with `/` or hold `//` must be encoded twice
    (Zoom decodes once before routing)."""
    once = quote(value, safe="")
    return quote(once, safe="") if value.startswith("/") or "//" in value else once
