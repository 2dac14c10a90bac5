"""The store contract on SQLite (always) and PostgreSQL (when HUB_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub.store import Store
from hub.testing.store_contract import StoreContract

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL")


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        store = Store.open(f"sqlite:///{tmp_path}/store.db")
        yield store
        store.close()

    def test_sqlite_runs_in_wal_mode(self, store: Store) -> None:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"

    def test_reopening_keeps_everything(self, tmp_path: Path) -> None:
        from hub.testing.store_contract import make_event

        url = f"sqlite:///{tmp_path}/again.db"
        first = Store.open(url)
        first.append([make_event("1")], cursor=("east", "chat/general", "c1"))
        first.close()
        second = Store.open(url)
        assert second.last_seq() == 1
        assert second.cursor("east", "chat/general") == "c1"
        second.close()


@contextlib.contextmanager
def empty_postgres_schema() -> Iterator[str]:
    """The URL of a schema of its own in the test database, dropped afterwards."""
    assert POSTGRES_URL
    schema = f"contract_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")
class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[Store]:
        with empty_postgres_schema() as url:
            store = Store.open(url)
            try:
                yield store
            finally:
                store.close()

    def test_processes_starting_together_make_the_schema_once(self) -> None:
        with empty_postgres_schema() as url:
            start = threading.Barrier(4)

            def open_store() -> Store:
                start.wait(10)
                return Store.open(url)

            with ThreadPoolExecutor(4) as pool:
                stores = list(pool.map(lambda _: open_store(), range(4)))
            assert all(store.last_seq() == 0 for store in stores)
            for store in stores:
                store.close()
