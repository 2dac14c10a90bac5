"""Files the hub makes for itself and keeps beside its store: the admin token, the store key.

They are secrets, so they are written owner-only (0600, in folders made 0700), and made once:
every process sharing the folder (several `passerelle run` on one PostgreSQL, a `passerelle
check` beside a running hub) reads the same value. A file that others can read is refused
rather than used, as ssh refuses a private key anyone can read.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from hub.errors import ConfigError

OWNER_ONLY_FILE = 0o600
OWNER_ONLY_DIR = 0o700


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store URL; None for a memory database or another backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def state_dir(url: str, configured: Path | None) -> Path | None:
    """Where the hub keeps its generated files: `[store] state_dir`, else the SQLite file's
    folder, else the working directory; None for a memory store (nothing outlives it)."""
    if configured is not None:
        return configured
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = sqlite_file(url)
        return database.parent.resolve() if database is not None else None
    return Path.cwd()


def private_dir(path: Path) -> Path:
    """Make `path` (and missing parents) readable by the owner only; an existing folder keeps
    its mode, since it may be shared on purpose (a systemd StateDirectory, a home)."""
    path.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    return path


def read_or_create(path: Path, make: Callable[[], str], *, what: str) -> str:
    """The secret kept in `path`, made by `make` and written owner-only the first time.

    The file appears whole or not at all (written aside, then linked into place), so a
    process starting at the same moment reads the value the first one made, never half of it.
    """
    try:
        return _read_private(path, what)
    except FileNotFoundError:
        pass
    private_dir(path.parent)
    fd, aside = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:  # mkstemp makes it 0600 already
            out.write(make() + "\n")
        # Another process may have made it first: then its value is the one.
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
    finally:
        Path(aside).unlink(missing_ok=True)
    return _read_private(path, what)


def _read_private(path: Path, what: str) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{what} file {path} can be read by others (mode "
                          f"{stat.filemode(mode)}); run `chmod 600 {path}`")
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise ConfigError(f"{what} file {path} is empty; delete it and the hub makes a new one")
    return value


def private_sqlite_file(url: str) -> None:
    """Make a SQLite store's file owner-only before SQLite opens it (its `-wal` and `-shm`
    files take the database file's mode), and tighten one an older version left readable."""
    database = sqlite_file(url)
    if database is None:
        return
    if not database.parent.exists():
        private_dir(database.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE))
    for path in (database, *(database.with_name(database.name + end) for end in ("-wal", "-shm"))):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                path.chmod(OWNER_ONLY_FILE)
