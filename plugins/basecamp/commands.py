"""`passerelle basecamp webhooks install|status`: the webhooks of the configured projects.

Basecamp turns a webhook off after ten failed deliveries; `install` creates what is missing and
turns back on what was turned off, `status` shows each webhook and its recent failures. The
webhook URL carries the connection's secret, which is never printed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.errors import ConfigError, HubError
from hub.http import make_client
from hub.network import validate_connection
from hub.settings import HubSettings, load_settings
from plugins.basecamp.connector import BasecampConnector
from plugins.basecamp.settings import BasecampSettings

app = typer.Typer(help="Basecamp connections: webhooks of the configured projects.",
                  no_args_is_help=True)
webhooks_app = typer.Typer(help="Create, check and re-activate Basecamp webhooks.",
                           no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="TOML file")]
ConnectionOption = Annotated[str | None, typer.Option(
    "--connection", help="only this Basecamp connection (default: all)")]


@dataclass(frozen=True)
class WebhookLine:
    """One project's webhook, as reported to the admin."""

    connection: str
    project: int
    action: str  # created, reactivated, updated, ok, missing, inactive
    webhook_id: str | None = None
    failures: int = 0

    def __str__(self) -> str:
        text = f"{self.connection} project {self.project}: {self.action}"
        if self.webhook_id:
            text += f" (webhook {self.webhook_id})"
        if self.failures:
            text += f", {self.failures} of its recent deliveries failed"
        return text


def payload_url(public_url: str | None, connection: str, secret: str) -> str:
    """Where Basecamp must POST: HTTPS, ending in the connection's secret."""
    if not public_url or not public_url.startswith("https://"):
        raise ConfigError(f'connection "{connection}": Basecamp calls only HTTPS URLs; set '
                          '[web].public_url = "https://hub.example.org" (how Basecamp reaches '
                          "this hub)")
    return f"{public_url.rstrip('/')}/webhooks/{connection}/{secret}"


async def sync_webhooks(connector: BasecampConnector, url: str, *, install: bool
                        ) -> list[WebhookLine]:
    """Bring (install) or report (status) the webhook of each configured project."""
    settings = connector.config
    client = connector.client
    types = list(settings.webhook_types)
    lines = []
    for project in settings.projects:
        hooks = await client.webhooks(str(project))
        ours = next((h for h in hooks if h.get("payload_url") == url), None)
        if ours is None:
            if not install:
                lines.append(WebhookLine(connector.connection, project, "missing"))
                continue
            made = await client.create_webhook(str(project), url, types)
            lines.append(WebhookLine(connector.connection, project, "created", str(made.get("id"))))
            continue
        hook_id = str(ours.get("id"))
        detail = await client.webhook(hook_id)
        failures = _failures(detail.get("recent_deliveries") or [])
        active = bool(detail.get("active"))
        same_types = sorted(detail.get("types") or []) == sorted(types)
        if install and (not active or not same_types):
            await client.update_webhook(hook_id, url, types, True)
            action = "reactivated" if not active else "updated"
        else:
            action = "ok" if active else "inactive (run install to turn it back on)"
        lines.append(WebhookLine(connector.connection, project, action, hook_id, failures))
    return lines


def _failures(deliveries: Sequence[Any]) -> int:
    failed = 0
    for delivery in deliveries:
        code = delivery.get("response", {}).get("code") if isinstance(delivery, dict) else None
        if not isinstance(code, int) or not 200 <= code < 300:
            failed += 1
    return failed


async def _run(settings: HubSettings, only: str | None, *, install: bool) -> list[WebhookLine]:
    from hub.store import Store
    from hub.store.statebox import StoreStateBox

    store = Store.open(settings.store.url)
    http = make_client()
    lines: list[WebhookLine] = []
    try:
        for name, table in settings.connections.items():
            if table.get("type") != BasecampConnector.name or (only and name != only):
                continue
            config = validate_connection(name, table, BasecampConnector)
            assert isinstance(config, BasecampSettings)
            if config.webhook_secret is None:
                raise ConfigError(f'connection "{name}": set webhook_secret (a long random '
                                  "string, e.g. from `openssl rand -hex 32`) before installing "
                                  "webhooks")
            if not config.projects:
                raise ConfigError(f'connection "{name}": list the project ids in projects = '
                                  "[…] (see `passerelle check --online`)")
            connector = BasecampConnector(name, config, http, StoreStateBox(store, name))
            url = payload_url(settings.web.public_url, name,
                              config.webhook_secret.get_secret_value())
            lines.extend(await sync_webhooks(connector, url, install=install))
    finally:
        await http.aclose()
        store.close()
    return lines


def _main(config: Path | None, connection: str | None, *, install: bool) -> None:
    try:
        lines = asyncio.run(_run(load_settings(config), connection, install=install))
    except ConfigError as exc:
        typer.echo("\n".join(exc.problems), err=True)
        raise typer.Exit(2) from None
    except HubError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    if not lines:
        typer.echo("no Basecamp connection with projects to manage")
    for line in lines:
        typer.echo(str(line))
    if any(line.action.startswith(("missing", "inactive")) for line in lines):
        raise typer.Exit(1)


@webhooks_app.command()
def install(config: ConfigOption = None, connection: ConnectionOption = None) -> None:
    """Create missing webhooks and turn deactivated ones back on."""
    _main(config, connection, install=True)


@webhooks_app.command()
def status(config: ConfigOption = None, connection: ConnectionOption = None) -> None:
    """Show each project's webhook, whether it is active and its recent failures."""
    _main(config, connection, install=False)
