"""The store's tables (DESIGN §6). One schema serves SQLite and PostgreSQL.

Times that the hub compares (due, leases, ages) are epoch seconds as floats: portable,
timezone-free and cheap to index. Events themselves keep their aware datetimes in `body`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid, so the big type is PostgreSQL's.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", Float, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("connection", String(200), nullable=False),
    Column("endpoint", String(500), nullable=False),
    Column("native_id", String(500), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("revision", String(200), nullable=False),
    Column("parent_connection", String(200)),
    Column("parent_native_id", String(500)),
    Column("stored_at", Float, nullable=False),
    Column("body", Text, nullable=False),  # the canonical event as JSON
    UniqueConstraint("connection", "native_id", "kind", "revision", name="events_dedupe"),
)
Index("events_by_item", events.c.connection, events.c.native_id)
# Calendar events are a few among many messages: the calendar's read model finds them so.
Index("events_by_kind", events.c.kind, events.c.seq)

cursors = Table(
    "cursors",
    metadata,
    Column("connection", String(200), nullable=False),
    Column("endpoint", String(500), nullable=False),
    Column("value", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
    PrimaryKeyConstraint("connection", "endpoint"),
)

tracking = Table(
    "tracking",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("position", SeqType, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("event_seq", SeqType, nullable=False),
    Column("bridge", String(200), nullable=False),
    Column("target", String(700), nullable=False),
    Column("form", String(20), nullable=False),
    Column("action", String(20), nullable=False),
    Column("ordering_key", String(1500), nullable=False),
    Column("status", String(20), nullable=False),  # pending, done, dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("age_from", Float, nullable=False),  # reset by a replay, so max_age starts again
    Column("next_attempt_at", Float, nullable=False),
    Column("claimed_until", Float, nullable=False, default=0.0),
    # A parked row waits for something else (its parent's copy) and lets later rows pass.
    Column("parked", Boolean, nullable=False, default=False),
    # Claimed and not yet settled (done, rescheduled, dead): found so at the next claim, the
    # worker that held it died mid-attempt, and the platform may already have the item.
    Column("unsettled", Boolean, nullable=False, default=False),
    # When the first attempt began (kept across retries and replays): whatever an earlier
    # attempt may have made on the platform is no older, so that is where a retry looks.
    Column("attempted_at", Float),
    Column("finished_at", Float),
    Column("last_error", Text),
    Column("native_id", String(500)),
    Column("platform_state", String(40)),  # what the platform reported later (read, failed)
    UniqueConstraint("event_seq", "target", name="deliveries_once"),
)
Index("deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)
Index("deliveries_ordering", deliveries.c.ordering_key, deliveries.c.status, deliveries.c.id)

links = Table(
    "links",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("origin_connection", String(200), nullable=False),
    Column("origin_endpoint", String(500), nullable=False),
    Column("origin_native_id", String(500), nullable=False),
    Column("connection", String(200), nullable=False),
    Column("endpoint", String(500), nullable=False),
    Column("native_id", String(500), nullable=False),
    Column("role", String(20), nullable=False),  # copy: the mirror of the item; notice: a reply
    Column("delivery_id", SeqType),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("connection", "native_id", name="links_made_once"),
)
Index(
    "links_by_origin",
    links.c.origin_connection,
    links.c.origin_native_id,
    links.c.connection,
    links.c.endpoint,
)

translations = Table(
    "translations",
    metadata,
    Column("key", String(64), primary_key=True),  # sha256 of text, languages, provider, glossary
    Column("provider", String(100), nullable=False),
    Column("source", String(20), nullable=False),
    Column("target", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

translation_usage = Table(
    "translation_usage",
    metadata,
    Column("provider", String(100), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM, UTC
    Column("characters", BigInteger, nullable=False),
    PrimaryKeyConstraint("provider", "month"),
)

# Per-connection memory: refreshed tokens, webhook ids, and the status an admin sees.
connection_state = Table(
    "connection_state",
    metadata,
    Column("connection", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("value", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
    PrimaryKeyConstraint("connection", "key"),
)

# The network's memory (hub/archive/): one row per item as it stands now, wherever it was
# written first (the hub's own copies are found through `links`), with its texts: the original
# and each translation into a language of the bridges it flows on. The full-text index over
# the texts is the database's own (hub/store/search_index.py).
archive_items = Table(
    "archive_items",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("connection", String(200), nullable=False),
    Column("native_id", String(500), nullable=False),
    Column("endpoint", String(500), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("kind", String(20), nullable=False),  # post, comment, chat, event, file
    Column("event_id", String(36), nullable=False),  # the event that wrote it last
    Column("author", String(300), nullable=False),
    Column("author_id", String(300), nullable=False),  # platform:native_id
    Column("language", String(20)),
    Column("occurred_at", Float, nullable=False),
    Column("parent_connection", String(200)),
    Column("parent_native_id", String(500)),
    # The thread's first item, where it was written first: replies to the hub's copies of it
    # on other platforms belong to the same thread.
    Column("thread_connection", String(200), nullable=False),
    Column("thread_native_id", String(500), nullable=False),
    Column("url", Text),
    Column("files", Text, nullable=False),  # attachments' names, one per line
    Column("has_file", Boolean, nullable=False),
    Column("indexed_at", Float, nullable=False),
    UniqueConstraint("connection", "native_id", name="archive_items_once"),
)
Index("archive_items_by_time", archive_items.c.occurred_at)
Index("archive_items_by_thread", archive_items.c.thread_connection,
      archive_items.c.thread_native_id)
Index("archive_items_by_author", archive_items.c.author_id)
Index("archive_items_by_name", func.lower(archive_items.c.author))
Index("archive_items_by_place", archive_items.c.connection, archive_items.c.endpoint,
      archive_items.c.occurred_at)
Index("archive_items_by_platform", archive_items.c.platform, archive_items.c.occurred_at)

archive_texts = Table(
    "archive_texts",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("item_id", SeqType, nullable=False),
    Column("language", String(20), nullable=False),  # primary subtag; "" where unknown
    Column("original", Boolean, nullable=False),
    Column("title", Text),
    Column("body", Text, nullable=False),  # plain text, as people read it
    Column("provider", String(100)),  # who translated it; None for the original
    # SQLite: the stemmed, folded terms its FTS5 index reads (hub/archive/text.py). PostgreSQL
    # keeps a tsvector instead and leaves this empty.
    Column("terms", Text),
)
Index("archive_texts_by_item", archive_texts.c.item_id, archive_texts.c.language)

# Who answered what to an event (hub/calendar/attendance.py), the event named where it was
# written first; a person's later answer replaces their earlier one.
attendance = Table(
    "attendance",
    metadata,
    Column("connection", String(200), nullable=False),
    Column("native_id", String(500), nullable=False),
    Column("person", String(300), nullable=False),  # platform:native_id
    Column("name", String(300), nullable=False),
    Column("reply", String(10), nullable=False),  # yes, no, maybe
    Column("via", String(200), nullable=False),  # the connection the answer came from
    Column("answered_at", Float, nullable=False),
    PrimaryKeyConstraint("connection", "native_id", "person"),
)

# The network's people (hub/people): each account the hub met, as its platform describes it
# (the author of an event, or a connection's member list), and the admins' mends of the
# matching, in the order made. Who is one person is derived from these and the people file.
identities = Table(
    "identities",
    metadata,
    Column("connection", String(200), nullable=False),
    Column("native_id", String(300), nullable=False),
    Column("platform", String(50), nullable=False),
    Column("name", String(300), nullable=False),
    Column("email", String(320)),
    Column("phone", String(20)),
    Column("profile", Text, nullable=False),  # JSON: city, organisation, role, timezone
    Column("seen_at", Float, nullable=False),  # when last described differently
    PrimaryKeyConstraint("connection", "native_id"),
)

people_mends = Table(
    "people_mends",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("action", String(10), nullable=False),  # merge, split
    Column("a", String(520), nullable=False),  # connection:native_id
    Column("b", String(520), nullable=False),  # connection:native_id, "" for a split
    Column("made_at", Float, nullable=False),
)
