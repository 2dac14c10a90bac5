"""bench/search.py at a small size: its report, its corpus and that its queries find."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from hub.archive.records import Filters, Probe
from hub.store import Store

BENCH = Path(__file__).parents[2] / "bench"
POSTGRES_URL = os.environ.get("HUB_TEST_POSTGRES_URL")
ITEMS = 2000


@pytest.fixture(scope="module")
def search() -> Iterator[ModuleType]:
    # The bench imports its neighbours as `python bench/search.py` runs it: from its folder.
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCH))
        yield importlib.import_module("search")


def check_report(report: dict[str, Any], engine: str) -> None:
    assert report["engine"] == engine
    assert report["items"] == ITEMS
    # An original and one or two translations each.
    assert 2 * ITEMS < int(report["texts"]) < 3 * ITEMS
    index = report["index"]
    assert index["seconds"] > 0 and index["items_per_s"] > 0
    assert report["size_mb"] > 0
    assert report["queries"] == 100
    latency = report["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["max"]
    # Most of the mixed queries find something even in a small archive: the probes carry
    # the words the corpus wrote, in the language of the texts they are matched against.
    assert 0.5 < report["found_share"] <= 1
    slowest = report["slowest"]
    assert len(slowest) == 5
    assert set(slowest[0]) == {"query", "language", "filters", "found", "ms"}


def test_sqlite_report_and_the_kept_file(search: ModuleType, tmp_path: Path) -> None:
    report = search.on_sqlite(ITEMS, tmp_path)
    check_report(report, "sqlite")
    assert (tmp_path / f"search-{ITEMS}.db").stat().st_size > 0


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="HUB_TEST_POSTGRES_URL is not set")
def test_postgres_report_in_a_schema_dropped_afterwards(search: ModuleType) -> None:
    assert POSTGRES_URL
    admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"))
    schemas = ("SELECT schema_name FROM information_schema.schemata "
               "WHERE schema_name LIKE 'search\\_%'")
    try:
        with admin.connect() as conn:
            before = set(conn.execute(text(schemas)).scalars())
        check_report(search.on_postgres(POSTGRES_URL, ITEMS, None), "postgresql")
        with admin.connect() as conn:
            assert set(conn.execute(text(schemas)).scalars()) <= before
    finally:
        admin.dispose()


def test_the_corpus_is_the_same_every_run(search: ModuleType) -> None:
    first, again = (next(search.Corpus().batches(50)) for _ in range(2))
    assert [replace(i, texts=()) for i in first] == [replace(i, texts=()) for i in again]
    assert [i.texts for i in first] == [i.texts for i in again]
    queries = [search.Corpus().queries(20, 5) for _ in range(2)]
    assert queries[0] == queries[1]


def test_a_translation_is_found_in_its_own_language(search: ModuleType, tmp_path: Path
                                                    ) -> None:
    corpus = search.Corpus()
    items = next(corpus.batches(ITEMS))
    store = Store.open(f"sqlite:///{tmp_path}/store.db")
    try:
        assert store.archive_keep(items, [], 0, len(items))
        french = {c.words["fr"]: c.words["en"] for c in corpus.real if " " not in c.words["fr"]}
        # An English item translated into French, with a word of the network's vocabulary.
        item, word = next((i, w) for i in items if i.language == "en"
                          for t in i.texts if t.language == "fr"
                          for w in t.body.rstrip(".").split() if w.lower() in french)
        only_it = Filters(authors=frozenset({item.author_id}),
                          since=item.occurred_at, until=item.occurred_at + timedelta(seconds=1))
        found = store.archive_search([Probe("fr", word)], only_it)
        assert [(f.item.key, f.language) for f in found] == [(item.key, "fr")]
        # The same word is no English word of it: the English probe finds it by its own.
        assert store.archive_search([Probe("en", french[word.lower()])], only_it)[0].language \
            == "en"
    finally:
        store.close()
