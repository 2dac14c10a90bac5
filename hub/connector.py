"""What a connector is: the contract between the core and one platform.

A connector speaks its platform and nothing else. It never touches the store, the router or
the scheduler; the core hands it an `httpx.AsyncClient` (so tests pass respx routes or the
sandbox) and a small `StateBox` for what it must remember (a refreshed token, a webhook id).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Flag, StrEnum, auto
from pathlib import Path
from typing import Any, ClassVar, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError

from hub.errors import ConfigError, WebhookRejected
from hub.events import Actor, Attachment, Event, problems, without_lone_surrogates
from hub.files import DEFAULT_MAX_BYTES, DownloadPolicy
from hub.files import LocalFile as LocalFile  # connectors meet it here, with Outgoing
from hub.people.model import Identity
from hub.rendering.announcement import Announcement
from hub.rendering.original import Original


class Shape(StrEnum):
    """What kind of place an endpoint is; decides how items convert (DESIGN §4)."""

    CHAT = "chat"
    BOARD = "board"
    CALENDAR = "calendar"
    FILES = "files"


class Capability(Flag):
    """What a connector can do; each flag promises one method (checked by the conformance kit)."""

    NONE = 0
    POLL = auto()
    WEBHOOK = auto()
    SEND = auto()
    UPDATE = auto()
    DELETE = auto()
    DOWNLOAD = auto()
    UPLOAD = auto()


class Form(StrEnum):
    """What the hub asks a target to create (DESIGN §4 conversion table)."""

    MESSAGE = "message"
    REPLY = "reply"
    POST = "post"
    COMMENT = "comment"
    CALENDAR = "calendar"
    FILE = "file"
    REACTION = "reaction"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Address:
    """An endpoint's address, `connection/kind/id`; the id may itself contain slashes."""

    connection: str
    kind: str
    id: str

    @classmethod
    def parse(cls, text: str) -> Address:
        parts = text.strip().split("/", 2)
        if len(parts) != 3 or not all(parts):
            raise ConfigError(
                f'endpoint "{text}": expected "connection/kind/id", '
                'for example "lisbon-slack/chat/C0123ABC"'
            )
        return cls(*parts)

    @property
    def endpoint(self) -> str:
        """The part inside the connection, as in `Ref.endpoint`."""
        return f"{self.kind}/{self.id}"

    def __str__(self) -> str:
        return f"{self.connection}/{self.kind}/{self.id}"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a delivery goes, with the bridge's options for that endpoint."""

    address: Address
    shape: Shape
    language: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FileLimits:
    """The hub's own limits on attachments (`[files]`), which every connector's downloads obey."""

    max_bytes: int = DEFAULT_MAX_BYTES
    temp_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What a target connector is asked to show: already translated and ready to render.

    `body` is canonical markup (hub.markup); the connector turns it into its platform's markup.
    `reply_to` is the native id, on the target, of the item this replies to, comments on or
    (for a reaction) reacts to.
    `idempotency_key` stays the same across retries of one delivery, so a connector that can
    tag what it creates (Slack metadata, WhatsApp callback data) can recognise its own work;
    `uncertain` says when that matters: a previous attempt may have made the item.
    """

    form: Form
    event: Event
    title: str | None
    body: str
    idempotency_key: str
    reply_to: str | None = None
    files: tuple[LocalFile, ...] = ()
    source_label: str = ""  # the source platform as people write it ("WhatsApp")
    # An earlier attempt of this very delivery died half-way (the hub was killed) or failed:
    # the platform may hold the item already, made no earlier than `since` (when the first
    # attempt began). A connector that can look (by idempotency_key, or among what it made
    # since then) should adopt it instead of making a second one.
    uncertain: bool = False
    since: datetime | None = None
    # A calendar event told where there is no calendar: its time, place and link already in
    # the readers' language and zone (hub.rendering); the connector shows it in its idiom.
    announcement: Announcement | None = None
    # What the author wrote, for readers of its translation (the bridge's show_original).
    original: Original | None = None
    # The author as the network knows them, the same on every platform ("Ana Souza, Lisbon");
    # None where the people's directory does not know them.
    signed_as: str | None = None
    # People the item mentions who have an account on the target's connection and want a
    # mention to reach them there even where they muted the place (their native ids there).
    mentioned: tuple[str, ...] = ()

    @property
    def author(self) -> str:
        """The visible author line, e.g. `Ana Souza, Lisbon (WhatsApp)`."""
        label = self.source_label or self.event.source.platform.capitalize()
        return f"{self.signed_as or self.event.actor.name} ({label})"


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a target made: its native id, so edits, deletes and echoes can be traced.

    `notice` is canonical markup the hub posts back, as a reply to the origin item, on the
    bridge's other endpoints (a Zoom meeting's join link going back to the calendar entry).
    `others` are linked too, so none of them ever comes back as an echo.
    """

    native_id: str
    notice: str | None = None
    others: tuple[str, ...] = ()  # further items the same delivery made (several uploads)


