"""Finding, after a lost answer, the item an earlier attempt made: the hub's own, made since
the attempt began, showing the same thing. Read-only calls, made only for uncertain retries.

Basecamp rewrites rich text (it expands attachments and mentions, and may add markup), so
contents are compared as the canonical text they read as, files aside: a retry uploads its
files afresh, and those never match the earlier attempt's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hub.connector import LocalFile
from plugins.basecamp import richtext
from plugins.basecamp.mapping import PayloadError, parse_time

if TYPE_CHECKING:
    from plugins.basecamp.client import BasecampClient

LINE_PAGES = 3  # lines of a busy Campfire since the attempt began fit well in these
MESSAGE_PAGES = 2


def reads_as(content: str | None) -> str:
    """Rich text as the words it shows, whitespace folded; embedded files left out."""
    return " ".join(richtext.to_canonical(content).body.split())


class Adopter:
    """Looks at one account's places for the hub's own items."""

    def __init__(self, client: BasecampClient, me: Callable[[], Awaitable[str]]) -> None:
        self.client = client
        self.me = me

    async def line(self, chat_id: str, content: str, since: datetime) -> str | None:
        """A Campfire line of the hub's reading as `content`."""
        lines = await self.client.lines(chat_id, max_pages=LINE_PAGES)
        wanted = reads_as(content)
        return await self._pick(lines, since, lambda line: not line.get("attachments")
                                and reads_as(line.get("content")) == wanted)

    async def upload_line(self, chat_id: str, file: LocalFile, since: datetime) -> str | None:
        """A Campfire upload of the hub's carrying a file of this name and size."""
        lines = await self.client.lines(chat_id, max_pages=LINE_PAGES)

        def carries(line: dict[str, Any]) -> bool:
            return any(isinstance(item, dict) and item.get("filename") == file.name
                       and item.get("byte_size") == file.size
                       for item in line.get("attachments") or ())
        return await self._pick(lines, since, carries)

    async def comment(self, recording_id: str, content: str, since: datetime) -> str | None:
        """A comment of the hub's on the recording, reading as `content`."""
        comments = await self.client.comments(recording_id)
        wanted = reads_as(content)
        return await self._pick(comments, since,
                                lambda item: reads_as(item.get("content")) == wanted)

    async def message(self, board_id: str, subject: str, content: str, since: datetime
                      ) -> str | None:
        """A post of the hub's on the board with this subject, reading as `content`."""
        messages = await self.client.messages(board_id, max_pages=MESSAGE_PAGES)
        wanted = reads_as(content)
        return await self._pick(messages, since, lambda item: item.get("subject") == subject
                                and reads_as(item.get("content")) == wanted)

    async def todo(self, todolist_id: str, text: str, description: str, since: datetime
                   ) -> str | None:
        """A to-do of the hub's on the list with this text, its description reading as
        `description`."""
        found = await self.client.todos(todolist_id, max_pages=MESSAGE_PAGES)
        wanted = reads_as(description)
        return await self._pick(found, since, lambda item: item.get("content") == text
                                and reads_as(item.get("description")) == wanted)

    async def _pick(self, items: Iterable[dict[str, Any]], since: datetime,
                    same: Callable[[dict[str, Any]], bool]) -> str | None:
        me = await self.me()
        for item in items:
            if (str((item.get("creator") or {}).get("id")) == me and item.get("id") is not None
                    and _made_since(item, since) and same(item)):
                return str(item["id"])
        return None


def _made_since(item: dict[str, Any], since: datetime) -> bool:
    try:
        return parse_time(item.get("created_at")) >= since
    except PayloadError:
        return False
