"""Settings: one TOML file, overridden by `HUB_*` environment variables.

The file is `--config`, else `$PASSERELLE_CONFIG`, else `config/passerelle.toml` when it
exists, else none (the embedded defaults). Nested keys use `__` in the environment:
`HUB_STORE__URL`, `HUB_CONNECTIONS__LISBON_SLACK__BOT_TOKEN` (a connection's name matches
whatever its case and whether it spells `-` or `_`). Any key `<name>_file` is replaced by the
content of that file, the usual way to hand a secret to a container.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hub.credentials import DoorSecret, StoreKey
from hub.errors import ConfigError
from hub.events import Kind
from hub.rendering.when import time_zone
from hub.translate.settings import TranslationSettings

if TYPE_CHECKING:
    from hub.serving import ServerLimits

DEFAULT_CONFIG = Path("config/passerelle.toml")
CONFIG_ENV = "PASSERELLE_CONFIG"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Direction(StrEnum):
    """Which way content flows between an endpoint and its bridge."""

    IN = "in"  # the endpoint feeds the bridge, receives nothing
    OUT = "out"  # the endpoint receives from the bridge, feeds nothing
    BOTH = "both"

    @property
    def feeds(self) -> bool:
        return self is not Direction.OUT

    @property
    def receives(self) -> bool:
        return self is not Direction.IN


class Render(StrEnum):
    """How translated text is shown on an endpoint."""

    TRANSLATED = "translated"  # the translation, naming the original language
    BOTH = "both"  # the translation followed by the original
    ORIGINAL = "original"  # never translated


class ShowOriginal(StrEnum):
    """Whether readers of a translation also see what was written, in their platform's idiom."""

    NONE = "none"
    BELOW = "below"  # the original under the translation (Slack context block, WhatsApp quote)
    LINK = "link"  # a link to it on its platform; below where its platform gives no address


class EndpointSettings(_Section):
    at: str = Field(description='"connection/kind/id"')
    direction: Direction = Direction.BOTH
    kinds: list[Kind] | None = Field(default=None,
                                     description="event kinds that pass; all if unset")
    language: str | None = Field(default=None, description="BCP-47 language its people read")
    timezone: str | None = Field(
        default=None, description='IANA time zone its people live in ("Europe/Lisbon"): '
        "calendar events are announced in it; unset, in the zone the event was planned in, "
        "else UTC")
    render: Render = Render.TRANSLATED
    options: dict[str, Any] = Field(default_factory=dict, description="connector-specific")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        time_zone(value)  # a name this system cannot read is refused here, at load
        return value.strip()


class BridgeSettings(_Section):
    translate: bool = True
    show_original: ShowOriginal = Field(
        default=ShowOriginal.NONE, description="show readers of a translation the original: "
        '"none", "below" it, or a "link" to it')
    endpoints: list[EndpointSettings] = Field(default_factory=list)


class StoreSettings(_Section):
    url: str = Field(default="sqlite:///passerelle.db", description="SQLAlchemy URL")
    state_dir: Path | None = Field(
        default=None,
        description="where the hub keeps the files it generates (admin token, store key), "
        "owner-only; default: the SQLite file's folder, else the working directory")
    encryption_keys: list[StoreKey] = Field(
        default_factory=list,
        description="keys encrypting what connections keep in the store, newest first (make "
        "one with `passerelle store new-key`); empty: a key kept in "
        "state_dir/passerelle-store.key, made at first start")


class WebSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8470, ge=0, le=65535)
    public_url: str | None = Field(default=None, description="how platforms reach this hub")
    max_body_bytes: PositiveInt = 1_048_576
    max_connections: PositiveInt = Field(
        default=256, description="open connections (idle and half-sent included) beyond which "
        "a request is answered 503")
    header_timeout_seconds: PositiveFloat = Field(
        default=10.0, description="a request's headers must arrive within this, or the "
        "connection is closed")
    body_timeout_seconds: PositiveFloat = Field(
        default=30.0, description="a request's whole body must arrive within this, or 408")
    max_buffered_body_bytes: PositiveInt = Field(
        default=16 * 1024 * 1024, description="request body bytes held at once across all "
        "requests; a body that would go past it is answered 503 with Retry-After")
    admin_token: DoorSecret | None = Field(
        default=None,
        description="bearer token required by /api; unset: one is generated in "
        "state_dir/passerelle-admin-token (owner-only) at first start",
    )
    console_session_hours: PositiveFloat = Field(
        default=12.0, description="how long a sign-in to the console (/admin) lasts")


    @model_validator(mode="after")
    def _budget_holds_a_whole_body(self) -> WebSettings:
        if self.max_buffered_body_bytes < self.max_body_bytes:
            raise ValueError(f"max_buffered_body_bytes ({self.max_buffered_body_bytes}) is "
                             f"below max_body_bytes ({self.max_body_bytes}): every full-size "
                             "webhook would be refused; raise it or lower max_body_bytes")
        return self

    @property
    def limits(self) -> ServerLimits:
        """What the web server holds to (hub/serving.py)."""
        from hub.serving import ServerLimits

        return ServerLimits(self.max_connections, self.header_timeout_seconds,
                            self.body_timeout_seconds, self.max_buffered_body_bytes)


