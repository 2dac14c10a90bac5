"""Commands that plugins add (`hub_register_commands`), found only when one is asked for.

Loading the plugins imports every connector; `passerelle --help` and the core's commands
never need them, so the command group loads them the first time a name is not its own.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    # Typer carries its own copy of Click: its groups and commands are of those types.
    from typer import _click as click


class PluginCommands(TyperGroup):
    """The core's commands, then, for any other name, those the installed plugins register."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None:
            found = plugin_group().get_command(ctx, cmd_name)
        return found


@functools.cache
def plugin_group() -> TyperGroup:
    """Every installed plugin's commands, as one group (loaded once per process)."""
    from hub.errors import HubError
    from hub.plugins import make_plugin_manager

    added = typer.Typer(rich_markup_mode=None)  # plain help, like the core's commands
    try:
        make_plugin_manager().hook.hub_register_commands(app=added)
    except HubError as exc:
        typer.echo(f"plugins: {exc}", err=True)
    return typer.main.get_group(added)


def commands_by_plugin() -> dict[str, list[str]]:
    """The commands each installed plugin adds, by plugin name (for `passerelle plugins`)."""
    from hub.plugins import make_plugin_manager

    found: dict[str, list[str]] = {}
    for impl in make_plugin_manager().hook.hub_register_commands.get_hookimpls():
        added = typer.Typer()
        impl.function(app=added)
        names = sorted(typer.main.get_group(added).commands)
        if names:
            found[impl.plugin_name] = names
    return found
