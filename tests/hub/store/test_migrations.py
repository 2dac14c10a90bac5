"""`passerelle migrate`: a store of an earlier schema, checked without change, then brought
forward with its data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.archive.records import Probe
from hub.cli import build
from hub.people.model import Identity
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
# What version 5 added: the people the hub met and the admins' mends.
PEOPLE = ("identities", "people_mends")
PEOPLE_STEP = ("version 5: the people the hub met on each connection and the admins' mends "
               "of who is who")


@pytest.mark.parametrize(("version", "steps"), [
    (None, [f"create the schema at version {CURRENT}"]),
    (1, ["version 2: deliveries remember when their first attempt began",
         "version 3: the `members` table goes", ARCHIVE_STEP, PEOPLE_STEP]),
    (2, ["version 3: the `members` table goes", ARCHIVE_STEP, PEOPLE_STEP]),
    (3, [ARCHIVE_STEP, PEOPLE_STEP]),
    (4, [PEOPLE_STEP]),
    (CURRENT, []),
])
def test_each_step_is_named_by_its_first_sentence(version: int | None,
                                                  steps: list[str]) -> None:
    assert CURRENT == 1 + len(STEPS) == 5
    assert steps_from(version) == steps


def previous_version_store(tmp_path: Path, version: int = CURRENT - 1) -> tuple[Path, Path]:
    """A store as the release of schema `version` (3 or 4) left it, with events and a
    delivery; and its config."""
    database = tmp_path / "hub.db"
    store = open_store(StoreSettings(url=f"sqlite:///{database}"))
    try:
        store.append([make_event("1"), make_event("2")])
        store.route("router", to("west/chat/lobby", key=str))
        store.claim(T0, 1, 60)
    finally:
        store.close()
    with sqlite3.connect(database) as db:
        for table in PEOPLE:
            db.execute(f"DROP TABLE {table}")
        if version < 4:
            for table in ARCHIVE:
                db.execute(f"DROP TABLE {table}")
            db.execute("DROP INDEX events_by_kind")
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                   (version, T0))
    db.close()
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    return database, config


def schema_of(database: Path) -> tuple[int, bool, bool]:
    """The schema's version, and whether it has the archive, and the people's tables."""
    with sqlite3.connect(database) as db:
        version = db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    return version, set(ARCHIVE) <= names, set(PEOPLE) <= names


@pytest.mark.parametrize(("version", "steps", "archive"), [
    (4, [PEOPLE_STEP], True), (3, [ARCHIVE_STEP, PEOPLE_STEP], False)])
def test_check_names_the_steps_and_changes_nothing(tmp_path: Path, version: int,
                                                   steps: list[str], archive: bool) -> None:
    database, config = previous_version_store(tmp_path, version)
    result = runner.invoke(build(), ["migrate", "--check", "--config", str(config)])
    assert result.exit_code == 1
    assert result.stdout == f"would run {len(steps)} step(s):\n" + "".join(
        f"  {step}\n" for step in steps)
    assert schema_of(database) == (version, archive, False)


@pytest.mark.parametrize("version", [4, 3])
def test_migrate_brings_an_earlier_schema_forward_keeping_the_data(tmp_path: Path,
                                                                  version: int) -> None:
    database, config = previous_version_store(tmp_path, version)
    result = runner.invoke(build(), ["migrate", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert schema_of(database) == (CURRENT, True, True)
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
        # The people's indexer starts from the first event too: every author is met again.
        assert store.position("people") == 0
        ana = Identity("members-whatsapp", "whatsapp", "351912345678", "Ana",
                       phone="351912345678")
        assert store.people_meet([ana], 0, 2) == 1
        assert store.people_identities() == [ana] and store.position("people") == 2
    finally:
        store.close()
    result = runner.invoke(build(), ["migrate", "--check", "--config", str(config)])
    assert (result.exit_code, result.stdout) == (
        0, f"the store's schema is current (version {CURRENT})\n")


def test_check_makes_no_store_where_there_is_none(tmp_path: Path) -> None:
    database = tmp_path / "nothing-here.db"
    assert pending_steps(f"sqlite:///{database}") == [f"create the schema at version {CURRENT}"]
    assert not database.exists()
