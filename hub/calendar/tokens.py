"""The secret in each bridge's feed address: members' calendar apps send no header, so the
address is the only key (`/calendar/<bridge>/<token>.ics`).

A token is made at first use and kept in the store's encrypted connection state; rotating it
makes a new one, and the old address answers 404 from then on. The feed reads the store on
every request (no cache), so a rotation from `passerelle calendar rotate` in another process
holds at once. These take the store itself: the hub calls them through `store.run`.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from hub.settings import WebSettings
    from hub.store import Store

CONNECTION = "passerelle.calendar"  # the hub's own name in the state, beside connectors'
TOKEN_BYTES = 32
# Compared with when a bridge has no token, so an unknown bridge takes as long as a wrong one.
_NONE = secrets.token_urlsafe(TOKEN_BYTES)


def _key(bridge: str) -> str:
    return f"feed:{bridge}"


def feed_token(store: Store, bridge: str) -> str:
    """The bridge's feed token, made now if it has none."""
    token = store.state_get(CONNECTION, _key(bridge))
    if token is None:
        token = rotate(store, bridge)
    return token


def rotate(store: Store, bridge: str) -> str:
    """A new feed token for the bridge: the address with the old one stops answering."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    store.state_set(CONNECTION, _key(bridge), token)
    return token


def admits(store: Store, bridge: str, given: str) -> bool:
    """Whether `given` is the bridge's feed token, compared in constant time."""
    kept = store.state_get(CONNECTION, _key(bridge))
    same = hmac.compare_digest(given.encode(), (kept or _NONE).encode())
    return same and kept is not None


def feed_path(bridge: str, token: str) -> str:
    """The feed's path on the hub: the bridge's name quoted whatever it holds."""
    return f"/calendar/{quote(bridge, safe='')}/{token}.ics"


def base_url(web: WebSettings, listening: str | None = None) -> str:
    """Where members reach the hub: `[web] public_url`, else the address it listens on
    (`listening` when the hub runs, else its host and port)."""
    base = web.public_url or listening or f"http://{web.host}:{web.port}"
    return base.rstrip("/")
