"""Opening a database: SQLite tuned for one writer, or PostgreSQL for several processes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from hub.errors import StoreError

# How long a write waits for a write lock another program holds (a backup, `sqlite3` in a
# shell) before it fails. A platform gives up on a webhook after about 3 s: failing sooner
# answers 503, and the platform tries again, where waiting SQLite's 30 s answered no one. The
# hub's own writes never wait on each other (one writer thread), so only others cost this.
BUSY_TIMEOUT_SECONDS = 2.0

# After a checkpoint the WAL starts over but keeps its file's size; beyond this size the file
# is cut back, so a WAL swollen while checkpoints were held off (by a long reader) gives its
# space back. Twice what the automatic checkpoint (1000 pages) lets it reach: in ordinary use
# it is never cut.
WAL_SIZE_LIMIT = 8 * 1024 * 1024

# Once the disk has been full, the WAL is checkpointed every 64 pages (256 KB) rather than at
# SQLite's 1000 (4 MB): with less than 4 MB to spare, the WAL would fill the disk again before
# any checkpoint came, and a checkpoint needs room of its own. Checkpoints then come more
# often (each waits for the disk), only in a process that has seen its disk full.
WAL_PAGES_AFTER_FULL_DISK = 64


def open_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite in WAL mode and synchronous commits."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        engine = create_engine(
            url,
            # One writer thread uses it (Store.run); memory databases need the one connection.
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
            poolclass=StaticPool if memory else None,
        )
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() in ("", "psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    raise StoreError(
        f'store url "{parsed.drivername}:…" is not supported; use sqlite or postgresql')


CACHE_KIB = 64 * 1024
MMAP_BYTES = 1024 * 1024 * 1024


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself, so every transaction is explicit and immediate.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a webhook acknowledged after its commit survives a power cut, not only a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    # The archive's full-text index reads megabytes of a common word's doclists: a page cache
    # of 64 MiB (instead of 2) and reads through a memory map keep a search from reading
    # them through the system call by call.
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN: a read-then-write transaction never fails half-way.
    # Straight to the driver: through SQLAlchemy, the statement cost more than most that follow.
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE")


def keep_wal_small(dbapi_connection: Any) -> None:
    """Checkpoint this connection's commits often (after a full disk)."""
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES_AFTER_FULL_DISK}")


def checkpoint_wal(dbapi_connection: Any) -> bool:
    """Copy the WAL into the database and empty its file, if nothing stands in the way right
    now (a reader, another program's writer): True when it is done. Never waits for a lock;
    a full disk raises (the database file could not grow)."""
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        busy, _, _ = dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={round(BUSY_TIMEOUT_SECONDS * 1000)}")
    return int(busy) == 0
