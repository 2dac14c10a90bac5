"""`passerelle export`: a bridge's or a period's history as a static site, Markdown or JSON.

Imports what it needs when it runs (see hub/cli/base.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli.base import ConfigOption, JsonOption, app, fail, load, open_store, print_json, say

if TYPE_CHECKING:
    from datetime import datetime

    from hub.archive.export import Format
    from hub.settings import HubSettings

FORMATS = ("html", "markdown", "json")


@app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="a new (or empty) folder to write "
                                      "into", file_okay=False)],
    bridge: Annotated[str | None, typer.Option(help="only the items of this bridge's "
                                               "endpoints")] = None,
    since: Annotated[str | None, typer.Option(help="only items from this day on (YYYY-MM-DD, "
                                              "UTC)")] = None,
    until: Annotated[str | None, typer.Option(help="only items up to this day, included "
                                              "(YYYY-MM-DD, UTC)")] = None,
    formats: Annotated[str, typer.Option("--format", help="any of html, markdown, json, "
                                         "comma-separated")] = ",".join(FORMATS),
    config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Write the archive (or a bridge's or a period's part of it) as a static HTML site that
    opens offline, as Markdown, and as JSON Lines: every item with its original, its
    translations, its files by name and link, and where the hub mirrored it."""
    from hub.archive.export import Format, export
    from hub.archive.records import Filters

    chosen = _formats(formats)
    first, last = _day(since, "--since"), _day(until, "--until")
    settings = load(config)
    endpoints = _endpoints(settings, bridge) if bridge else frozenset()
    filters = Filters(endpoints=endpoints, since=_midnight(first),
                      until=_midnight(last, next_day=True))
    title = f"Passerelle archive: bridge {bridge}" if bridge else "Passerelle archive"
    store = open_store(settings)
    try:
        done = export(store, out, filters, chosen, title=title)
    except FileExistsError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    report = {"folder": str(done.folder), "formats": [f.value for f in done.formats],
              "items": done.items, "threads": done.threads, "attachments": done.attachments,
              "files": done.files}
    if as_json:
        print_json(report)
    say(f"{done.items} item(s) in {done.threads} thread(s), {done.attachments} attached "
        f"file(s) named, {done.files} file(s) written to {done.folder}", as_json=as_json)
    if Format.HTML in done.formats:
        say(f"open {(done.folder / 'index.html').resolve().as_uri()}", as_json=as_json)


def _formats(text: str) -> list[Format]:
    from hub.archive.export import Format

    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise fail(f"--format {text!r}: expected any of {', '.join(FORMATS)}, comma-separated")
    return [Format(name) for name in names]


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} {text!r}: expected a day as YYYY-MM-DD, such as 2026-03-01") \
            from None


def _midnight(day: date | None, *, next_day: bool = False) -> datetime | None:
    """The start of `day` in UTC (of the day after, for an end that includes `day`)."""
    from datetime import UTC, datetime, timedelta

    if day is None:
        return None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start + timedelta(days=1) if next_day else start


def _endpoints(settings: HubSettings, bridge: str) -> frozenset[str]:
    """The addresses ("connection/kind/id") of a bridge's endpoints."""
    from hub.connector import Address

    found = settings.bridges.get(bridge)
    if found is None:
        known = ", ".join(sorted(settings.bridges)) or "none configured"
        raise fail(f'bridge "{bridge}" is not in the configuration (known: {known})')
    return frozenset(str(Address.parse(endpoint.at)) for endpoint in found.endpoints)
