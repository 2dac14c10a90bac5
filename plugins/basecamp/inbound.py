"""What the hub reads from Basecamp: webhook hints, checked against the API, and polls.

A webhook is only a hint (Basecamp signs nothing): the recording it names is fetched again and
what is true now is mirrored. Polls read `/projects/recordings.json` sorted by `updated_at`,
active and trashed, and Campfire's lines (Campfire has no webhooks), newest first, stopping at
the first page older than the cursor minus the overlap window. An open to-do that changed
since it was made has its events read too: only they tell a reopening (see todos).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hub.connector import MALFORMED, Address, Inbound, PollResult, unreadable
from hub.errors import WebhookRejected
from hub.events import Event
from plugins.basecamp import mapping, todos
from plugins.basecamp.client import BasecampClient, NotFound

if TYPE_CHECKING:
    from plugins.basecamp.connector import BasecampConnector

log = logging.getLogger(__name__)
POLLED_TYPES = {"board": ("Message", "Comment"), "todos": ("Todo", "Todolist", "Comment"),
                "calendar": ("Schedule::Entry", "Comment"),
                "files": ("Upload", "Document", "Comment")}


class Reader:
    """Reads one webhook or one poll through the connector's client."""

    def __init__(self, connector: BasecampConnector) -> None:
        self.connector = connector
        self.settings = connector.config

    async def receive(self, payload: Any) -> Inbound:
        """Read the hint, fetch the recording it names, and map what is true now."""
        hint = payload.get("recording") if isinstance(payload, dict) else None
        if not isinstance(hint, dict) or not isinstance(payload.get("kind"), str):
            raise WebhookRejected("not a Basecamp webhook: no kind or recording", status=400)
        rtype, rid = str(hint.get("type")), str(hint.get("id"))
        change = mapping.classify(payload["kind"], rtype)
        if change is None or not rid.isdigit():
            return Inbound()
        client = await self.connector.ready()
        try:
            current = await client.recording(rtype, rid)
        except NotFound:
            # Gone for good or hidden: only a removal can still be told, from the hint.
            if change is not mapping.Change.TRASHED:
                return Inbound()
            current = dict(hint, status="trashed")
        if change is mapping.Change.TRASHED and current.get("status") == "active":
            return Inbound()  # restored since (or a forged hint): nothing was removed
        if change is not mapping.Change.TRASHED and current.get("status") != "active":
            return Inbound()  # trashed since: its own webhook tells that
        last_completed = None
        if change is mapping.Change.UPDATED and todos.needs_history(current):
            last_completed = await self._last_completed(client, rid)
        try:
            events = mapping.webhook_events(payload, self.connector.connection, current,
                                            last_completed=last_completed)
        except mapping.PayloadError as exc:
            raise WebhookRejected(f"unreadable Basecamp payload: {exc}", status=400) from exc
        except MALFORMED as exc:
            # The mapping is pure: what fails in it is the payload's fault (the hint's creator
            # or time), and Basecamp retrying the same body cannot help.
            raise unreadable("unreadable Basecamp payload", exc) from exc
        return Inbound(events=events)

    async def poll(self, address: Address, cursor: str | None) -> PollResult:
        """Changes since the cursor (minus the overlap window), oldest first.

        Board, calendar and files read `/projects/recordings.json` sorted by `updated_at`, both
        active and trashed; Campfire, which has no webhooks, reads its lines.
        """
        project = address.id
        now = datetime.now(UTC)
        mark = mapping.parse_time(cursor) if cursor else now - timedelta(
            minutes=self.settings.initial_lookback_minutes)
        since = mark - timedelta(seconds=self.settings.overlap_seconds) if cursor else mark
        client = await self.connector.ready()
        seen: list[datetime] = []
        events: list[Event] = []
        if address.kind == "chat":
            chat = await self.connector.tool(project, "chat")
            for line in await self._changed(client, f"chats/{chat}/lines.json", {}, since,
                                            "created_at"):
                seen.append(mapping.parse_time(line.get("created_at")))
                events.extend(self._read(line, since))
        else:
            for rtype in POLLED_TYPES[address.kind]:
                for status in ("active", "trashed"):
                    params = {"type": rtype, "bucket": project, "status": status,
                              "sort": "updated_at", "direction": "desc"}
                    for item in await self._changed(client, "projects/recordings.json", params,
                                                    since, "updated_at"):
                        seen.append(mapping.parse_time(item.get("updated_at")))
                        last_completed = None
                        if todos.needs_history(item):
                            last_completed = await self._last_completed(client, str(item["id"]))
                        events.extend(e for e in self._read(item, since, last_completed)
                                      if e.source.endpoint == address.endpoint)
        events.sort(key=lambda e: (e.occurred_at, e.kind.changes, e.source.native_id))
        newest = max(seen, default=None)
        if newest is None or newest <= mark:
            return PollResult(events, None if cursor else _stamp(mark))
        return PollResult(events, _stamp(newest))

    def _read(self, item: Mapping[str, Any], since: datetime, last_completed: str | None = None
              ) -> list[Event]:
        try:
            return mapping.polled_events(item, self.connector.connection, since,
                                         last_completed=last_completed)
        except mapping.PayloadError as exc:
            # One unreadable item must not hold the cursor back for every other one.
            log.warning("%s: Basecamp %s %s skipped: %s", self.connector.connection,
                        item.get("type"), item.get("id"), exc)
            return []

    async def _last_completed(self, client: BasecampClient, recording_id: str) -> str | None:
        """An open to-do's newest completion, from its events (None: never completed)."""
        return todos.last_completion(await client.events(
            recording_id, max_pages=self.settings.max_pages))

    async def _changed(self, client: BasecampClient, path: str, params: Mapping[str, str],
                       since: datetime, field: str) -> list[dict[str, Any]]:
        """Items of a newest-first list changed at or after `since`, reading no further."""
        found: list[dict[str, Any]] = []
        async for page in client.pages(path, params=params, max_pages=self.settings.max_pages,
                                       what=f"polling {path}"):
            stamps = [mapping.parse_time(item.get(field)) for item in page.items]
            found.extend(item for item, at in zip(page.items, stamps, strict=True)
                         if at >= since)
            newest_first = len(stamps) < 2 or stamps[0] >= stamps[-1]
            if page.not_modified or (stamps and newest_first and stamps[-1] < since):
                break
        return found


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
