"""What the archive keeps and answers: items with their texts, the filters of a search, and
what a search found. Plain values, shared by the store, the indexer, the CLI and the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

Key = tuple[str, str]  # (connection, native_id): an item where it was written


class ItemKind(StrEnum):
    """What an item is to its readers, whatever its platform calls it."""

    POST = "post"
    COMMENT = "comment"
    CHAT = "chat"
    EVENT = "event"
    FILE = "file"


@dataclass(frozen=True)
class ItemText:
    """An item's title and body in one language: as written, or as the hub translated it."""

    language: str  # a primary subtag; "" where nobody could tell
    title: str | None
    body: str  # plain text
    original: bool
    provider: str | None = None
    # Found but not shown: the names of its files and the text inside them.
    extra: str = ""


@dataclass(frozen=True)
class Copy:
    """Where the hub mirrored an item."""

    connection: str
    endpoint: str
    native_id: str


@dataclass(frozen=True)
class ArchivedItem:
    """One item as it stands now, with every text of it."""

    connection: str
    native_id: str
    endpoint: str
    platform: str
    kind: ItemKind
    event_id: str
    author: str
    author_id: str  # platform:native_id
    language: str | None
    occurred_at: datetime
    parent: Key | None
    thread: Key
    url: str | None
    files: tuple[str, ...]
    texts: tuple[ItemText, ...]
    copies: tuple[Copy, ...] = ()

    @property
    def key(self) -> Key:
        return (self.connection, self.native_id)

    @property
    def address(self) -> str:
        return f"{self.connection}/{self.endpoint}"

    def original(self) -> ItemText:
        return next((t for t in self.texts if t.original), self.texts[0])

    def text_in(self, language: str | None) -> ItemText:
        """The text a reader of `language` reads: theirs, else the original."""
        return next((t for t in self.texts if language and t.language == language),
                    self.original())


@dataclass(frozen=True)
class Filters:
    """What narrows a search or an export; an empty field narrows nothing."""

    platforms: frozenset[str] = frozenset()
    endpoints: frozenset[str] = frozenset()  # connection/kind/id
    authors: frozenset[str] = frozenset()  # a name (any case) or platform:native_id
    languages: frozenset[str] = frozenset()  # the item's own language
    kinds: frozenset[ItemKind] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    has_file: bool | None = None


@dataclass(frozen=True)
class Probe:
    """The query as readers of one language would write it: matched against that language's
    texts only, with that language's stemming."""

    language: str
    query: str


@dataclass(frozen=True)
class Found:
    """An item a search found, with the text that matched best and how well."""

    item: ArchivedItem
    score: float
    language: str  # of the text that matched


@dataclass(frozen=True)
class Erased:
    """What `forget` took away."""

    items: int = 0
    texts: int = 0
    events: int = 0
    deliveries: int = 0
    translations: int = 0  # cached translations of their words
    authors: tuple[str, ...] = field(default=())
