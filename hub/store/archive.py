"""The archive's rows: items and their texts, written as the indexer reads the event log,
found by full-text search on either database, read back by thread, and erased on request."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, func, or_, select, text, update

from hub.archive import text as words
from hub.archive.records import (
    ArchivedItem,
    Copy,
    Erased,
    Filters,
    Found,
    ItemKind,
    ItemText,
    Key,
    Probe,
)
from hub.store import schema as t
from hub.store import search_index
from hub.store.base import DEAD, PENDING, StoreBase

# How the translation cache names an entry: (text, source language, target, provider) -> key.
CacheKey = Callable[[str, str | None, str, str], str]
ARCHIVE = "archive"  # the indexer's position in the event log (tracking)
FORGOTTEN = "forgotten at its author's request"
T = TypeVar("T")
_CHUNK = 500  # ids per IN (…): well under every driver's limit on bound parameters
# How many of a probe's newest matching texts are ranked, at most (see Archive._matches).
WINDOW = 2000
_TSQUERY = "websearch_to_tsquery(CAST(:config AS regconfig), :query)"


class Archive(StoreBase):
    # -- writing ------------------------------------------------------------------------

    def archive_keep(self, items: Sequence[ArchivedItem], removed: Iterable[Key],
                     start: int, end: int) -> bool:
        """Write what the indexer made of the events after `start` up to `end` and move its
        position there, in one transaction. False, writing nothing, when the position is no
        longer `start` (another process on the same PostgreSQL got there first)."""
        with self._tx() as conn:
            conn.execute(self._insert(t.tracking).values(consumer=ARCHIVE, position=0)
                         .on_conflict_do_nothing())
            query = select(t.tracking.c.position).where(t.tracking.c.consumer == ARCHIVE)
            if self.is_postgres:
                query = query.with_for_update()
            if int(conn.execute(query).scalar_one()) != start:
                return False
            for key in removed:
                self._archive_remove(conn, [key])
            self._archive_put(conn, items)
            conn.execute(update(t.tracking).where(t.tracking.c.consumer == ARCHIVE)
                         .values(position=end))
        return True

    def _archive_put(self, conn: Connection, items: Sequence[ArchivedItem]) -> None:
        """Put each item's row (new, or in place of what it was) and all its texts anew."""
        ids: list[int] = []
        for item in items:
            row = _item_row(item)
            statement = self._insert(t.archive_items).values(**row).on_conflict_do_update(
                index_elements=["connection", "native_id"],
                set_={k: v for k, v in row.items() if k not in ("connection", "native_id")})
            ids.append(conn.execute(statement.returning(t.archive_items.c.id)).scalar_one())
        for chunk in _chunks(ids):
            conn.execute(delete(t.archive_texts).where(t.archive_texts.c.item_id.in_(chunk)))
        rows = [_text_row(item_id, item, piece, postgres=self.is_postgres)
                for item_id, item in zip(ids, items, strict=True) for piece in item.texts]
        if rows:
            conn.execute(_POSTGRES_TEXT if self.is_postgres else t.archive_texts.insert(), rows)

    def _archive_remove(self, conn: Connection, keys: Sequence[Key]) -> int:
        ids = self._item_ids(conn, keys)
        for chunk in _chunks(ids):
            conn.execute(delete(t.archive_texts).where(t.archive_texts.c.item_id.in_(chunk)))
            conn.execute(delete(t.archive_items).where(t.archive_items.c.id.in_(chunk)))
        return len(ids)

    def _item_ids(self, conn: Connection, keys: Sequence[Key]) -> list[int]:
        i = t.archive_items.c
        ids: list[int] = []
        for connection, native_id in keys:
            found = conn.execute(select(i.id).where(i.connection == connection,
                                                    i.native_id == native_id)).scalar()
            if found is not None:
                ids.append(int(found))
        return ids

    # -- what the indexer looks up ------------------------------------------------------

    def archive_origins(self, keys: Iterable[Key]) -> dict[Key, Key]:
        """For each of `keys` that is a copy the hub made, the item it mirrors."""
        l_ = t.links.c
        return self._each_key(keys, (l_.origin_connection, l_.origin_native_id),
                              (l_.connection, l_.native_id))

    def archive_threads(self, keys: Iterable[Key]) -> dict[Key, Key]:
        """The thread each archived item of `keys` belongs to."""
        i = t.archive_items.c
        return self._each_key(keys, (i.thread_connection, i.thread_native_id),
                              (i.connection, i.native_id))

    def _each_key(self, keys: Iterable[Key], wanted: tuple[Any, Any],
                  where: tuple[Any, Any]) -> dict[Key, Key]:
        """The pair of columns `wanted` of the row whose columns `where` hold each key."""
        found: dict[Key, Key] = {}
        with self._tx() as conn:
            for connection, native_id in set(keys):
                row = conn.execute(select(*wanted).where(where[0] == connection,
                                                         where[1] == native_id)).first()
                if row is not None:
                    found[(connection, native_id)] = (row[0], row[1])
        return found

    # -- reading ------------------------------------------------------------------------

    def archive_search(self, probes: Sequence[Probe], filters: Filters | None = None,
                       limit: int = 20) -> list[Found]:
        """The items whose text in a probe's language holds every word of that probe's
        query, best first: each item once, at its best match.

        A common word matches a large share of a big archive: ranking every match would cost
        in proportion. So the newest WINDOW matching texts that pass the filters are ranked
        (newest first is how both indexes read cheaply), every probe in one statement. On
        SQLite the filters are matched in the index too, as facet tokens, so finding those
        texts costs no more when the filters leave few items; the rows are still checked
        exactly (a period by its days).
        """
        filters = filters or Filters()
        best: dict[int, tuple[float, str]] = {}
        with self._tx() as conn:
            for item_id, score, language in self._matches(conn, probes, filters, limit):
                if item_id not in best or score > best[item_id][0]:
                    best[item_id] = (score, language)
            ranked = sorted(best.items(), key=lambda entry: -entry[1][0])[:limit]
            items = self._items(conn, [item_id for item_id, _ in ranked])
        return [Found(items[item_id], score, language)
                for item_id, (score, language) in ranked if item_id in items]

    def _matches(self, conn: Connection, probes: Sequence[Probe], filters: Filters,
                 limit: int) -> list[tuple[int, float, str]]:
        """The best matching texts, each (item id, score: higher is better, its language):
        enough of them for `limit` items however many languages each matched in."""
        if not probes:
            return []
        narrowing, params = _narrowing(filters)
        params |= {"rows": limit * len(probes), "window": WINDOW}
        # The items are read only for the filters that ask something of them.
        items = " JOIN archive_items i ON i.id = t.item_id" if narrowing else ""
        if self.is_postgres:
            asked, ranked, queries = [], [], []
            for n, probe in enumerate(probes):
                params |= {f"l{n}": probe.language,
                           f"c{n}": search_index.configuration(probe.language),
                           f"q{n}": search_index.postgres_query(probe.query)}
                query = f"websearch_to_tsquery(CAST(:c{n} AS regconfig), :q{n})"
                asked.append(f"(t.language = :l{n} AND t.tsv @@ {query})")
                ranked.append(f"WHEN :l{n} THEN {query}")
                queries.append(query)
            sql = (f"SELECT item_id, ts_rank(tsv, CASE language {' '.join(ranked)} END) "  # noqa: S608
                   "AS score, language FROM (SELECT t.item_id, t.tsv, t.language "
                   f"FROM archive_texts t{items} "
                   # Any probe's words, as the GIN index finds them; then each in its language.
                   f"WHERE t.tsv @@ ({' || '.join(queries)}) AND ({' OR '.join(asked)})"
                   f"{narrowing} ORDER BY t.id DESC LIMIT :window) newest "
                   "ORDER BY score DESC LIMIT :rows")
        else:
            groups = self._facet_groups(conn, filters)
            match = None if groups is None else search_index.sqlite_match(
                [(p.query, p.language or None) for p in probes], groups)
            if match is None:
                return []
            params["match"] = match
            sql = ("SELECT t.item_id, newest.score, t.language FROM ("  # noqa: S608
                   "SELECT rowid, -bm25(archive_fts) AS score FROM archive_fts "
                   "WHERE archive_fts MATCH :match ORDER BY rowid DESC LIMIT :window) newest "
                   f"JOIN archive_texts t ON t.id = newest.rowid{items} WHERE 1 = 1{narrowing} "
                   "ORDER BY newest.score DESC LIMIT :rows")
        # Built of fixed column names; every value a person gave is a bound parameter.
        found = conn.execute(text(sql), params)
        return [(int(row[0]), float(row[1]), str(row[2])) for row in found]

    def _facet_groups(self, conn: Connection, filters: Filters) -> list[list[str]] | None:
        """The filters as groups of the index's facet tokens, one of each group to match
        (SQLite): the index itself then yields only texts of items that pass, newest
        first, however few they are. None when no item can pass (no such author)."""
        groups = [[search_index.facet(prefix, value) for value in sorted(values)]
                  for prefix, values in (
                      ("p", filters.platforms), ("e", filters.endpoints),
                      ("l", {words.primary(v) or v for v in filters.languages}),
                      ("k", {kind.value for kind in filters.kinds})) if values]
        if filters.has_file is not None:
            groups.append([search_index.facet("f", str(int(filters.has_file)))])
        if filters.authors:
            i = t.archive_items.c
            ids = conn.execute(select(i.author_id).where(or_(
                i.author_id.in_(filters.authors),
                func.lower(i.author).in_({a.lower() for a in filters.authors}))).distinct())
            authors = [search_index.facet("a", row[0]) for row in ids]
            if not authors:
                return None
            groups.append(authors)
        if filters.since is not None:
            period = search_index.months(filters.since, filters.until or datetime.now(UTC))
            if period is not None:
                groups.append(period)
        return groups

    def archive_item(self, connection: str, native_id: str) -> ArchivedItem | None:
        with self._tx() as conn:
            ids = self._item_ids(conn, [(connection, native_id)])
            return next(iter(self._items(conn, ids).values()), None)

    def archive_thread(self, thread: Key) -> list[ArchivedItem]:
        """Every archived item of a thread, its first item first, in the order written."""
        i = t.archive_items.c
        with self._tx() as conn:
            ids = [int(row[0]) for row in conn.execute(
                select(i.id).where(i.thread_connection == thread[0],
                                   i.thread_native_id == thread[1])
                .order_by(i.occurred_at, i.id))]
            items = self._items(conn, ids)
        return [items[item_id] for item_id in ids if item_id in items]

    def archive_select(self, filters: Filters | None = None, limit: int = 1000,
                       after: int = 0) -> list[tuple[int, ArchivedItem]]:
        """Archived items in the order written, `limit` at a time after the id `after`
        (the export pages through this)."""
        narrowing, params = _narrowing(filters or Filters())
        with self._tx() as conn:
            ids = [int(row[0]) for row in conn.execute(text(
                f"SELECT i.id FROM archive_items i WHERE i.id > :after{narrowing} "  # noqa: S608
                "ORDER BY i.id LIMIT :limit"), params | {"after": after, "limit": limit})]
            items = self._items(conn, ids)
        return [(item_id, items[item_id]) for item_id in ids if item_id in items]

    def archive_languages(self) -> list[str]:
        """The languages the archive holds texts in."""
        x = t.archive_texts.c
        with self._tx() as conn:
            return sorted(row[0] for row in conn.execute(
                select(x.language).where(x.language != "").distinct()))

    def archive_count(self) -> int:
        with self._tx() as conn:
            return int(conn.execute(select(func.count()).select_from(t.archive_items))
                       .scalar_one())

    def _items(self, conn: Connection, ids: Sequence[int]) -> dict[int, ArchivedItem]:
        i, x, l_ = t.archive_items.c, t.archive_texts.c, t.links.c
        texts: dict[int, list[ItemText]] = {}
        rows: dict[int, Any] = {}
        for chunk in _chunks(ids):
            for row in conn.execute(select(t.archive_items).where(i.id.in_(chunk))):
                rows[int(row.id)] = row
            for row in conn.execute(select(x.item_id, x.language, x.original, x.title, x.body,
                                           x.provider).where(x.item_id.in_(chunk))
                                    .order_by(x.item_id, x.original.desc(), x.language)):
                texts.setdefault(int(row.item_id), []).append(ItemText(
                    row.language, row.title, row.body, bool(row.original), row.provider))
        copies: dict[Key, list[Copy]] = {}
        for row in rows.values():
            for link in conn.execute(
                    select(l_.connection, l_.endpoint, l_.native_id).where(
                        l_.origin_connection == row.connection,
                        l_.origin_native_id == row.native_id, l_.role == "copy")
                    .order_by(l_.id)):
                copies.setdefault((row.connection, row.native_id), []).append(
                    Copy(link.connection, link.endpoint, link.native_id))
        return {item_id: _item(row, texts.get(item_id, []),
                               copies.get((row.connection, row.native_id), []))
                for item_id, row in rows.items()}

    # -- forgetting ---------------------------------------------------------------------

    def archive_authors(self, who: str) -> list[tuple[str, str, int]]:
        """The authors `who` names (a name in any case, or platform:native_id), each with
        their name and how many items the archive holds of theirs."""
        i = t.archive_items.c
        with self._tx() as conn:
            rows = conn.execute(
                select(i.author_id, func.min(i.author), func.count())
                .where(or_(i.author_id == who, func.lower(i.author) == who.lower()))
                .group_by(i.author_id).order_by(i.author_id))
            return [(row[0], row[1], int(row[2])) for row in rows]

    def archive_forget(self, author_ids: Sequence[str],
                       cache_key: CacheKey | None = None) -> Erased:
        """Erase what the hub keeps written by these authors: their archived items and
        texts, the text of their events in the log (each row stays, emptied, so nothing is
        ever taken in again nor mirrored twice), their deliveries not yet made, their answers
        to events, and, given how the translation cache names an entry, the translations of
        their words."""
        i, e, d = t.archive_items.c, t.events.c, t.deliveries.c
        pairs: list[tuple[str, str]] = []
        erased = Erased(authors=tuple(author_ids))
        with self._tx() as conn:
            ids = [int(r[0]) for r in conn.execute(
                select(i.id).where(i.author_id.in_(author_ids)))]
            texts = 0
            for chunk in _chunks(ids):
                texts += conn.execute(delete(t.archive_texts).where(
                    t.archive_texts.c.item_id.in_(chunk))).rowcount
                conn.execute(delete(t.archive_items).where(i.id.in_(chunk)))
            seqs: list[int] = []
            translations = 0
            if cache_key is not None:
                x = t.translations.c
                pairs = [(row[0], row[1]) for row in conn.execute(
                    select(x.provider, x.target).distinct())]
            for platform_id in author_ids:
                platform, _, native = platform_id.partition(":")
                for row in conn.execute(select(e.seq, e.body).where(
                        e.body.contains(json.dumps(native)))):
                    body = json.loads(row.body)
                    actor = body.get("actor") or {}
                    if actor.get("platform") == platform and actor.get("native_id") == native:
                        if cache_key is not None:
                            translations += _forget_translations(conn, body, pairs, cache_key)
                        conn.execute(update(t.events).where(e.seq == row.seq)
                                     .values(body=json.dumps(_emptied(body))))
                        seqs.append(int(row.seq))
            # Their answers to events (a summary already sent names them until it changes).
            conn.execute(delete(t.attendance).where(t.attendance.c.person.in_(author_ids)))
            cancelled = 0
            for chunk in _chunks(seqs):
                cancelled += conn.execute(
                    update(t.deliveries).where(d.event_seq.in_(chunk), d.status == PENDING)
                    .values(status=DEAD, last_error=FORGOTTEN, finished_at=time.time())
                ).rowcount
        return Erased(items=len(ids), texts=texts, events=len(seqs), deliveries=cancelled,
                      translations=translations, authors=erased.authors)


