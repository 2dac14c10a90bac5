"""Settings of one Zoom connection (a `[connections.<name>]` table with `type = "zoom"`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from hub.connector import ConnectionSettings
from hub.credentials import Credential, DoorSecret

PLATFORM = "zoom"
DEFAULT_API_URL = "https://api.zoom.us"
DEFAULT_OAUTH_URL = "https://zoom.us"
DEFAULT_FILE_API_URL = "https://file.zoom.us"

# Zoom names interpretation languages in English (`interpreter_languages: "English,French"`);
# the hub speaks BCP-47. Only the primary subtag matters to Zoom's list.
INTERPRETATION_LANGUAGES: dict[str, str] = {
    "ar": "Arabic", "de": "German", "en": "English", "es": "Spanish", "fr": "French",
    "hi": "Hindi", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "sv": "Swedish",
    "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}


def primary_language(code: str) -> str:
    """`pt-BR` → `pt`: interpretation channels are per language, not per region."""
    return code.strip().replace("_", "-").split("-", 1)[0].lower()


class Interpreter(BaseModel):
    """A person who interprets between two languages in the network's meetings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", description="their Zoom sign-in email")
    languages: tuple[str, str] = Field(
        description='the two BCP-47 languages they interpret between, e.g. ["en", "pt"]'
    )

    @field_validator("languages")
    @classmethod
    def _known(cls, value: tuple[str, str]) -> tuple[str, str]:
        pair = (primary_language(value[0]), primary_language(value[1]))
        for code in pair:
            if code not in INTERPRETATION_LANGUAGES:
                known = ", ".join(sorted(INTERPRETATION_LANGUAGES))
                raise ValueError(f'Zoom interpretation has no language "{code}"; use one of '
                                 f"{known}")
        if pair[0] == pair[1]:
            raise ValueError(f'an interpreter needs two different languages, not "{pair[0]}" '
                             "twice")
        return pair


class ZoomSettings(ConnectionSettings):
    """One Zoom account reached through a Server-to-Server OAuth app, or through a
    user-authorized (general, user-managed) app connected from the console.

    Endpoints: `calendar/<host user id>` (meetings that user hosts), `files/<host user id>`
    (that user's cloud recordings), `chat/<channel id>` (a Team Chat channel).
    """

    authorization: Literal["server_to_server", "user"] = Field(
        default="server_to_server",
        description='"server_to_server": tokens minted with account_id, client_id and '
        'client_secret; "user": a user-authorized (general, user-managed) app, connected on the '
        "console's Connect an account page (or access_token and refresh_token)",
    )
    account_id: str = Field(
        default="", description="the app's Account ID (App Credentials page of the S2S app); "
        'not used with authorization = "user"'
    )
    client_id: str = Field(default="", description="the app's Client ID")
    client_secret: Credential = Field(description="the app's Client Secret")
    access_token: Credential | None = Field(
        default=None, description="a user-authorized app's access token, when it was not "
        'connected from the console (which keeps its own); read only with authorization = "user"'
    )
    refresh_token: Credential | None = Field(
        default=None, description="a user-authorized app's refresh token, to renew access_token"
    )
    secret_token: DoorSecret = Field(
        description="the app's Secret Token (Feature → Event Subscriptions): signs webhooks"
    )
    oauth_url: str = Field(
        default=DEFAULT_OAUTH_URL,
        description="where tokens are minted; set only to point at a sandbox",
    )
    file_api_url: str | None = Field(
        default=None,
        description="where Team Chat files are uploaded (https://file.zoom.us, or base_url when "
        "that is set); set only to point at a sandbox",
    )
    chat_user: str = Field(
        default="me",
        description="the user (id or email) the hub posts Team Chat messages as; must be a "
        "member of the bridged channels",
    )
    interpreters: list[Interpreter] = Field(
        default_factory=list,
        description="interpreters assigned to meetings the hub creates, when both of their "
        "languages are among the bridge's languages",
    )
    default_duration_minutes: PositiveInt = Field(
        default=60, description="length of a meeting whose calendar event has no end"
    )
    recording_lookback_days: PositiveInt = Field(
        default=7, le=30, description="how far back the first poll of a recordings endpoint looks"
    )
    recording_file_types: list[str] = Field(
        default_factory=lambda: ["MP4", "M4A", "TRANSCRIPT", "CC", "CHAT"],
        description="which cloud recording files are mirrored (Zoom's file_type: MP4, M4A, "
        "TRANSCRIPT, CC, CHAT, CSV, TIMELINE, SUMMARY…)",
    )
    max_file_bytes: PositiveInt = Field(
        default=100 * 1024 * 1024, description="recordings larger than this are not downloaded"
    )
    file_hosts: list[str] = Field(
        default_factory=lambda: ["zoom.us", "*.zoom.us"],
        description="hosts recordings may be downloaded from",
    )
    webhook_tolerance_seconds: PositiveInt = Field(
        default=300, description="oldest x-zm-request-timestamp accepted (replay window)"
    )
