"""Slack interactivity requests: a member pressing one of the answer buttons under an
announcement or reminder (`mapping.answer_buttons`).

Slack POSTs them to the app's Interactivity Request URL, signed like Events API requests,
as `application/x-www-form-urlencoded` with one field, `payload`, holding the JSON. Pure:
data in, data out; the connector verifies the request and names the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from hub.calendar.answers import Answer, reply_of
from hub.events import Actor, Ref
from plugins.slack.mapping import PayloadError, native_id, ts_to_datetime
from plugins.slack.mrkdwn import PLATFORM

PATH = "interactivity"  # /webhooks/<connection>/interactivity


def payload_field(body: bytes) -> bytes:
    """The `payload` field of an interactivity request's form body, as JSON bytes."""
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise PayloadError("an interactivity request is a form with a payload field") from None
    values = form.get("payload")
    if not values or len(values) != 1:
        raise PayloadError("an interactivity request carries exactly one payload field")
    return values[0].encode()


def answers_of(payload: Any, connection: str, received_at: datetime) -> list[Answer]:
    """The answers a `block_actions` payload gives by our buttons, about the message they sit
    under; none for other interactions (shortcuts, modals, other apps' buttons)."""
    if not isinstance(payload, Mapping):
        raise PayloadError("an interaction payload is a JSON object")
    container = payload.get("container") or {}
    if (payload.get("type") != "block_actions" or container.get("type") != "message"
            or container.get("is_ephemeral")):
        return []
    channel = str(container.get("channel_id") or (payload.get("channel") or {}).get("id") or "")
    ts = str(container.get("message_ts") or "")
    if not channel or not ts:
        raise PayloadError("block_actions on a message without its channel_id and message_ts")
    about = Ref(platform=PLATFORM, connection=connection, endpoint=f"chat/{channel}",
                native_id=native_id(channel, ts))
    person = clicker(payload)
    found = []
    for action in payload.get("actions") or ():
        reply = reply_of(str(action.get("value") or "")) if action.get("type") == "button" \
            else None
        if reply is None:
            continue
        stamp = action.get("action_ts")
        at = ts_to_datetime(str(stamp)) if stamp else received_at
        found.append(Answer(about=about, person=person, reply=reply, at=at))
    return found


def clicker(payload: Mapping[str, Any]) -> Actor:
    """Who pressed, as the payload names them: their id and their username (the connector
    puts their display name on it when it knows it)."""
    user = payload.get("user") or {}
    user_id = str(user.get("id") or "")
    if not user_id:
        raise PayloadError("block_actions without the user who acted")
    name = user.get("name") or user.get("username") or user_id
    return Actor(platform=PLATFORM, native_id=user_id, name=str(name))
