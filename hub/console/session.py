"""Who is signed in to the console: signed session cookies, their CSRF tokens, and sign-out.

A session is a random id and an expiry, signed with a key derived from the admin token, so a
cookie holds nothing secret, survives a restart and is void the moment the admin token changes.
Sign-out revokes the id in this process until it would have expired anyway. Every form of a
signed-in page carries the session's CSRF token (an HMAC of its id); the sign-in form, which has
no session yet, carries one bound to a nonce cookie of its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

SESSION_COOKIE = "passerelle_console"
SIGN_IN_COOKIE = "passerelle_sign_in"
Clock = Callable[[], float]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    expires_at: float
    csrf: str


@dataclass
class Sessions:
    """Opens, checks and closes console sessions for one admin token."""

    admin_token: bytes
    lifetime: float
    clock: Clock = time.time
    _key: bytes = field(init=False, repr=False)
    _revoked: dict[str, float] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._key = hmac.new(self.admin_token, b"passerelle console sessions",
                             hashlib.sha256).digest()

    def _mac(self, *parts: str) -> str:
        return _b64(hmac.new(self._key, "\x1f".join(parts).encode(), hashlib.sha256).digest())

    def admits(self, token: str) -> bool:
        """Whether `token` is the admin token (in constant time)."""
        return hmac.compare_digest(token.strip().encode(), self.admin_token)

    def open(self) -> tuple[Session, str]:
        """A new session and the cookie value that carries it."""
        sid = _b64(secrets.token_bytes(18))
        expires = int(self.clock() + self.lifetime)
        session = Session(sid, expires, self._mac("csrf", sid))
        return session, f"{sid}.{expires}.{self._mac('session', sid, str(expires))}"

    def read(self, cookie: str | None) -> Session | None:
        """The session a cookie carries, or None if it is absent, forged, expired or closed."""
        if not cookie or cookie.count(".") != 2:
            return None
        sid, expires, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac("session", sid, expires)):
            return None
        if not expires.isdigit() or int(expires) <= self.clock() or sid in self._revoked:
            return None
        return Session(sid, int(expires), self._mac("csrf", sid))

    def close(self, session: Session) -> None:
        now = self.clock()
        # Forget what has expired anyway, so the list stays as small as the open sessions.
        self._revoked = {sid: until for sid, until in self._revoked.items() if until > now}
        self._revoked[session.id] = session.expires_at

    def sign_in_nonce(self) -> str:
        return _b64(secrets.token_bytes(18))

    def sign_in_token(self, nonce: str) -> str:
        """The CSRF token of the sign-in form shown with `nonce`'s cookie."""
        return self._mac("sign-in", nonce)

    @staticmethod
    def same(given: str | None, expected: str) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), expected.encode())


@dataclass
class SignInThrottle:
    """At most `attempts` failed sign-ins per `window` seconds in this process: guessing a
    token one request at a time gets nowhere, and a mistyped token still gets in next minute."""

    attempts: int = 10
    window: float = 300.0
    clock: Clock = time.monotonic
    _failures: deque[float] = field(default_factory=deque, init=False, repr=False)

    def _trim(self) -> None:
        while self._failures and self._failures[0] <= self.clock() - self.window:
            self._failures.popleft()

    def blocked_for(self) -> float:
        """Seconds until another attempt is heard (0: now)."""
        self._trim()
        if len(self._failures) < self.attempts:
            return 0.0
        return self._failures[0] + self.window - self.clock()

    def failed(self) -> None:
        self._failures.append(self.clock())
