"""The stores a store test runs on: SQLite always, PostgreSQL when HUB_TEST_POSTGRES_URL names
a database (each test in a schema of its own, dropped afterwards).

A test class of store behaviour inherits `OnSQLite` or `OnPostgres` for its `store` fixture.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hub.store import Store

POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL")


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


class OnSQLite:
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        store = Store.open(f"sqlite:///{tmp_path}/store.db")
        yield store
        store.close()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")
class OnPostgres:
    @pytest.fixture
    def store(self) -> Iterator[Store]:
        with empty_postgres_schema() as url:
            store = Store.open(url)
            try:
                yield store
            finally:
                store.close()
