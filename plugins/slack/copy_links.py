"""Links to the messages the hub posted on Slack, for the console's live stream.

Slack never tells the hub of its own posts, so no report of them comes back to take a
permalink from: the link is built from the copy's id as chat.getPermalink gives it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hub.errors import ConnectorError
from plugins.slack import mapping

if TYPE_CHECKING:
    from plugins.slack.connector import SlackConnector

MESSAGE_TS = re.compile(r"\d+\.\d+")  # a reaction's id goes on past its message's ts


async def copy_link(connector: SlackConnector, native_id: str) -> str | None:
    """The permalink of the message `native_id` ("<channel>/<ts>") the hub posted; None for
    a reaction, or when Slack cannot say which workspace this is. A reply opens in its
    channel: which thread it went to is not part of its id."""
    try:
        channel, ts = mapping.split_native_id(native_id)
        if not MESSAGE_TS.fullmatch(ts):
            return None
        workspace = (await connector.identity()).url
    except (mapping.PayloadError, ConnectorError):
        return None
    return mapping.permalink(workspace, channel, ts) if workspace else None
