"""Schema versions. A new database gets the current schema at once; an older one is brought
forward step by step. A shipped table is never edited in place: add a step here instead."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, func, inspect, select, text

from hub.errors import StoreError
from hub.store.schema import (
    archive_items,
    archive_texts,
    attendance,
    events,
    identities,
    metadata,
    people_mends,
    schema_version,
)

Step = Callable[[Connection], None]


def _attempted_at(conn: Connection) -> None:
    """Version 2: deliveries remember when their first attempt began. A row some attempt
    already touched gets its creation time: its retry looks back at least that far."""
    conn.execute(text("ALTER TABLE deliveries ADD COLUMN attempted_at FLOAT"))
    conn.execute(text("UPDATE deliveries SET attempted_at = created_at "
                      "WHERE attempts > 0 OR unsettled OR status = 'dead'"))


def _no_members_table(conn: Connection) -> None:
    """Version 3: the `members` table goes. Nothing ever wrote to it: who is in a WhatsApp
    circle is the connector's own memory (its StateBox), committed with the delivery that
    changes it."""
    conn.execute(text("DROP TABLE IF EXISTS members"))


def _archive(conn: Connection) -> None:
    """Version 4: the archive's items and texts, with their full-text index, events
    indexed by kind (the calendar's), and members' answers to events. The archive's indexer
    starts from the first event, so what flowed before the upgrade is found too."""
    from hub.store import search_index

    for table in (archive_items, archive_texts, attendance):
        table.create(conn)
    search_index.create(conn)
    next(index for index in events.indexes if index.name == "events_by_kind").create(conn)


def _people(conn: Connection) -> None:
    """Version 5: the people the hub met on each connection and the admins' mends of who is
    who. The people's indexer starts from the first event, so every author is met again."""
    for table in (identities, people_mends):
        table.create(conn)


# STEPS[n] brings a database from version n+1 to n+2. Version 1 is the first release.
STEPS: list[Step] = [_attempted_at, _no_members_table, _archive, _people]
CURRENT = 1 + len(STEPS)


def version_of(conn: Connection) -> int | None:
    """The schema version a database is at; None when it has no schema yet. Reads only."""
    if not inspect(conn).has_table(schema_version.name):
        return None
    version = conn.execute(select(func.max(schema_version.c.version))).scalar_one() or 0
    if version > CURRENT:
        raise StoreError(
            f"the store is at schema version {version}, newer than this Passerelle knows "
            f"({CURRENT}); upgrade Passerelle"
        )
    return int(version)


def steps_from(version: int | None) -> list[str]:
    """What `migrate` would do to a database at `version`, one line per step; empty when the
    schema is current."""
    if version is None:
        return [f"create the schema at version {CURRENT}"]
    return [f"version {number + 1}: {_summary(STEPS[number - 1])}"
            for number in range(version, CURRENT)]


def _summary(step: Step) -> str:
    """The step's first sentence, from its docstring after "Version N: "."""
    first = " ".join((step.__doc__ or step.__name__).split()).split(". ")[0]
    return first.split(": ", 1)[-1].rstrip(".")


def migrate(conn: Connection) -> int:
    """Create or upgrade the schema inside the caller's transaction; return the version."""
    if conn.dialect.name == "postgresql":
        # Processes starting together take turns: the next finds what the first one made.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('passerelle:schema'))"))
    version = version_of(conn)
    if version is None:
        from hub.store import search_index

        metadata.create_all(conn)
        search_index.create(conn)
        conn.execute(schema_version.insert().values(version=CURRENT, applied_at=time.time()))
        return CURRENT
    for number in range(version, CURRENT):
        STEPS[number - 1](conn)
        conn.execute(schema_version.insert().values(version=number + 1, applied_at=time.time()))
    return CURRENT


def pending_steps(url: str) -> list[str]:
    """What opening the store at `url` would change in its schema, found without changing
    anything (a SQLite file that does not exist yet is not made)."""
    from hub.state_files import sqlite_file
    from hub.store.engine import open_engine

    database = sqlite_file(url)
    if database is not None and not database.exists():
        return steps_from(None)
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return steps_from(version_of(conn))
    finally:
        engine.dispose()
