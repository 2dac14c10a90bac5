"""Launchpad OAuth 2: the access token in use, renewed before it expires and after a 401, and
the authorization-code flow an admin starts from the console (hub/authorizing.py)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from hub.connector import StateBox
from hub.errors import AuthError, TransientError
from hub.http import transport_error

REFRESH_MARGIN = timedelta(days=1)
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class OAuthTokens:
    """The access token in use: the configured one, or a newer one renewed through Launchpad.

    Renewed tokens, and tokens an admin connected from the console, are kept in the
    connection's StateBox with the fingerprint of the configured token in place when they were
    made. They win over that configured token (which may be none); an admin who pastes a
    different token later is obeyed at once, and what the console connected is set aside.
    """

    ACCESS, REFRESH, EXPIRES, ORIGIN, CONNECTED_AS = (
        "oauth.access_token", "oauth.refresh_token", "oauth.expires_at", "oauth.origin",
        "oauth.connected_as")

    def __init__(self, *, access_token: str | None, refresh_token: str | None,
                 client_id: str | None, client_secret: str | None, launchpad_url: str,
                 state: StateBox, http: httpx.AsyncClient, user_agent: str, connection: str,
                 clock: Clock = _utcnow) -> None:
        self._configured = access_token
        self._configured_refresh = refresh_token
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_url = launchpad_url.rstrip("/") + "/authorization/token"
        self._consent_url = launchpad_url.rstrip("/") + "/authorization/new"
        self._authorization_url = launchpad_url.rstrip("/") + "/authorization.json"
        self._state = state
        self._http = http
        self._user_agent = user_agent
        self._connection = connection
        self._clock = clock
        self._lock = asyncio.Lock()
        self._loaded = False
        self._access: str | None = None
        self._refresh: str | None = None
        self._expires_at: datetime | None = None
        self._expiry_asked = False
        self._connected_as: str | None = None  # whom the console connected, if it did

    @property
    def can_refresh(self) -> bool:
        return bool(self._client_id and self._client_secret and
                    (self._refresh or self._configured_refresh))

    async def _load(self) -> None:
        if self._loaded:
            return
        self._access, self._refresh = self._configured, self._configured_refresh
        if await self._state.get(self.ORIGIN) == self._origin:
            self._access = await self._state.get(self.ACCESS) or self._access
            self._refresh = await self._state.get(self.REFRESH) or self._refresh
            expires = await self._state.get(self.EXPIRES)
            self._expires_at = datetime.fromisoformat(expires) if expires else None
            self._connected_as = await self._state.get(self.CONNECTED_AS) or None
        self._loaded = True

    async def current(self) -> str:
        """A token good for the next call, renewed first when it expires within a day."""
        async with self._lock:
            await self._load()
            if self._expires_at is None and self.can_refresh and not self._expiry_asked:
                await self._ask_expiry()
            if (self._expires_at is not None and self.can_refresh
                    and self._clock() >= self._expires_at - REFRESH_MARGIN):
                await self._renew()
            if not self._access:
                raise AuthError("no access token: connect the account on the console's "
                                "Connect an account page, or set access_token (see the "
                                "Basecamp README)", connection=self._connection)
            return self._access

    async def _ask_expiry(self) -> None:
        """Learn when a configured token expires: Launchpad's authorization says it.

        Read-only and best effort: if Launchpad cannot say now, the token is renewed after
        its first 401 instead.
        """
        self._expiry_asked = True
        if not self._access:
            return
        try:
            response = await self._http.get(self._authorization_url, headers={
                "User-Agent": self._user_agent, "Accept": "application/json",
                "Authorization": f"Bearer {self._access}"})
        except httpx.TransportError:
            return
        expires = json_object(response).get("expires_at") if response.status_code == 200 \
            else None
        try:
            self._expires_at = datetime.fromisoformat(expires) if isinstance(expires, str) \
                else None
        except ValueError:
            return
        if self._expires_at is not None:
            await self._save()

    async def renew_after_rejection(self, rejected: str) -> bool:
        """Renew after Basecamp refused `rejected`; False when renewing is not possible."""
        async with self._lock:
            await self._load()
            if self._access != rejected:
                return True  # another call renewed it meanwhile
            if not self.can_refresh:
                return False
            await self._renew()
            return True

    async def _renew(self) -> None:
        body = await self._token_request({
            "grant_type": "refresh_token",
            "refresh_token": self._refresh or self._configured_refresh or "",
            "client_id": self._client_id or "",
            "client_secret": self._client_secret or "",
        }, "the refresh token")
        self._take(body)
        await self._save()

    async def _token_request(self, data: dict[str, str], given: str) -> dict[str, Any]:
        """Launchpad's token endpoint: its answer, holding an access_token, or an error."""
        try:
            response = await self._http.post(
                self._token_url, data=data,
                headers={"User-Agent": self._user_agent, "Accept": "application/json"})
        except httpx.TransportError as exc:
            raise transport_error(exc, connection=self._connection) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"Launchpad's token endpoint answered {response.status_code}",
                                 connection=self._connection)
        body = json_object(response)
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            raise AuthError(
                f"Launchpad refused {given} ({response.status_code}): it was revoked, used "
                "already or expired, or the client_id/client_secret are wrong; authorise the "
                "integration again (the console's Connect an account page does it) or set new "
                "tokens", connection=self._connection)
        return body

    def _take(self, body: dict[str, Any]) -> None:
        self._access = str(body["access_token"])
        if isinstance(body.get("refresh_token"), str):
            self._refresh = body["refresh_token"]
        lifetime = body.get("expires_in")
        self._expires_at = (self._clock() + timedelta(seconds=float(lifetime))
                            if isinstance(lifetime, int | float) else None)

    # -- the authorization-code flow ------------------------------------------------------

    def authorization_url(self, redirect_uri: str, state: str) -> str:
        """Launchpad's consent page for this integration."""
        self._require_client()
        return self._consent_url + "?" + urlencode({
            "response_type": "code", "client_id": self._client_id or "",
            "redirect_uri": redirect_uri, "state": state})

    async def exchange(self, code: str, redirect_uri: str) -> str:
        """Trade an authorization code for tokens, keep them and use them; returns who they
        belong to (Launchpad's identity)."""
        client_id, client_secret = self._require_client()
        body = await self._token_request({
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": client_id, "client_secret": client_secret}, "a code")
        who = await self._identity(str(body["access_token"]))
        async with self._lock:
            await self._load()
            self._take(body)
            self._expiry_asked = True
            self._connected_as = who
            await self._save()
        return who

    def _require_client(self) -> tuple[str, str]:
        if not self._client_id or not self._client_secret:
            raise AuthError("client_id and client_secret must be set to connect the account: "
                            "copy them from launchpad.37signals.com/integrations",
                            connection=self._connection)
        return self._client_id, self._client_secret

    async def connected_as(self) -> str | None:
        """Who the console connected, while those tokens (or their renewals) are in use."""
        async with self._lock:
            await self._load()
            return self._connected_as

    async def _identity(self, token: str) -> str:
        try:
            response = await self._http.get(self._authorization_url, headers={
                "User-Agent": self._user_agent, "Accept": "application/json",
                "Authorization": f"Bearer {token}"})
        except httpx.TransportError as exc:
            raise transport_error(exc, connection=self._connection) from exc
        identity = json_object(response).get("identity")
        if response.status_code != 200 or not isinstance(identity, dict):
            raise AuthError(f"Launchpad did not say whose the new token is "
                            f"({response.status_code}): connect the account again",
                            connection=self._connection)
        name = " ".join(str(identity.get(k)) for k in ("first_name", "last_name")
                        if identity.get(k))
        email = identity.get("email_address")
        return f"{name} ({email})" if name and email else name or str(email or identity.get("id"))

    async def _save(self) -> None:
        # Written whole, with the configured token it descends from (see the class docstring),
        # and at once even during a delivery: a renewed token must outlive a crash.
        await self._state.set(self.ACCESS, self._access or "", now=True)
        await self._state.set(self.REFRESH, self._refresh or "", now=True)
        await self._state.set(self.EXPIRES, self._expires_at.isoformat() if self._expires_at
                              else "", now=True)
        await self._state.set(self.ORIGIN, self._origin, now=True)
        await self._state.set(self.CONNECTED_AS, self._connected_as or "", now=True)

    @property
    def _origin(self) -> str:
        return _fingerprint(self._configured) if self._configured else ""


def json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


