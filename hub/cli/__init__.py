"""The `passerelle` command.

Importing it is cheap: Typer and the command definitions only. Each command imports the hub's
heavy parts (the store, the web server, the connectors) when it runs, and plugins' commands
are loaded only when one is named (hub/cli/plugged.py).
"""

from __future__ import annotations

import typer

# Importing them adds their commands to `app`.
from hub.cli import archive, calendar, exporting, operate, people, stored, upkeep  # noqa: F401
from hub.cli.base import app

__all__ = ["app", "build", "main"]


def build() -> typer.Typer:
    """The command, plugins' commands included (they are found when named)."""
    return app


def main() -> None:
    build()(prog_name="passerelle")
