"""What marks an event of the stream as the hub's own about an event: a reminder
(hub/calendar/reminders.py) or an attendance summary (hub/calendar/attendance.py),
read where items are rendered and archived, so it imports nothing of the hub's."""

from __future__ import annotations

from hub.events import Event

REMINDER = "reminder"  # a reminder's actor id, the head of its native id, its raw payload key


def is_reminder(event: Event) -> bool:
    return event.actor.native_id == REMINDER and REMINDER in event.raw


def minutes_before(event: Event) -> int:
    """How long before its event's start a reminder was due."""
    return int(event.raw[REMINDER]["minutes_before"])


ATTENDANCE = "attendance"  # the attendance summary's actor id and raw payload key


def is_attendance(event: Event) -> bool:
    """Whether `event` is the summary of who comes to an event, which the hub keeps up to
    date in place as answers arrive (hub/calendar/attendance.py)."""
    return event.actor.native_id == ATTENDANCE and ATTENDANCE in event.raw
