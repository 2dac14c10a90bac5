"""Opening a database: SQLite tuned for one writer, or PostgreSQL for several processes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from hub.errors import StoreError


def open_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite in WAL mode and synchronous commits."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        engine = create_engine(
            url,
            # One writer thread uses it (Store.run); memory databases need the one connection.
            connect_args={"check_same_thread": False, "timeout": 30},
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


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself, so every transaction is explicit and immediate.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a webhook acknowledged after its commit survives a power cut, not only a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN: a read-then-write transaction never fails half-way.
    # Straight to the driver: through SQLAlchemy, the statement cost more than most that follow.
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE")
