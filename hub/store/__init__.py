"""The store: SQLAlchemy Core over SQLite (embedded default) or PostgreSQL."""

from hub.store.records import Delivery, Link, Member, PlannedDelivery, StoredEvent
from hub.store.store import DEAD, DONE, PENDING, Store

__all__ = ["DEAD", "DONE", "PENDING", "Delivery", "Link", "Member", "PlannedDelivery", "Store",
           "StoredEvent"]