def _forget_translations(conn: Connection, body: dict[str, Any],
                         pairs: Sequence[tuple[str, str]], cache_key: CacheKey) -> int:
    """Delete the cached translations of an event's title and body, under every provider
    and target language the cache holds."""
    keys = [cache_key(written, body.get("language"), target, provider)
            for written in (body.get("title"), body.get("body")) if written
            for provider, target in pairs]
    return sum(conn.execute(delete(t.translations).where(t.translations.c.key.in_(chunk)))
               .rowcount for chunk in _chunks(keys))


def _item_row(item: ArchivedItem) -> dict[str, Any]:
    return {
        "connection": item.connection, "native_id": item.native_id,
        "endpoint": item.endpoint, "platform": item.platform, "kind": item.kind.value,
        "event_id": item.event_id, "author": item.author, "author_id": item.author_id,
        "language": item.language, "occurred_at": item.occurred_at.timestamp(),
        "parent_connection": item.parent[0] if item.parent else None,
        "parent_native_id": item.parent[1] if item.parent else None,
        "thread_connection": item.thread[0], "thread_native_id": item.thread[1],
        "url": item.url, "files": "\n".join(item.files), "has_file": bool(item.files),
        "indexed_at": time.time(),
    }


# PostgreSQL makes each text's tsvector as it takes the row, in the text's own configuration.
_POSTGRES_TEXT = text(
    "INSERT INTO archive_texts (item_id, language, original, title, body, provider, tsv) "
    "VALUES (:item_id, :language, :original, :title, :body, :provider, "
    "to_tsvector(CAST(:config AS regconfig), :document))")


