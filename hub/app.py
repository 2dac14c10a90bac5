"""The running hub: store, network, router, delivery worker, poller and web app together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pluggy

from hub.activity import Activity
from hub.archive.indexer import Indexer
from hub.archive.search import Searcher
from hub.calendar.answers import Answer
from hub.calendar.attendance import Attendance
from hub.calendar.reminders import Reminders
from hub.connector import Address
from hub.delivery import DeliveryWorker, Settled
from hub.events import Event
from hub.http import make_client
from hub.limits import RetryPolicy
from hub.metrics import Metrics
from hub.network import Network
from hub.people.members import Members
from hub.plugins import Registry, make_plugin_manager
from hub.polling import Poller
from hub.router import plan
from hub.settings import HubSettings
from hub.store import PENDING, Store, StoredEvent
from hub.store.opening import open_store
from hub.store.statebox import StoreStateBox
from hub.translate.detect import Detector
from hub.translate.localise import body_localiser, title_localiser
from hub.translate.service import TranslationService

log = logging.getLogger(__name__)
ROUTER = "router"
ROUTE_AT_LEAST = 1.0  # seconds between routing passes when this process stored nothing
RELEASED_AT_STOP = "the hub stopped before this attempt ended; tried again at the next start"


@dataclass
class Hub:
    """Everything one `passerelle run` holds. Build it with `Hub.start`."""

    settings: HubSettings
    plugins: pluggy.PluginManager
    registry: Registry
    store: Store
    network: Network
    http: httpx.AsyncClient
    metrics: Metrics
    worker: DeliveryWorker
    poller: Poller
    detector: Detector
    translation: TranslationService | None
    activity: Activity = field(default_factory=Activity)  # what each connection did lately
    indexer: Indexer | None = None  # keeps the archive; None where it is switched off
    reminders: Reminders | None = None  # None: no reminders are configured
    attendance: Attendance | None = None  # members' answers to events (set by Hub.start)
    members: Members | None = None  # the network's people (set by Hub.start)
    url: str = ""
    # Something to do: new events to route, or a delivery finished (its successor may go).
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _new_events: bool = True
    _last_route: float = 0.0
    _ticking: asyncio.Lock = field(default_factory=asyncio.Lock)
    _stopped: bool = False
    _beat: asyncio.Task[None] | None = None
    _archive_wake: asyncio.Event = field(default_factory=asyncio.Event)
    # A calendar event came in: when reminders fall due may have changed.
    calendar_changed: asyncio.Event = field(default_factory=asyncio.Event)
    _indexing: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        settings: HubSettings,
        *,
        extra_plugins: Mapping[str, object] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        serve_web: bool = True,
    ) -> AsyncIterator[Hub]:
        """Open the store, build the network and (optionally) serve the web app on its port."""
        plugins = make_plugin_manager(allow=settings.plugins.allow, block=settings.plugins.block,
                                      extra=extra_plugins)
        registry = Registry.collect(plugins)
        store = open_store(settings.store)
        http = make_client(transport=transport)
        translation: TranslationService | None = None
        try:
            network = Network.build(settings, registry, http,
                                    lambda name: StoreStateBox(store, name))
            detector = Detector.for_network(settings)
            if translates(settings, network):
                translation = TranslationService(settings.translation, registry.translators,
                                                 store, http)
            if not store.is_postgres:
                # One process owns a SQLite store: leases left by a crash are void.
                store.release_claims()
            metrics = Metrics()
            activity = Activity()
            members = Members(store, network, settings.people)
            d = settings.delivery
            worker = DeliveryWorker(
                store, network,
                RetryPolicy(d.backoff_base_seconds, d.backoff_cap_seconds, d.max_attempts,
                            d.max_age_seconds),
                batch=d.batch, concurrency=d.concurrency, lease=d.lease_seconds,
                localise=body_localiser(translation, detector) if translation else None,
                localise_title=title_localiser(translation, detector) if translation else None,
                on_settled=lambda s: hub.settled(s),
                ingest=lambda events: hub.ingest(events),
                activity=activity,
                members=members,
            )
            hub = cls(settings, plugins, registry, store, network, http, metrics, worker,
                      Poller(lambda events, cursor: hub.ingest(events, cursor), activity),
                      detector, translation, activity,
                      Indexer(store, network, translation, settings.archive)
                      if settings.archive.enabled else None,
                      _reminders(settings, store, network), Attendance(store), members)
            if serve_web:
                from hub.serving import serve  # uvicorn in this loop
                from hub.web import make_app

                async with serve(make_app(hub), settings.web.port, settings.web.host,
                                 settings.web.limits) as listening:
                    hub.url = listening.url
                    yield hub
                    await hub.stop_delivering(d.stop_grace_seconds)
            else:
                yield hub
                await hub.stop_delivering(d.stop_grace_seconds)
        finally:
            if translation is not None:
                await translation.aclose()
            await http.aclose()
            store.close()

    async def ingest(self, events: Sequence[Event],
                     cursor: tuple[str, str, str] | None = None) -> list[StoredEvent]:
        """Store events (and a poll cursor) in one transaction; announce what was new.

        Each event's language is named here, once, among the bridges' languages; text too
        short to tell falls back to the language declared for the endpoint it came from.
        """
        if not events and cursor is None:
            return []  # a delivery report or a handshake: nothing to write
        named = await asyncio.to_thread(self._name_languages, events)
        stored = await self.store.run(self.store.append, named, cursor)
        await self._answers_among(stored)
        listeners = self.plugins.hook.hub_event_stored.get_hookimpls()
        for item in stored:
            self.metrics.events.labels(item.event.source.connection).inc()
            arguments = {"event": item.event, "seq": item.seq}
            # Each listener on its own: one that raises must not silence the others, and the
            # event is already safe, so a listener's fault is logged, not propagated.
            for listener in listeners:
                try:
                    listener.function(**{name: arguments[name] for name in listener.argnames})
                except Exception:
                    log.exception("a hub_event_stored hook of plugin %s failed for event %s",
                                  listener.plugin_name, item.event.id)
        if stored:
            self._new_events = True
            self._wake.set()
            self._archive_wake.set()
            if any(item.event.kind.noun == "event" for item in stored):
                self.calendar_changed.set()
        return stored

    @property
    def stopping(self) -> bool:
        """The hub is ending: it has stopped claiming deliveries, which it does before its
        web server stops. A response that never ends by itself (an event stream) ends on
        this, or it would hold the server's graceful shutdown for ever."""
        return not self.worker.claiming

    def wake(self) -> None:
        """Something is due now (dead letters replayed): route and deliver at once."""
        self._new_events = True
        self._wake.set()

    def settled(self, settled: Settled) -> None:
        """A delivery ended this attempt: count it, and wake the pump for what it held up.
        A delivery done already handed its slot to the next item of its conversation; the
        pump is needed when it failed or waits (what follows may pass meanwhile), or when
        deliveries were left out for want of a free slot."""
        self.metrics.deliveries.labels(settled.target_connection, settled.outcome).inc()
        if settled.outcome not in ("done", "unsupported") or self.worker.saturated:
            self._wake.set()

    def _name_languages(self, events: Sequence[Event]) -> list[Event]:
        named = []
        for event in events:
            if event.language is None and (event.body or event.title):
                membership = self.network.endpoint(
                    f"{event.source.connection}/{event.source.endpoint}")
                fallback = membership[1].language if membership else None
                language = self.detector.detect(event.body or event.title or "", fallback)
                if language is not None:
                    event = event.model_copy(update={"language": language})
            named.append(event)
        return named

    async def route(self) -> int:
        """Plan deliveries for every new event; returns how many events were read."""
        groups = self.network.has_groups
        if groups and self.members is not None:  # who asked to be told of a group's posts
            self.network.notify(await self.members.directory())
        bridges = self.network.bridges
        own = self.network.own_identities
        total = 0
        while True:
            count = await self.store.run(
                self.store.route, ROUTER,
                lambda batch, known: plan(batch, bridges, known.copies, own, known.grouped),
                self.settings.scheduler.route_batch, groups=groups,
            )
            total += count
            if count == 0:
                return total

    async def tick(self) -> int:
        """Route what is new and start what is due; returns how much moved.

        Routing runs when this process stored events, and at least every ROUTE_AT_LEAST
        seconds for events other processes stored (PostgreSQL). A tick already running makes
        this one a no-op: the scheduler's heartbeat and the wake-up loop never overlap.
        """
        if self._ticking.locked() or self._stopped:
            return 0
        async with self._ticking:
            routed = 0
            if self._new_events or time.monotonic() - self._last_route > ROUTE_AT_LEAST:
                self._new_events = False
                self._last_route = time.monotonic()
                routed = await self.route()
            return routed + await self.worker.pump()

    async def heartbeat(self) -> None:
        """The scheduler's beat: a tick started in the background unless one runs already.

        The job itself returns at once. Were it the tick, a tick outlasting the interval
        (a busy store) would make the scheduler skip the next beat and warn "maximum number
        of running instances reached": noise, since a tick under way is all a beat asks for.
        """
        if self._ticking.locked() or self._stopped or (self._beat and not self._beat.done()):
            return
        self._beat = asyncio.create_task(self._tick_logged(), name="heartbeat")

    async def _tick_logged(self) -> None:
        try:
            await self.tick()
        except Exception:  # the next beat may succeed; the pump must not die of one
            log.exception("routing or delivery failed this time; trying again")

    async def run_pump(self, interval: float) -> None:
        """Tick whenever there is something to do, and every `interval` seconds regardless
        (retries fall due with time). Runs until cancelled."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
            self._wake.clear()
            await self._tick_logged()  # the pump must outlive one bad tick

    async def index(self) -> int:
        """Bring the archive up to the last stored event; returns how many were read."""
        if self.indexer is None:
            return 0
        async with self._indexing:
            return await self.indexer.catch_up()

    async def run_indexer(self, interval: float) -> None:
        """Index new events as they are stored, and every `interval` seconds for those other
        processes stored (PostgreSQL). Apart from delivery: a slow translation of an item
        for the archive never holds a delivery up. Runs until cancelled."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._archive_wake.wait(), timeout=interval)
            self._archive_wake.clear()
            try:
                await self.index()
            except Exception:  # the next pass starts again from the archive's position
                log.exception("indexing the archive failed this time; trying again")
            try:
                if self.members is not None:
                    await self.members.catch_up()
            except Exception:  # the next pass starts again from the people's position
                log.exception("meeting the authors of new events failed; trying again")

    async def answered(self, answers: Sequence[Answer]) -> None:
        """Members' answers to events (buttons pressed, keywords written): recorded, and
        each event's attendance summary brought up to date on every platform."""
        if answers and self.attendance is not None:
            await self.ingest(await self.attendance.answered(answers))

    async def _answers_among(self, stored: Sequence[StoredEvent]) -> None:
        """Replies that are answers to an event ("Je viens !"): recorded as well; they are
        mirrored as the replies they are."""
        replies = [s for s in stored if s.event.parent is not None]
        if not replies or self.attendance is None:
            return
        copies = await self.store.run(self.store.made_by_hub, [s.seq for s in replies])
        await self.answered(self.attendance.from_replies(replies, copies))

    async def remind(self, now: datetime | None = None) -> int:
        """Take in every reminder due at `now` (default: now); returns how many were new.
        One already made (by this hub before a restart, or by another) is nothing new."""
        if self.reminders is None:
            return 0
        due = await self.reminders.due(now or datetime.now(UTC))
        return len(await self.ingest(due))

    def searcher(self) -> Searcher:
        """Search over the archive in the network's languages, translating queries as the
        deliveries translate (the same cache)."""
        return Searcher(self.store, [language for bridge in self.network.bridges
                                     for language in bridge.languages],
                        detector=self.detector, translation=self.translation)

    async def stop_ticking(self) -> None:
        """Let no tick start again and wait for a running one to end (a clean stop never cuts
        one in half, and none begins on a store about to close)."""
        self._stopped = True
        if self._beat is not None:
            await asyncio.gather(self._beat, return_exceptions=True)
        async with self._ticking:
            pass

    def stop_claiming(self) -> None:
        """Take nothing more: no delivery is claimed, webhooks are answered "try again
        later", event streams end. What runs goes on (see `stop_delivering`)."""
        self.worker.claiming = False

    async def stop_delivering(self, grace: float | None = None) -> list[int]:
        """Start nothing more and let what runs finish, within `grace` seconds (None: as long
        as it takes). What is still under way then is cut short and released at once: no
        lease holds it, so the next start, or another instance on the same PostgreSQL, takes
        it without waiting for the lease to lapse. Returns the released deliveries' ids."""
        self.stop_claiming()
        await self.stop_ticking()  # a tick under way may still be starting deliveries
        if grace is None:
            await self.worker.drain()
            return []
        # Claiming has stopped, so the deliveries in flight now are all there will be.
        running = set(self.worker._inflight)
        if not running:
            return []
        _, unfinished = await asyncio.wait(running, timeout=grace)
        if not unfinished:
            return []
        for task in unfinished:
            task.cancel()
        await asyncio.wait(unfinished)
        committing = self.worker._committing  # completions already sent to the store land
        if committing is not None:
            await asyncio.gather(committing, return_exceptions=True)
        released = sorted(_delivery_id(task) for task in unfinished if task.cancelled())
        now = time.time()
        for delivery_id in released:
            # Counted as an attempt, so the next one is `uncertain`: the platform may have
            # made the item before the cut, and the connector looks before making it again.
            await self.store.run(self.store.reschedule, delivery_id, now, RELEASED_AT_STOP)
        log.warning("stopped after %g s with %d deliver%s under way; released for the next "
                    "start: %s", grace, len(released), "y" if len(released) == 1 else "ies",
                    ", ".join(map(str, released)))
        return released

    async def poll(self, address: Address) -> int:
        """Poll one endpoint from its stored cursor; -1 if it failed, 0 if another process
        holds that endpoint's poll right now."""
        lock = f"poll:{address}"
        if not await self.store.run(self.store.try_lock, lock):
            return 0
        try:
            connector = self.network.connector(address.connection)
            cursor = await self.store.run(self.store.cursor, address.connection,
                                          address.endpoint)
            stored = await self.poller.poll(connector, address, cursor)
        finally:
            await self.store.run(self.store.unlock, lock)
        self.metrics.polls.labels(address.connection, "ok" if stored >= 0 else "failed").inc()
        return stored

    async def poll_all(self) -> int:
        counts = [await self.poll(address) for address in self.network.polled_endpoints()]
        return sum(c for c in counts if c > 0)

    async def settle(self, within: float = 30.0, horizon: float = 10.0) -> None:
        """Route and deliver until nothing is left that is due within `horizon` seconds.

        For tests and the demo: a retry due later than the horizon is left for the scheduler.
        """
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            await self.tick()
            await self.worker.drain()
            if not await self._due_within(horizon):
                if await self.route() == 0:
                    await self.index()
                    return
            else:
                await asyncio.sleep(0.05)
        raise TimeoutError(f"the hub did not settle within {within} s")

    async def _due_within(self, horizon: float) -> bool:
        limit = time.time() + horizon
        pending = await self.store.run(self.store.deliveries, PENDING, 1000)
        return any(d.next_attempt_at <= limit for d in pending)


def _delivery_id(task: asyncio.Task[None]) -> int:
    """The delivery a worker's task carries, from the name the worker gives it."""
    return int(task.get_name().removeprefix("delivery-"))


def _reminders(settings: HubSettings, store: Store, network: Network) -> Reminders | None:
    offsets = [timedelta(minutes=m) for m in settings.calendar.reminders_minutes_before]
    return Reminders(store, network, offsets) if offsets else None


def translates(settings: HubSettings, network: Network) -> bool:
    """Whether any bridge joins readers of different languages and asks for translation (a
    group's readers may read another language than any post tagged for it)."""
    return settings.translation.enabled and any(
        bridge.translate and (len(bridge.languages) > 1 or bool(bridge.hashtags))
        for bridge in network.bridges)
