"""Settings of one Slack connection (a `[connections.<name>]` table with `type = "slack"`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt

from hub.connector import ConnectionSettings
from hub.credentials import Credential, DoorSecret

DEFAULT_BASE_URL = "https://slack.com/api"


class SlackSettings(ConnectionSettings):
    """One Slack app installed in one workspace: its bot token and its signing secret."""

    bot_token: Credential = Field(
        description="the app's Bot User OAuth Token (xoxb-…), under OAuth & Permissions"
    )
    signing_secret: DoorSecret = Field(
        description="the app's Signing Secret, under Basic Information → App Credentials"
    )
    show_author_as: Literal["customize", "prefix"] = Field(
        default="customize",
        description='"customize": post under the author\'s name and avatar (needs the scope '
        'chat:write.customize); "prefix": a visible "Name (Platform):" line',
    )
    channel_interval_seconds: PositiveFloat = Field(
        default=1.0,
        description="least time between two posts to one channel (Slack allows about one a second)",
    )
    history_calls_per_minute: PositiveFloat = Field(
        default=50.0,
        description="catch-up budget for conversations.history/replies: 50 (Tier 3) for internal "
        "and Marketplace apps, 1 for other distributed apps",
    )
    history_page_size: PositiveInt = Field(
        default=100, le=999,
        description="messages per catch-up call (at most 15 for non-Marketplace distributed apps)",
    )
    metadata_event_type: str = Field(
        default="passerelle_mirror", pattern=r"^[A-Za-z0-9_]+$",
        description="message metadata event_type that marks the hub's own posts",
    )
    answer_buttons: bool = Field(
        default=False,
        description="put I'll come / I can't / Maybe buttons under announcements and reminders; "
        "turn on once the app's Interactivity Request URL is "
        "https://<host>/webhooks/<connection>/interactivity (a click elsewhere shows an error)",
    )
    file_hosts: list[str] = Field(
        default_factory=lambda: ["files.slack.com"],
        description="hosts attachments may be downloaded from (with the bot token)",
    )
    upload_share_wait_seconds: float = Field(
        default=3.0, ge=0,
        description="how long to wait for Slack to share an uploaded file before giving its "
        "file id instead of the message ts",
    )
