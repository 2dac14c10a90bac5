"""The console's Dead letters page: deliveries that gave up, to replay or drop.

Acting is two steps, as `passerelle dead-letters` is one command per decision: the list's
form asks for a confirmation page that says exactly what will happen to which letters, and
only that page's form acts. Ids are the ones the admin saw: a letter that died since is
never touched by a "select all" it was not part of.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from hub.console.app import path_for
from hub.console.i18n import N_
from hub.console.traces import Place, excerpt, place_of
from hub.events import Event
from hub.store.base import DEAD
from hub.store.tracing import Copy

if TYPE_CHECKING:
    from hub.console.app import Console

ACTIONS = ("replay", "drop")
SHOWN = 500  # letters listed at once; the rest wait for these to be dealt with


@dataclass(frozen=True, slots=True)
class Letter:
    copy: Copy
    target: Place
    event: Event | None  # None: the event itself is gone
    origin: Place | None
    excerpt: str
    reason: str  # refused, attempts or age: why the worker gave up (hub/delivery.py)


def routes(console: Console) -> list[BaseRoute]:
    hub = console.hub

    async def letters(ids: set[int] | None = None) -> list[Letter]:
        dead = await hub.store.run(hub.store.dead_letters, SHOWN)
        if ids is not None:
            dead = [copy for copy in dead if copy.delivery_id in ids]
        events = await hub.store.run(hub.store.events_by_seq, [c.event_seq for c in dead])
        found = []
        for copy in dead:
            event = events.get(copy.event_seq)
            origin = (place_of(hub, f"{event.source.connection}/{event.source.endpoint}")
                      if event else None)
            found.append(Letter(copy, place_of(hub, copy.target), event, origin,
                                excerpt(event.body or event.title or "") if event else "",
                                _reason(copy, hub.settings.delivery.max_attempts)))
        return found

    async def show(request: Request) -> Response:
        outcome = request.query_params.get("outcome")
        count = request.query_params.get("count", "")
        counts = await hub.store.run(hub.store.counts)
        return console.render(request, "dead_letters.html", {
            "letters": await letters(),
            "total": sum(n for (_, status), n in counts.items() if status == DEAD),
            "outcome": outcome if outcome in ACTIONS else None,
            "count": int(count) if count.isdigit() else 0, "problem": None})

    async def confirm(request: Request) -> Response:
        form = await request.form()
        action = form.get("action")
        chosen = await letters(_chosen(form))
        if action not in ACTIONS or not chosen:
            return console.render(request, "dead_letters.html", {
                "letters": await letters(), "outcome": None,
                "count": 0, "total": 0,
                "problem": "none chosen" if action in ACTIONS else "no action"},
                status=400)
        return console.render(request, "dead_letters_confirm.html", {
            "action": action, "letters": chosen})

    async def act(request: Request) -> Response:
        form = await request.form()
        action = form.get("action")
        ids = sorted(_ids(form.getlist("id")))
        if action not in ACTIONS or not ids:
            return RedirectResponse(path_for(request, "dead_letters"), status_code=303)
        if action == "replay":
            count = await hub.store.run(hub.store.replay, ids, time.time())
            hub.wake()  # the replayed letters are due now
        else:
            count = await hub.store.run(hub.store.drop, ids)
        target = path_for(request, "dead_letters")
        return RedirectResponse(f"{target}?outcome={action}&count={count}", status_code=303)

    return [
        console.page("/dead-letters", show, name="dead_letters", nav=N_("Dead letters")),
        console.page("/dead-letters/confirm", confirm, name="dead_letters_confirm",
                     methods=["POST"]),
        console.page("/dead-letters/act", act, name="dead_letters_act", methods=["POST"]),
    ]


def _chosen(form: FormData) -> set[int]:
    """The letters ticked, or every one listed when "select all" was ticked (which also works
    without JavaScript: the box itself is a field)."""
    if form.get("all"):
        return _ids(form.getlist("listed"))
    return _ids(form.getlist("id"))


def _reason(copy: Copy, max_attempts: int) -> str:
    """Why the worker buried it: the platform refused the item for good (a PermanentError),
    or the retries ran out, by count or, short of it, by age."""
    if (copy.last_error or "").startswith("PermanentError"):
        return "refused"
    return "attempts" if copy.attempts >= max_attempts else "age"


def _ids(values: Sequence[object]) -> set[int]:
    return {int(value) for value in values if isinstance(value, str) and value.isdigit()}
