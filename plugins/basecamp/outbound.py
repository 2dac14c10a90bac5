"""What the hub makes on Basecamp: posts, to-dos, comments, Campfire lines, schedule entries,
uploads.

Every file becomes a new attachment for each place it goes (Basecamp forbids reusing one), and
an edit puts back the files the item already embeds, since rich text is rewritten whole.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from hub import markup
from hub.connector import Form, LocalFile, Outgoing, Receipt, Shape, Target
from hub.errors import NotSupported, PermanentError
from hub.events import Kind
from hub.rendering.original import MARK, Original
from plugins.basecamp import richtext
from plugins.basecamp.adopt import Adopter
from plugins.basecamp.client import NotFound, made_id
from plugins.basecamp.journal import Finder, Journal
from plugins.basecamp.settings import BasecampSettings
from plugins.basecamp.todolist import TodoList

if TYPE_CHECKING:
    from plugins.basecamp.client import BasecampClient
    from plugins.basecamp.connector import BasecampConnector

DEFAULT_DURATION = timedelta(hours=1)


def original_html(original: Original | None, *, collapsed: bool = False) -> str:
    """The original under a translation as Basecamp rich text: a quote under its label (or
    a link to it); `collapsed`, where `<details>` is kept (chatbot lines), folded under it."""
    if original is None:
        return ""
    if not collapsed or original.url:
        return richtext.to_html(original.markup())
    words = "\n\n".join(part for part in (
        f"**{markup.escape(original.title)}**" if original.title else "", original.body)
        if part.strip())
    return (f"<details><summary>{MARK} {html.escape(original.label, quote=False)}</summary>"
            f"{richtext.to_html(words)}</details>")


class Publisher:
    """Sends one delivery through the connector's client."""

    def __init__(self, connector: BasecampConnector, settings: BasecampSettings) -> None:
        self.connector = connector
        self.settings = settings

    @property
    def client(self) -> BasecampClient:
        return self.connector.client

    @property
    def adopter(self) -> Adopter:
        return Adopter(self.client, self.connector.me)

    # -- rendering --------------------------------------------------------------------------

    async def content(self, outgoing: Outgoing, target: Target, *, collapsed: bool = False
                      ) -> str:
        """The outgoing body as Basecamp rich text: its author, a calendar event as its
        readers are told it (a schedule entry is the event itself, so it has none), the body,
        then the original under a translation (`collapsed`: folded, see original_html)."""
        parts = []
        if self.settings.show_author and target.options.get("show_author", True):
            parts.append(f"**{markup.escape(outgoing.author)}**")
        if outgoing.announcement is not None and target.shape is not Shape.CALENDAR:
            parts.append(outgoing.announcement.markup())
        elif outgoing.event.kind is Kind.EVENT_CANCELLED:
            parts.append("**Cancelled**")
        if outgoing.body.strip():
            parts.append(outgoing.body)
        body = "\n\n".join(parts)
        # The original's mentions stay text: its readers were told once, by the translation.
        return (richtext.to_html(body, mention_sgids=await self._mention_sgids(body))
                + original_html(outgoing.original, collapsed=collapsed))

    async def _mention_sgids(self, body: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for person in {m.group(2) for m in markup.MENTION.finditer(body)
                       if m.group(1) == richtext.PLATFORM}:
            try:
                sgid = (await self.client.person(person)).get("attachable_sgid")
            except PermanentError:
                continue  # no longer on the account: shown as text instead
            if isinstance(sgid, str):
                found[person] = sgid
        return found

    async def attachments(self, files: tuple[LocalFile, ...]) -> str:
        """Upload each file afresh and return the tags that embed them."""
        tags = [richtext.attachment_tag(await self.client.create_attachment(f)) for f in files]
        return "".join(tags)

    # -- create -----------------------------------------------------------------------------

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        """Make the item, each of its requests at most once as far as Basecamp shows (see
        plugins.basecamp.journal): a retry adopts what an earlier attempt made."""
        if outgoing.form is Form.REACTION:
            raise NotSupported("Basecamp has no reactions the hub can mirror",
                               connection=self.connector.connection)
        journal = await Journal.open(self.connector.state, outgoing)
        receipt = await self._send(outgoing, target, journal)
        await journal.finish()
        return receipt

    async def _send(self, outgoing: Outgoing, target: Target, journal: Journal) -> Receipt:
        form, shape = outgoing.form, target.shape
        if shape is Shape.CHAT:
            return await self._line(outgoing, target, journal)
        if shape is Shape.CALENDAR:
            async def entry() -> str:
                return str((await self._entry(outgoing, target, None))["id"])
            return Receipt(await journal.step("entry", entry))
        if shape is Shape.FILES or form is Form.FILE:
            return await self._uploads(outgoing, target, journal)
        if form in (Form.COMMENT, Form.REPLY) and outgoing.reply_to:
            return await self._comment(outgoing, target, outgoing.reply_to, journal)
        if target.address.kind == "todos":
            return await TodoList(self, target).add(outgoing, journal)
        return await self._post(outgoing, target, journal)

    async def _comment(self, outgoing: Outgoing, target: Target, recording: str,
                       journal: Journal) -> Receipt:
        content = await self.content(outgoing, target)

        async def comment() -> str:
            files = await self.attachments(outgoing.files)
            return made_id(await self.client.create_comment(recording, content + files))

        async def find(since: datetime) -> str | None:
            return await self.adopter.comment(recording, content, since)
        return Receipt(await journal.step("comment", comment, find))

    async def _post(self, outgoing: Outgoing, target: Target, journal: Journal) -> Receipt:
        board = await self.connector.tool(target.address.id, "board")
        content = await self.content(outgoing, target)
        subject = outgoing.title or markup.first_line(outgoing.body) or outgoing.author
        subscriptions: list[int] | None = list(target.options.get(
            "subscriptions", self.settings.subscriptions))
        if target.options.get("notify_whole_project", self.settings.notify_whole_project):
            subscriptions = None

        async def post() -> str:
            files = await self.attachments(outgoing.files)
            return made_id(await self.client.create_message(board, subject, content + files,
                                                        subscriptions))

        async def find(since: datetime) -> str | None:
            return await self.adopter.message(board, subject, content, since)
        return Receipt(await journal.step("message", post, find))

    async def _line(self, outgoing: Outgoing, target: Target, journal: Journal) -> Receipt:
        project = target.address.id
        chat = await self.connector.tool(project, "chat")
        chatbot = self.settings.campfire_sender == "chatbot" and bool(self.settings.chatbot_key)
        # Only a chatbot's lines keep <details>; the OAuth user's lose it, so theirs is a quote.
        content = await self.content(outgoing, target, collapsed=chatbot)
        if chatbot:
            # A chatbot cannot read the room: a line whose answer was lost is posted again.
            return Receipt(await journal.step(
                "line", lambda: self._chatbot_line(outgoing, project, chat, content)))

        async def line() -> str:
            return made_id(await self.client.create_line(chat, content))

        async def find_line(since: datetime) -> str | None:
            return await self.adopter.line(chat, content, since)
        first: str | None = None
        if outgoing.body.strip() or not outgoing.files:
            first = await journal.step("line", line, find_line)
        for index, file in enumerate(outgoing.files):
            uploaded = await journal.step(f"upload:{index}", *self._chat_upload(chat, file))
            first = first or uploaded
        assert first is not None
        return Receipt(first)

    def _chat_upload(self, chat: str, file: LocalFile
                     ) -> tuple[Callable[[], Awaitable[str]], Finder]:
        async def upload() -> str:
            return made_id(await self.client.chat_upload(chat, file))

        async def find(since: datetime) -> str | None:
            return await self.adopter.upload_line(chat, file, since)
        return upload, find

    async def _chatbot_line(self, outgoing: Outgoing, project: str, chat: str, content: str
                            ) -> str:
        assert self.settings.chatbot_key is not None
        if outgoing.files:
            names = ", ".join(f.name for f in outgoing.files)
            content += richtext.to_html(f"({markup.escape(names)}: a chatbot cannot post files)")
        made = await self.client.chatbot_line(self.settings.chatbot_key.get_secret_value(),
                                              project, chat, content)
        # A chatbot's line comes back without an id: it can never be edited or deleted.
        return str(made["id"]) if made.get("id") else f"chatbot:{outgoing.idempotency_key}"

    async def _entry(self, outgoing: Outgoing, target: Target, entry_id: str | None
                     ) -> dict[str, Any]:
        schedule = outgoing.event.schedule
        if schedule is None:
            raise PermanentError("only calendar events can go to a Basecamp schedule",
                                 connection=self.connector.connection)
        ends = schedule.ends_at or (schedule.starts_at if schedule.all_day
                                    else schedule.starts_at + DEFAULT_DURATION)
        extra = [line for line in (schedule.location and markup.escape(schedule.location),
                                   schedule.join_url) if line]
        described = Outgoing(form=outgoing.form, event=outgoing.event, title=outgoing.title,
                             body="\n\n".join([outgoing.body, *extra]).strip(),
                             idempotency_key=outgoing.idempotency_key,
                             original=outgoing.original)
        entry = {
            "summary": outgoing.title or markup.first_line(outgoing.body) or "Event",
            "starts_at": schedule.starts_at.isoformat(),
            "ends_at": ends.isoformat(),
            "all_day": schedule.all_day,
            "description": await self.content(described, target)
            + await self.attachments(outgoing.files),
            "notify": bool(target.options.get("notify", False)),
        }
        if entry_id is not None:
            return await self.client.update_entry(entry_id, entry)
        schedule_id = await self.connector.tool(target.address.id, "calendar")
        return await self.client.create_entry(schedule_id, entry)

    async def _uploads(self, outgoing: Outgoing, target: Target, journal: Journal
                       ) -> Receipt:
        if not outgoing.files:
            raise PermanentError("nothing to put in Docs & Files: the item carries no file",
                                 connection=self.connector.connection)
        vault = str(target.options.get("vault_id") or
                    await self.connector.tool(target.address.id, "files"))
        description = await self.content(outgoing, target)
        made: list[str] = []
        for index, file in enumerate(outgoing.files):
            made.append(await journal.step(f"upload:{index}", self._vault_upload(
                vault, file, description if index == 0 else "")))
        # One receipt per delivery: the first file stands for the item; the others are
        # recognised as the hub's own through own_identities.
        return Receipt(made[0])

    def _vault_upload(self, vault: str, file: LocalFile, description: str
                      ) -> Callable[[], Awaitable[str]]:
        async def upload() -> str:
            sgid = await self.client.create_attachment(file)
            return made_id(await self.client.create_upload(vault, sgid, description,
                                                       PurePath(file.name).stem))
        return upload

    # -- edit and remove --------------------------------------------------------------------

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        shape, form = target.shape, outgoing.form
        if shape is Shape.CHAT:
            raise NotSupported("Basecamp 4 cannot edit Campfire lines through its API; the "
                               "copy keeps its first text", connection=self.connector.connection)
        if shape is Shape.CALENDAR:
            await self._entry(outgoing, target, native_id)
            return
        content = await self.content(outgoing, target)
        if shape is Shape.FILES or form is Form.FILE:
            await self.client.update_upload(native_id, content)
            return
        if form in (Form.COMMENT, Form.REPLY):
            current = await self.client.recording("Comment", native_id)
            kept = await self.kept_files(current, "content", outgoing)
            await self.client.update_comment(native_id, content + kept)
            return
        subject = outgoing.title or markup.first_line(outgoing.body) or outgoing.author
        if target.address.kind == "todos":
            await TodoList(self, target).edit(native_id, subject, content, outgoing)
            return
        current = await self.client.recording("Message", native_id)
        kept = await self.kept_files(current, "content", outgoing)
        await self.client.update_message(native_id, subject, content + kept)

    async def kept_files(self, current: dict[str, Any], field: str, outgoing: Outgoing) -> str:
        """The files `current` embeds in `field`, and the outgoing item's, as tags: rich text
        is rewritten whole, so an edit must put them back."""
        kept = "".join(richtext.attachment_tag(sgid)
                       for sgid in richtext.file_sgids(current.get(field)))
        return kept + await self.attachments(outgoing.files)

    async def delete(self, target: Target, native_id: str) -> None:
        if native_id.startswith("chatbot:"):
            raise NotSupported("a line posted by a chatbot cannot be deleted through the API",
                               connection=self.connector.connection)
        try:
            if target.shape is Shape.CHAT:
                chat = await self.connector.tool(target.address.id, "chat")
                await self.client.delete_line(chat, native_id)
            else:
                await self.client.trash(native_id)
        except NotFound:
            pass  # already gone is what a delete wants: nothing to retry, nothing dead
