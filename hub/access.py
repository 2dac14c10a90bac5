"""Who may read the admin API: the bearer of the admin token, which always exists.

With no `[web] admin_token` configured, the hub makes one at first start and keeps it in an
owner-only file beside its store (as Jupyter does), so the API is never open by default:
"looks local" cannot be trusted behind a proxy that adds no forwarding header.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from hub.settings import HubSettings
from hub.state_files import read_or_create, state_dir

TOKEN_FILE = "passerelle-admin-token"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True)
class AdminAccess:
    """The token the admin API asks for, and where it comes from."""

    token: SecretStr
    file: Path | None = None  # where a generated token is kept
    configured: bool = False  # [web] admin_token

    def describe(self) -> str:
        if self.configured:
            return "admin API token: [web] admin_token"
        if self.file is not None:
            return (f"admin API token: in {self.file} (owner-only); send it as "
                    "`Authorization: Bearer <token>`")
        return ("admin API token: none is kept for a memory store, so the admin API is "
                "closed; set [web] admin_token to open it")


def admin_access(settings: HubSettings) -> AdminAccess:
    """The configured token, else the generated one (made now if it does not exist yet)."""
    if settings.web.admin_token is not None:
        return AdminAccess(settings.web.admin_token, configured=True)
    folder = state_dir(settings.store.url, settings.store.state_dir)
    if folder is None:  # a token nobody can read: closed
        return AdminAccess(SecretStr(secrets.token_urlsafe(32)))
    path = folder / TOKEN_FILE
    token = read_or_create(path, lambda: secrets.token_urlsafe(32), what="admin token")
    return AdminAccess(SecretStr(token), path)