class SchedulerSettings(_Section):
    poll_interval_seconds: PositiveFloat = 60.0
    poll_jitter_seconds: NonNegativeFloat = 5.0
    # New events are routed and delivered at once (the pump is woken); this beat is for what
    # falls due with time: retries, and events other processes stored (PostgreSQL). Each beat
    # asks the store, so it is what an idle hub costs (bench/idle.py).
    delivery_interval_seconds: PositiveFloat = 1.0
    route_batch: PositiveInt = 500


class DeliverySettings(_Section):
    max_attempts: PositiveInt = 10
    max_age_seconds: PositiveFloat = 86_400.0
    backoff_base_seconds: PositiveFloat = 2.0
    backoff_cap_seconds: PositiveFloat = 900.0
    lease_seconds: PositiveFloat = 300.0
    batch: PositiveInt = 100
    concurrency: PositiveInt = 8
    stop_grace_seconds: PositiveFloat = Field(
        default=20.0, description="on SIGTERM or SIGINT, how long deliveries under way may "
        "take to finish; past it they are released for the next start (or another instance)")


class FilesSettings(_Section):
    max_bytes: PositiveInt = 100 * 1024 * 1024
    temp_dir: Path | None = None


class ArchiveSettings(_Section):
    enabled: bool = Field(default=True, description="keep every item that flows, with its "
                          "translations, searchable (passerelle search, the console, /api/search)")
    file_text: bool = Field(default=True, description="also index the text inside PDF and "
                            "office files (downloaded once from their platform)")
    file_text_max_bytes: PositiveInt = Field(default=20 * 1024 * 1024, description="larger "
                                             "files are found by their name only")
    batch: PositiveInt = 200


class CalendarSettings(_Section):
    reminders_minutes_before: list[PositiveInt] = Field(
        default_factory=lambda: [24 * 60, 60], description="before each event a bridge "
        "carries, a reminder to every chat and board of the bridge, this many minutes before "
        "its start (empty: none)")


class PeopleSettings(_Section):
    file: Path | None = Field(
        default=None, description="the people file: each member's name, city, role, "
        "languages, expertise and the addresses that match their accounts (docs/people.md)")
    refresh_minutes: PositiveInt = Field(
        default=60, description="how often each connection's member list is read again")


class GroupSettings(_Section):
    """An expertise group: posts carrying one of its hashtags also go to its places."""

    title: str | None = Field(default=None, description="its name as people read it")
    hashtags: list[str] = Field(
        default_factory=list, description='in every language its members write: '
        '["#mobility", "#mobilité", "#mobilidade", "#movilidad"]')
    translate: bool = True
    endpoints: list[EndpointSettings] = Field(
        default_factory=list, description="where its tagged posts go (direction \"out\" "
        "unless said otherwise)")
    question_reminder_minutes: PositiveInt | None = Field(
        default=None, description="a question (\"?\" with the group's hashtag) nobody "
        "answered this long after is reminded to the group once; unset: never")


LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


class LoggingSettings(_Section):
    format: Literal["text", "json"] = Field(
        default="text", description='"text": one readable line per record; "json": one JSON '
        "object per line (time, level, logger, message, exception), for a log collector")
    level: str = Field(default="info", description="for every logger not named in `levels`")
    levels: dict[str, str] = Field(
        default_factory=dict, description='per logger and its children: { "hub.delivery" = '
        '"debug", "httpx" = "warning" }')

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        return _level_name(value)

    @field_validator("levels")
    @classmethod
    def _known_levels(cls, value: dict[str, str]) -> dict[str, str]:
        return {logger: _level_name(level) for logger, level in value.items()}


def _level_name(value: str) -> str:
    name = value.strip().lower()
    if name not in LOG_LEVELS:
        raise ValueError(f"unknown log level {value!r}; use one of {', '.join(LOG_LEVELS)}")
    return name


