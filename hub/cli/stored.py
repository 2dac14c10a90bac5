"""Commands that read and mend what the store holds: status, tail, dead letters, keys.

Each imports what it needs when it runs (see hub/cli/base.py).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.cli.base import (
    ConfigOption,
    JsonOption,
    app,
    deadletters_app,
    fail,
    print_json,
    say,
    store_app,
    store_at,
)

if TYPE_CHECKING:
    from hub.store import StoredEvent

_SECRET_HINTS = ("token", "secret", "password", "key")


@app.command()
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """What flows and what failed: events, deliveries by target and state, connection states."""
    from hub.store import DEAD

    store = store_at(config)
    try:
        counts = store.counts()
        # Keys with a ":" are a connector's per-item memory (members, tokens by id): not status.
        states = {conn: {k: v for k, v in values.items()
                         if v and ":" not in k
                         and not any(h in k.lower() for h in _SECRET_HINTS)}
                  for conn, values in store.states().items()}
        report: dict[str, Any] = {
            "events": store.last_seq(),
            "deliveries": [{"target": target, "state": state, "count": n}
                           for (target, state), n in sorted(counts.items())],
            "dead": sum(n for (_, state), n in counts.items() if state == DEAD),
            "connections": states,
        }
    finally:
        store.close()
    if as_json:
        print_json(report)
        return
    typer.echo(f"events stored: {report['events']}")
    typer.echo(f"dead letters: {report['dead']}")
    for row in report["deliveries"]:
        typer.echo(f"  {row['target']} {row['state']}: {row['count']}")
    for conn, values in states.items():
        for k, v in values.items():
            typer.echo(f"  {conn} {k}: {v}")


@app.command()
def tail(config: ConfigOption = None, as_json: JsonOption = False,
         count: Annotated[int, typer.Option("--count", "-n", help="how many of the newest "
                                            "events to read")] = 20,
         follow: Annotated[bool, typer.Option("--follow", "-f")] = False,
         every: Annotated[bool, typer.Option("--all", help="also show the hub's own copies "
                                             "(what the platforms told it about items it "
                                             "posted)")] = False) -> None:
    """Show the newest events of the canonical stream (and, with --follow, those to come).

    With --json, one JSON object per line; `own_copy` is true for an item the hub posted
    (as in the event API).
    """
    store = store_at(config)
    try:
        last = store.last_seq()
        position = max(0, last - count)
        if last == 0:
            say("no events yet", as_json=True)
        while True:
            batch = store.events_after(position, 500)
            own = store.made_by_hub(item.seq for item in batch)
            hidden = 0
            for item in batch:
                position = item.seq
                copy = item.seq in own
                if copy and not every:
                    hidden += 1
                    continue
                typer.echo(_event_json(item, copy) if as_json else _event_line(item, copy))
            if hidden:
                say(f"({hidden} of the hub's own copies not shown; --all shows them)",
                    as_json=True)
            if not follow:
                return
            time.sleep(1.0)
    except KeyboardInterrupt:
        return
    finally:
        store.close()


def _event_json(item: StoredEvent, copy: bool) -> str:
    return json.dumps({"seq": item.seq, "own_copy": copy,
                       **item.event.model_dump(mode="json")}, ensure_ascii=False)


def _event_line(item: StoredEvent, copy: bool) -> str:
    e = item.event
    text = (e.title or e.body).replace("\n", " ")[:80]
    mark = " [hub's own copy]" if copy else ""
    return (f"{item.seq:>6} {e.occurred_at:%Y-%m-%d %H:%M} {e.kind.value:<16}"
            f" {e.source.connection}/{e.source.endpoint} {e.actor.name}: {text}{mark}")


IdsArgument = Annotated[list[int] | None, typer.Argument(help="delivery ids")]
AllOption = Annotated[bool, typer.Option("--all", help="every dead letter")]


@deadletters_app.command("list")
def deadletters_list(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Deliveries that gave up, with their last error."""
    from hub.store import DEAD

    store = store_at(config)
    try:
        rows = [{"id": d.id, "target": d.target, "event_seq": d.event_seq, "form": d.form.value,
                 "action": d.action.value, "attempts": d.attempts, "error": d.last_error}
                for d in store.deliveries(DEAD, 1000)]
    finally:
        store.close()
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no dead letters")
    for row in rows:
        typer.echo(f"{row['id']:>6} {row['target']} event {row['event_seq']} "
                   f"({row['attempts']} attempts): {row['error']}")


def _selection(ids: list[int] | None, every: bool) -> list[int] | None:
    if not ids and not every:
        raise fail("name the delivery ids, or pass --all") from None
    return None if every else list(ids or [])


@deadletters_app.command("replay")
def deadletters_replay(ids: IdsArgument = None, every: AllOption = False,
                       config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Deliver dead letters again (the running hub picks them up)."""
    store = store_at(config)
    try:
        n = store.replay(_selection(ids, every), time.time())
    finally:
        store.close()
    print_json({"replayed": n}) if as_json else typer.echo(f"{n} dead letter(s) queued again")


@deadletters_app.command("drop")
def deadletters_drop(ids: IdsArgument = None, every: AllOption = False,
                     config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Forget dead letters for good."""
    store = store_at(config)
    try:
        n = store.drop(_selection(ids, every))
    finally:
        store.close()
    print_json({"dropped": n}) if as_json else typer.echo(f"{n} dead letter(s) dropped")


@store_app.command("new-key")
def new_key(as_json: JsonOption = False) -> None:
    """Print a new key for [store] encryption_keys (put it first; see `store reencrypt`)."""
    from hub.store.cipher import new_key as make

    key = make()
    print_json({"key": key}) if as_json else typer.echo(key)


@store_app.command()
def reencrypt(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Encrypt every value the store keeps with the first of [store] encryption_keys: after
    adding a new key first, before removing the old one."""
    store = store_at(config)
    try:
        count = store.reencrypt_states()
    finally:
        store.close()
    if as_json:
        print_json({"reencrypted": count})
        return
    typer.echo(f"{count} value(s) encrypted with the first key; older keys can now be removed")
