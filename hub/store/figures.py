"""What the console counts: flows over time and per place (filled in by the overview)."""

from __future__ import annotations

from hub.store.base import StoreBase


class Figures(StoreBase):
    """Read-only counts of events and deliveries for the admin console."""
