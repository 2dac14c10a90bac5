"""Hook implementations of the Basecamp connector."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub import hookimpl

if TYPE_CHECKING:
    import typer

    from hub.connector import Connector


@hookimpl
def hub_register_connectors() -> list[type[Connector]]:
    from plugins.basecamp.connector import BasecampConnector

    return [BasecampConnector]


@hookimpl
def hub_register_commands(app: typer.Typer) -> None:
    from plugins.basecamp.commands import app as basecamp_app

    app.add_typer(basecamp_app, name="basecamp")
