"""What one delivery hands its target's connector: the item as that endpoint reads it (its
language, a title where the place needs one, where it came from, a calendar event's time in
the readers' zone, the original beside a translation) with the files it carries; and a
target's answer told back as an event of its own."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.calendar.marks import ATTENDANCE, is_attendance, is_reminder, minutes_before
from hub.connector import Capability, Connector, Form, LocalFile, Outgoing
from hub.events import Actor, Event, Kind, Ref
from hub.markup import first_line, plain_text
from hub.network import Network
from hub.people.groups import reminded_group
from hub.people.members import Members
from hub.people.mentions import localise_mentions
from hub.people.questions import unanswered
from hub.rendering.announcement import announce, remind
from hub.rendering.attendance import attendance
from hub.rendering.invitation import MIME_TYPE, file_name, invitation
from hub.rendering.original import MARK, Original, original
from hub.router import Bridge, BridgeEndpoint
from hub.settings import Render, ShowOriginal
from hub.store import Delivery

# Renders a body for one endpoint: (canonical body, source language, bridge, endpoint) -> body.
Localise = Callable[[str, str | None, Bridge, BridgeEndpoint], Awaitable[str]]
# The revision of the same item the hub stored before `event`, if any: what an update changed.
Earlier = Callable[[Event], Awaitable[Event | None]]

_ANNOUNCED_IN = (Form.MESSAGE, Form.REPLY, Form.POST, Form.COMMENT)


@dataclass(frozen=True, slots=True)
class Invitation(LocalFile):
    """A calendar event's .ics, reserved with the delivery's files and written for its reader
    once the item is localised (its summary is the title they read)."""


class Composer:
    """Builds each delivery's `Outgoing`, translated when its bridge translates."""

    def __init__(self, network: Network, localise: Localise | None = None,
                 localise_title: Localise | None = None, earlier: Earlier | None = None,
                 members: Members | None = None) -> None:
        self.network = network
        self.localise = localise
        self.localise_title = localise_title
        self.earlier = earlier
        self.members = members

    async def outgoing(self, delivery: Delivery, event: Event, bridge: Bridge,
                       member: BridgeEndpoint, form: Form, reply_to: str | None,
                       files: tuple[LocalFile, ...]) -> Outgoing:
        """The item for `member`: its body and title localised, a title made for a post, a
        calendar event announced for its readers."""
        body, title = event.body, event.title
        if self.localise is not None and bridge.translate:
            body = await self.localise(body, event.language, bridge, member)
        if title and self.localise_title is not None and bridge.translate:
            title = await self.localise_title(title, event.language, bridge, member)
        announcement = None
        if event.kind.noun == "event" and form in _ANNOUNCED_IN:
            previous = await self._previous(event)
            announcement = announce(
                event, reader(member, event), member.timezone,
                previous=previous.schedule if previous else None,
                interpretation=event.schedule.interpretation if event.schedule else ())
            if previous is not None and event.kind.changes and previous.body == event.body:
                body = ""  # an update under the announcement tells what changed, not it all
        elif is_attendance(event):
            body = attendance(event.raw[ATTENDANCE], title, reader(member, event),
                              self._platform_name)
            title = None  # the summary's headline names the event
        elif is_reminder(event) and form in _ANNOUNCED_IN:
            announcement = remind(event, reader(member, event), member.timezone, title=title,
                                  before=timedelta(minutes=minutes_before(event)))
            title = None  # the reminder's headline names the event
        elif reminded_group(event) is not None:
            body = unanswered(body, reader(member, event))
        signed_as: str | None = None
        mentioned: tuple[str, ...] = ()
        if self.members is not None:
            signed_as, body, mentioned = await self._people(event, body, member)
        files = _written(files, event, title, body, keep=announcement is not None)
        if form is Form.POST and not title:
            title = first_line(body) or event.actor.name
        source = self.network.connectors.get(event.source.connection)
        label = source.platform_name() if source else ""
        since = (datetime.fromtimestamp(delivery.attempted_at, UTC)
                 if delivery.uncertain and delivery.attempted_at is not None else None)
        return Outgoing(form=form, event=event, title=title, body=body,
                        idempotency_key=f"passerelle-{delivery.id}", reply_to=reply_to,
                        files=files, source_label=label, uncertain=delivery.uncertain,
                        since=since, announcement=announcement,
                        original=await self._original(event, bridge, member, title, body,
                                                      source),
                        signed_as=signed_as, mentioned=mentioned)

    async def _people(self, event: Event, body: str, member: BridgeEndpoint
                      ) -> tuple[str | None, str, tuple[str, ...]]:
        """The author's one name and city, the body's mentions made for the target, and who
        of those mentioned must be reached there (see Outgoing.mentioned)."""
        assert self.members is not None
        target = member.address.connection
        connector = self.network.connectors.get(target)
        author = await self.members.author(event)
        if connector is None:
            return (author.signature if author else None), body, ()
        body, people = localise_mentions(body, await self.members.directory(),
                                         source=event.source.connection, target=target,
                                         target_platform=connector.name)
        reached = tuple(there.native_id for person in people
                        if person.reach_when_mentioned and (there := person.on(target)))
        return (author.signature if author else None), body, reached

    def _platform_name(self, connection: str) -> str:
        connector = self.network.connectors.get(connection)
        return connector.platform_name() if connector else connection

    async def _previous(self, event: Event) -> Event | None:
        if self.earlier is None or event.kind is Kind.EVENT_CREATED:
            return None
        return await self.earlier(event)

    async def _original(self, event: Event, bridge: Bridge, member: BridgeEndpoint,
                        title: str | None, body: str, source: Connector | None
                        ) -> Original | None:
        """The original for readers of a translation, when the bridge shows it and the
        endpoint's text is one (not the original itself, nor the original quoted already)."""
        if bridge.show_original is ShowOriginal.NONE or member.render is not Render.TRANSLATED:
            return None
        if is_reminder(event) or is_attendance(event) or reminded_group(event) is not None:
            return None  # the hub's own words, written in each reader's language
        if not translated(event, member, title, body):
            return None
        url = None
        if bridge.show_original is ShowOriginal.LINK and source is not None:
            url = await source.permalink(event)
        return original(event.title, event.body, event.language, reader(member, event),
                        url=url)

    async def files(self, event: Event, target: Connector) -> tuple[LocalFile, ...]:
        """The event's attachments downloaded, when the source gives them and the target
        takes them, and a calendar event's invitation where the target takes one; the caller
        deletes them (`discard`)."""
        files: list[LocalFile] = []
        try:
            if event.attachments and Capability.UPLOAD in target.capabilities:
                source = self.network.connectors.get(event.source.connection)
                if source is not None and Capability.DOWNLOAD in source.capabilities:
                    for attachment in event.attachments:
                        files.append(await source.download(attachment))
            if (event.kind.noun == "event" and event.schedule is not None
                    and target.invitations and Capability.UPLOAD in target.capabilities):
                files.append(_reserve(target.files.temp_dir))
        except BaseException:
            discard(files)
            raise
        return tuple(files)


