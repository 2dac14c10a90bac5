"""The archive's answers as JSON, the same for `passerelle search --json` and the web API."""

from __future__ import annotations

from typing import Any

from hub.archive.records import ArchivedItem
from hub.archive.search import Results


def item_json(item: ArchivedItem) -> dict[str, Any]:
    return {
        "item": f"{item.connection}/{item.native_id}", "platform": item.platform,
        "endpoint": item.address, "kind": item.kind.value, "author": item.author,
        "author_id": item.author_id, "language": item.language,
        "occurred_at": item.occurred_at.isoformat(),
        "parent": "/".join(item.parent) if item.parent else None,
        "thread": "/".join(item.thread), "url": item.url, "files": list(item.files),
        "texts": [{"language": t.language, "original": t.original, "title": t.title,
                   "body": t.body, "provider": t.provider} for t in item.texts],
        "copies": [{"connection": c.connection, "endpoint": c.endpoint,
                    "native_id": c.native_id} for c in item.copies],
    }


def results_json(results: Results) -> dict[str, Any]:
    return {
        "query": results.query, "language": results.language,
        "asked": [{"language": p.language, "query": p.query} for p in results.probes],
        "hits": [{**item_json(hit.item), "score": round(hit.score, 6),
                  "shown": {"language": hit.shown.language, "title": hit.shown.title},
                  "snippet": hit.snippet.text, "marks": [list(m) for m in hit.snippet.marks]}
                 for hit in results.hits],
    }
