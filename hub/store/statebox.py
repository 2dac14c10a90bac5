"""A connection's durable memory, as the StateBox a connector is handed.

What a connector writes while it delivers (its journal of the attempt, a roster update) is held
and committed with how the attempt ends, in the transaction that records it done or failed: a
delivery costs one commit, not one per note. Such a write is seen at once by this process. A
crash loses it together with the attempt, and the retry knows the attempt was cut short
(`Outgoing.uncertain`, with `Outgoing.since`). A note that must be on disk before a request
goes out asks for it with `now=True`. Writes outside any attempt (webhooks, polls) are durable
when the call returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Iterator

from hub.store.records import StateWrite
from hub.store.store import Store

# How long a value read or written here is trusted without asking the store again. Another
# process may write meanwhile (`passerelle check --online` renewing a token), so not forever.
FRESH_SECONDS = 5.0
MAX_KNOWN = 10_000


class HeldWrites:
    """The StateBox writes of one delivery attempt, waiting for the transaction that ends it.

    Several attempts may hold the same key: a write reaches every open holder of it, so
    whichever attempt ends first commits the latest value, and one that never ends (the hub
    died) loses no one else's. A holder whose commit is under way (sealed) takes no more
    writes, and a new write to one of its keys waits until that commit has landed, so an older
    value never lands over a newer one, whatever the store's threads.
    """

    def __init__(self) -> None:
        self._values: dict[tuple[StoreStateBox, str], str | None] = {}
        self.sealed = False
        self._settled = asyncio.Event()

    def hold(self, box: StoreStateBox, key: str, value: str | None) -> None:
        self._values[(box, key)] = value
        holders = box.held.setdefault(key, [])
        if self not in holders:
            holders.append(self)

    def value(self, box: StoreStateBox, key: str) -> str | None:
        return self._values[(box, key)]

    def seal(self) -> tuple[StateWrite, ...]:
        """What to commit (nothing the second time): from now on, writes go elsewhere."""
        if self.sealed:
            return ()
        self.sealed = True
        return tuple(StateWrite(box.connection, key, value)
                     for (box, key), value in self._values.items())

    def committed(self) -> None:
        """The ending transaction is on disk: the values are the store's now."""
        self._release(landed=True)

    def abandoned(self) -> None:
        """The ending transaction failed: as after a crash, the store's values stand."""
        self._release(landed=False)

    async def settled(self) -> None:
        await self._settled.wait()

    def _release(self, *, landed: bool) -> None:
        for (box, key), value in self._values.items():
            holders = box.held.get(key, [])
            if self not in holders:  # released already (an attempt ends once)
                continue
            holders.remove(self)
            if not holders:  # no other attempt holds a later value of it
                box.held.pop(key, None)
                if landed:
                    box.remember(key, value)
                else:
                    box.forget(key)
        self._settled.set()


_HOLDING: contextvars.ContextVar[HeldWrites | None] = contextvars.ContextVar(
    "passerelle_held_writes", default=None)


@contextlib.contextmanager
def holding_writes() -> Iterator[HeldWrites]:
    """Within this block (a delivery attempt's task), StateBox writes are held, not written."""
    held = HeldWrites()
    token = _HOLDING.set(held)
    try:
        yield held
    finally:
        _HOLDING.reset(token)


def held_writes() -> HeldWrites | None:
    """The writes held by the attempt this code runs in, if any."""
    return _HOLDING.get()


class StoreStateBox:
    """Keys of one connection in the store's `connection_state` table, with a short memory so
    a burst of deliveries does not read the same key from the store for each of them."""

    def __init__(self, store: Store, connection: str) -> None:
        self._store = store
        self.connection = connection
        self._known: dict[str, tuple[float, str | None]] = {}
        # Keys written by attempts and not yet committed, with the attempts holding them.
        self.held: dict[str, list[HeldWrites]] = {}

    async def get(self, key: str) -> str | None:
        holders = self.held.get(key)
        if holders:
            return holders[-1].value(self, key)
        known = self._known.get(key)
        if known is not None and time.monotonic() - known[0] < FRESH_SECONDS:
            return known[1]
        value = await self._store.run(self._store.state_get, self.connection, key)
        self.remember(key, value)
        return value

    async def set(self, key: str, value: str, *, now: bool = False) -> None:
        await self._write(key, value, now)

    async def delete(self, key: str, *, now: bool = False) -> None:
        await self._write(key, None, now)

    async def _write(self, key: str, value: str | None, now: bool) -> None:
        for holder in list(self.held.get(key, ())):
            if holder.sealed:  # its commit lands first
                await holder.settled()
        others = [holder for holder in self.held.get(key, ()) if not holder.sealed]
        attempt = held_writes()
        if not now and attempt is not None and not attempt.sealed:
            attempt.hold(self, key, value)
        else:
            await self._store.run(self._store.state_write,
                                  [StateWrite(self.connection, key, value)])
            self.remember(key, value)
        for holder in others:  # their later commit must not bring back an older value
            holder.hold(self, key, value)

    def remember(self, key: str, value: str | None) -> None:
        if len(self._known) > MAX_KNOWN:
            self._known.clear()
        self._known[key] = (time.monotonic(), value)

    def forget(self, key: str) -> None:
        self._known.pop(key, None)
