"""The archive's answers as JSON, the same for `passerelle search --json` and the web API."""

from __future__ import annotations

from typing import Any

from hub.archive.records import ArchivedItem, Key
from hub.archive.search import Results


def item_json(item: ArchivedItem) -> dict[str, Any]:
    """An item with all it holds. `item` names it as `passerelle thread` takes it."""
    return {
        "item": f"{item.connection}/{item.native_id}",
        "connection": item.connection, "native_id": item.native_id,
        "endpoint": item.endpoint, "address": item.address, "platform": item.platform,
        "kind": item.kind.value, "event_id": item.event_id, "author": item.author,
        "author_id": item.author_id, "language": item.language,
        "occurred_at": item.occurred_at.isoformat(),
        "parent": _key_json(item.parent), "thread": _key_json(item.thread),
        "url": item.url, "files": list(item.files),
        "texts": [{"language": t.language, "original": t.original, "title": t.title,
                   "body": t.body, "provider": t.provider} for t in item.texts],
        "copies": [{"connection": c.connection, "endpoint": c.endpoint,
                    "native_id": c.native_id} for c in item.copies],
    }


def _key_json(key: Key | None) -> dict[str, str] | None:
    return None if key is None else {"connection": key[0], "native_id": key[1]}


def results_json(results: Results) -> dict[str, Any]:
    return {
        "query": results.query, "language": results.language,
        "asked": [{"language": p.language, "query": p.query} for p in results.probes],
        "hits": [{**item_json(hit.item), "score": round(hit.score, 6),
                  "shown": {"language": hit.shown.language, "title": hit.shown.title},
                  "snippet": hit.snippet.text, "marks": [list(m) for m in hit.snippet.marks]}
                 for hit in results.hits],
    }
