"""Filters as people write them (command options, query parameters, a page's form), read
once for the command line, the web API and the console alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta

from hub.archive.records import Filters, ItemKind

KINDS = tuple(kind.value for kind in ItemKind)


def read_filters(bridges: Mapping[str, Iterable[str]], *,
                 platforms: Iterable[str] = (), bridge: str | None = None,
                 endpoints: Iterable[str] = (), authors: Iterable[str] = (),
                 written_in: Iterable[str] = (), kinds: Iterable[str] = (),
                 since: str | None = None, until: str | None = None,
                 has_file: bool | None = None) -> Filters:
    """The filters asked for, or ValueError saying which is wrong and what it takes.

    `bridges` maps each bridge to its endpoints' addresses; a bridge narrows to those.
    `since` and `until` are days (YYYY-MM-DD, UTC), both included.
    """
    chosen = {e.strip() for e in endpoints if e.strip()}
    if bridge:
        if bridge not in bridges:
            known = ", ".join(sorted(bridges)) or "none is configured"
            raise ValueError(f'no bridge "{bridge}" (bridges: {known})')
        chosen |= set(bridges[bridge])
    wanted = {k.strip().lower() for k in kinds if k.strip()}
    wrong = sorted(wanted - set(KINDS))
    if wrong:
        raise ValueError(f'kind "{wrong[0]}": one of {", ".join(KINDS)}')
    start, end = _day(since, "since"), _day(until, "until")
    if start and end and end < start:
        raise ValueError("until is before since")
    return Filters(
        platforms=frozenset(p.strip().lower() for p in platforms if p.strip()),
        endpoints=frozenset(chosen),
        authors=frozenset(a.strip() for a in authors if a.strip()),
        languages=frozenset(w.strip().lower() for w in written_in if w.strip()),
        kinds=frozenset(ItemKind(k) for k in wanted),
        since=start, until=end + timedelta(days=1) if end else None, has_file=has_file)


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value.strip()), time.min, UTC)
    except ValueError:
        raise ValueError(f'{name} "{value}": a day as YYYY-MM-DD') from None
