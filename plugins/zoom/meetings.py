"""Delivering to a Zoom calendar: a calendar event becomes a meeting, with interpretation for
the bridge's languages; moves patch it, cancellations delete it.

Zoom takes no idempotency key, so an uncertain retry (the answer of an earlier attempt was
lost) adopts the host's meeting with the same topic and start instead of making another.
Zoom's errors are mapped by the connector around these calls.
"""

from __future__ import annotations

from typing import Any

from hub.connector import Form, Outgoing, Receipt, Target
from hub.errors import PermanentError
from plugins.zoom import outbound
from plugins.zoom.client import ZoomClient, pages
from plugins.zoom.settings import Interpreter, ZoomSettings


class Meetings:
    """Meetings hosted by the user a calendar endpoint names (`calendar/<user id>`)."""

    def __init__(self, client: ZoomClient, settings: ZoomSettings, connection: str) -> None:
        self.client = client
        self.settings = settings
        self.connection = connection

    async def create(self, outgoing: Outgoing, target: Target) -> Receipt:
        """The meeting, and its join link (with the interpretation Zoom kept) told back."""
        body = self.request(outgoing, target)
        meeting = await self._made_before(target.address.id, body) if outgoing.uncertain else None
        if meeting is None:
            meeting = await self.client.create_meeting(target.address.id, body)
        return Receipt(native_id=str(meeting["id"]), notice=outbound.join_notice(meeting))

    async def move(self, outgoing: Outgoing, target: Target, meeting_id: str) -> None:
        await self.client.update_meeting(meeting_id, self.request(outgoing, target))

    async def cancel(self, meeting_id: str) -> None:
        await self.client.delete_meeting(meeting_id)

    def request(self, outgoing: Outgoing, target: Target) -> dict[str, Any]:
        """The meeting body, or a PermanentError saying why this item makes no meeting."""
        schedule = outgoing.event.schedule
        if outgoing.form is not Form.CALENDAR or schedule is None:
            raise PermanentError(f"a Zoom meeting is made from a calendar event with a time; "
                                 f"got {outgoing.event.kind.value} as {outgoing.form.value}",
                                 connection=self.connection)
        if schedule.all_day:
            raise PermanentError(f'"{outgoing.title or outgoing.event.title}" is an all-day '
                                 "event: a Zoom meeting needs a start time, so none is made; "
                                 "give the event a time to have one",
                                 connection=self.connection)
        return outbound.meeting_request(outgoing.title, outgoing.body, schedule,
                                        default_minutes=self.settings.default_duration_minutes,
                                        interpreters=self._interpreters(target))

    def _interpreters(self, target: Target) -> list[Interpreter]:
        languages = target.options.get("bridge_languages")
        return outbound.select_interpreters(
            self.settings.interpreters, list(languages) if languages is not None else None)

    async def _made_before(self, host: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The host's scheduled meeting with this topic and start, if an attempt made it."""
        async for item in pages(lambda page: self.client.list_meetings(
                host, kind="scheduled", page_token=page), "meetings"):
            if item.get("topic") == body["topic"] and item.get("start_time") == body["start_time"]:
                return await self.client.get_meeting(str(item["id"]))
        return None
