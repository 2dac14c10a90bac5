"""The full-text index over the archive's texts, in each database's own terms.

SQLite: an FTS5 table over `archive_texts.terms` (the words stemmed in the text's language
and folded by hub/archive/text.py), kept in step by triggers. PostgreSQL: a `tsvector` per
text, made with the configuration of the text's language (french, portuguese, …), over a GIN
index. Both fold diacritics before the database sees the text, with the same function
(hub/archive/text.py `fold`), which is what the `unaccent` extension would do: the store needs
no extension, so no role with the right to create one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from hub.archive.text import fold, primary, snowball, terms

_SQLITE = (
    # `_` joins a term to its language (fr_jardin): one token.
    "CREATE VIRTUAL TABLE IF NOT EXISTS archive_fts USING fts5(terms, content='archive_texts', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 2 tokenchars '_'\")",
    "CREATE TRIGGER IF NOT EXISTS archive_texts_indexed AFTER INSERT ON archive_texts BEGIN "
    "INSERT INTO archive_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER IF NOT EXISTS archive_texts_unindexed AFTER DELETE ON archive_texts BEGIN "
    "INSERT INTO archive_fts(archive_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
)
_POSTGRES = (
    "ALTER TABLE archive_texts ADD COLUMN IF NOT EXISTS tsv tsvector",
    "CREATE INDEX IF NOT EXISTS archive_texts_tsv ON archive_texts USING gin (tsv)",
)

# The Snowball configurations PostgreSQL ships with (`SELECT cfgname FROM pg_ts_config`).
_SHIPPED = frozenset({
    "arabic", "armenian", "basque", "catalan", "danish", "dutch", "english", "finnish",
    "french", "german", "greek", "hindi", "hungarian", "indonesian", "irish", "italian",
    "lithuanian", "nepali", "norwegian", "portuguese", "romanian", "russian", "serbian",
    "spanish", "swedish", "tamil", "turkish", "yiddish"})

# A period of more months than this is checked on the rows only (see `months`).
MAX_MONTHS = 24
_QUOTED = re.compile(r'"([^"]*)"')


def create(conn: Connection) -> None:
    """Make the index beside the archive's tables (idempotent)."""
    for statement in _POSTGRES if conn.dialect.name == "postgresql" else _SQLITE:
        conn.execute(text(statement))


def configuration(language: str | None) -> str:
    """The PostgreSQL configuration that reads `language`: the one named after its Snowball
    stemmer; `simple` (words folded, not stemmed) where PostgreSQL ships none."""
    name = snowball(primary(language))
    return name if name in _SHIPPED else "simple"


def sqlite_terms(title: str | None, body: str, language: str | None,
                 facets: Sequence[str] = ()) -> str:
    """What SQLite's index holds of one text: its terms, each joined to the text's language
    (`fr_jardin`), so a probe in one language matches that language's texts alone, in the
    index itself; then its item's facets (`facets_of`), so that filters are matched there
    too."""
    return " ".join([*_tagged(terms(f"{title or ''}\n{body}", language), language), *facets])


@dataclass(frozen=True)
class Facets:
    """What the filters ask of an item, as the index's facet tokens."""

    platform: str
    kind: str
    language: str | None
    has_file: bool
    address: str  # connection/endpoint
    author_id: str
    occurred_at: datetime

    def tokens(self) -> list[str]:
        return [facet("p", self.platform), facet("k", self.kind),
                facet("l", primary(self.language) or "xx"), facet("f", str(int(self.has_file))),
                facet("e", self.address), facet("a", self.author_id), month(self.occurred_at)]


def month(moment: datetime) -> str:
    return f"m_{moment.astimezone(UTC):%Y%m}"


def months(since: datetime, until: datetime) -> list[str] | None:
    """The month tokens of a period (`until` excluded); None past MAX_MONTHS of them (then
    the period is only checked on the rows, not matched in the index)."""
    found: list[str] = []
    at = since.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while at < until and len(found) <= MAX_MONTHS:
        found.append(month(at))
        at = (at + timedelta(days=32)).replace(day=1)
    return found if len(found) <= MAX_MONTHS else None


def facet(prefix: str, value: str) -> str:
    """The token of an item's value: p platform, k kind, l language, f has a file, e place,
    a author (see Facets)."""
    return f"{prefix}_{_token(value)}"


def _token(value: str) -> str:
    """A value as one token of letters and digits: short names as they are, others hashed."""
    folded = fold(value)
    if folded.isascii() and folded.isalnum() and len(folded) <= 20:
        return folded
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _tagged(found: list[str], language: str | None) -> list[str]:
    tag = primary(language) or "xx"  # xx: no language anybody could tell
    return [f"{tag}_{term}" for term in found]


def sqlite_match(probes: Sequence[tuple[str, str | None]],
                 facets: Sequence[Sequence[str]] = ()) -> str | None:
    """One FTS5 query for every probe (a query and the language it is written in): a text
    matches when it holds every word of one probe in that probe's language (a "quoted
    phrase" as a phrase), and, for each group of `facets`, one of its tokens. None when
    nothing can match (function words only)."""
    clauses = [clause for query, language in probes
               if (clause := _words(query, language)) is not None]
    if not clauses:
        return None
    groups = [" OR ".join(f'"{token}"' for token in group) for group in facets]
    return " AND ".join(f"({part})" for part in [" OR ".join(f"({c})" for c in clauses),
                                                 *groups])


def _words(query: str, language: str | None) -> str | None:
    parts: list[str] = []
    for index, piece in enumerate(_QUOTED.split(query)):
        found = _tagged(terms(piece, language), language)
        if not found:
            continue
        if index % 2:  # inside quotes
            parts.append('"' + " ".join(found) + '"')
        else:
            parts.extend(f'"{term}"' for term in found)
    return " AND ".join(parts) or None


def postgres_document(title: str | None, body: str) -> str:
    """The text PostgreSQL makes a text's tsvector of: folded like every query."""
    return fold(f"{title or ''}\n{body}")


def postgres_query(query: str) -> str:
    return fold(query)
