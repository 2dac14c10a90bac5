"""What one delivery hands its target's connector: the item as that endpoint reads it (its
language, a title where the place needs one, where it came from) with the files it carries; and
a target's answer told back as an event of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from hub.connector import Capability, Connector, Form, LocalFile, Outgoing
from hub.events import Actor, Event, Kind, Ref
from hub.markup import first_line
from hub.network import Network
from hub.router import Bridge, BridgeEndpoint
from hub.store import Delivery

# Renders a body for one endpoint: (canonical body, source language, bridge, endpoint) -> body.
Localise = Callable[[str, str | None, Bridge, BridgeEndpoint], Awaitable[str]]


class Composer:
    """Builds each delivery's `Outgoing`, translated when its bridge translates."""

    def __init__(self, network: Network, localise: Localise | None = None,
                 localise_title: Localise | None = None) -> None:
        self.network = network
        self.localise = localise
        self.localise_title = localise_title

    async def outgoing(self, delivery: Delivery, event: Event, bridge: Bridge,
                       member: BridgeEndpoint, form: Form, reply_to: str | None,
                       files: tuple[LocalFile, ...]) -> Outgoing:
        """The item for `member`: its body and title localised, a title made for a post."""
        body, title = event.body, event.title
        if self.localise is not None and bridge.translate:
            body = await self.localise(body, event.language, bridge, member)
        if title and self.localise_title is not None and bridge.translate:
            title = await self.localise_title(title, event.language, bridge, member)
        if form is Form.POST and not title:
            title = first_line(body) or event.actor.name
        source = self.network.connectors.get(event.source.connection)
        label = (source.display_name or source.name.capitalize()) if source else ""
        since = (datetime.fromtimestamp(delivery.attempted_at, UTC)
                 if delivery.uncertain and delivery.attempted_at is not None else None)
        return Outgoing(form=form, event=event, title=title, body=body,
                        idempotency_key=f"passerelle-{delivery.id}", reply_to=reply_to,
                        files=files, source_label=label, uncertain=delivery.uncertain,
                        since=since)

    async def files(self, event: Event, target: Connector) -> tuple[LocalFile, ...]:
        """The event's attachments downloaded, when the source gives them and the target
        takes them; the caller deletes them (`discard`)."""
        if not event.attachments or Capability.UPLOAD not in target.capabilities:
            return ()
        source = self.network.connectors.get(event.source.connection)
        if source is None or Capability.DOWNLOAD not in source.capabilities:
            return ()
        files: list[LocalFile] = []
        try:
            for attachment in event.attachments:
                files.append(await source.download(attachment))
        except BaseException:
            discard(files)
            raise
        return tuple(files)


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
