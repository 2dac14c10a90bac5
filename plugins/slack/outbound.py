"""What the hub makes on Slack: posts, thread replies, file shares and reactions, their edits
and deletes, each made at most once across retries and restarts (the ledger)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from hub.calendar.answers import asks_for_answers, labels
from hub.connector import Form, LocalFile, Outgoing, Receipt, Target
from hub.errors import AuthError, ConnectorError, PermanentError, TransientError
from hub.limits import RateLimiter
from plugins.slack import mapping

if TYPE_CHECKING:
    from plugins.slack.client import SlackClient
    from plugins.slack.connector import SlackConnector
    from plugins.slack.settings import SlackSettings

log = logging.getLogger(__name__)

PENDING = "pending"
REFUSED = "refused"  # an attempt Slack refused outright: it made nothing
LEDGER = "recent_sends"  # StateBox key: idempotency key → native id, PENDING or REFUSED
LEDGER_SIZE = 512


class Outbound:
    """The connector's sends, with what they remember: thread roots, each channel's pace, the
    ledger of recent sends and whether Slack allows showing the real author."""

    def __init__(self, connector: SlackConnector) -> None:
        self.connector = connector
        self.call = connector.call
        self._channels: dict[str, RateLimiter] = {}
        self._roots: OrderedDict[str, str] = OrderedDict()  # reply native id → its root's
        self._ledger_lock = asyncio.Lock()
        self._no_customize = False  # Slack refused chat:write.customize once

    @property
    def api(self) -> SlackClient:
        return self.connector.api

    @property
    def settings(self) -> SlackSettings:
        return self.connector.settings

    async def send(self, outgoing: Outgoing, target: Target) -> Receipt:
        """Post a message (or reply, file or reaction) showing the real author."""
        channel = target.address.id
        if outgoing.form is Form.REACTION:
            return Receipt(await self._react(outgoing, channel))
        thread_ts = self._thread_of(outgoing.reply_to)
        key = outgoing.idempotency_key
        # Only a retry can find an earlier attempt: a first one spares the ledger read.
        previous = await self._ledger_get(key) if outgoing.uncertain else None
        if previous and previous not in (PENDING, REFUSED):
            return Receipt(previous)
        # An earlier attempt's outcome is unknown: it was cut short before the ledger said
        # anything (the hub commits it with the attempt's end), or its answer was lost.
        if previous == PENDING or (outgoing.uncertain and previous is None):
            found = await self._reconcile(channel, thread_ts, key)
            if found:
                await self._ledger_set(key, found)
                return Receipt(found)
        await self._ledger_set(key, PENDING)
        try:
            if outgoing.files and not self._asks(outgoing):
                made = await self._send_files(outgoing, target, thread_ts)
            else:
                made = await self._post(outgoing, target, thread_ts)
        except (AuthError, PermanentError):
            await self._ledger_set(key, REFUSED)
            raise
        except TransientError as exc:
            if exc.retry_after is not None:  # a 429 made nothing either
                await self._ledger_set(key, REFUSED)
            raise
        await self._ledger_set(key, made)
        if thread_ts:
            self.remember_root(made, mapping.native_id(channel, thread_ts))
        if outgoing.files and self._asks(outgoing):
            return Receipt(made, others=await self._files_under(outgoing, target, made))
        return Receipt(made)

    async def _files_under(self, outgoing: Outgoing, target: Target, made: str
                           ) -> tuple[str, ...]:
        """Share the files of a post that carries answer buttons in its thread: Slack takes
        buttons, and a notification's text, only on a message. The post is made and in the
        ledger: a failure here leaves it without its files rather than posting it twice."""
        channel, _ = mapping.split_native_id(made)
        try:
            shared = await self._share(outgoing.files, channel, self._thread_of(made),
                                       comment=None, blocks=None)
        except ConnectorError as exc:
            log.warning("slack %s: %s posted without its files (%s)",
                        self.connector.connection, made, exc)
            return ()
        self.remember_root(shared, self._roots.get(made, made))
        return (shared,)
    async def _ledger_get(self, key: str) -> str | None:
        ledger: dict[str, str] = json.loads(await self.connector.state.get(LEDGER) or "{}")
        return ledger.get(key)

    async def _ledger_set(self, key: str, value: str | None) -> None:
        """Remember recent sends (one bounded entry, not a row per post) across restarts."""
        async with self._ledger_lock:
            ledger: dict[str, str] = json.loads(await self.connector.state.get(LEDGER) or "{}")
            ledger.pop(key, None)
            if value is not None:
                ledger[key] = value
            for stale in list(ledger)[:-LEDGER_SIZE]:
                del ledger[stale]
            await self.connector.state.set(LEDGER, json.dumps(ledger, separators=(",", ":")))

    def _thread_of(self, reply_to: str | None) -> str | None:
        """The thread root's ts: Slack threads hang under a root, never under a reply."""
        if not reply_to:
            return None
        return mapping.split_native_id(self._roots.get(reply_to, reply_to))[1]

    def remember_root(self, message: str, root: str) -> None:
        self._roots[message] = root
        while len(self._roots) > 4096:
            self._roots.popitem(last=False)

    async def _customize(self) -> bool:
        if self.settings.show_author_as != "customize" or self._no_customize:
            return False
        scopes = (await self.connector.identity()).scopes
        return scopes is None or "chat:write.customize" in scopes

    def _marker(self, outgoing: Outgoing) -> dict[str, Any]:
        return mapping.mirror_metadata(outgoing, self.settings.metadata_event_type)

    def _asks(self, outgoing: Outgoing) -> bool:
        """Whether a post carries the answer buttons: an event's announcement or reminder,
        and the app takes interactivity requests."""
        return self.settings.answer_buttons and asks_for_answers(outgoing)

    def _blocks(self, outgoing: Outgoing, text: str, target: Target
                ) -> list[dict[str, Any]] | None:
        """The post's blocks, with the answer buttons in the endpoint's language."""
        said = labels(target.language) if self._asks(outgoing) else None
        return mapping.blocks(outgoing, text, said)

    async def _post(self, outgoing: Outgoing, target: Target, thread_ts: str | None) -> str:
        channel = target.address.id
        customize = await self._customize()
        actor = outgoing.event.actor
        await self._pace(channel)
        text = mapping.render(outgoing, prefix=not customize)
        try:
            body = await self.call(self.api.post_message(
                channel, text, thread_ts=thread_ts,
                username=outgoing.author if customize else None,
                icon_url=actor.avatar_url if customize else None,
                metadata=self._marker(outgoing), blocks=self._blocks(outgoing, text, target)))
        except AuthError as exc:
            if not customize or "chat:write.customize" not in str(exc):
                raise
            log.warning("slack %s: no chat:write.customize; authors shown as a prefix",
                        self.connector.connection)
            self._no_customize = True
            return await self._post(outgoing, target, thread_ts)
        return mapping.native_id(str(body.get("channel") or channel), str(body["ts"]))

    async def _pace(self, channel: str) -> None:
        limiter = self._channels.get(channel)
        if limiter is None:
            limiter = RateLimiter(1.0 / self.settings.channel_interval_seconds,
                                  self.connector.clock)
            self._channels[channel] = limiter
        await limiter.acquire()

    async def _send_files(self, outgoing: Outgoing, target: Target, thread_ts: str | None
                          ) -> str:
        # Slack applies no author customisation to file shares: the prefix always shows.
        text = mapping.render(outgoing, prefix=True)
        return await self._share(outgoing.files, target.address.id, thread_ts,
                                 comment=text or None,
                                 blocks=self._blocks(outgoing, text, target))

    async def _share(self, files: tuple[LocalFile, ...], channel: str, thread_ts: str | None,
                     *, comment: str | None, blocks: list[dict[str, Any]] | None) -> str:
        """Upload files and share them in one message; its native id."""
        ids = [await self._upload(file) for file in files]
        await self._pace(channel)
        await self.call(self.api.complete_upload(
            [(i, f.name) for i, f in zip(ids, files, strict=True)], channel=channel,
            thread_ts=thread_ts, initial_comment=comment, blocks=blocks))
        ts = await self._share_ts(ids[0], channel)
        return mapping.native_id(channel, ts or f"file:{ids[0]}")

    async def _upload(self, file: LocalFile) -> str:
        upload_url, file_id = await self.call(self.api.get_upload_url(file.name, file.size))
        await self.call(self.api.upload_bytes(upload_url, file.path, file.size))
        return file_id

    async def _share_ts(self, file_id: str, channel: str) -> str | None:
        """The share message's ts: Slack shares an uploaded file asynchronously."""
        deadline = time.monotonic() + self.settings.upload_share_wait_seconds
        while True:
            info = await self.call(self.api.file_info(file_id))
            for kind in ("public", "private"):
                shares = ((info.get("shares") or {}).get(kind) or {}).get(channel) or []
                if shares and shares[0].get("ts"):
                    return str(shares[0]["ts"])
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(0.25)

    async def _reconcile(self, channel: str, thread_ts: str | None, key: str) -> str | None:
        """Find a post an ambiguous attempt made, by the idempotency key in its metadata."""
        budget = self.connector.history_budget
        if not budget.take():  # reconciling matters more than one catch-up call: wait for it
            await asyncio.sleep(budget.wait())
            budget.take()
        if thread_ts:
            body = await self.call(self.api.replies(channel, thread_ts, oldest=None, limit=100))
        else:
            body = await self.call(self.api.history(channel, oldest=None, cursor=None,
                                                    limit=100))
        for message in body.get("messages") or ():
            if mapping.metadata_key(message, self.settings.metadata_event_type) == key:
                return mapping.native_id(channel, str(message["ts"]))
        return None

    async def _react(self, outgoing: Outgoing, channel: str) -> str:
        if not outgoing.reply_to:
            raise PermanentError("a reaction needs the message it reacts to",
                                 connection=self.connector.connection)
        name = mapping.reaction_name(outgoing.body)
        if name is None:
            raise PermanentError(f"no Slack emoji name for reaction {outgoing.body!r}",
                                 connection=self.connector.connection)
        _, ts = mapping.split_native_id(outgoing.reply_to)
        try:
            await self.call(self.api.add_reaction(channel, ts, name))
        except PermanentError as exc:
            if "already_reacted" not in str(exc):
                raise
        return f"{outgoing.reply_to}/:{name}:/{(await self.connector.identity()).user_id}"

    async def update(self, outgoing: Outgoing, target: Target, native_id: str) -> None:
        """chat.update of a post the hub made; reactions have nothing to edit."""
        channel, ts = mapping.split_native_id(native_id)
        if "/:" in ts:
            return
        if ts.startswith("file:"):
            found = await self._share_ts(ts[5:], channel)
            if found is None:
                raise PermanentError(f"file {ts[5:]} has no share message to edit yet",
                                     connection=self.connector.connection)
            ts = found
        # What was made as a file share shows the prefix; a post with buttons was made as a
        # message, its files in its thread.
        as_share = bool(outgoing.files) and not self._asks(outgoing)
        prefix = as_share or not await self._customize()
        text = mapping.render(outgoing, prefix=prefix)
        blocks = self._blocks(outgoing, text, target)
        if blocks is None and self.settings.answer_buttons:
            # chat.update keeps a message's blocks unless told none: a cancelled event's
            # announcement would keep its buttons, and the section its old words.
            blocks = []
        await self._pace(channel)
        await self.call(self.api.update_message(
            channel, ts, text, metadata=self._marker(outgoing), blocks=blocks))

    async def delete(self, target: Target, native_id: str) -> None:
        """Remove a post, file or reaction the hub made; one already gone counts as done."""
        channel, ts = mapping.split_native_id(native_id)
        try:
            if "/:" in ts:
                message_ts, name, _ = ts.split("/", 2)
                await self.call(self.api.remove_reaction(channel, message_ts, name.strip(":")))
            elif ts.startswith("file:"):
                await self.call(self.api.delete_file(ts[5:]))
            else:
                await self.call(self.api.delete_message(channel, ts))
        except PermanentError as exc:
            if not any(gone in str(exc) for gone in ("message_not_found", "file_not_found",
                                                     "file_deleted", "no_reaction")):
                raise
