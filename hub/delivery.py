"""The delivery worker: takes due rows from the outbox and makes them real on the targets.

Per (source conversation → target) order comes from the claim (one head per ordering key);
replies wait for their parent's link; each connection has its own limiter, so a paused or slow
platform never holds up another; failures back off, then land in the dead letters.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from hub.activity import Activity
from hub.connector import (
    Action,
    Address,
    Capability,
    Connector,
    Form,
    Target,
)
from hub.errors import AuthError, ConnectorError, NotSupported, PermanentError, TransientError
from hub.events import Event, Ref
from hub.limits import RateLimiter, RetryPolicy
from hub.network import Network
from hub.outgoing import Composer, Localise, discard, is_notice, notice_event
from hub.people.members import Members
from hub.router import Bridge, BridgeEndpoint, anchor
from hub.store import Delivery, Link, Store
from hub.store.records import Completion, Whereabouts
from hub.store.statebox import HeldWrites, held_writes, holding_writes

log = logging.getLogger(__name__)

WAIT_FOR_PARENT = 1.0  # seconds between looks for a parent still on its way
LONG_PAUSE = 1.0  # a connection paused longer than this releases the row instead of sleeping
LEASE_SHARE = 0.9  # of its lease an attempt may use, leaving time to record how it ended


class Deferred(Exception):
    """Not now, and not a failure: retry at `delay` without counting an attempt."""

    def __init__(self, reason: str, delay: float, *, park: bool = False) -> None:
        super().__init__(reason)
        self.delay = delay
        self.park = park


@dataclass(frozen=True)
class Settled:
    """How a delivery ended this time, for metrics."""

    outcome: str  # done, retry, dead, deferred
    target_connection: str


class DeliveryWorker:
    """Claims due deliveries and runs each in its own task."""

    def __init__(self, store: Store, network: Network, policy: RetryPolicy, *,
                 batch: int = 100, concurrency: int = 8, lease: float = 300.0,
                 localise: Localise | None = None,
                 localise_title: Localise | None = None,
                 on_settled: Callable[[Settled], None] | None = None,
                 ingest: Callable[[list[Event]], Awaitable[object]],
                 clock: Callable[[], float] = time.time,
                 activity: Activity | None = None,
                 members: Members | None = None) -> None:
        self.store = store
        self.activity = activity or Activity()  # what the console's overview shows
        self.network = network
        self.policy = policy
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease
        self.composer = Composer(network, localise, localise_title, earlier=self._earlier,
                                 members=members)
        self.on_settled = on_settled
        self.ingest = ingest
        self.clock = clock
        self.limiters = {
            name: RateLimiter(connector.settings.rate_per_second)
            for name, connector in network.connectors.items()
        }
        self._inflight: set[asyncio.Task[None]] = set()
        self._failing: set[str] = set()  # connections whose last failure needed an admin
        self._completions: list[tuple[Completion, asyncio.Future[None]]] = []
        self._committing: asyncio.Task[None] | None = None
        self.claiming = True  # False once the hub stops: what runs finishes, nothing starts
        self.saturated = False  # the last pump filled every free slot: look again when one frees

    @property
    def busy(self) -> bool:
        return bool(self._inflight)

    async def pump(self) -> int:
        """Claim what is due (within free concurrency) and start delivering it."""
        room = min(self.concurrency - len(self._inflight), self.batch)
        if room <= 0 or not self.claiming:
            self.saturated = self.claiming
            return 0
        claimed = await self.store.run(self.store.claim, self.clock(), room, self.lease)
        self.saturated = len(claimed) == room  # more may be due than there was room for
        self._start(claimed)
        return len(claimed)

    def _start(self, claimed: Sequence[Delivery]) -> None:
        for delivery in claimed:
            task = asyncio.create_task(self._run(delivery), name=f"delivery-{delivery.id}")
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def drain(self) -> None:
        """Wait for every started delivery to finish."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    async def _run(self, delivery: Delivery) -> None:
        target_connection = Address.parse(delivery.target).connection
        with holding_writes():  # what connectors note while delivering goes with its end
            try:
                outcome = await self._attempt(delivery)
            except Exception:  # a fault of ours must not kill the worker, nor lose the row
                log.exception("delivery %s to %s crashed; it will be retried", delivery.id,
                              delivery.target)
                outcome = await self._failed(delivery,
                                             TransientError("internal error (see log)"))
        if self.on_settled is not None:
            self.on_settled(Settled(outcome, target_connection))

    async def _attempt(self, delivery: Delivery) -> str:
        try:
            # An attempt may not outlive its lease: past it another worker could take the row
            # and make the item a second time.
            async with asyncio.timeout(self.lease * LEASE_SHARE):
                await self._deliver(delivery)
        except TimeoutError:
            return await self._failed(delivery, TransientError(
                f"the attempt took longer than {self.lease * LEASE_SHARE:.0f} s of its "
                f"{self.lease:.0f} s lease; raise [delivery] lease_seconds for large files"))
        except Deferred as wait:
            await self._end(self.store.reschedule, delivery.id,
                          self.clock() + wait.delay, str(wait), count_attempt=False,
                          park=wait.park)
            return "deferred"
        except NotSupported as exc:
            log.info("delivery %s to %s has nothing to do: %s", delivery.id, delivery.target,
                     exc)
            await self._complete(delivery, None, ())
            return "unsupported"
        except ConnectorError as exc:
            return await self._failed(delivery, exc)
        return "done"

    async def _failed(self, delivery: Delivery, exc: ConnectorError) -> str:
        now = self.clock()
        attempts = delivery.attempts + 1
        reason = f"{type(exc).__name__}: {exc}"
        connection = Address.parse(delivery.target).connection
        self.activity.failed(connection, exc)
        if isinstance(exc, AuthError):
            self._failing.add(connection)
            await self.store.run(self.store.state_set, connection, "status", f"failing: {exc}")
        if isinstance(exc, TransientError) and exc.retry_after and connection in self.limiters:
            self.limiters[connection].pause(exc.retry_after)
        if isinstance(exc, PermanentError) or self.policy.exhausted(attempts,
                                                                     now - delivery.age_from):
            log.warning("delivery %s to %s is dead after %d attempt(s): %s", delivery.id,
                        delivery.target, attempts, reason)
            await self._end(self.store.bury, delivery.id, now, reason)
            return "dead"
        delay = self.policy.delay(attempts, exc.retry_after)
        log.info("delivery %s to %s failed (%s); retry %d in %.1fs", delivery.id,
                 delivery.target, reason, attempts, delay)
        await self._end(self.store.reschedule, delivery.id, now + delay, reason)
        return "retry"

    async def _end(self, end: Callable[..., None], *args: object, **kwargs: object) -> None:
        """End an attempt as rescheduled or dead, committing what it wrote in StateBoxes."""
        held = held_writes()
        state = held.seal() if held is not None else ()
        await _settling(self.store.run(end, *args, state=state, **kwargs), held)

    async def _deliver(self, delivery: Delivery) -> None:
        membership = self.network.member(delivery.bridge, delivery.target)
        event, here = delivery.event, delivery.here
        if event is None or here is None or membership is None:
            raise PermanentError(
                f"{delivery.target} is no longer in bridge {delivery.bridge!r}")
        bridge, member = membership
        connector = self.network.connector(member.address.connection)
        # A copy the hub made is never mirrored, even if it was routed before its link existed.
        if here.made_by_hub:
            await self._complete(delivery, None, ())
            return
        target = Target(member.address, member.shape, member.language,
                        {**member.options, "bridge_languages": bridge.languages})
        form = delivery.form
        if delivery.action is Action.CREATE:
            if not is_notice(event, form) and here.on_target is not None:
                await self._complete(delivery, here.on_target, ())  # made already, link kept
                return
            reply_to = None
            hang_under = anchor(event, form)
            if hang_under is not None:
                reply_to = _or_wait(await self._where(hang_under, delivery),
                                    delivery.target)
                if reply_to is None and form is Form.REACTION:
                    await self._complete(delivery, None, ())  # its message never came here
                    return
                if reply_to is None:  # its parent never came here: stand on its own
                    form = Form.MESSAGE if form is Form.REPLY else Form.POST
            await self._create(delivery, event, bridge, member, connector, target, form,
                               reply_to, here.origin)
            return
        needed = Capability.DELETE if delivery.action is Action.DELETE else Capability.UPDATE
        native_id = _or_wait(here, delivery.target) if needed in connector.capabilities else None
        if native_id is None:
            # Nothing of it was ever mirrored here, or the platform cannot change what the hub
            # posted (its README says so): there is nothing to do, and nothing failed.
            await self._complete(delivery, None, ())
            return
        await self._acquire(connector)
        if delivery.action is Action.DELETE:
            await connector.delete(target, native_id)
        else:
            outgoing = await self.composer.outgoing(delivery, event, bridge, member, form, None,
                                                    ())
            await connector.update(outgoing, target, native_id)
        self.activity.proven(connector.connection)
        await self._complete(delivery, native_id, ())

    async def _create(self, delivery: Delivery, event: Event, bridge: Bridge,
                      member: BridgeEndpoint, connector: Connector, target: Target, form: Form,
                      reply_to: str | None, origin: tuple[str, str, str]) -> None:
        files = await self.composer.files(event, connector)
        try:
            outgoing = await self.composer.outgoing(delivery, event, bridge, member, form, reply_to,
                                                    files)
            await self._acquire(connector)
            receipt = await connector.send(outgoing, target)
        finally:
            discard(files)
        self.activity.proven(connector.connection)
        role = "notice" if is_notice(event, form) else "copy"
        made = [(receipt.native_id, role)] + [(other, "part") for other in receipt.others]
        links = tuple(Link(*origin, member.address.connection, member.address.endpoint,
                           native_id, kind) for native_id, kind in made)
        await self._complete(delivery, receipt.native_id, links)
        if receipt.notice:  # a target's answer (a join link) told back, under the origin item
            parent = Ref(platform=event.source.platform, connection=origin[0],
                         endpoint=origin[1], native_id=origin[2])
            await self.ingest([notice_event(event, parent, connector, member,
                                            receipt.native_id, receipt.notice)])

    async def _earlier(self, event: Event) -> Event | None:
        """The revision of a calendar event before `event`, for an update's "moved to …"."""
        return await self.store.run(self.store.revision_before, event.id)

    async def _acquire(self, connector: Connector) -> None:
        limiter = self.limiters[connector.connection]
        wait = limiter.wait_time()
        if wait > LONG_PAUSE:
            raise Deferred(f"{connector.connection} is paused by the platform", wait)
        await limiter.acquire()

    async def _where(self, ref: Ref, delivery: Delivery) -> Whereabouts:
        return await self.store.run(self.store.whereabouts, ref.connection, ref.endpoint,
                                    ref.native_id, delivery.target, delivery.id)

    async def _complete(self, delivery: Delivery, native_id: str | None,
                        links: tuple[Link, ...]) -> None:
        """Record a delivery done, with what its attempt wrote in StateBoxes; returns once
        committed. Completions go to the store together (group commit), in the transaction
        that claims the next item of each one's conversation: a burst of deliveries costs a
        few transactions, and a conversation moves on without waiting for a tick."""
        held = held_writes()
        state = held.seal() if held is not None else ()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # A stopping worker starts nothing more: the next item is left to the next start.
        follows = delivery.ordering_key if self.claiming else None
        self._completions.append(
            (Completion(delivery.id, native_id, links, state, follows), done))
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit_completions())
        # Shielded: an attempt timing out meanwhile must not cancel the batch's answer.
        await _settling(asyncio.shield(done), held)
        connection = Address.parse(delivery.target).connection
        if connection in self._failing:
            self._failing.discard(connection)
            log.info("connection %s recovered", connection)
            await self.store.run(self.store.state_set, connection, "status", "ok")

    async def _commit_completions(self) -> None:
        while self._completions:
            batch, self._completions = self._completions, []
            try:
                claimed = await self.store.run(self.store.hand_over, [c for c, _ in batch],
                                               self.clock(), self.lease)
            except Exception as exc:  # each waiting delivery learns it, and retries
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            self._start(claimed)  # each finished delivery's slot goes to its successor
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

async def _settling(commit: Awaitable[None], held: HeldWrites | None) -> None:
    """Wait for the transaction that ends an attempt; its held writes follow its fate."""
    try:
        await commit
    except BaseException:
        if held is not None:
            held.abandoned()
        raise
    if held is not None:
        held.committed()


def _or_wait(here: Whereabouts, target: str) -> str | None:
    """What stands for an item on the target; while its own delivery is on the way, wait."""
    if here.on_target is None and here.pending:
        raise Deferred(f"waiting for {here.origin[2]} to reach {target}", WAIT_FOR_PARENT,
                       park=True)
    return here.on_target
