"""A user-authorized Zoom app (a general, user-managed OAuth app): its tokens, kept and renewed.

The alternative to Server-to-Server OAuth (plugins/zoom/client.py): an admin allows the app on
Zoom's consent page, from the console (`GET {oauth_url}/oauth/authorize?response_type=code&
client_id&redirect_uri&state`), and the code is traded at `POST {oauth_url}/oauth/token` with
`grant_type=authorization_code&code&redirect_uri` and HTTP Basic `client_id:client_secret`. The
access token lasts an hour; `grant_type=refresh_token` renews it, and each renewal gives a new
refresh token and voids the old one, so the new one is written before it is needed.

Tokens are kept in the connection's StateBox (encrypted by the store) with the fingerprint of the
configured credentials in place when they were made (`authorization`, `account_id`, and a
user-authorized app's pasted `access_token`): they win over those (the S2S app, or the pasted
token); changing them later sets the console's tokens aside.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import httpx

from hub.connector import StateBox
from plugins.zoom.client import RENEW_MARGIN, AccessToken, ZoomApiError
from plugins.zoom.settings import DEFAULT_API_URL, ZoomSettings


class UserTokens:
    """The user-authorized tokens in use, if any; None from `current` means: use S2S."""

    ACCESS, REFRESH, EXPIRES, ORIGIN, CONNECTED_AS, API_URL = (
        "user.access_token", "user.refresh_token", "user.expires_at", "user.origin",
        "user.connected_as", "user.api_url")

    def __init__(self, http: httpx.AsyncClient, settings: ZoomSettings, state: StateBox,
                 clock: Callable[[], float] = time.time) -> None:
        self._http = http
        self._settings = settings
        self._state = state
        self._clock = clock
        self._oauth_url = settings.oauth_url.rstrip("/")
        self._lock = asyncio.Lock()
        self._loaded = False
        self._access: str | None = None
        self._refresh: str | None = None
        self._expires_at: float | None = None
        self._api_url = DEFAULT_API_URL
        self._connected_as: str | None = None
        self._stale = False

    def _configured(self) -> tuple[str | None, str | None]:
        """The pasted access and refresh tokens, which only a user-authorized app reads."""
        if self._settings.authorization != "user":
            return None, None
        access, refresh = self._settings.access_token, self._settings.refresh_token
        return (access.get_secret_value() if access else None,
                refresh.get_secret_value() if refresh else None)

    @property
    def _origin(self) -> str:
        seed = "\n".join((self._settings.authorization, self._settings.account_id,
                          self._configured()[0] or ""))
        return hashlib.sha256(seed.encode()).hexdigest()[:16]

    async def _load(self) -> None:
        if self._loaded:
            return
        self._access, self._refresh = self._configured()
        if await self._state.get(self.ORIGIN) == self._origin:
            self._access = await self._state.get(self.ACCESS) or self._access
            self._refresh = await self._state.get(self.REFRESH) or self._refresh
            expires = await self._state.get(self.EXPIRES)
            self._expires_at = float(expires) if expires else None
            self._api_url = await self._state.get(self.API_URL) or self._api_url
            self._connected_as = await self._state.get(self.CONNECTED_AS) or None
        self._loaded = True

    async def current(self) -> AccessToken | None:
        """A user token good for a few more minutes (renewed first if need be), or None when
        the connection has none and mints Server-to-Server tokens instead."""
        async with self._lock:
            await self._load()
            if not self._access:
                return None
            due = self._expires_at is not None and \
                self._expires_at - self._clock() < RENEW_MARGIN
            if (due or self._stale) and self._refresh:
                await self._renew()
            self._stale = False
            return AccessToken(self._access, self._expires_at or float("inf"), self._api_url,
                               "")

    def rejected(self) -> None:
        """Zoom answered 401: renew before the next call."""
        self._stale = True

    async def connected_as(self) -> str | None:
        async with self._lock:
            await self._load()
            return self._connected_as

    def authorization_url(self, redirect_uri: str, state: str) -> str:
        return f"{self._oauth_url}/oauth/authorize?" + urlencode({
            "response_type": "code", "client_id": self._settings.client_id,
            "redirect_uri": redirect_uri, "state": state})

    async def exchange(self, code: str, redirect_uri: str,
                       identify: Callable[[AccessToken], Awaitable[str]]) -> str:
        """Trade an authorization code for tokens, learn whose they are (`identify`), then keep
        them: they are used from now on. Nothing is kept when either step fails."""
        body = await self._token_request({"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": redirect_uri})
        api_url = str(body.get("api_url") or DEFAULT_API_URL).rstrip("/")
        who = await identify(AccessToken(str(body["access_token"]), float("inf"), api_url, ""))
        async with self._lock:
            await self._load()
            self._take(body)
            self._connected_as = who
            await self._save()
        return who

    async def _renew(self) -> None:
        self._take(await self._token_request({"grant_type": "refresh_token",
                                              "refresh_token": self._refresh or ""}))
        await self._save()

    async def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        response = await self._http.post(
            f"{self._oauth_url}/oauth/token", data=form,
            auth=(self._settings.client_id, self._settings.client_secret.get_secret_value()))
        try:
            body = response.json() if response.status_code == 200 else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise ZoomApiError(response, oauth=True)
        return body

    def _take(self, body: dict[str, Any]) -> None:
        self._access = str(body["access_token"])
        if isinstance(body.get("refresh_token"), str):
            self._refresh = body["refresh_token"]
        lifetime = body.get("expires_in")
        self._expires_at = self._clock() + float(lifetime) \
            if isinstance(lifetime, int | float) else None
        self._api_url = str(body.get("api_url") or self._api_url).rstrip("/")

    async def _save(self) -> None:
        # At once, even during a delivery: the old refresh token is void from now on.
        await self._state.set(self.ACCESS, self._access or "", now=True)
        await self._state.set(self.REFRESH, self._refresh or "", now=True)
        await self._state.set(self.EXPIRES, "" if self._expires_at is None
                              else repr(self._expires_at), now=True)
        await self._state.set(self.API_URL, self._api_url, now=True)
        await self._state.set(self.CONNECTED_AS, self._connected_as or "", now=True)
        await self._state.set(self.ORIGIN, self._origin, now=True)
