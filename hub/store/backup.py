"""Backups of the store: a consistent copy of a SQLite store taken while the hub runs, and
the pg_dump command for a PostgreSQL one (docs/backup.md says how to restore either).

A copy is useless without the key that encrypts the connections' tokens in it
(hub/store/opening.py): the key file is copied beside it, or, when the keys are configured,
the backup says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from hub.errors import StoreError
from hub.settings import StoreSettings
from hub.state_files import OWNER_ONLY_FILE, private_dir, sqlite_file, state_dir
from hub.store.opening import KEY_FILE

# Pages copied per step: between steps the hub's writer may commit (SQLite's backup starts
# over when another connection writes, so small steps let it finish on a busy store).
PAGES_PER_STEP = 256


@dataclass(frozen=True, slots=True)
class SqliteBackup:
    """A verified copy: where it is, what it holds, and where its key went."""

    path: Path
    schema_version: int
    events: int
    key_file: Path | None  # the store key copied beside it; None when the keys are configured


@dataclass(frozen=True, slots=True)
class PgDump:
    """How to dump a PostgreSQL store: the command (no password in it) and its environment."""

    command: list[str]
    password: str | None  # given to pg_dump as PGPASSWORD, never printed
    key_file: Path | None  # the store key to keep with the dump, if the hub made one


def stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d-%H%M%SZ")


def default_target(settings: StoreSettings, now: datetime) -> Path:
    """passerelle-backup-<UTC time>.db (or .dump) in the state folder."""
    folder = state_dir(settings.url, settings.state_dir) or Path.cwd()
    suffix = ".db" if sqlite_file(settings.url) is not None else ".dump"
    return folder / f"passerelle-backup-{stamp(now)}{suffix}"


def key_file_of(settings: StoreSettings) -> Path | None:
    """The key file the hub made for this store; None when `[store] encryption_keys` are set
    (then the configuration is the key) or none was made yet."""
    if settings.encryption_keys:
        return None
    folder = state_dir(settings.url, settings.state_dir)
    key = folder / KEY_FILE if folder is not None else None
    return key if key is not None and key.exists() else None


def backup_sqlite(settings: StoreSettings, to: Path) -> SqliteBackup:
    """Copy the SQLite store to `to` (which must not exist) through SQLite's online backup,
    consistent even while the hub writes; then open the copy and read it back."""
    database = sqlite_file(settings.url)
    if database is None or not database.exists():
        raise StoreError(f"no SQLite store to back up at {settings.url}")
    if to.exists():
        raise StoreError(f"{to} exists already; name another file with --to")
    private_dir(to.parent)
    # Owner-only from its first byte: the copy holds everything the store does.
    os.close(os.open(to, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE))
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as source, \
                contextlib.closing(sqlite3.connect(to)) as copy:
            source.backup(copy, pages=PAGES_PER_STEP)
            # The store is in WAL mode and the copy would be too: one self-contained file.
            copy.execute("PRAGMA journal_mode=DELETE")
        found = verify(to)
    except (sqlite3.Error, StoreError):
        to.unlink(missing_ok=True)
        raise
    key = key_file_of(settings)
    kept = None
    if key is not None:
        kept = to.with_name(to.name + ".key")
        shutil.copyfile(key, kept)
        kept.chmod(OWNER_ONLY_FILE)
    return SqliteBackup(to, found[0], found[1], kept)


def verify(path: Path) -> tuple[int, int]:
    """Open a copy read-only and check it whole: its schema version and events."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
        [(integrity,)] = copy.execute("PRAGMA integrity_check").fetchall()
        if integrity != "ok":
            raise StoreError(f"the copy {path} is damaged: {integrity}")
        version = copy.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        events = copy.execute("SELECT count(*) FROM events").fetchone()[0]
    return int(version), int(events)


def pg_dump(settings: StoreSettings, to: Path) -> PgDump:
    """pg_dump in its custom format (restored with pg_restore), for the configured URL."""
    url = make_url(settings.url)
    if url.get_backend_name() != "postgresql":
        raise StoreError(f"{url.render_as_string(hide_password=True)} is not PostgreSQL")
    command = ["pg_dump", "--format=custom", f"--file={to}"]
    for flag, value in (("--host", url.host), ("--port", url.port), ("--username", url.username)):
        if value:
            command.append(f"{flag}={value}")
    command.append(f"--dbname={url.database or url.username or 'postgres'}")
    return PgDump(command, url.password if isinstance(url.password, str) else None,
                  key_file_of(settings))
