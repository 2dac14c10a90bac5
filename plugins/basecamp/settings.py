"""Settings of one Basecamp connection (a `[connections.<name>]` table with `type = "basecamp"`).

Every field has a default so `passerelle normalize` can build a connector from `{"type":
"basecamp"}` alone; what a live connection needs is checked by `problems()` (and so by
`passerelle check`), each problem naming the field and the fix.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveInt

from hub.connector import ConnectionSettings
from hub.credentials import Credential, DoorSecret

DEFAULT_BASE_URL = "https://3.basecampapi.com"
DEFAULT_LAUNCHPAD_URL = "https://launchpad.37signals.com"
# Basecamp's own file hosts: API downloads, blob storage and static previews.
DEFAULT_FILE_HOSTS = ("3.basecampapi.com", "*.basecamp.com", "*.basecamp-static.com")
WEBHOOK_TYPES = ("Message", "Comment", "Todo", "Todolist", "Schedule::Entry", "Upload",
                 "Document")


class BasecampSettings(ConnectionSettings):
    """One Basecamp account reached through one Launchpad OAuth integration."""

    account_id: PositiveInt | None = Field(
        default=None,
        description="the number after https://3.basecamp.com/ in the account's address",
    )
    contact: str | None = Field(
        default=None,
        description="an e-mail address or URL Basecamp can reach the admin at; Basecamp refuses "
        "requests whose User-Agent lacks one",
    )
    app_name: str = Field(default="Passerelle", description="the application name in User-Agent")
    access_token: Credential | None = Field(
        default=None, description="the Launchpad OAuth access token (valid two weeks)"
    )
    refresh_token: Credential | None = Field(
        default=None, description="the Launchpad refresh token, to renew the access token"
    )
    client_id: str | None = Field(
        default=None,
        description="the integration's client_id (launchpad.37signals.com/integrations)",
    )
    client_secret: Credential | None = Field(
        default=None, description="the integration's client_secret"
    )
    launchpad_url: str = Field(
        default=DEFAULT_LAUNCHPAD_URL,
        description="Launchpad, where tokens are refreshed; change only to point at a sandbox",
    )
    webhook_secret: DoorSecret | None = Field(
        default=None,
        description="an unguessable string that ends the webhook URL "
        "(/webhooks/<connection>/<secret>); Basecamp signs nothing, so this is the only check",
    )
    projects: list[PositiveInt] = Field(
        default_factory=list,
        description="project ids whose webhooks `passerelle basecamp webhooks install` manages",
    )
    webhook_types: list[str] = Field(
        default_factory=lambda: list(WEBHOOK_TYPES),
        description="recording types the webhooks subscribe to",
    )
    subscriptions: list[PositiveInt] = Field(
        default_factory=list,
        description="people ids notified of (and subscribed to) each mirrored message; empty: "
        "nobody but the hub's own user",
    )
    notify_whole_project: bool = Field(
        default=False,
        description="true: omit `subscriptions`, so Basecamp notifies everyone on the project",
    )
    campfire_sender: Literal["oauth", "chatbot"] = Field(
        default="oauth",
        description='"oauth": Campfire lines are posted as the OAuth user (they can be deleted '
        'later); "chatbot": as the chatbot of `chatbot_key` (no edits, no deletes, no files)',
    )
    chatbot_key: Credential | None = Field(
        default=None, description="the key in a chatbot's lines_url, for campfire_sender=chatbot"
    )
    initial_lookback_minutes: NonNegativeFloat = Field(
        default=60.0,
        description="how far back the first poll of an endpoint reaches",
    )
    overlap_seconds: NonNegativeFloat = Field(
        default=300.0,
        description="every poll re-reads this much before its cursor: timestamp cursors lose "
        "items tied at a page edge, and the store drops what it has already",
    )
    inactive_retry_minutes: NonNegativeFloat = Field(
        default=15.0,
        description="after Basecamp says the account is inactive, make no call for this long",
    )
    max_pages: PositiveInt = Field(
        default=20, description="at most this many pages per list in one poll"
    )
    file_hosts: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FILE_HOSTS),
        description="hosts attachments may be downloaded from",
    )
    show_author: bool = Field(
        default=True,
        description="start what the hub posts with the original author's name and platform",
    )

    def problems(self, connection: str) -> list[str]:
        """What keeps this connection from reaching Basecamp, each with its fix."""
        where = f'connection "{connection}"'
        found = []
        if self.account_id is None:
            found.append(f"{where}: account_id is not set; it is the number in "
                         "https://3.basecamp.com/<account_id>/ when you open Basecamp")
        if not self.contact:
            found.append(f'{where}: contact is not set; Basecamp refuses requests whose '
                         'User-Agent has no e-mail or URL: set contact = "ops@example.org"')
        if self.access_token is None and not self.can_refresh:
            # With client_id and client_secret, the console's Connect an account page can
            # fetch the tokens instead.
            found.append(f"{where}: access_token is not set; set client_id and client_secret "
                         "and connect the account on the console's Connect an account page, or "
                         "set HUB_CONNECTIONS__<NAME>__ACCESS_TOKEN (see the README)")
        if self.refresh_token is not None and (not self.client_id or self.client_secret is None):
            found.append(f"{where}: refresh_token is set but client_id or client_secret is not; "
                         "tokens expire after two weeks and cannot be renewed without both")
        if self.campfire_sender == "chatbot" and self.chatbot_key is None:
            found.append(f'{where}: campfire_sender = "chatbot" needs chatbot_key (the key in '
                         "the chatbot's lines_url)")
        return found

    @property
    def user_agent(self) -> str:
        """Basecamp's required identification: the app's name and a way to reach its admin."""
        return f"{self.app_name} ({self.contact})"

    @property
    def can_refresh(self) -> bool:
        return bool(self.client_id) and self.client_secret is not None
