"""`passerelle calendar url` and `rotate`, as an admin uses them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hub.calendar.tokens import admits
from hub.cli import build
from hub.settings import StoreSettings
from hub.store.opening import open_store

runner = CliRunner()


def config(tmp_path: Path, web: str = "") -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(f"""
[store]
url = "sqlite:///{tmp_path}/hub.db"

[web]
host = "127.0.0.1"
port = 8471
{web}

[bridges.assemblies]
endpoints = [{{ at = "east/chat/general" }}, {{ at = "west/chat/lobby" }}]
""", encoding="utf-8")
    return path


def calendar(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(build(), ["calendar", *args])
    return result.exit_code, result.stdout, result.stderr


def token_in(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def admitted(tmp_path: Path, token: str) -> bool:
    # As the hub opens it: the tokens are encrypted with the store's keys.
    store = open_store(StoreSettings(url=f"sqlite:///{tmp_path}/hub.db"))
    try:
        return admits(store, "assemblies", token)
    finally:
        store.close()


def test_url_makes_the_address_once_and_says_where_the_hub_listens(tmp_path: Path) -> None:
    code, out, err = calendar("url", "assemblies", "--config", str(config(tmp_path)))
    assert code == 0, err
    url = out.strip()
    assert url.startswith("http://127.0.0.1:8471/calendar/assemblies/") and url.endswith(".ics")
    assert "set [web] public_url" in err
    assert admitted(tmp_path, token_in(url))
    again = calendar("url", "assemblies", "--config", str(config(tmp_path)))
    assert again[1].strip() == url


def test_the_public_url_is_used_when_set(tmp_path: Path) -> None:
    path = config(tmp_path, 'public_url = "https://hub.example.org/"')
    code, out, err = calendar("url", "assemblies", "--config", str(path), "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["url"].startswith("https://hub.example.org/calendar/assemblies/")
    assert (answer["bridge"], answer["rotated"]) == ("assemblies", False)
    assert "public_url" not in err


def test_rotate_gives_a_new_address_and_closes_the_old(tmp_path: Path) -> None:
    path = str(config(tmp_path))
    old = calendar("url", "assemblies", "--config", path)[1].strip()
    code, out, err = calendar("rotate", "assemblies", "--config", path, "--json")
    assert code == 0, err
    new = json.loads(out)["url"]
    assert new != old and json.loads(out)["rotated"] is True
    assert "the previous address answers 404 from now on" in err
    assert admitted(tmp_path, token_in(new)) and not admitted(tmp_path, token_in(old))


def test_an_unknown_bridge_is_named_with_the_known_ones(tmp_path: Path) -> None:
    code, out, err = calendar("rotate", "assembly", "--config", str(config(tmp_path)))
    assert code == 2 and out == ""
    assert 'bridge "assembly" is not in the configuration (known: assemblies)' in err
