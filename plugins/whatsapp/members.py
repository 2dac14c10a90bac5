"""The connection's memory of WhatsApp users: circle membership, opt-outs, 24-hour windows
and which wamid each member's copy of a hub message has. Kept as small JSON records in the
StateBox (`member:<id>`, `alias:<bsuid>`, `circle:<name>`); never in the store.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from typing import cast

from hub.connector import DeliveryStatus, StateBox
from hub.errors import ConfigError
from hub.events import Event
from plugins.whatsapp import circles, mapping, sending
from plugins.whatsapp.circles import Member, Pending
from plugins.whatsapp.settings import WhatsAppSettings

WINDOW_CLOSED = 131047
#: Member records kept parsed, the most recently used; a record holds up to `circles.RECENT`
#: entries, and every send and status report reads the member's record, so parsing it each
#: time costs more than the rest of the work. A full record takes about 100 KiB parsed.
MAX_PARSED = 1_000


class Roster:
    """Who is who on one WhatsApp connection. Callers hold the connector's lock."""

    def __init__(self, connection: str, settings: WhatsAppSettings, state: StateBox) -> None:
        self.connection = connection
        self.settings = settings
        self.state = state
        self._parsed: OrderedDict[str, tuple[str, Member]] = OrderedDict()

    async def admit(self, item: mapping.Received) -> Event | None:
        """A received message: refresh the sender's window, apply a keyword (no content) or
        move the event onto the sender's circle."""
        if item.group_id:
            return item.event
        member = await self.load(item.sender.key, item.sender.user_id)
        if member is None:
            member = Member(key=item.sender.key)
        if item.event is None and not item.text:
            if item.moved_to:
                await self._move(member, item.moved_to, item.at)
            return None  # system notices neither open the window nor carry content
        member = _seen(member, item)
        keyword = circles.read_keyword(self.settings, item.text)
        if keyword is not None:
            member = circles.apply_keyword(self.settings, member, keyword, item.at)
            await self.save(member)
            return None
        event = item.event
        circle = circles.circle_of(self.settings, member.key, member)
        if event is not None and circle is not None:
            member = member.remember(circles.Entry(circles.INBOUND, event.source.native_id,
                                                   event.source.native_id))
            event = _rehome(event, f"circle/{circle}", member)
        await self.save(member)
        return event

    async def pressed(self, item: mapping.Received) -> Member:
        """A member pressed a reply button: like any message of theirs, it opens their 24-hour
        window; the press itself is an answer, not content (the connector reads it)."""
        member = await self.load(item.sender.key, item.sender.user_id)
        member = _seen(member or Member(key=item.sender.key), item)
        await self.save(member)
        return member

    async def _move(self, member: Member, new_number: str, at: datetime) -> None:
        """A member changed number: the new number keeps their circle and history; the old
        one is opted out (telephone operators give numbers to other people)."""
        circle = circles.circle_of(self.settings, member.key, member)
        moved = replace(member, key=new_number, wa_id=new_number, user_id=None,
                        circle=circle, opted_in=circle is not None, changed_at=at)
        await self.save(moved)
        await self.save(replace(member, opted_in=False, changed_at=at))

    async def report(self, report: mapping.Report
                     ) -> tuple[DeliveryStatus, tuple[Member, Pending] | None]:
        """A status, named by the hub's id for the message. A 131047 failure closes the
        window and returns the send to replace by the template, when it is known."""
        if not report.recipient:
            return report.status, None
        member = await self.load(report.recipient, report.recipient)
        if member is None:
            return report.status, None
        own = report.status.native_id
        if report.callback and own:
            await sending.report(self.state, report.callback, member.key, own)
        replaced: Pending | None = None
        if report.error_code == WINDOW_CLOSED:
            member, replaced = member.closed().take_pending(own)
            await self.save(member)
        elif report.status.state in ("delivered", "read", "played"):
            member, _ = member.take_pending(own)
            await self.save(member)
        representative = member.representative_of(own)
        status = report.status
        if representative != own:
            status = DeliveryStatus(representative, status.state, status.error)
        return status, ((member, replaced) if replaced else None)

    async def load(self, key: str, user_id: str | None = None) -> Member | None:
        """A member's record, found by phone number or, failing that, by BSUID alias."""
        found = self._member(key, await self.state.get(f"member:{key}"))
        if found is None and user_id:
            alias = await self.state.get(f"alias:{user_id}")
            if alias:
                found = self._member(alias, await self.state.get(f"member:{alias}"))
        return found

    def _member(self, key: str, text: str | None) -> Member | None:
        """The record `text` parsed, or the same record parsed before (members are frozen)."""
        parsed = self._parsed.get(key)
        if text and parsed is not None and parsed[0] == text:
            self._parsed.move_to_end(key)
            return parsed[1]
        member = Member.from_json(key, text)
        if text and member is not None:
            self._keep_parsed(member, text)
        return member

    def _keep_parsed(self, member: Member, text: str) -> None:
        self._parsed[member.key] = (text, member)
        self._parsed.move_to_end(member.key)
        while len(self._parsed) > MAX_PARSED:
            self._parsed.popitem(last=False)

    async def save(self, member: Member, *, now: bool = False) -> None:
        """Keep a member's record (`now`: on disk before this returns, even in a delivery)."""
        text = member.to_json()
        await self.state.set(f"member:{member.key}", text, now=now)
        self._keep_parsed(member, text)
        alias = f"alias:{member.user_id}"
        if member.user_id and member.user_id != member.key \
                and await self.state.get(alias) != member.key:
            await self.state.set(alias, member.key, now=now)
        if member.circle:
            joined = await self.joined(member.circle)
            if member.key not in joined:
                await self.state.set(f"circle:{member.circle}", json.dumps([*joined, member.key]))

    async def joined(self, circle: str) -> list[str]:
        """Members who joined a circle by keyword (configured members come from settings)."""
        text = await self.state.get(f"circle:{circle}")
        return cast(list[str], json.loads(text)) if text else []

    async def circle_members(self, circle: str) -> list[Member]:
        """The opted-in members of a circle, in a stable order."""
        if circle not in self.settings.circles:
            raise ConfigError(
                f'endpoint "{self.connection}/circle/{circle}": no such circle; add '
                f"[connections.{self.connection}.circles.{circle}] with its members"
            )
        members = []
        for key in circles.candidates(self.settings, circle, await self.joined(circle)):
            record = await self.load(key)
            if circles.circle_of(self.settings, key, record) == circle:
                members.append(record or Member(key=key))
        return members

    async def everyone(self) -> list[Member]:
        """Everyone the connection knows of, once each: the members configured in a circle
        or who joined one, opted out or not (the people's directory lists them all)."""
        keys: dict[str, None] = {}
        for circle in self.settings.circles:
            keys.update(dict.fromkeys(circles.candidates(self.settings, circle,
                                                         await self.joined(circle))))
        return [await self.load(key) or Member(key=key) for key in keys]

    async def mentioned(self, keys: tuple[str, ...], present: list[Member]) -> list[Member]:
        """Members an item mentions who want it even where they are not in its circle (they
        said so in the people file), beyond those `present`: anyone the connection knows."""
        have = {m.key for m in present}
        found = []
        for key in dict.fromkeys(keys):
            if key in have:
                continue
            member = await self.load(key)
            if member is None and circles.seeded_circle(self.settings, key) is None:
                continue  # a number this connection never met: it has nothing to send it
            found.append(member or Member(key=key))
        return found


def _seen(member: Member, item: mapping.Received) -> Member:
    """The member after a message of theirs: its time opens the window, its sender names them."""
    latest = max(item.at, member.last_inbound or item.at)
    return replace(member, last_inbound=latest, wa_id=item.sender.wa_id or member.wa_id,
                   user_id=item.sender.user_id or member.user_id, name=item.sender.name)


def _rehome(event: Event, endpoint: str, member: Member) -> Event:
    """An event moved from the member's chat onto their circle, with quote-replies pointing
    at the hub's id for the quoted message."""
    source = event.source.model_copy(update={"endpoint": endpoint})
    parent = None
    if event.parent is not None:
        parent = event.parent.model_copy(update={
            "endpoint": endpoint, "native_id": member.representative_of(event.parent.native_id)})
    return event.model_copy(update={"source": source, "parent": parent})