class PluginsSettings(_Section):
    allow: list[str] | None = Field(default=None, description="load only these plugins")
    block: list[str] = Field(default_factory=list, description="never load these plugins")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where `load_settings` read the settings from: `file` (None: no file at all, only the
    environment and the defaults), the TOML it held then, and the environment then. Kept as
    read, so what the console says of the running settings stays true after the file or the
    environment changes under them."""

    file: Path | None
    data: Mapping[str, Any]
    environ: Mapping[str, str]


class HubSettings(BaseSettings):
    """Everything an admin configures."""

    model_config = SettingsConfigDict(
        env_prefix="HUB_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )
    _provenance: Provenance | None = PrivateAttr(default=None)

    store: StoreSettings = Field(default_factory=StoreSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    files: FilesSettings = Field(default_factory=FilesSettings)
    plugins: PluginsSettings = Field(default_factory=PluginsSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    translation: TranslationSettings = Field(default_factory=TranslationSettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    people: PeopleSettings = Field(default_factory=PeopleSettings)
    # Each connection is validated by its connector's settings model (hub.network).
    connections: dict[str, dict[str, Any]] = Field(default_factory=dict)
    bridges: dict[str, BridgeSettings] = Field(default_factory=dict)
    groups: dict[str, GroupSettings] = Field(default_factory=dict)

    @property
    def provenance(self) -> Provenance | None:
        """Where these settings were read (None: built in code, as the demo's are)."""
        return self._provenance

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init arguments; the environment must win over them.
        return (env_settings, init_settings)

    @model_validator(mode="before")
    @classmethod
    def _prepare(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = _read_secret_files(data)
            if isinstance(data.get("connections"), dict):
                data["connections"] = _merge_connection_spellings(data["connections"])
        return data


def config_path(explicit: Path | None = None) -> Path | None:
    """The file to read: --config, else $PASSERELLE_CONFIG, else the default if it exists."""
    if explicit is not None:
        return explicit
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def load_settings(explicit: Path | None = None) -> HubSettings:
    """Read and validate the settings, or raise ConfigError saying what to fix."""
    path = config_path(explicit)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist; pass --config PATH") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    try:
        settings = HubSettings(**copy.deepcopy(data))  # `data` is kept as the file said it
    except ValidationError as exc:
        where = f"config {path}" if path else "settings"
        raise ConfigError([f"{where}: {line}" for line in describe_validation(exc)]) from None
    settings._provenance = Provenance(path, data, dict(os.environ))
    return settings


def describe_validation(exc: ValidationError) -> list[str]:
    """Pydantic's errors as one readable line each, never echoing the input (it may be secret)."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"{location}: {error['msg']}")
    return lines


def _read_secret_files(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            result[key] = _read_secret_files(value)
        elif key.endswith("_file") and isinstance(value, str) and key[:-5] not in data:
            try:
                result[key[:-5]] = Path(value).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"{key}: cannot read secret file {value} ({exc.strerror}); "
                    "check the path and its permissions"
                ) from None
        else:
            result[key] = value
    return result


def _spelling(name: str) -> str:
    return name.lower().replace("-", "_")


def connection_variable(connection: str, key: str) -> str:
    """The environment variable that sets `key` of a connection: a shell takes no "-" in a
    name, so `lisbon-slack` is spelled LISBON_SLACK (folded back into its table at load)."""
    return f"HUB_CONNECTIONS__{_spelling(connection).upper()}__{key.upper()}"


def _merge_connection_spellings(connections: dict[str, Any]) -> dict[str, Any]:
    """Fold `HUB_CONNECTIONS__LISBON_SLACK__X` into the file's `lisbon-slack` table."""
    by_spelling: dict[str, str] = {}
    merged: dict[str, Any] = {}
    # Names that carry a `type` came from the file: they keep their spelling.
    for name in sorted(connections, key=lambda n: "type" not in (connections[n] or {})):
        value = connections[name]
        canonical = by_spelling.setdefault(_spelling(name), name)
        if canonical != name and isinstance(value, dict) and "type" in value:
            # Two tables of the file: merged, one would silently take the other's secrets.
            raise ConfigError(
                f'connections "{canonical}" and "{name}" differ only by "-" and "_" or by '
                "case, and the environment cannot tell them apart; rename one")
        if canonical == name:
            merged[name] = dict(value) if isinstance(value, dict) else value
        elif isinstance(value, dict) and isinstance(merged[canonical], dict):
            merged[canonical].update(value)
    return merged
