"""`passerelle search`, `thread` and `forget` on a store of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.archive.records import ItemKind
from hub.cli import app
from hub.store import Store
from tests.hub.store.test_archive import en, fr, item, keep


@pytest.fixture
def config(tmp_path: Path) -> Path:
    store = Store.open(f"sqlite:///{tmp_path}/hub.db")
    keep(store,
         item("post", fr("Le budget participatif de Porto", "Budget participatif"),
              en("The participatory budget of Porto", original=False)),
         item("reply", en("We did the same in Lisbon: participatory budget."),
              connection="lisbon-slack", platform="slack", endpoint="chat/C1",
              kind=ItemKind.CHAT, author="Emma Wilson", author_id="slack:U1", days=2,
              parent=("network-basecamp", "post"), thread=("network-basecamp", "post")))
    store.close()
    path = tmp_path / "hub.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n'
                    "[translation]\nenabled = false\n")
    return path


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def test_search_prints_each_item_with_its_passage_and_thread(config: Path) -> None:
    code, out, err = run("search", "participatory budget", "--config", str(config),
                         "--language", "en")
    assert code == 0, err
    assert "2 found (asked as en: participatory budget" in err
    assert "[participatory] [budget] of Porto" in out
    assert "(translated from fr by apertium)" in out
    assert "passerelle thread network-basecamp/post" in out
    code, out, _ = run("search", "budget", "--config", str(config), "--language", "en",
                       "--platform", "slack", "--json")
    assert code == 0
    assert [hit["item"] for hit in json.loads(out)["hits"]] == ["lisbon-slack/reply"]


def test_nothing_found_and_wrong_filters_say_so(config: Path) -> None:
    code, _, err = run("search", "tramway", "--config", str(config), "--since", "2026-03-02")
    assert (code, err.strip()) == (1, 'nothing found for "tramway" with these filters')
    code, _, err = run("search", "budget", "--config", str(config), "--kind", "tweet")
    assert code == 2
    assert 'kind "tweet": one of post, comment, chat, event, file' in err


def test_a_thread_in_one_language(config: Path) -> None:
    code, out, _ = run("thread", "lisbon-slack/reply", "--config", str(config), "--in", "en")
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    assert lines.index("The participatory budget of Porto") < lines.index(
        "We did the same in Lisbon: participatory budget.")
    code, _, err = run("thread", "lisbon-slack/none", "--config", str(config))
    assert (code, err.strip()) == (1, "the archive holds no item lisbon-slack/none")


def test_forget_says_what_it_would_erase_then_erases_it(config: Path) -> None:
    code, out, err = run("forget", "--author", "emma wilson", "--config", str(config),
                         "--json")
    assert code == 0
    assert json.loads(out)["would_erase"] == [
        {"author_id": "slack:U1", "name": "Emma Wilson", "items": 1}]
    assert "run again with --yes to erase" in err
    code, out, _ = run("forget", "--author", "slack:U1", "--yes", "--config", str(config))
    assert code == 0
    assert out.startswith("erased Emma Wilson (slack:U1): 1 archived item(s) with 1 text(s)")
    code, _, err = run("forget", "--author", "slack:U1", "--config", str(config))
    assert (code, err.strip()) == (1, 'the archive holds nothing by "slack:U1"')
    code, out, _ = run("search", "budget", "--config", str(config), "--language", "en",
                       "--json")
    assert [hit["item"] for hit in json.loads(out)["hits"]] == ["network-basecamp/post"]
