"""Block Kit as the Slack sandbox keeps and checks it on the app's messages, and the
`block_actions` payload Slack sends when a person presses one of their buttons (shaped as
https://docs.slack.dev/reference/interaction-payloads/block_actions-payload shows it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Message = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Press:
    """Who pressed, in which app and workspace, and the ids Slack makes for the press."""

    user: str
    username: str
    team_id: str
    app_id: str
    action_ts: str
    trigger_id: str
    response_url: str


def block_actions(channel: str, message: Message, value: str, press: Press) -> dict[str, Any]:
    """The interaction payload of pressing the button of `value` on `message`; a button the
    message does not show cannot be pressed (KeyError)."""
    block, button = _button(message, value)
    container: dict[str, Any] = {"type": "message", "message_ts": message["ts"],
                                 "channel_id": channel, "is_ephemeral": False}
    if message.get("thread_ts"):
        container["thread_ts"] = message["thread_ts"]
    return {
        "type": "block_actions",
        "user": {"id": press.user, "username": press.username, "name": press.username,
                 "team_id": press.team_id},
        "api_app_id": press.app_id, "token": "sandbox-verification-token",
        "container": container, "trigger_id": press.trigger_id,
        "team": {"id": press.team_id, "domain": "sandbox"},
        "enterprise": None, "is_enterprise_install": False,
        "channel": {"id": channel, "name": channel.lower()},
        "message": dict(message), "state": {"values": {}},
        "response_url": press.response_url,
        "actions": [{**button, "block_id": block, "action_ts": press.action_ts}],
    }


def _blocks_of(value: Any) -> list[Any]:
    """Blocks as a method's arguments carry them: a JSON array, or its text in a form."""
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


def keep_blocks(message: Message, value: Any) -> None:
    """Give a message the blocks a call sent, or take them away when it sent none."""
    blocks = _blocks_of(value)
    if blocks:
        message["blocks"] = blocks
    else:
        message.pop("blocks", None)


BUTTON_TEXT, BUTTON_VALUE, ACTION_ID = 75, 2000, 255  # Block Kit's limits on a button


def valid_blocks(value: Any) -> bool:
    """What Slack checks of the buttons it is given (else it answers invalid_blocks): plain
    text of 1 to 75 characters, a value and an action_id within their lengths, action_ids
    unique within the message."""
    try:
        blocks = _blocks_of(value)
    except ValueError:
        return False
    if not all(isinstance(block, Mapping) for block in blocks):
        return False
    buttons = [element for block in blocks if block.get("type") == "actions"
               for element in block.get("elements") or () if element.get("type") == "button"]
    actions = [str(button.get("action_id") or "") for button in buttons]
    return len(set(actions)) == len(actions) and all(
        _valid_button(button, action) for button, action in zip(buttons, actions, strict=True))


def _valid_button(button: Mapping[str, Any], action: str) -> bool:
    text = button.get("text") or {}
    return (text.get("type") == "plain_text"
            and 0 < len(str(text.get("text") or "")) <= BUTTON_TEXT
            and len(str(button.get("value") or "")) <= BUTTON_VALUE
            and 0 < len(action) <= ACTION_ID)


def _button(message: Message, value: str) -> tuple[str, dict[str, Any]]:
    """The block id and the button of a message's actions that carries `value`, as the
    block_actions payload names them (Slack gives blocks without an id one of its own)."""
    for index, block in enumerate(message.get("blocks") or ()):
        if block.get("type") != "actions":
            continue
        for element in block.get("elements") or ():
            if element.get("type") == "button" and element.get("value") == value:
                return str(block.get("block_id") or f"b{index}"), {
                    "type": "button", "action_id": element["action_id"],
                    "text": element["text"], "value": value}
    raise KeyError(f"message {message['ts']} shows no button of value {value!r}")
