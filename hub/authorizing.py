"""Connecting an account from the admin console: OAuth 2's authorization-code flow.

A connector that can be connected this way implements `Authorizing` (Basecamp and Zoom do); the
console sends the admin to `authorization_url`, the platform sends the browser back to the
console's callback with a `code` and the `state`, and the connector's `authorize` trades the code
for tokens, which it keeps encrypted in its connection's StateBox and uses from then on.

The callback is reached by a cross-site redirect, which does not carry the console's
SameSite=Strict session cookie: the `state` is its only proof. `PendingAuthorizations` makes one
per start — random, good once, for one connection, bound to the session that began it and void
after ten minutes or when that session expires, whichever comes first.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

STATE_LIFETIME = 600.0  # seconds an admin has to answer the platform's consent page


@runtime_checkable
class Authorizing(Protocol):
    """A connector whose account an admin connects through the platform's consent page."""

    def authorization_url(self, redirect_uri: str, state: str) -> str:
        """The platform's page where the admin lets the hub in; it sends the browser back to
        `redirect_uri` with `code` and `state` (or `error=access_denied`)."""
        ...

    async def authorize(self, code: str, redirect_uri: str) -> str:
        """Trade `code` for tokens, keep them (encrypted, in the connection's StateBox) and use
        them from now on; returns who was connected, as the platform names them. Raises
        `AuthError` when the platform refuses the code, and changes nothing then."""
        ...

    async def authorized_as(self) -> str | None:
        """Who the tokens connected from the console belong to, while they are the ones in
        use; None when none were connected or configured ones took over since."""
        ...


@dataclass(frozen=True, slots=True)
class Pending:
    """One authorization under way, waiting for the platform to send the admin back."""

    connection: str
    session: str  # the console session that began it
    redirect_uri: str
    expires_at: float


class PendingAuthorizations:
    """The states of the authorizations under way, each good once."""

    def __init__(self, clock: Callable[[], float] = time.time,
                 lifetime: float = STATE_LIFETIME) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self._pending: dict[str, Pending] = {}

    def begin(self, connection: str, session: str, session_expires_at: float,
              redirect_uri: str) -> str:
        """A new state for `connection`, begun by `session`."""
        self._forget_expired()  # only a signed-in admin begins: what is unanswered is few
        state = secrets.token_urlsafe(24)
        expires = min(self.clock() + self.lifetime, session_expires_at)
        self._pending[state] = Pending(connection, session, redirect_uri, expires)
        return state

    def take(self, state: str | None, connection: str) -> Pending | None:
        """The authorization `state` stands for, used up whatever the answer; None when it
        is unknown, used already, expired, or was begun for another connection."""
        if not state:
            return None
        pending = self._pending.pop(state, None)
        if pending is None or pending.connection != connection:
            return None
        if self.clock() >= pending.expires_at:
            return None
        return pending

    def _forget_expired(self) -> None:
        now = self.clock()
        self._pending = {s: p for s, p in self._pending.items() if p.expires_at > now}
