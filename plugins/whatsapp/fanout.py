"""One delivery to WhatsApp: to a group, or fanned out to members with the 24-hour rule.

Each member's part is remembered under the delivery's idempotency key as soon as it is
sent, so a retried delivery (after a rate limit, say) continues with the members not yet
served instead of sending twice; each message to a member is noted before it goes, so a
retry after a lost answer adopts what WhatsApp reported of it (plugins.whatsapp.sending).
Files are uploaded once and sent by media id to everyone.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from hub import markup
from hub.calendar.answers import asks_for_answers
from hub.connector import Address, Form, Outgoing
from hub.errors import PermanentError
from plugins.whatsapp import answers, circles, mapping
from plugins.whatsapp.circles import Entry, Member, Pending
from plugins.whatsapp.formatting import CAPTION_LIMIT, to_whatsapp
from plugins.whatsapp.sending import Sending

if TYPE_CHECKING:
    from plugins.whatsapp.connector import WhatsAppConnector

log = logging.getLogger(__name__)
_CAPTIONED = ("image", "video", "document")


class WindowClosedError(PermanentError):
    """Free-form message refused: the member's 24-hour window is closed (error 131047)."""


class Fanout:
    """What one Outgoing becomes on one WhatsApp endpoint."""

    def __init__(self, connector: WhatsAppConnector, outgoing: Outgoing, address: Address, *,
                 notice: bool = False, header: bool = True, language: str | None = None
                 ) -> None:
        """`notice`: an edit or deletion told as a new message, only to members whose window
        is open (no template is spent on it) and never an error when nobody can see it.
        `language`: the endpoint's, which the answer buttons speak."""
        self.connector = connector
        self.outgoing = outgoing
        self.address = address
        self.notice = notice
        self.header = header
        self.language = language
        # A notice says what became of an item; the buttons stay on the item itself.
        self.asks = not notice and asks_for_answers(outgoing)
        self._asked: dict[str, str] = {}  # member key -> the wamid carrying the buttons
        self._parts: list[dict[str, Any]] | None = None
        self._reacted: dict[str, str] = {}  # member key -> the message their reaction is on
        self._free_form: set[str] = set()  # members sent free text (the window may be wrong)

    @property
    def tag(self) -> dict[str, str]:
        """The delivery's key, echoed by WhatsApp in the statuses of what it sent."""
        return {"biz_opaque_callback_data": self.outgoing.idempotency_key[:512]}

    @property
    def is_reaction(self) -> bool:
        return self.outgoing.form is Form.REACTION

    async def parts(self) -> list[dict[str, Any]]:
        """The messages everyone receives, in order; files uploaded on first use only."""
        if self._parts is not None:
            return self._parts
        out = self.outgoing
        text = (mapping.compose_text(
            out.author, out.title, out.body,
            announcement=out.announcement.markup() if out.announcement else "",
            original=out.original.markup() if out.original else "")
            if self.header else to_whatsapp(out.body))
        media: list[tuple[str, str, str]] = []
        for file in out.files:
            kind = mapping.media_kind(file.mime_type, file.size)
            if kind is None or file.size > self.connector.settings.max_media_bytes:
                text += f"\n📎 {file.name} ({file.size / 2**20:.1f} MB) is too large for WhatsApp"
                continue
            media.append((kind, await self.connector.upload(file), file.name))
        parts: list[dict[str, Any]] = []
        if media and media[0][0] in _CAPTIONED and len(text) <= CAPTION_LIMIT:
            kind, media_id, name = media.pop(0)
            parts.append(mapping.media_message(kind, media_id, caption=text, filename=name))
        else:
            parts.append(mapping.text_message(text))
        parts += [mapping.media_message(kind, media_id, filename=name)
                  for kind, media_id, name in media]
        self._parts = parts
        return parts

    async def _send_parts(self, recipient: dict[str, str], reply_to: str | None,
                          sending: Sending | None = None, *, member: Member | None = None
                          ) -> str:
        """The item's messages to one recipient; a member whose window is open gets the
        answer buttons with an item that asks for them (noted in `_asked`)."""
        parts, asked = await self.parts(), None
        if member is not None and self.asks:
            parts, asked = answers.with_buttons(parts, answers.question(self.outgoing),
                                                self.language)
        wamids: list[str] = []
        for index, part in enumerate(parts):
            message = dict(part)
            if index == 0 and reply_to:
                message["context"] = {"message_id": reply_to}
            wamids.append(await self._one(sending, f"part:{index}", recipient, message))
        if member is not None and asked is not None:
            self._asked[member.key] = wamids[asked]
        return wamids[0]  # parts() always yields at least the text

    async def _one(self, sending: Sending | None, name: str, recipient: dict[str, str],
                   message: dict[str, Any]) -> str:
        async def call() -> str:
            return await self.connector.send_one(recipient, {**message, **self.tag})
        return await (sending.send(name, call) if sending is not None else call())

    async def to_group(self, group_id: str) -> str:
        """A Cloud API group: no window rule, but no reactions either (Meta's Groups API)."""
        recipient = {"recipient_type": "group", "to": group_id}
        if self.is_reaction:
            raise PermanentError(
                f'endpoint "{self.address}": WhatsApp groups do not accept reactions; '
                'leave "reaction.added" out of this endpoint\'s kinds',
                connection=self.connector.connection)
        return await self._send_parts(recipient, self.outgoing.reply_to)

    async def to_members(self, members: list[Member]) -> str | None:
        """Each member in turn; returns the representative wamid (the first member's), or
        None for a notice nobody could receive."""
        if not members and self.notice:
            return None
        if not members:
            raise PermanentError(
                f'endpoint "{self.address}" has no opted-in members; nothing was sent',
                connection=self.connector.connection)
        key = self.outgoing.idempotency_key
        representative = next((entry.representative for member in members
                               if (entry := member.done(key))), None)
        failures: list[str] = []
        for member in members:
            if member.done(key):
                if self.outgoing.uncertain:  # the hub may have died before deleting the note
                    await Sending.forget(self.connector.state, self.connector.lock, key,
                                         member.key)
                continue
            sending = await Sending.open(
                self.connector.state, self.connector.lock, key, member.key,
                uncertain=self.outgoing.uncertain,
                wait=self.connector.settings.status_wait_seconds, now=self.connector.now)
            try:
                own = await self._to_member(member, sending)
            except PermanentError as exc:
                failures.append(f"member …{member.key[-4:]}: {exc}")
                log.warning("%s", failures[-1])
                await sending.done()
                continue
            if own is None:
                await sending.done()
                continue
            representative = representative or own
            async with self.connector.lock:
                fresh = await self.connector.roster.load(member.key) or member
                fresh = fresh.remember(Entry(key, representative, own))
                if member.key in self._asked:
                    fresh = fresh.remember(Entry(f"{circles.ASKED}{self.address.endpoint}",
                                                 representative, self._asked[member.key]))
                if member.key in self._reacted:
                    reacted = f"{circles.REACTED}{self._reacted[member.key]}"
                    fresh = fresh.remember(Entry(reacted, representative, own))
                if member.key in self._free_form and self.connector.settings.template:
                    fresh = fresh.expect(Pending(own, representative, self.template_values()))
                # On disk at once: a crash before the delivery ends must not send this member
                # the message again (their status report may already have come and gone).
                await self.connector.roster.save(fresh, now=True)
            await sending.done()
        if representative is None and self.notice and not failures:
            return None
        if representative is None:
            reason = "; ".join(failures[:3]) or "no member has the message this reacts to"
            raise PermanentError(f'endpoint "{self.address}": nothing was sent: {reason}',
                                 connection=self.connector.connection)
        return representative

    async def _to_member(self, member: Member, sending: Sending) -> str | None:
        reply = self.outgoing.reply_to
        own_reply = member.own_id(reply) if reply else None
        if reply and own_reply is None and self.address.kind == "member":
            own_reply = reply  # a 1:1 chat: the hub's id is the member's own wamid
        is_open = circles.window_open(member, self.connector.now())
        if self.notice and not is_open:
            return None
        if self.is_reaction:
            if own_reply is None or not is_open:
                return None  # nothing to react to in this chat, or no free-form allowed
            emoji = markup.plain_text(self.outgoing.body).strip()
            self._reacted[member.key] = own_reply
            return await self._one(sending, "reaction", member.address,
                                   mapping.reaction_message(own_reply, emoji))
        if not is_open:
            return await self._template(member, sending)
        try:
            own = await self._send_parts(member.address, own_reply, sending, member=member)
        except WindowClosedError:
            async with self.connector.lock:
                fresh = await self.connector.roster.load(member.key) or member
                await self.connector.roster.save(fresh.closed())
            return await self._template(member, sending)
        if not self.notice:
            self._free_form.add(member.key)
        return own

    async def _template(self, member: Member, sending: Sending) -> str:
        async def call() -> str:
            return await self.connector.send_template(member, self.template_values(), self.tag)
        return await sending.send("template", call)

    def template_values(self) -> dict[str, str]:
        """What the template's parameters may quote from this item."""
        out = self.outgoing
        preview = (markup.first_line(out.body) or (out.title or "")
                   or ", ".join(file.name for file in out.files))
        return {
            "author": out.author, "preview": preview, "title": out.title or "",
            "circle": self.address.id if self.address.kind == "circle" else "",
            "platform": out.event.source.platform.capitalize(),
            "when": (out.announcement.when or "") if out.announcement else "",
        }
