"""The `passerelle` command."""

from __future__ import annotations

import typer

# Importing them adds their commands to `app`.
from hub.cli import operate, stored  # noqa: F401
from hub.cli.base import app
from hub.errors import HubError
from hub.plugins import make_plugin_manager

__all__ = ["app", "build", "main"]


def build() -> typer.Typer:
    """The command with every plugin's commands added."""
    try:
        make_plugin_manager().hook.hub_register_commands(app=app)
    except HubError as exc:
        typer.echo(f"plugins: {exc}", err=True)
    return app


def main() -> None:
    build()(prog_name="passerelle")
