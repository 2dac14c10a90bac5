"""`passerelle backup`: a SQLite store copied while another writer holds it, readable with
the key copied beside it; a PostgreSQL store's pg_dump command, without its password."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import build
from hub.settings import StoreSettings
from hub.store.cipher import Cipher, new_key
from hub.store.migrations import CURRENT
from hub.store.opening import KEY_FILE, open_store
from hub.store.store import Store
from hub.testing.store_contract import make_event
from tests.hub.store.engines import POSTGRES_URL, empty_postgres_schema

runner = CliRunner()


def a_store(tmp_path: Path) -> Path:
    """A SQLite store with two events and a token kept encrypted; its config file."""
    store = open_store(StoreSettings(url=f"sqlite:///{tmp_path}/hub.db"))
    try:
        store.append([make_event("1"), make_event("2")])
        store.state_set("east", "access_token", "xoxb-kept")
    finally:
        store.close()
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n', encoding="utf-8")
    return config


def test_a_copy_taken_beside_a_writer_holds_what_was_committed(tmp_path: Path) -> None:
    config = a_store(tmp_path)
    copy = tmp_path / "saved" / "copy.db"
    # Another program is in the middle of a write: the copy has what was committed, no more.
    writer = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM events")
    try:
        result = runner.invoke(build(), ["backup", "--to", str(copy), "--json",
                                         "--config", str(config)])
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("{")
    assert '"events": 2' in result.stdout and f'"schema_version": {CURRENT}' in result.stdout
    key = copy.with_name("copy.db.key")
    for made in (copy, key):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert key.read_bytes() == (tmp_path / KEY_FILE).read_bytes()
    # Restored elsewhere, the copy reads back with its key alone.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copyfile(copy, restored / "hub.db")
    again = Store.open(f"sqlite:///{restored / 'hub.db'}")
    again.cipher = Cipher([key.read_text(encoding="utf-8").strip()])
    try:
        assert again.last_seq() == 2
        assert again.states()["east"]["access_token"] == "xoxb-kept"
    finally:
        again.close()


def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    config = a_store(tmp_path)
    taken = tmp_path / "taken.db"
    taken.write_text("mine", encoding="utf-8")
    result = runner.invoke(build(), ["backup", "--to", str(taken), "--config", str(config)])
    assert result.exit_code == 1 and "exists already" in result.stderr
    assert taken.read_text(encoding="utf-8") == "mine"


def test_keys_in_the_configuration_are_named_not_copied(tmp_path: Path) -> None:
    config = a_store(tmp_path)
    (tmp_path / KEY_FILE).unlink()
    with config.open("a", encoding="utf-8") as out:
        out.write(f'encryption_keys = ["{new_key()}"]\n')
    result = runner.invoke(build(), ["backup", "--to", str(tmp_path / "c.db"),
                                     "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "[store] encryption_keys: keep them with the backup" in result.stdout
    assert not (tmp_path / "c.db.key").exists()


def test_postgres_gets_its_pg_dump_command_without_the_password(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[store]\nurl = "postgresql://hub:s3cret@127.0.0.1:5432/passerelle"\n',
                      encoding="utf-8")
    result = runner.invoke(build(), ["backup", "--to", str(tmp_path / "p.dump"),
                                     "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"pg_dump --format=custom --file={tmp_path / 'p.dump'} "
                             "--host=127.0.0.1 --port=5432 --username=hub "
                             "--dbname=passerelle\n")
    assert "s3cret" not in result.output


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL or not shutil.which("pg_dump"),
                    reason="HUB_TEST_POSTGRES_URL is not set, or pg_dump is not installed")
def test_run_dumps_a_postgres_store(tmp_path: Path) -> None:
    with empty_postgres_schema() as url:
        open_store(StoreSettings(url=url, state_dir=tmp_path)).close()
        config = tmp_path / "hub.toml"
        config.write_text(f'[store]\nurl = "{POSTGRES_URL}"\nstate_dir = "{tmp_path}"\n',
                          encoding="utf-8")
        dump = tmp_path / "p.dump"
        result = runner.invoke(build(), ["backup", "--run", "--to", str(dump), "--json",
                                         "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert dump.read_bytes().startswith(b"PGDMP")
    assert f'"key_file": "{tmp_path / KEY_FILE}"' in result.stdout
