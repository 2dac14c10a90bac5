"""Hook implementations of the Slack connector."""

from __future__ import annotations

from hub import hookimpl
from hub.connector import Connector
from plugins.slack.connector import SlackConnector


@hookimpl
def hub_register_connectors() -> list[type[Connector]]:
    return [SlackConnector]
