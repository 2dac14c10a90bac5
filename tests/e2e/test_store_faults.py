"""The store on a disk that fills up: writes fail with StoreError (503 to the platform), and
once space is back, the store writes again by itself, without a restart.

A real small filesystem (a 2 MB tmpfs) holds the database, its WAL and a file standing for
whatever else filled the disk (logs, downloads). SQLite's `max_page_count` would not do: it
limits the database's pages, not the WAL, and the WAL is what kept the store full: on a disk
with less room than the automatic checkpoint waits for (1000 pages, about 4 MB), no
checkpoint ever came, so the WAL was never started over and took back any space freed.

Mounting needs root (CI runs as root); elsewhere the tests skip, saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.errors import StoreError
from hub.store import Store
from hub.store.records import StateWrite

DISK_BYTES = 2 * 1024 * 1024
VALUE = "v" * 3000  # about a page of the database per value
ROUNDS = 400  # writes of 8 calls each while filling up: far more than the disk can hold


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount, umount = shutil.which("mount"), shutil.which("umount")
    if mount is None or umount is None:
        pytest.skip("mount and umount are not installed")
    disk = tmp_path / "disk"
    disk.mkdir()
    made = subprocess.run(  # noqa: S603 (fixed arguments)
        [mount, "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(disk)],
        capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (root and mount rights are needed): "
                    f"{made.stderr.strip()}")
    try:
        yield disk
    finally:
        done = subprocess.run([umount, str(disk)], check=False)  # noqa: S603 (fixed arguments)
        if done.returncode != 0:  # still busy: detach it now, gone once nothing uses it
            subprocess.run([umount, "-l", str(disk)], check=True)  # noqa: S603


def free_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


@contextlib.contextmanager
def store_on(disk: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{disk}/store.db")
    try:
        yield store
    finally:
        store.close()


async def write_round(store: Store, keys: list[str]) -> list[BaseException | None]:
    """One write per key, all at once, so the writer batches them (savepoints and all)."""
    return await asyncio.gather(
        *(store.run(store.state_write, [StateWrite("west", key, VALUE)]) for key in keys),
        return_exceptions=True)


async def fill(store: Store) -> StoreError:
    """New data until the disk is full; the failure writes meet then."""
    for n in range(ROUNDS):
        failures = [r for r in await write_round(store, [f"new-{n}-{i}" for i in range(8)])
                    if r is not None]
        if failures:
            first = failures[0]
            assert isinstance(first, StoreError), failures
            return first
    raise AssertionError(f"{ROUNDS * 8} writes of {len(VALUE)} bytes fit a 2 MB disk")


async def test_the_store_writes_again_once_space_is_freed(small_disk: Path) -> None:
    other = small_disk / "other-files"
    with store_on(small_disk) as store:
        other.write_bytes(bytes(free_bytes(small_disk) - 700_000))
        failure = await fill(store)
        assert "SQLITE_FULL" in str(failure)
        health = store.health()
        assert not health.ok
        assert health.last_failure == "OperationalError (SQLITE_FULL)"

        other.unlink()  # the admin frees space: nothing else is done, the hub keeps running
        await store.run(store.state_write, [StateWrite("west", "after", "1")])
        assert store.health().ok

        # The WAL must not take the freed space back: the hub's steady writes (cursors,
        # statuses) rewrite the same rows, many times what the disk could hold as WAL.
        for n in range(150):
            outcomes = await write_round(store, [f"steady-{i}" for i in range(8)])
            assert outcomes == [None] * 8, f"round {n}: {outcomes}"
        assert store.health().ok
        assert store.state_get("west", "after") == "1"
        assert store.state_get("west", "new-0-0") == VALUE


async def test_a_disk_full_of_wal_is_emptied_without_anyone_freeing_space(
        small_disk: Path) -> None:
    keys = [f"steady-{i}" for i in range(8)]
    with store_on(small_disk) as store:  # a store that ran a while: its rows are on disk
        assert await write_round(store, keys) == [None] * 8
    with store_on(small_disk) as store:
        # Rewriting the same rows fills the disk with WAL alone: one round answers 503,
        # the platforms' retry is stored, and the WAL, kept small since, fills it no more.
        failed = 0
        for _ in range(ROUNDS):
            if any(outcome is not None for outcome in await write_round(store, keys)):
                failed += 1
                assert store.health().last_failure == "OperationalError (SQLITE_FULL)"
                assert await write_round(store, keys) == [None] * 8  # the retry
        assert failed == 1
        assert store.health().ok
