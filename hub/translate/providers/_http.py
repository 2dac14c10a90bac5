"""What the HTTP providers share: one call, transport errors mapped, JSON checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from hub.errors import TransientError
from hub.http import raise_for_status, transport_error

# A provider's own reading of an error response; it raises, or returns to let
# hub.http.raise_for_status map the status.
ErrorMapper = Callable[[httpx.Response], None]


async def call_json(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    provider: str,
    what: str,
    on_error: ErrorMapper,
) -> Any:
    """Send `request`, map failures to the hub's errors, and return the decoded JSON body."""
    try:
        response = await http.send(request)
    except httpx.TransportError as exc:
        raise transport_error(exc, connection=provider) from exc
    if response.status_code >= 400:
        on_error(response)
        raise_for_status(response, connection=provider, what=what)
    try:
        return response.json()
    except ValueError as exc:
        raise TransientError(
            f"{what} answered {response.status_code} with a body that is not JSON",
            connection=provider,
        ) from exc


def error_json(response: httpx.Response) -> Any:
    """An error response's JSON body, or None when it has none (some 401s are empty)."""
    try:
        return response.json()
    except ValueError:
        return None


def shape_error(provider: str, what: str, detail: str) -> TransientError:
    """A 2xx answer that is not shaped as documented: worth another try, and worth a look."""
    return TransientError(f"{what} answered an unexpected shape: {detail}", connection=provider)
