"""Hook specifications: the only ways a plugin extends the hub.

Call hooks with keyword arguments. Registration hooks are called once per plugin manager, at
start; they return classes, and the core rejects duplicate names naming both plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    import typer

    from hub.connector import Connector
    from hub.events import Event
    from hub.translate.provider import Translator

PROJECT = "hub"
hookspec = HookspecMarker(PROJECT)
hookimpl = HookimplMarker(PROJECT)


@hookspec
def hub_register_connectors() -> list[type[Connector]]:  # type: ignore[empty-body]
    """Return the connector classes this plugin provides.

    Called once when the plugin manager is built. Every result is collected; a `Connector.name`
    provided twice stops the start with an error naming both plugins.
    """


@hookspec
def hub_register_translators() -> list[type[Translator]]:  # type: ignore[empty-body]
    """Return the translation provider classes this plugin provides.

    Called once when the plugin manager is built. Every result is collected; a `Translator.name`
    provided twice stops the start with an error naming both plugins.
    """


@hookspec
def hub_register_commands(app: typer.Typer) -> None:
    """Add commands to the `passerelle` command line (e.g. `passerelle basecamp webhooks`).

    Called once when the command line is built, before arguments are parsed. Return nothing.
    """


@hookspec
def hub_event_stored(event: Event, seq: int) -> None:
    """Called after an event is durably stored with its position `seq` in the log.

    Called once per newly stored event (duplicates refused by the store are not announced), in
    the process that stored it. Must be quick and must not raise: a raising implementation is
    logged and ignored, since the event is already safe. Every implementation is called.
    """
