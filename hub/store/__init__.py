"""The store: SQLAlchemy Core over SQLite (embedded default) or PostgreSQL."""

from hub.store.base import DEAD, DONE, PENDING
from hub.store.records import Delivery, Link, PlannedDelivery, StoredEvent
from hub.store.store import Store

__all__ = ["DEAD", "DONE", "PENDING", "Delivery", "Link", "PlannedDelivery", "Store",
           "StoredEvent"]
