"""Delivering to a Team Chat channel: messages with their author, files, threads, edits,
deletes, and no duplicate after a lost answer.

Zoom takes no idempotency key, so an uncertain retry looks at what the channel shows since the
delivery's first attempt began (`Outgoing.since`) and skips what is already there. Zoom's
errors are mapped by the connector around these calls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from hub.connector import Form, Outgoing
from hub.errors import NotSupported
from hub.files import DownloadPolicy
from hub.markup import escape
from plugins.zoom import chattext
from plugins.zoom.client import ZoomClient, pages, zoom_time
from plugins.zoom.settings import ZoomSettings

CLOCK_SLACK = 60  # seconds: our clock and Zoom's may disagree a little
FILES_PER_MESSAGE = 6  # Zoom's limit of file_ids in one message


class Channels:
    """Team Chat messages posted as the connection's `chat_user`."""

    def __init__(self, client: ZoomClient, settings: ZoomSettings, connection: str) -> None:
        self.client = client
        self.settings = settings
        self.connection = connection

    async def post(self, outgoing: Outgoing, channel: str) -> str:
        """The id of the (first) message showing `outgoing`; long text continues in its
        thread, and so do files beyond the first six."""
        if outgoing.form is Form.REACTION:
            raise NotSupported("reactions are not mirrored to Zoom Team Chat",
                               connection=self.connection)
        chunks = chattext.split_message(chattext.to_zoom_text(chat_markup(outgoing)))
        shown: dict[str, str] = {}
        if outgoing.uncertain:  # an earlier attempt may have posted some or all of it
            began = outgoing.since or datetime.now(UTC)
            shown = await self._posted_since(
                channel, zoom_time(began - timedelta(seconds=CLOCK_SLACK)))
        files = [] if chunks[0].message in shown else await self._upload(outgoing)
        groups = [files[i:i + FILES_PER_MESSAGE] for i in range(0, len(files), FILES_PER_MESSAGE)]
        parts = [(chunk, groups[0] if index == 0 and groups else [])
                 for index, chunk in enumerate(chunks)]
        parts += [(chattext.ChatText(", ".join(name for _, name in group)), group)
                  for group in groups[1:]]
        first: str | None = None
        for chunk, carried in parts:
            sent = shown.get(chunk.message)
            if sent is None:
                body = {**chunk.request(), "to_channel": channel}
                if carried:
                    body["file_ids"] = [file_id for file_id, _ in carried]
                thread = outgoing.reply_to or first
                if thread:
                    body["reply_main_message_id"] = thread
                sent = await self.client.send_chat(self.settings.chat_user, body)
            first = first or sent
        assert first is not None  # split_message gives at least one chunk
        return first

    async def edit(self, outgoing: Outgoing, channel: str, message_id: str) -> None:
        """Zoom's edit takes plain text only, and one message's worth of it."""
        text = chattext.split_message(chattext.to_zoom_text(chat_markup(outgoing)))[0]
        await self.client.edit_chat(self.settings.chat_user, message_id,
                                    {"message": text.message, "to_channel": channel})

    async def delete(self, channel: str, message_id: str) -> None:
        await self.client.delete_chat(self.settings.chat_user, message_id, channel)

    async def _upload(self, outgoing: Outgoing) -> list[tuple[str, str]]:
        """(file id, name) of each file uploaded for the message."""
        return [(await self.client.upload_chat_file(
            self.settings.chat_user, file.path, file.name, file.mime_type,
            may_follow=self._may_follow), file.name) for file in outgoing.files]

    def _may_follow(self, url: str) -> bool:
        """A redirect the token may follow: Zoom's own hosts, or the configured sandbox."""
        parts = urlsplit(url)
        configured = self.settings.file_api_url or self.settings.base_url
        if configured and urlsplit(configured)[:2] == parts[:2]:
            return True
        policy = DownloadPolicy.build(self.settings.file_hosts)
        return parts.scheme == "https" and policy.host_allowed(parts.hostname or "")

    async def _posted_since(self, channel: str, since: str) -> dict[str, str]:
        """Text → id of the channel's messages since an earlier attempt."""
        end = zoom_time(datetime.now(UTC) + timedelta(seconds=CLOCK_SLACK))
        return {str(item.get("message")): str(item.get("id")) async for item in pages(
            lambda page: self.client.list_chat(self.settings.chat_user, channel, start=since,
                                               end=end, page_token=page), "messages")}


def chat_markup(outgoing: Outgoing) -> str:
    """What a channel shows: who wrote it, then the item (a calendar event with its time,
    place and link as its readers read them), the names of files that could not travel with
    it, and the original under a translation."""
    event = outgoing.event
    head = f"**{escape(outgoing.title)}**" if outgoing.title else ""
    if outgoing.announcement is not None:
        head = "\n".join(part for part in (head, outgoing.announcement.markup()) if part)
    content = "\n\n".join(part for part in (head, outgoing.body) if part.strip())
    names = [] if outgoing.files else [a.name for a in event.attachments]
    if names:
        content += "\n\n" + "\n".join(f"- {escape(name)}" for name in names)
    if outgoing.original is not None:
        content += "\n\n" + outgoing.original.markup()
    return f"**{escape(outgoing.author)}**\n{content}"
