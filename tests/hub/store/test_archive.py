"""The archive's contract, on SQLite (FTS5) and PostgreSQL (tsvector): the same questions get
the same answers on both."""

from __future__ import annotations

import functools
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hub.archive.records import ArchivedItem, Filters, Found, ItemKind, ItemText, Probe
from hub.connector import Action, Form
from hub.events import Actor, Event, Kind, Ref
from hub.store import PENDING, Store
from hub.store import schema as t
from hub.store.archive import FORGOTTEN
from hub.store.calendar import Attendee
from hub.store.records import PlannedDelivery
from hub.translate.service import cache_key
from tests.hub.store.engines import OnPostgres, OnSQLite

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def item(native_id: str, *texts: ItemText, connection: str = "network-basecamp",
         platform: str = "basecamp", endpoint: str = "board/1", kind: ItemKind = ItemKind.POST,
         author: str = "Camille Martin", author_id: str = "basecamp:1", days: int = 0,
         parent: tuple[str, str] | None = None, thread: tuple[str, str] | None = None,
         files: tuple[str, ...] = ()) -> ArchivedItem:
    return ArchivedItem(
        connection=connection, native_id=native_id, endpoint=endpoint, platform=platform,
        kind=kind, event_id=f"event-{native_id}", author=author, author_id=author_id,
        language=texts[0].language, occurred_at=T0 + timedelta(days=days), parent=parent,
        thread=thread or (connection, native_id), url=f"https://example.test/{native_id}",
        files=files, texts=texts)


def fr(body: str, title: str | None = None, extra: str = "") -> ItemText:
    return ItemText("fr", title, body, True, extra=extra)


def pt(body: str, original: bool = True) -> ItemText:
    return ItemText("pt", None, body, original, None if original else "apertium")


def en(body: str, original: bool = True) -> ItemText:
    return ItemText("en", None, body, original, None if original else "apertium")


def keep(store: Store, *items: ArchivedItem) -> None:
    start = store.position("archive")
    assert store.archive_keep(items, [], start, start + 1)


def natives(found: list[Found]) -> list[str]:
    return [f.item.native_id for f in found]


