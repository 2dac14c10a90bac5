"""What marks an event of the stream as a reminder the hub made (hub/calendar/reminders.py):
read where items are rendered and archived, so it imports nothing of the hub's."""

from __future__ import annotations

from hub.events import Event

REMINDER = "reminder"  # a reminder's actor id, the head of its native id, its raw payload key


def is_reminder(event: Event) -> bool:
    return event.actor.native_id == REMINDER and REMINDER in event.raw


def minutes_before(event: Event) -> int:
    """How long before its event's start a reminder was due."""
    return int(event.raw[REMINDER]["minutes_before"])
