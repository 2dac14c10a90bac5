"""What connections keep in the store is encrypted at rest, and its keys rotate."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from hub.cli import build
from hub.errors import StoreError
from hub.settings import StoreSettings
from hub.store import Store
from hub.store.cipher import PREFIX, new_key
from hub.store.opening import KEY_FILE, open_store
from hub.store.records import Completion, StateWrite
from hub.store.statebox import StoreStateBox
from hub.testing.store_contract import T0, make_event, to
from tests.hub.store.engines import POSTGRES_URL, empty_postgres_schema

TOKEN = "BAhbB0kiAbB7ImNsaWVudF9pZCI6IjFmOTJk"  # shaped like a Basecamp access token


def raw_values(database: Path) -> dict[tuple[str, str], str]:
    """connection_state as it lies in the file, read past the hub."""
    with sqlite3.connect(database) as db:
        return {(c, k): v for c, k, v in
                db.execute("SELECT connection, key, value FROM connection_state")}


def settings(tmp_path: Path, *keys: str) -> StoreSettings:
    return StoreSettings(url=f"sqlite:///{tmp_path}/hub.db", encryption_keys=list(keys))


async def test_a_token_kept_by_a_connector_is_never_in_the_file(tmp_path: Path) -> None:
    store = open_store(settings(tmp_path))
    try:
        await StoreStateBox(store, "network-basecamp").set("oauth.access", TOKEN, now=True)
        assert store.state_get("network-basecamp", "oauth.access") == TOKEN
        assert store.states() == {"network-basecamp": {"oauth.access": TOKEN}}
    finally:
        store.close()
    [stored] = raw_values(tmp_path / "hub.db").values()
    assert stored.startswith(PREFIX) and TOKEN not in stored
    key_file = tmp_path / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "hub.db").stat().st_mode) == 0o600
    reopened = open_store(settings(tmp_path))  # the same key, read from its file
    try:
        assert reopened.state_get("network-basecamp", "oauth.access") == TOKEN
    finally:
        reopened.close()


def test_what_an_attempt_held_is_encrypted_when_its_end_commits_it(tmp_path: Path) -> None:
    store = open_store(settings(tmp_path))
    try:
        store.append([make_event("1")])
        store.route("router", to("west/chat/lobby"))
        [first] = store.claim(T0, 10, 60)
        store.hand_over([Completion(first.id, "w-1", (), (
            StateWrite("west", "member:351912345678", '{"name": "Ana"}'),))], T0 + 1, 60)
        store.bury(9999, T0 + 2, "PermanentError: 400",
                   [StateWrite("west", "journal", "351912345678")])
        assert store.states() == {"west": {"member:351912345678": '{"name": "Ana"}',
                                           "journal": "351912345678"}}
    finally:
        store.close()
    values = raw_values(tmp_path / "hub.db").values()
    assert all(v.startswith(PREFIX) and "Ana" not in v and "3519" not in v for v in values)


def test_keys_rotate_without_losing_a_value(tmp_path: Path) -> None:
    old, new = new_key(), new_key()
    store = open_store(settings(tmp_path, old))
    store.state_set("west", "token", TOKEN)
    store.close()
    config = tmp_path / "hub.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n'
                      f'encryption_keys = ["{new}", "{old}"]\n', encoding="utf-8")
    result = CliRunner().invoke(build(), ["store", "reencrypt", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "1 value(s) encrypted with the first key" in result.output
    store = open_store(settings(tmp_path, new))  # the old key is gone now
    try:
        assert store.state_get("west", "token") == TOKEN
    finally:
        store.close()
    store = open_store(settings(tmp_path, old))
    try:
        with pytest.raises(StoreError, match="decrypts with none of the configured keys"):
            store.state_get("west", "token")
    finally:
        store.close()


def test_a_value_kept_before_encryption_is_read_then_encrypted(tmp_path: Path) -> None:
    Store.open(f"sqlite:///{tmp_path}/hub.db").close()
    with sqlite3.connect(tmp_path / "hub.db") as db:
        db.execute("INSERT INTO connection_state (connection, key, value, updated_at) "
                   "VALUES ('west', 'token', ?, 0)", (TOKEN,))
    store = open_store(settings(tmp_path))
    try:
        assert store.state_get("west", "token") == TOKEN
        assert store.reencrypt_states() == 1
        assert store.state_get("west", "token") == TOKEN
    finally:
        store.close()
    assert TOKEN not in raw_values(tmp_path / "hub.db")[("west", "token")]


def test_a_store_key_in_the_settings_must_be_one() -> None:
    with pytest.raises(ValueError, match=r"is not a store key .*passerelle store new-key"):
        StoreSettings(encryption_keys=["not-a-fernet-key-but-long-enough"])


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")
def test_on_postgresql_too_a_token_is_never_in_the_database(tmp_path: Path) -> None:
    with empty_postgres_schema() as url:
        store = open_store(StoreSettings(url=url, state_dir=tmp_path))
        try:
            store.state_set("network-basecamp", "oauth.access", TOKEN)
            with store.engine.connect() as conn:
                [stored] = conn.execute(text("SELECT value FROM connection_state")).scalars()
            assert store.state_get("network-basecamp", "oauth.access") == TOKEN
        finally:
            store.close()
    assert stored.startswith(PREFIX) and TOKEN not in stored
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
