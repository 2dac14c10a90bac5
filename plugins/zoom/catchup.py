"""The polling fallback: upcoming meetings, recent recordings, recent channel messages.

Webhooks are the main road; these lists catch what a missed webhook would lose. The list of
meetings has no `updated_at`, so its cursor remembers a fingerprint of each upcoming meeting
and a changed one is told as an update.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.connector import PollResult
from hub.events import Event, Kind
from plugins.zoom import mapping
from plugins.zoom.client import ZoomClient, pages, zoom_time
from plugins.zoom.settings import ZoomSettings


class Catchup:
    """Polls of one connection's endpoints; Zoom's errors are mapped by the caller."""

    def __init__(self, client: ZoomClient, settings: ZoomSettings, connection: str) -> None:
        self.client = client
        self.settings = settings
        self.connection = connection

    async def meetings(self, host: str, cursor: str | None) -> PollResult:
        seen: dict[str, str] = _json_cursor(cursor).get("seen", {})
        current: dict[str, str] = {}
        events: list[Event] = []
        async for meeting in pages(lambda page: self.client.list_meetings(
                host, page_token=page), "meetings"):
            native_id = str(meeting.get("id"))
            fingerprint = mapping.meeting_fingerprint(meeting)
            current[native_id] = fingerprint
            if seen.get(native_id) == fingerprint:
                continue
            kind = Kind.EVENT_UPDATED if native_id in seen else Kind.EVENT_CREATED
            events.append(mapping.meeting_event(
                meeting, self.connection, kind, mapping.occurred_at({}, meeting),
                mapping.host_actor(meeting),
                revision=fingerprint if kind is Kind.EVENT_UPDATED else "", raw=meeting))
        events.sort(key=lambda e: e.occurred_at)
        return PollResult(events, json.dumps({"seen": current}, sort_keys=True))

    async def recordings(self, host: str, cursor: str | None) -> PollResult:
        today = datetime.now(UTC).date()
        start = _date(cursor) or today - timedelta(days=self.settings.recording_lookback_days)
        events: list[Event] = []
        async for meeting in pages(lambda page: self.client.list_recordings(
                host, start=start.isoformat(), end=today.isoformat(), page_token=page),
                "meetings"):
            events.extend(mapping.recording_events(
                meeting, self.connection, Kind.FILE_CREATED, mapping.occurred_at({}, meeting),
                mapping.host_actor(meeting), types=self.settings.recording_file_types))
        events.sort(key=lambda e: e.occurred_at)
        # Recordings finish after their day: the next poll looks at yesterday again.
        return PollResult(events, max(start, today - timedelta(days=1)).isoformat())

    async def chat(self, channel: str, cursor: str | None) -> PollResult:
        now = datetime.now(UTC)
        start = _instant(cursor) or now - timedelta(days=1)
        events: list[Event] = []
        async for message in pages(lambda page: self.client.list_chat(
                self.settings.chat_user, channel, start=zoom_time(start), end=zoom_time(now),
                page_token=page), "messages"):
            events.append(mapping.history_event(message, channel, self.connection))
        events.sort(key=lambda e: e.occurred_at)
        newest = max((e.occurred_at for e in events), default=start)
        return PollResult(events, newest.isoformat())


def _json_cursor(cursor: str | None) -> dict[str, Any]:
    try:
        data = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _date(cursor: str | None) -> date | None:
    try:
        return date.fromisoformat(cursor) if cursor else None
    except ValueError:
        return None


def _instant(cursor: str | None) -> datetime | None:
    try:
        value = datetime.fromisoformat(cursor) if cursor else None
    except ValueError:
        return None
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)

