"""Hook implementations of the Slack connector."""

from __future__ import annotations

from typing import Any

from hub import hookimpl


@hookimpl
def hub_register_connectors() -> list[Any]:
    return []
