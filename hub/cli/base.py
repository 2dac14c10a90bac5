"""What every command shares: the Typer apps and options, and how a command fails, speaks,
reads its settings, finds its plugins and opens the store.

Nothing heavy is imported here or at the top of any command module: `passerelle --help` and a
mistyped option answer at once, and each command imports what it needs when it runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.cli.plugged import PluginCommands

if TYPE_CHECKING:
    from hub.errors import ConfigError
    from hub.plugins import Registry
    from hub.settings import HubSettings
    from hub.store import Store

app = typer.Typer(help="Passerelle: mirror posts, comments, events and files between the "
                  "tools your network already uses, translated for each audience.",
                  epilog="Plugins add commands of their own (such as translate): "
                  "`passerelle plugins` lists them.",
                  cls=PluginCommands, no_args_is_help=True, pretty_exceptions_enable=False,
                  # Plain help: rendering it with Rich imports more than the rest together.
                  rich_markup_mode=None)
deadletters_app = typer.Typer(help="Deliveries that failed for good: list, replay, drop.",
                              no_args_is_help=True, rich_markup_mode=None)
app.add_typer(deadletters_app, name="deadletters")
store_app = typer.Typer(help="The store's keys: make one, encrypt every value again.",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(store_app, name="store")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="TOML file "
                         "(default: $PASSERELLE_CONFIG, else config/passerelle.toml)")]
JsonOption = Annotated[bool, typer.Option(
    "--json", help="print JSON on stdout (what is said for people goes to stderr)")]


def fail(message: str, code: int = 2) -> typer.Exit:
    """The exit to raise after saying `message` on stderr."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def say(line: str, *, as_json: bool) -> None:
    """Text for a person: on stdout, unless stdout carries JSON (then stderr, so `| jq` works)."""
    typer.echo(line, err=as_json)


def load(config: Path | None) -> HubSettings:
    """The settings, or an exit listing every problem with them."""
    from hub.errors import ConfigError
    from hub.settings import load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        raise refused(exc) from None


def refused(exc: ConfigError) -> typer.Exit:
    return fail("configuration refused:\n" + "\n".join(f"  - {p}" for p in exc.problems))


def registry_of(settings: HubSettings | None = None) -> Registry:
    """The installed plugins, as the settings allow and block them."""
    from hub.errors import HubError
    from hub.plugins import Registry, make_plugin_manager

    plugins = settings.plugins if settings else None
    try:
        return Registry.collect(make_plugin_manager(
            allow=plugins.allow if plugins else None, block=plugins.block if plugins else ()))
    except HubError as exc:
        raise fail(f"plugins: {exc}") from None


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def store_at(config: Path | None) -> Store:
    """The store the configuration names (the caller closes it)."""
    return open_store(load(config))


def open_store(settings: HubSettings) -> Store:
    from hub.errors import HubError
    from hub.store.opening import open_store as open_configured

    try:
        return open_configured(settings.store)
    except HubError as exc:
        raise fail(str(exc), 1) from None
