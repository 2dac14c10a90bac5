"""`passerelle calendar`: each bridge's calendar feed, the address members subscribe to.

Each imports what it needs when it runs (see hub/cli/base.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli.base import ConfigOption, JsonOption, app, fail, load, open_store, print_json, say

if TYPE_CHECKING:
    from hub.store import Store

calendar_app = typer.Typer(help="Each bridge's calendar feed: its address, and a new one.",
                           no_args_is_help=True, rich_markup_mode=None)
app.add_typer(calendar_app, name="calendar")

BridgeArgument = Annotated[str, typer.Argument(help="the bridge's name, as in the "
                                               "configuration")]


@calendar_app.command("url")
def url(bridge: BridgeArgument, config: ConfigOption = None, as_json: JsonOption = False
        ) -> None:
    """The address of the bridge's calendar feed (made at first use): members add it to
    Outlook, Google Calendar or their phone as a subscribed calendar."""
    from hub.calendar.tokens import feed_token

    _tell(bridge, config, as_json, feed_token, rotated=False)


@calendar_app.command("rotate")
def rotate(bridge: BridgeArgument, config: ConfigOption = None, as_json: JsonOption = False
           ) -> None:
    """Give the bridge's feed a new address; the old one answers 404 from now on (members
    subscribe again with the new one)."""
    from hub.calendar.tokens import rotate as new_token

    _tell(bridge, config, as_json, new_token, rotated=True)


def _tell(bridge: str, config: ConfigOption, as_json: bool,
          token_of: Callable[[Store, str], str], *, rotated: bool) -> None:
    from hub.calendar.tokens import base_url, feed_path

    settings = load(config)
    if bridge not in settings.bridges:
        known = ", ".join(sorted(settings.bridges)) or "none configured"
        raise fail(f'bridge "{bridge}" is not in the configuration (known: {known})')
    store = open_store(settings)
    try:
        token = token_of(store, bridge)
    finally:
        store.close()
    address = base_url(settings.web) + feed_path(bridge, token)
    if as_json:
        print_json({"bridge": bridge, "url": address, "rotated": rotated})
    else:
        typer.echo(address)
    if rotated:
        say("the previous address answers 404 from now on", as_json=True)
    if not settings.web.public_url:
        say(f"this is the address the hub listens on ({settings.web.host}:"
            f"{settings.web.port}); set [web] public_url to the address members reach",
            as_json=True)
