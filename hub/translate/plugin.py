"""Hook implementations of the built-in translation providers."""

from __future__ import annotations

from typing import Any

from hub import hookimpl


@hookimpl
def hub_register_translators() -> list[Any]:
    return []
