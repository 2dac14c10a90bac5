"""The hub's exceptions, in one tree.

```
HubError
├── ConfigError            the configuration cannot work; the message names the culprit and fix
├── StartupError           a plugin cannot be loaded or collides with another
├── ConnectorError         a platform call failed (carries the connection's name)
│   ├── TransientError     429, 5xx, timeouts, network: try again later (maybe after retry_after)
│   ├── AuthError          401/403, revoked or expired token, missing scope: the admin must act
│   └── PermanentError     the platform refused this item for good (400, 404, too large)
│       └── NotSupported   the platform cannot do that at all there (edit a chat line): not a fault
├── WebhookRejected        an inbound request failed verification (bad signature, stale, unknown)
│   └── NotAnEvent         a well-formed payload that is no platform event (a request body, a reply)
└── StoreError             the store refused an operation or is unreachable
```

Connectors raise only these; `hub.http.raise_for_status` is the one place HTTP statuses
are mapped to them. Messages never contain secrets.
"""

from __future__ import annotations


class HubError(Exception):
    """Base class of every error the hub raises on purpose."""


class ConfigError(HubError):
    """The configuration cannot work. Each problem names the culprit and the fix."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class StartupError(HubError):
    """A plugin could not be loaded, or two plugins provide the same name."""


class ConnectorError(HubError):
    """A call to a platform failed."""

    def __init__(
        self, message: str, *, connection: str = "", retry_after: float | None = None
    ) -> None:
        self.connection = connection
        self.retry_after = retry_after
        prefix = f'connection "{connection}": ' if connection else ""
        super().__init__(prefix + message)


class TransientError(ConnectorError):
    """Worth retrying later; `retry_after` (seconds) is the platform's own wish, if it said."""


class AuthError(ConnectorError):
    """Credentials are missing, expired, revoked or lack a scope: an admin must act."""


class PermanentError(ConnectorError):
    """The platform refused this item for good; retrying cannot help."""


class NotSupported(PermanentError):
    """The platform cannot do this for that place at all (Basecamp cannot edit a Campfire
    line). The delivery ends without effect and is not a dead letter: nothing went wrong."""


class WebhookRejected(HubError):
    """An inbound request failed verification; answered with `status` and never stored."""

    def __init__(self, reason: str, status: int = 401) -> None:
        self.status = status
        super().__init__(reason)


class NotAnEvent(WebhookRejected):
    """A payload recognised as something other than a platform event: a handshake's answer, a
    request body. It carries no event (`passerelle normalize` says so and goes on); arriving at a
    webhook it is a bad request."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, status=400)


class StoreError(HubError):
    """The store refused an operation or could not be reached."""