def _text_row(item_id: int, item: ArchivedItem, piece: ItemText, *,
              postgres: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"item_id": item_id, "language": piece.language,
                           "original": piece.original, "title": piece.title,
                           "body": piece.body, "provider": piece.provider}
    if postgres:
        return row | {"config": search_index.configuration(piece.language),
                      "document": search_index.postgres_document(piece.title, _searched(piece))}
    facets = search_index.Facets(item.platform, item.kind.value, item.language,
                                 bool(item.files), item.address, item.author_id,
                                 item.occurred_at)
    return row | {"terms": search_index.sqlite_terms(piece.title, _searched(piece),
                                                     piece.language or None, facets.tokens())}


def _searched(piece: ItemText) -> str:
    return f"{piece.body}\n{piece.extra}" if piece.extra else piece.body


def _emptied(body: dict[str, Any]) -> dict[str, Any]:
    """An event's JSON with nothing left of what its author wrote or who they are."""
    actor = body.get("actor") or {}
    return body | {
        "title": None, "body": "", "attachments": [], "raw": {},
        "actor": {"platform": actor.get("platform", ""), "native_id": actor.get("native_id", ""),
                  "name": "", "email": None, "avatar_url": None},
    }


def _item(row: Any, texts: list[ItemText], copies: list[Copy]) -> ArchivedItem:
    parent = ((row.parent_connection, row.parent_native_id)
              if row.parent_connection is not None else None)
    return ArchivedItem(
        connection=row.connection, native_id=row.native_id, endpoint=row.endpoint,
        platform=row.platform, kind=ItemKind(row.kind), event_id=row.event_id,
        author=row.author, author_id=row.author_id, language=row.language,
        occurred_at=datetime.fromtimestamp(row.occurred_at, UTC), parent=parent,
        thread=(row.thread_connection, row.thread_native_id), url=row.url,
        files=tuple(row.files.splitlines()), texts=tuple(texts), copies=tuple(copies))


