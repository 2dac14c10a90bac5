"""The console's People page: the directory (each member once, where they are and what they
know), narrowed by an expertise tag, and the admins' mends of who is who.

It reads the model `passerelle people` reads (hub/people/views.py). Merging and splitting are
plain POST forms carrying the session's CSRF token; each answers with a redirect to the list,
which says what changed, so reloading it never mends twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from hub.console.app import path_for
from hub.console.i18n import N_
from hub.people.matching import Mend
from hub.people.model import Directory
from hub.people.views import UnknownPerson, listed, merging, places, splitting
from hub.translate.languages import display_name

if TYPE_CHECKING:
    from hub.console.app import Console

OUTCOMES = ("merged", "split")


def routes(console: Console) -> list[BaseRoute]:
    hub = console.hub

    async def directory() -> Directory:
        return await hub.members.directory() if hub.members is not None else Directory()

    async def show(request: Request, *, problem: str | None = None,
                   status: int = 200) -> Response:
        tag = request.query_params.get("tag", "").strip()
        known = await directory()
        reader = console.language_of(request)
        outcome = request.query_params.get("outcome")
        return console.render(request, "people.html", {
            "people": listed(known, tag), "everyone": known.people, "tag": tag,
            "tags": sorted({t for p in known.people for t in p.tags}),
            "places": places, "platform_name": _platform_names(console),
            "language_name": lambda code: display_name(code, reader),
            "outcome": outcome if outcome in OUTCOMES else None,
            "subject": request.query_params.get("subject", ""), "problem": problem},
            status=status)

    async def listing(request: Request) -> Response:
        return await show(request)

    async def mend(request: Request, make: str) -> Response:
        form = await request.form()
        fields = {name: str(form.get(name) or "").strip() for name in ("a", "b", "identity")}
        known = await directory()
        try:
            made: Mend = (merging(known, fields["a"], fields["b"]) if make == "merge"
                          else splitting(known, fields["identity"]))
        except UnknownPerson:
            return await show(request, problem=make, status=400)
        if hub.members is None:  # pragma: no cover - a started hub always has its members
            return await show(request, problem=make, status=400)
        await hub.members.mend(made)
        outcome = "merged" if make == "merge" else "split"
        target = path_for(request, "people")
        return RedirectResponse(f"{target}?outcome={outcome}&subject={made.a}", status_code=303)

    async def merge(request: Request) -> Response:
        return await mend(request, "merge")

    async def split(request: Request) -> Response:
        return await mend(request, "split")

    return [
        console.page("/people", listing, name="people", nav=N_("People")),
        console.page("/people/merge", merge, name="people_merge", methods=["POST"]),
        console.page("/people/split", split, name="people_split", methods=["POST"]),
    ]


def _platform_names(console: Console) -> dict[str, str]:
    """Each platform as people read it (`Slack`), by its name (`slack`)."""
    return {c.name: c.platform_name() for c in console.hub.network.connectors.values()}
