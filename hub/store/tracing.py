"""Where an event went: its copies on every platform, for the console's live stream."""

from __future__ import annotations

from hub.store.base import StoreBase


class Tracing(StoreBase):
    """Read-only views of an event's deliveries and copies for the admin console."""
