"""The console's Overview: does everything flow, what failed, and what to do about it.

Each connection's state comes from the hub's activity record (hub/activity.py: this process's
view since it started) and the store's "status" of the connection (what any process recorded);
deliveries, dead letters and the flow per minute come from the store, as `passerelle status`
reads them. The figures refresh in place every few seconds (htmx polling the `overview_figures`
fragment); without JavaScript the page shows the same and a link reloads it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from babel.dates import format_timedelta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from hub.activity import ConnectionActivity, Health, Poll, Verdict, judge, lag, late
from hub.connector import Address, Capability
from hub.console import i18n
from hub.console.chart import MINUTE, Chart, Series, line_chart
from hub.console.i18n import N_
from hub.polling import poll_interval
from hub.store import DEAD, DONE, PENDING
from hub.translate.service import STATE as TRANSLATION_STATE

if TYPE_CHECKING:
    from hub.app import Hub
    from hub.console.app import Console

DAY_MINUTES = 24 * 60
STATES = (PENDING, DONE, DEAD)
TONES = {Health.HEALTHY: "ok", Health.ATTENTION: "warn", Health.FAILING: "bad"}
FAILED_STATUS = "failing: "  # how the delivery worker records a refused connection


@dataclass(frozen=True, slots=True)
class PolledEndpoint:
    address: str
    interval: float
    poll: Poll | None
    lag: float
    late: bool


@dataclass(frozen=True, slots=True)
class ConnectionState:
    name: str
    platform: str  # as people write it
    verdict: Verdict
    tone: str
    activity: ConnectionActivity
    takes_webhooks: bool
    polled: tuple[PolledEndpoint, ...]
    stored_failure: str | None  # the store's record of a refusal, when nothing here disproves it
    deliveries: dict[str, int]  # by state


@dataclass(frozen=True, slots=True)
class Budget:
    provider: str
    used: int
    budget: int | None
    last_error: str

    @property
    def share(self) -> float | None:
        return self.used / self.budget if self.budget else None


def routes(console: Console) -> list[BaseRoute]:
    async def show(request: Request) -> Response:
        return console.render(request, "overview.html",
                              await figures(console.hub, console.language_of(request)))

    async def fragment(request: Request) -> Response:
        return console.render(request, "overview_figures.html",
                              await figures(console.hub, console.language_of(request)))

    return [console.page("/", show, name="overview", nav=N_("Overview")),
            console.page("/overview/figures", fragment, name="overview_figures")]


async def figures(hub: Hub, language: str) -> dict[str, object]:
    """What the page shows, read now (the chart's words in `language`)."""
    now = hub.activity.clock()
    counts = await hub.store.run(hub.store.counts)
    by_connection: dict[str, Counter[str]] = {name: Counter() for name in hub.network.connectors}
    for (target, state), count in counts.items():
        by_connection.setdefault(Address.parse(target).connection, Counter())[state] += count
    connections = [await _connection(hub, name, by_connection[name], now)
                   for name in hub.network.connectors]
    with i18n.speaking(language):
        chart = await _flow(hub, now)
    totals = {state: sum(c[state] for c in by_connection.values()) for state in STATES}
    return {
        "connections": connections, "by_connection": by_connection,
        "totals": totals, "chart": chart, "budgets": await _budgets(hub),
        "health": Counter(c.verdict.health for c in connections), "Health": Health,
        "duration": duration,
    }


async def _connection(hub: Hub, name: str, deliveries: Counter[str],
                      now: float) -> ConnectionState:
    connector = hub.network.connector(name)
    seen = hub.activity.of(name)
    polled = tuple(_polled(hub, address, seen, now) for address in hub.network.polled_endpoints()
                   if address.connection == name)
    status = await hub.store.run(hub.store.state_get, name, "status")
    stored = (status.removeprefix(FAILED_STATUS)
              if status and status.startswith(FAILED_STATUS) else None)
    verdict = judge(seen, now=now, started_at=hub.activity.started_at,
                    poll_intervals={p.address: p.interval for p in polled},
                    stored_failure=stored, dead=deliveries[DEAD])
    return ConnectionState(
        name, connector.platform_name(), verdict,
        TONES[verdict.health], seen, Capability.WEBHOOK in connector.capabilities, polled,
        stored if seen.proven_at is None else None, {s: deliveries[s] for s in STATES})


def _polled(hub: Hub, address: Address, seen: ConnectionActivity, now: float) -> PolledEndpoint:
    interval = poll_interval(hub.network.connector(address.connection),
                             hub.settings.scheduler.poll_interval_seconds)
    poll = seen.polls.get(str(address))
    started_at = hub.activity.started_at
    return PolledEndpoint(str(address), interval, poll,
                          lag(poll, now=now, started_at=started_at),
                          late(poll, interval, now=now, started_at=started_at))


async def _flow(hub: Hub, now: float) -> Chart:
    """Events stored and deliveries done per minute over the last day, this minute last."""
    start = (now // MINUTE - DAY_MINUTES + 1) * MINUTE
    until = start + DAY_MINUTES * MINUTE
    stored = await hub.store.run(hub.store.stored_per_minute, start, until)
    done = await hub.store.run(hub.store.done_per_minute, start, until)

    def minutes(found: dict[int, int]) -> list[int]:
        return [found.get(int(start + i * MINUTE), 0) for i in range(DAY_MINUTES)]

    return line_chart(i18n.gettext("Events stored and deliveries done per minute, over the "
                                   "last 24 hours"),
                      [Series(i18n.gettext("Events stored"), minutes(stored), "stored"),
                       Series(i18n.gettext("Deliveries done"), minutes(done), "done")], start)


async def _budgets(hub: Hub) -> list[Budget]:
    """Each translation provider's use this month against its budget; none when the hub does
    not translate."""
    if hub.translation is None:
        return []
    month = datetime.now(UTC).strftime("%Y-%m")
    found = []
    for translator in hub.translation.chain:
        used = await hub.store.run(hub.store.usage, translator.name, month)
        error = await hub.store.run(hub.store.state_get, TRANSLATION_STATE,
                                    f"{translator.name}.last_error")
        found.append(Budget(translator.name, used, translator.settings.monthly_budget,
                            error or ""))
    return found


def duration(seconds: float) -> str:
    """A length of time in the console's language ("30 seconds", "2 hours")."""
    return format_timedelta(timedelta(seconds=seconds), threshold=1.1,
                            locale=i18n.current())