class ArchiveContract:
    @pytest.fixture
    def network(self, store: Store) -> Store:
        keep(store,
             item("post", fr("La qualité de l'air à Lisbonne s'améliore.", "Qualité de l'air"),
                  en("Air quality in Lisbon is improving.", original=False)),
             item("wa-1", pt("A qualidade do ar na nossa cidade."), connection="members-wa",
                  platform="whatsapp", endpoint="circle/general", kind=ItemKind.CHAT,
                  author="Ana Souza", author_id="whatsapp:351900000001", days=10,
                  files=("mapa-do-ar.pdf",)),
             item("slack-1", en("We measured air quality near the schools."),
                  connection="lisbon-slack", platform="slack", endpoint="chat/C1",
                  kind=ItemKind.CHAT, author="Emma Wilson", author_id="slack:U1", days=20),
             item("comment", fr("Nous pouvons présenter notre projet de jardins."),
                  en("We can present our project of gardens.", original=False),
                  kind=ItemKind.COMMENT, author="Hugo Bernard", author_id="basecamp:2",
                  days=1, parent=("network-basecamp", "post"),
                  thread=("network-basecamp", "post")))
        return store

    def test_each_language_is_matched_with_its_own_stems_and_without_accents(
            self, network: Store) -> None:
        assert natives(network.archive_search([Probe("fr", "qualite de l'AIR")])) == ["post"]
        assert natives(network.archive_search([Probe("fr", "jardin")])) == ["comment"]
        assert natives(network.archive_search([Probe("pt", "qualidades")])) == ["wa-1"]
        # The English translation the hub made is found like an English original.
        found = network.archive_search([Probe("en", "air quality")])
        assert sorted(natives(found)) == ["post", "slack-1"]
        assert {f.language for f in found} == {"en"}

    def test_a_query_asked_in_every_language_finds_each_item_once(self, network: Store) -> None:
        probes = [Probe("fr", "qualité de l'air"), Probe("pt", "qualidade do ar"),
                  Probe("en", "air quality")]
        found = network.archive_search(probes)
        assert sorted(natives(found)) == ["post", "slack-1", "wa-1"]
        assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)

    def test_every_word_must_be_there_and_a_quoted_phrase_in_order(self,
                                                                   network: Store) -> None:
        assert natives(network.archive_search([Probe("en", "air bicycles")])) == []
        assert natives(network.archive_search([Probe("en", '"quality air"')])) == []
        assert natives(network.archive_search([Probe("en", '"measured air"')])) == ["slack-1"]
        assert natives(network.archive_search([Probe("fr", "de la")])) == []

    @pytest.mark.parametrize(("filters", "expected"), [
        (Filters(platforms=frozenset({"slack"})), ["slack-1"]),
        (Filters(endpoints=frozenset({"network-basecamp/board/1"})), ["post"]),
        (Filters(authors=frozenset({"emma wilson"})), ["slack-1"]),
        (Filters(authors=frozenset({"whatsapp:351900000001"})), ["wa-1"]),
        (Filters(languages=frozenset({"fr"})), ["post"]),
        (Filters(kinds=frozenset({ItemKind.CHAT})), ["slack-1", "wa-1"]),
        (Filters(since=T0 + timedelta(days=5)), ["slack-1", "wa-1"]),
        (Filters(until=T0 + timedelta(days=5)), ["post"]),
        # Past two years the period is not matched in the index, only checked on the rows.
        (Filters(since=T0 - timedelta(days=1000), until=T0 + timedelta(days=5)), ["post"]),
        (Filters(has_file=True), ["wa-1"]),
        (Filters(has_file=False), ["post", "slack-1"]),
    ])
    def test_filters_narrow(self, network: Store, filters: Filters,
                            expected: list[str]) -> None:
        probes = [Probe("fr", "qualité air"), Probe("pt", "qualidade ar"),
                  Probe("en", "air quality")]
        assert sorted(natives(network.archive_search(probes, filters))) == expected

    def test_file_names_and_their_text_are_found(self, store: Store) -> None:
        keep(store, item("doc", fr("Le compte rendu", extra="budget-participatif.pdf\n"
                                   "Le budget participatif de Porto a financé 40 projets.")))
        assert natives(store.archive_search([Probe("fr", "participatif porto")])) == ["doc"]
        [found] = store.archive_search([Probe("fr", "compte rendu")])
        assert found.item.texts[0].body == "Le compte rendu"  # what is found is not shown

    def test_a_thread_comes_back_in_order_with_its_copies(self, network: Store) -> None:
        with network.engine.begin() as conn:
            conn.execute(t.links.insert().values(
                origin_connection="network-basecamp", origin_endpoint="board/1",
                origin_native_id="comment", connection="lisbon-slack", endpoint="chat/C1",
                native_id="1700000000.000100", role="copy", created_at=time.time()))
        thread = network.archive_thread(("network-basecamp", "post"))
        assert [i.native_id for i in thread] == ["post", "comment"]
        assert [(c.connection, c.native_id) for c in thread[1].copies] == [
            ("lisbon-slack", "1700000000.000100")]
        assert thread[1].text_in("en").body == "We can present our project of gardens."
        assert thread[1].text_in("pt").original  # no Portuguese: the original

    def test_writing_again_replaces_and_removing_forgets(self, network: Store) -> None:
        keep(network, item("post", fr("Le marché de Porto", "Marché")))
        assert natives(network.archive_search([Probe("fr", "qualité")])) == []
        assert natives(network.archive_search([Probe("en", "lisbon")])) == []  # old translation
        assert natives(network.archive_search([Probe("fr", "marchés")])) == ["post"]
        start = network.position("archive")
        assert network.archive_keep([], [("network-basecamp", "post")], start, start + 1)
        assert network.archive_item("network-basecamp", "post") is None
        assert network.archive_count() == 3

    def test_a_stale_writer_writes_nothing(self, network: Store) -> None:
        start = network.position("archive")
        assert not network.archive_keep([item("late", fr("trop tard"))], [], start - 1, start)
        assert network.archive_item("network-basecamp", "late") is None
        assert network.position("archive") == start

    def test_pages_of_the_whole_archive(self, network: Store) -> None:
        first = network.archive_select(limit=3)
        rest = network.archive_select(limit=3, after=first[-1][0])
        assert [i.native_id for _, i in first + rest] == ["post", "wa-1", "slack-1", "comment"]
        assert network.archive_languages() == ["en", "fr", "pt"]

    def test_forgetting_a_person_erases_what_they_wrote(self, network: Store) -> None:
        [stored] = network.append([Event(
            kind=Kind.MESSAGE_CREATED, occurred_at=T0,
            source=Ref(platform="whatsapp", connection="members-wa", endpoint="circle/general",
                       native_id="wamid.1"),
            actor=Actor(platform="whatsapp", native_id="351900000001", name="Ana Souza"),
            body="A qualidade do ar na nossa cidade.", language="pt",
            raw={"from": "351900000001"})])
        network.route("router", lambda batch, copies: [PlannedDelivery(
            s.seq, "general", "lisbon-slack/chat/C1", Form.MESSAGE, Action.CREATE, "k")
            for s in batch])
        assert network.archive_authors("ana souza") == [
            ("whatsapp:351900000001", "Ana Souza", 1)]
        key = functools.partial(cache_key, glossary="g1")
        words = "A qualidade do ar na nossa cidade."
        network.translation_put(key(words, "pt", "en", "apertium"), "apertium", "pt", "en",
                                "The air quality in our city.")
        network.translation_put(key("Other words", "pt", "en", "apertium"), "apertium", "pt",
                                "en", "Someone else's")
        network.attend("network-basecamp", "7001", [Attendee(
            "whatsapp:351900000001", "Ana Souza", "yes", "members-wa", 1.0)])
        erased = network.archive_forget(
            ["whatsapp:351900000001"],
            lambda text, source, target, provider: key(text, source, target, provider))
        assert (erased.items, erased.texts, erased.events, erased.deliveries,
                erased.translations) == (1, 1, 1, 1, 1)
        assert network.translation_get(key(words, "pt", "en", "apertium")) is None
        assert network.attendance_of("network-basecamp", "7001") == []
        assert network.translation_get(key("Other words", "pt", "en", "apertium"))
        assert natives(network.archive_search([Probe("pt", "qualidade")])) == []
        with network.engine.begin() as conn:
            body = json.loads(conn.execute(select(t.events.c.body)).scalar_one())
            status, error = conn.execute(
                select(t.deliveries.c.status, t.deliveries.c.last_error)).one()
        assert (body["body"], body["actor"]["name"], body["raw"]) == ("", "", {})
        assert "Ana" not in json.dumps(body) and "qualidade" not in json.dumps(body)
        assert (status, error) == ("dead", FORGOTTEN)
        assert network.deliveries(PENDING) == []
        assert stored.event.actor.name == "Ana Souza"


class TestOnSQLite(OnSQLite, ArchiveContract):
    pass


class TestOnPostgres(OnPostgres, ArchiveContract):
    pass