@dataclass(frozen=True, slots=True)
class PollResult:
    """Events found by a poll, oldest first, and the cursor to resume from (None: unchanged)."""

    events: Sequence[Event]
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """A platform's report on something the hub sent (WhatsApp `statuses[]`, for example)."""

    native_id: str
    state: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """An inbound HTTP request, as received: the raw body is what signatures cover."""

    method: str
    path: str
    query: Sequence[tuple[str, str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    received_at: datetime

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def query_value(self, name: str) -> str | None:
        return next((value for key, value in self.query if key == name), None)

    def json(self) -> Any:
        """The body's JSON, or WebhookRejected (400) saying why it is none.

        Strict: `NaN` and `Infinity`, which Python reads but JSON does not have, are refused, and
        so is nesting deep enough to exhaust the decoder's stack. A lone UTF-16 surrogate
        (`"\\ud800"`: valid JSON, yet no text) becomes U+FFFD: the message is kept, and what
        carries it can be stored, echoed and signed like any other text.
        """
        try:
            payload = json.loads(self.body, parse_constant=_not_json)
        except (ValueError, RecursionError) as exc:
            raise WebhookRejected(f"body is not JSON: {exc}", status=400) from None
        return without_lone_surrogates(payload)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


# What a pure mapping raises on a payload whose fields have shapes its platform never sends;
# pydantic's ValidationError (a ValueError) says a value the canonical event cannot hold.
MALFORMED = (ValueError, TypeError, AttributeError, KeyError, IndexError, ArithmeticError)


def unreadable(what: str, exc: Exception) -> WebhookRejected:
    """The 400 for a payload a pure mapping could not read (one of MALFORMED): the platform
    sending the same body again cannot help, so it is no reason to answer "try again later"."""
    if isinstance(exc, ValidationError):
        return WebhookRejected(f"{what}: {problems(exc)}", status=400)
    return WebhookRejected(f"{what}: a field has an unexpected shape ({type(exc).__name__})",
                           status=400)


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """A reply the connector gives itself, for handshakes (challenges, URL validation)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"


@dataclass(frozen=True, slots=True)
class Inbound:
    """What a verified webhook carried: content events, reports on the hub's own sends, and
    members' answers to events (hub/calendar/answers.py: an `Answer`)."""

    events: Sequence[Event] = ()
    statuses: Sequence[DeliveryStatus] = ()
    answers: Sequence[Any] = ()


class StateBox(Protocol):
    """Small durable memory of one connection (tokens, webhook ids); backed by the store.

    Written during a delivery, a value is committed with the attempt's end (done or failed),
    and lost with it if the hub dies first; the retry is then `uncertain`. `now=True` makes a
    write durable before the call returns: a note that must survive the attempt's crash.
    """

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, *, now: bool = False) -> None: ...

    async def delete(self, key: str, *, now: bool = False) -> None: ...


class MemoryStateBox:
    """A StateBox kept in memory: for commands that run without a store, and for tests."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def set(self, key: str, value: str, *, now: bool = False) -> None:
        self.values[key] = value

    async def delete(self, key: str, *, now: bool = False) -> None:
        self.values.pop(key, None)


class ConnectionSettings(BaseModel):
    """Settings every connection has; each connector's `settings_model` extends it.

    Secrets are `SecretStr` fields in the subclass. Each may also be given as `<name>_file`, a path
    whose content is the secret (see hub.settings).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    base_url: str | None = Field(
        default=None, description="API base URL; set only to point at a sandbox or a proxy"
    )
    rate_per_second: PositiveFloat | None = Field(
        default=None, description="at most this many calls a second to the platform"
    )
    own_identities: list[str] = Field(
        default_factory=list,
        description="native ids of the hub's own accounts: what they post is never mirrored",
    )
    poll_interval_seconds: PositiveFloat | None = Field(
        default=None, description="overrides [scheduler].poll_interval_seconds for this connection"
    )


class Connector:
    """One platform. Subclasses set the class attributes and implement what they promise.

    Errors: raise only hub.errors (use hub.http.raise_for_status for HTTP statuses).
    """

    name: ClassVar[str]
    display_name: ClassVar[str] = ""  # as people write it, e.g. "WhatsApp"; default: Name
    capabilities: ClassVar[Capability] = Capability.NONE
    settings_model: ClassVar[type[ConnectionSettings]] = ConnectionSettings
    endpoint_kinds: ClassVar[Mapping[str, Shape]] = {shape.value: shape for shape in Shape}
    default_base_url: ClassVar[str] = ""
    # Announcements of calendar events carry their .ics invitation here (Capability.UPLOAD):
    # set where a file is how the platform's people add an event to their calendar.
    invitations: ClassVar[bool] = False
    # Set by the hub from `[files]` when it builds the network.
    files: FileLimits = FileLimits()

    def __init__(
        self,
        connection: str,
        settings: ConnectionSettings,
        http: httpx.AsyncClient,
        state: StateBox,
    ) -> None:
        self.connection = connection
        self.settings = settings
        self.http = http
        self.state = state

    @property
    def base_url(self) -> str:
        return self.settings.base_url or self.default_base_url

    def shape_of(self, address: Address) -> Shape:
        """The shape of an endpoint of this connector, or ConfigError naming the fix."""
        try:
            return self.endpoint_kinds[address.kind]
        except KeyError:
            kinds = ", ".join(sorted(self.endpoint_kinds))
            raise ConfigError(
                f'endpoint "{address}": a {self.name} connection has no "{address.kind}" '
                f"endpoints; use one of: {kinds}"
            ) from None

    def download_policy(self, hosts: Iterable[str], *, max_bytes: int | None = None
                        ) -> DownloadPolicy:
        """Where this connector may download from, under the smaller of its platform's cap and
        the hub's, into the hub's temporary folder (use with hub.files.fetch)."""
        cap = min(max_bytes or self.files.max_bytes, self.files.max_bytes)
        return DownloadPolicy.build(hosts, base_url=self.settings.base_url, max_bytes=cap,
                                    temp_dir=self.files.temp_dir)

    def is_own(self, native_actor_id: str) -> bool:
        """True when an actor is the hub itself on this platform."""
        return native_actor_id in self.settings.own_identities

    async def check(self, *, online: bool) -> list[str]:
        """Confirm the connection works; return lines for the admin. Offline: settings only."""
        return []

    async def poll(self, address: Address, cursor: str | None) -> PollResult:
        """New events of one endpoint since `cursor`, oldest first. Needs Capability.POLL."""
        raise NotImplementedError

    async def verify_webhook(self, request: WebhookRequest) -> WebhookAnswer | None:
        """Raise WebhookRejected for a bad request; answer handshakes; None lets it through."""
        raise NotImplementedError

    async def receive(self, request: WebhookRequest) -> Inbound:
        """Turn a verified webhook into events; the default parses its JSON body."""
        payload = request.json()
        try:
            return Inbound(events=self.parse(payload))
        except MALFORMED as exc:
            raise unreadable(f'connection "{self.connection}": unreadable payload', exc) from exc

    def parse(self, payload: Any) -> list[Event]:
        """Pure: one raw platform payload to canonical events (also `passerelle normalize`)."""
        raise NotImplementedError

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        """Create an item on the target. Needs Capability.SEND (and UPLOAD for files)."""
        raise NotImplementedError

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        """Change an item the hub made. Needs Capability.UPDATE."""
        raise NotImplementedError

    async def delete(self, target: Target, native_id: str) -> None:
        """Remove an item the hub made. Needs Capability.DELETE."""
        raise NotImplementedError

    @classmethod
    def platform_name(cls) -> str:
        """The platform as people write it ("WhatsApp"): `display_name`, else the name."""
        return cls.display_name or cls.name.capitalize()

    async def permalink(self, event: Event) -> str | None:
        """Where people open the item of `event`, one of this connector's, on its platform;
        None where it has no address. Translations link to it (show_original = "link")."""
        return None

    async def copy_link(self, address: Address, native_id: str) -> str | None:
        """Where people open an item the hub made on `address` (`native_id`, as its delivery
        recorded it), for the console's live stream; None where the platform gives no address
        or this connector cannot tell it without asking the platform for each item."""
        return None

    def identity_of(self, actor: Actor) -> Identity:
        """An event's author as the people's directory meets them. A connector whose users
        are phone numbers (WhatsApp) says so here: the number is what matches them."""
        return Identity(self.connection, self.name, actor.native_id, actor.name,
                        email=actor.email)

    async def people(self) -> Sequence[Identity]:
        """The users of this connection as the platform lists them, with the verified e-mail
        addresses and profile it gives; empty where it lists none. Read when the hub starts
        and every `[people] refresh_minutes`; a failure is logged and tried again then."""
        return ()

    async def download(self, attachment: Attachment) -> LocalFile:
        """Fetch an attachment into a temporary file via hub.files. Needs Capability.DOWNLOAD."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release what the connector holds; the HTTP client belongs to the core."""


CAPABILITY_METHODS: Mapping[Capability, str] = {
    Capability.POLL: "poll",
    Capability.WEBHOOK: "verify_webhook",
    Capability.SEND: "send",
    Capability.UPDATE: "update",
    Capability.DELETE: "delete",
    Capability.DOWNLOAD: "download",
}