def reader(member: BridgeEndpoint, event: Event) -> str | None:
    """The language an endpoint's people read: theirs, else the item's own."""
    return member.language or event.language


def translated(event: Event, member: BridgeEndpoint, title: str | None, body: str) -> bool:
    """Whether the endpoint reads something other than what was written: a translation into
    another language (an untranslatable item arrives as written, a note after it)."""
    if event.language and member.language and \
            _primary(event.language) == _primary(member.language):
        return False
    return title != event.title or not body.startswith(event.body)


def _primary(language: str) -> str:
    return language.replace("_", "-").split("-", 1)[0].lower()


def _reserve(folder: Path | None) -> Invitation:
    handle, path = tempfile.mkstemp(prefix="passerelle-", suffix=".ics", dir=folder)
    os.close(handle)
    return Invitation(Path(path), "event.ics", MIME_TYPE, 0)


def _written(files: tuple[LocalFile, ...], event: Event, title: str | None, body: str, *,
             keep: bool) -> tuple[LocalFile, ...]:
    """The files with the invitation written for its reader, or left out where the item is
    not announced (a calendar target makes the event itself); `discard` deletes it either
    way."""
    out: list[LocalFile] = []
    for file in files:
        if not isinstance(file, Invitation):
            out.append(file)
        elif keep and event.schedule is not None:
            content = invitation(event, event.schedule, title, _described(body))
            file.path.write_bytes(content)
            out.append(LocalFile(file.path, file_name(title or event.title), MIME_TYPE,
                                 len(content)))
    return tuple(out)


def _described(body: str) -> str:
    """A body as a calendar's description: plain text, without the hub's translation note."""
    return "\n".join(line for line in plain_text(body).split("\n")
                     if not line.startswith(MARK)).strip()


def notice_event(event: Event, origin: Ref, connector: Connector, member: BridgeEndpoint,
                 native_id: str, notice: str) -> Event:
    """A target's answer to `event` (a join link), as a reply to the origin item from the
    hub itself: named, announced and routed like any event."""
    return Event(
        kind=Kind.MESSAGE_CREATED,
        source=Ref(platform=connector.name, connection=member.address.connection,
                   endpoint=member.address.endpoint, native_id=f"{native_id}#notice"),
        parent=origin,
        actor=Actor(platform=connector.name, native_id="passerelle", name="Passerelle"),
        occurred_at=event.occurred_at, body=notice, language=None,
    )


def discard(files: Sequence[LocalFile]) -> None:
    for file in files:
        file.path.unlink(missing_ok=True)


def is_notice(event: Event, form: Form) -> bool:
    """A calendar change told as a reply: an addition under the item, not the item's copy."""
    return event.kind.noun == "event" and form in (Form.REPLY, Form.COMMENT)
