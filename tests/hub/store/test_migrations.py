"""`passerelle migrate`: a store of the previous schema, checked without change, then brought
forward with its data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.archive.records import Probe
from hub.cli import build
from hub.settings import StoreSettings
from hub.store.migrations import CURRENT, STEPS, pending_steps, steps_from
from hub.store.opening import open_store
from hub.testing.store_contract import T0, make_event, to
from tests.hub.store.test_archive import fr, item, keep

runner = CliRunner()
# What version 4 added: the archive (its FTS5 table's triggers go with archive_texts) and
# members' answers to events.
ARCHIVE = ("archive_fts", "archive_texts", "archive_items", "attendance")
ARCHIVE_STEP = ("version 4: the archive's items and texts, with their full-text index, events "
                "indexed by kind (the calendar's), and members' answers to events")


@pytest.mark.parametrize(("version", "steps"), [
    (None, [f"create the schema at version {CURRENT}"]),
    (1, ["version 2: deliveries remember when their first attempt began",
         "version 3: the `members` table goes", ARCHIVE_STEP]),
    (2, ["version 3: the `members` table goes", ARCHIVE_STEP]),
    (3, [ARCHIVE_STEP]),
    (CURRENT, []),
])
def test_each_step_is_named_by_its_first_sentence(version: int | None,
                                                  steps: list[str]) -> None:
    assert CURRENT == 1 + len(STEPS) == 4
    assert steps_from(version) == steps


def previous_version_store(tmp_path: Path) -> tuple[Path, Path]:
    """A store as the previous release left it, with events and a delivery; and its config."""
    database = tmp_path / "hub.db"
    store = open_store(StoreSettings(url=f"sqlite:///{database}"))
    try:
        store.append([make_event("1"), make_event("2")])
        store.route("router", to("west/chat/lobby", key=str))
        store.claim(T0, 1, 60)
    finally:
        store.close()
    with sqlite3.connect(database) as db:
        for table in ARCHIVE:
            db.execute(f"DROP TABLE {table}")
        db.execute("DROP INDEX events_by_kind")
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                   (CURRENT - 1, T0))
    db.close()
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    return database, config


def schema_of(database: Path) -> tuple[int, bool]:
    """The schema's version, and whether it has the archive."""
    with sqlite3.connect(database) as db:
        version = db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        archive = db.execute("SELECT count(*) FROM sqlite_master WHERE name IN "
                             "('archive_fts', 'archive_texts', 'archive_items', 'attendance')"
                             ).fetchone()[0]
    db.close()
    return version, archive == len(ARCHIVE)


def test_check_names_the_steps_and_changes_nothing(tmp_path: Path) -> None:
    database, config = previous_version_store(tmp_path)
    result = runner.invoke(build(), ["migrate", "--check", "--config", str(config)])
    assert result.exit_code == 1
    assert result.stdout == f"would run 1 step(s):\n  {ARCHIVE_STEP}\n"
    assert schema_of(database) == (CURRENT - 1, False)


def test_migrate_brings_the_previous_schema_forward_keeping_the_data(tmp_path: Path) -> None:
    database, config = previous_version_store(tmp_path)
    result = runner.invoke(build(), ["migrate", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert schema_of(database) == (CURRENT, True)
    store = open_store(StoreSettings(url=f"sqlite:///{database}"))
    try:
        assert [e.event.source.native_id for e in store.events_after(0)] == ["1", "2"]
        claimed, waiting = store.deliveries("pending")
        assert (claimed.attempted_at, waiting.attempted_at) == (T0, None)
        # The archive starts from the first event: what flowed before is indexed too.
        assert store.position("archive") == 0
        keep(store, item("old", fr("Le marché de Porto")))
        assert [f.item.native_id for f in store.archive_search([Probe("fr", "marchés")])] == [
            "old"]
    finally:
        store.close()
    result = runner.invoke(build(), ["migrate", "--check", "--config", str(config)])
    assert (result.exit_code, result.stdout) == (
        0, f"the store's schema is current (version {CURRENT})\n")


def test_check_makes_no_store_where_there_is_none(tmp_path: Path) -> None:
    database = tmp_path / "nothing-here.db"
    assert pending_steps(f"sqlite:///{database}") == [f"create the schema at version {CURRENT}"]
    assert not database.exists()
