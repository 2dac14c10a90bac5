"""The store: the hub's only shared state (DESIGN §5–6), in its rooms.

`EventLog` (events, cursors, routing), `Outbox` (deliveries and links) and `Memories` (small
per-connection and translation state) share one engine through `StoreBase`; `Figures` and
`Tracing` read what the admin console shows; `Archive` keeps the network's memory;
`Calendar` reads its calendar events; `People` keeps who the hub met.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from hub.errors import StoreError
from hub.store.archive import Archive
from hub.store.calendar import Calendar
from hub.store.engine import open_engine
from hub.store.figures import Figures
from hub.store.log import EventLog, Planner
from hub.store.memory import Memories
from hub.store.outbox import Outbox
from hub.store.people import People
from hub.store.tracing import Tracing

__all__ = ["Planner", "Store"]


class Store(EventLog, Outbox, Memories, Figures, Tracing, Archive, Calendar, People):
    """Events, cursors, the outbox, links and the hub's small memories."""

    @classmethod
    def open(cls, url: str) -> Store:
        try:
            return cls(open_engine(url))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store: {type(exc).__name__}: {exc.args[0]}") from exc
