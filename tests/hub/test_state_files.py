"""Files the hub makes for itself: owner-only, made once, refused when others can read them."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.state_files import private_sqlite_file, read_or_create, state_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secret_is_made_once_owner_only_in_a_private_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "secret"
    made = read_or_create(path, lambda: "first", what="test secret")
    again = read_or_create(path, lambda: "second", what="test secret")
    assert (made, again) == ("first", "first")
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # nothing left aside


def test_processes_starting_together_read_the_same_secret(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    start = threading.Barrier(8)
    seen: list[str] = []

    def race(n: int) -> None:
        start.wait()
        seen.append(read_or_create(path, lambda: f"value-{n}", what="test secret"))

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and len(set(seen)) == 1


def test_a_secret_file_others_can_read_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("value\n")
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=rf"can be read by others .*chmod 600 {path}"):
        read_or_create(path, lambda: "other", what="test secret")


def test_an_empty_secret_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="is empty; delete it"):
        read_or_create(path, lambda: "other", what="test secret")


def test_a_sqlite_store_is_created_owner_only_and_an_old_one_is_tightened(
        tmp_path: Path) -> None:
    fresh = tmp_path / "data" / "hub.db"
    private_sqlite_file(f"sqlite:///{fresh}")
    assert (mode(fresh), mode(fresh.parent)) == (0o600, 0o700)
    old = tmp_path / "old.db"
    for path in (old, tmp_path / "old.db-wal", tmp_path / "old.db-shm"):
        path.write_bytes(b"")
        path.chmod(0o644)
    private_sqlite_file(f"sqlite:///{old}")
    assert [mode(p) for p in (old, tmp_path / "old.db-wal", tmp_path / "old.db-shm")] == [
        0o600] * 3


@pytest.mark.parametrize(("url", "configured", "expected"), [
    ("sqlite:////srv/hub/passerelle.db", None, Path("/srv/hub")),
    ("sqlite://", None, None),
    ("sqlite:///:memory:", None, None),
    ("postgresql://postgres@127.0.0.1/hub", Path("/var/lib/passerelle"),
     Path("/var/lib/passerelle")),
])
def test_where_generated_files_are_kept(url: str, configured: Path | None,
                                        expected: Path | None) -> None:
    assert state_dir(url, configured) == expected


def test_a_postgresql_hub_keeps_them_in_its_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert state_dir("postgresql://postgres@127.0.0.1/hub", None) == tmp_path
