"""Hook implementations of the Zoom connector."""

from __future__ import annotations

from hub import hookimpl
from hub.connector import Connector
from plugins.zoom.connector import ZoomConnector


@hookimpl
def hub_register_connectors() -> list[type[Connector]]:
    """The Zoom connector."""
    return [ZoomConnector]
