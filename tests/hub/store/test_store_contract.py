"""The store contract on SQLite (always) and PostgreSQL (when HUB_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hub.store import Store
from hub.testing.store_contract import StoreContract
from tests.hub.store.engines import OnPostgres, OnSQLite, empty_postgres_schema


class TestSQLiteStore(StoreContract, OnSQLite):
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




class TestPostgresStore(StoreContract, OnPostgres):
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
