"""Commands that read and mend what the store holds: status, tail, dead letters, keys."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from hub.cli.base import (
    ConfigOption,
    JsonOption,
    app,
    deadletters_app,
    fail,
    print_json,
    store_app,
    store_at,
)
from hub.store import DEAD

_SECRET_HINTS = ("token", "secret", "password", "key")


@app.command()
def status(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """What flows and what failed: events, deliveries by target and state, connection states."""
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
            "deliveries": {f"{target} {state}": n for (target, state), n in sorted(counts.items())},
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
    deliveries: dict[str, int] = report["deliveries"]
    for key, n in deliveries.items():
        typer.echo(f"  {key}: {n}")
    for conn, values in states.items():
        for k, v in values.items():
            typer.echo(f"  {conn} {k}: {v}")


@app.command()
def tail(config: ConfigOption = None, as_json: JsonOption = False,
         count: Annotated[int, typer.Option("--count", "-n")] = 20,
         follow: Annotated[bool, typer.Option("--follow", "-f")] = False) -> None:
    """Show the newest events of the canonical stream (and, with --follow, those to come)."""
    store = store_at(config)
    try:
        position = max(0, store.last_seq() - count)
        while True:
            for item in store.events_after(position, 500):
                position = item.seq
                e = item.event
                if as_json:
                    typer.echo(json.dumps({"seq": item.seq, **e.model_dump(mode="json")},
                                          ensure_ascii=False))
                else:
                    text = (e.title or e.body).replace("\n", " ")[:80]
                    typer.echo(f"{item.seq:>6} {e.occurred_at:%Y-%m-%d %H:%M} {e.kind.value:<16}"
                               f" {e.source.connection}/{e.source.endpoint} {e.actor.name}: {text}")
            if not follow:
                return
            time.sleep(1.0)
    except KeyboardInterrupt:
        return
    finally:
        store.close()


IdsArgument = Annotated[list[int] | None, typer.Argument(help="delivery ids")]
AllOption = Annotated[bool, typer.Option("--all", help="every dead letter")]


@deadletters_app.command("list")
def deadletters_list(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Deliveries that gave up, with their last error."""
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
def new_key() -> None:
    """Print a new key for [store] encryption_keys (put it first; see `store reencrypt`)."""
    from hub.store.cipher import new_key as make

    typer.echo(make())


@store_app.command()
def reencrypt(config: ConfigOption = None) -> None:
    """Encrypt every value the store keeps with the first of [store] encryption_keys: after
    adding a new key first, before removing the old one."""
    store = store_at(config)
    try:
        count = store.reencrypt_states()
    finally:
        store.close()
    typer.echo(f"{count} value(s) encrypted with the first key; older keys can now be removed")