def _narrowing(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The SQL conditions on `i` (archive_items) that `filters` ask for, and their values."""
    clauses: list[str] = []
    params: dict[str, Any] = {}

    def among(column: str, name: str, values: Iterable[str]) -> None:
        names = []
        for n, value in enumerate(sorted(values)):
            params[f"{name}{n}"] = value
            names.append(f":{name}{n}")
        clauses.append(f"{column} IN ({', '.join(names)})")

    if filters.platforms:
        among("i.platform", "platform", filters.platforms)
    if filters.endpoints:
        places = []
        for n, address in enumerate(sorted(filters.endpoints)):
            connection, _, endpoint = address.partition("/")
            params |= {f"place_c{n}": connection, f"place_e{n}": endpoint}
            places.append(f"(i.connection = :place_c{n} AND i.endpoint = :place_e{n})")
        clauses.append(f"({' OR '.join(places)})")
    if filters.authors:
        among("i.author_id", "author_id", filters.authors)
        among("lower(i.author)", "author", {a.lower() for a in filters.authors})
        last, before = clauses.pop(), clauses.pop()
        clauses.append(f"({before} OR {last})")
    if filters.languages:
        among("i.language", "item_language",
              {words.primary(language) or language for language in filters.languages})
    if filters.kinds:
        among("i.kind", "kind", {kind.value for kind in filters.kinds})
    if filters.since is not None:
        clauses.append("i.occurred_at >= :since")
        params["since"] = filters.since.timestamp()
    if filters.until is not None:
        clauses.append("i.occurred_at < :until")
        params["until"] = filters.until.timestamp()
    if filters.has_file is not None:
        clauses.append("i.has_file = :has_file")
        params["has_file"] = filters.has_file
    return "".join(f" AND {clause}" for clause in clauses), params


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]
