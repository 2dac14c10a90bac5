"""What the demo leaves behind: its store, so `passerelle search`, `thread` and `export` can be
tried on what the story shared.

The copy goes where those commands look on the embedded defaults (`./passerelle.db`), unless a
configuration names another store or that file holds anything but an earlier demo's story: a
hub's own store is never touched. Then it goes beside it, and the demo says how to reach it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from hub.demo.people import HEADING
from hub.demo.world import PLATFORMS
from hub.settings import StoreSettings, config_path
from hub.store.backup import backup_sqlite

DEFAULT_STORE = Path("passerelle.db")
ASIDE = Path("passerelle-demo.db")


def keep(store: StoreSettings) -> tuple[Path, bool]:
    """Copy the demo's store (SQLite online backup) to where it is kept; returns the path
    and whether plain `passerelle search` reads it there."""
    default = config_path() is None and "HUB_STORE__URL" not in os.environ
    target = DEFAULT_STORE if default and _free_for_demo(DEFAULT_STORE) else ASIDE
    if target == ASIDE and not _free_for_demo(ASIDE):
        raise FileExistsError(f"{ASIDE} holds something other than a demo's story")
    for path in (target, target.with_name(target.name + "-wal"),
                 target.with_name(target.name + "-shm")):
        path.unlink(missing_ok=True)
    backup_sqlite(store, target)
    return target, target == DEFAULT_STORE


def keep_people(people_file: Path) -> Path | None:
    """Copy the demo's people file beside the kept store, unless a file of that name holds
    anything but an earlier demo's people; returns where it went."""
    target = Path(people_file.name)
    if target.exists() and not target.read_text(encoding="utf-8").startswith(HEADING):
        return None
    target.write_text(people_file.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def _free_for_demo(path: Path) -> bool:
    """Whether `path` is absent or a store whose every event came from the demo's
    connections (an earlier demo's copy, to be replaced)."""
    if not path.exists():
        return True
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            rows = db.execute("SELECT DISTINCT connection FROM events").fetchall()
    except sqlite3.Error:
        return False
    return bool(rows) and {row[0] for row in rows} <= set(PLATFORMS)

