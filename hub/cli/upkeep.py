"""Commands that keep a store safe across time: backup, migrate.

Each imports what it needs when it runs (see hub/cli/base.py).
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli.base import ConfigOption, JsonOption, app, fail, load, open_store, print_json, say

if TYPE_CHECKING:
    from hub.settings import StoreSettings


@app.command()
def backup(config: ConfigOption = None, as_json: JsonOption = False,
           to: Annotated[Path | None, typer.Option("--to", help="the copy to make (default: "
                                                   "passerelle-backup-<time>.db beside the "
                                                   "store key)")] = None,
           run_dump: Annotated[bool, typer.Option("--run", help="PostgreSQL: run pg_dump, "
                                                  "not only print it")] = False) -> None:
    """Copy the store while the hub runs: SQLite through its online backup, checked by
    reading the copy back, with the store key beside it; PostgreSQL: the pg_dump command."""
    from hub.errors import StoreError
    from hub.state_files import sqlite_file
    from hub.store.backup import backup_sqlite, default_target

    settings = load(config).store
    target = to or default_target(settings, datetime.now(UTC))
    if sqlite_file(settings.url) is None:
        _dump_postgres(settings, target, run=run_dump, as_json=as_json)
        return
    try:
        made = backup_sqlite(settings, target)
    except (StoreError, OSError) as exc:
        raise fail(f"backup failed: {exc}", 1) from None
    if as_json:
        print_json({"path": str(made.path), "schema_version": made.schema_version,
                    "events": made.events,
                    "key_file": str(made.key_file) if made.key_file else None,
                    "keys_configured": bool(settings.encryption_keys)})
        return
    say(f"backup {made.path}: schema version {made.schema_version}, {made.events} events, "
        "read back whole", as_json=False)
    if made.key_file:
        say(f"store key copied to {made.key_file}: keep the two together (the copy's tokens "
            "cannot be read without it)", as_json=False)
    else:
        say("the store's keys are [store] encryption_keys: keep them with the backup (the "
            "copy's tokens cannot be read without them)", as_json=False)


def _dump_postgres(settings: StoreSettings, target: Path, *, run: bool, as_json: bool) -> None:
    import os
    import shlex

    from hub.errors import StoreError
    from hub.store.backup import pg_dump

    try:
        dump = pg_dump(settings, target)
    except StoreError as exc:
        raise fail(str(exc)) from None
    printed = shlex.join(dump.command)
    key = str(dump.key_file) if dump.key_file else None
    if not run:
        if as_json:
            print_json({"command": dump.command, "ran": False, "key_file": key})
        else:
            typer.echo(printed)
        say("run it with PGPASSWORD set (or a ~/.pgpass entry), or pass --run; "
            + (f"keep {key} with the dump" if key else
               "keep [store] encryption_keys with the dump"), as_json=True)
        return
    if shutil.which("pg_dump") is None:
        raise fail("pg_dump is not installed (apt-get install postgresql-client)", 1)
    env = {**os.environ, **({"PGPASSWORD": dump.password} if dump.password else {})}
    say(f"running: {printed}", as_json=True)
    done = subprocess.run(dump.command, env=env, check=False)  # noqa: S603 - our own argv
    if done.returncode != 0:
        raise fail(f"pg_dump failed (exit {done.returncode})", 1)
    if as_json:
        print_json({"command": dump.command, "ran": True, "path": str(target), "key_file": key})
    else:
        say(f"dump {target} made; restore with pg_restore (docs/backup.md)", as_json=False)


@app.command()
def migrate(config: ConfigOption = None, as_json: JsonOption = False,
            check_only: Annotated[bool, typer.Option("--check", help="change nothing: exit 0 "
                                                     "when the schema is current, 1 naming "
                                                     "the steps that would run")] = False
            ) -> None:
    """Bring the store's schema up to this version of Passerelle (the hub also does it when
    it starts); --check says what would change."""
    from hub.errors import StoreError
    from hub.store.migrations import CURRENT, pending_steps

    settings = load(config)
    try:
        steps = pending_steps(settings.store.url)
    except StoreError as exc:
        raise fail(str(exc), 1) from None
    except Exception as exc:  # the driver's own errors: a server down, a refused password
        raise fail(f"cannot read the store's schema: {type(exc).__name__}", 1) from None
    if not check_only and steps:
        open_store(settings).close()  # opening migrates, in one transaction
    if as_json:
        print_json({"current": CURRENT, "steps": steps, "applied": not check_only})
    elif not steps:
        typer.echo(f"the store's schema is current (version {CURRENT})")
    else:
        typer.echo(("would run" if check_only else "ran") + f" {len(steps)} step(s):")
        for step in steps:
            typer.echo(f"  {step}")
    if check_only and steps:
        raise typer.Exit(1)
