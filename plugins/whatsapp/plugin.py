"""Hook implementations of the WhatsApp connector."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub import hookimpl

if TYPE_CHECKING:
    from hub.connector import Connector


@hookimpl
def hub_register_connectors() -> list[type[Connector]]:
    from plugins.whatsapp.connector import WhatsAppConnector

    return [WhatsAppConnector]
