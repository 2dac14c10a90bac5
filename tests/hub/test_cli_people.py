"""`passerelle people`, its mends and `passerelle forget --person`, on a store of their own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli import build
from hub.people.model import Identity
from hub.store import Store

BASECAMP, SLACK, WHATSAPP = "network-basecamp", "lisbon-slack", "members-whatsapp"
MET = [
    Identity(BASECAMP, "basecamp", "101", "Camille Martin", email="camille@example.org"),
    Identity(SLACK, "slack", "U0CAM", "camille", email="Camille@Example.org"),
    Identity(SLACK, "slack", "U0ANA", "Ana S.", email="ana@example.org"),
    Identity(WHATSAPP, "whatsapp", "351912345678", "Ana", phone="351912345678"),
    Identity(SLACK, "slack", "U0EMMA", "Emma Wilson"),
]
PEOPLE_FILE = """
[people.ana]
name = "Ana Souza"
city = "Lisboa"
role = "urbanista"
languages = ["pt", "en"]
tags = ["mobilidade", "open data"]
emails = ["ana@example.org"]
phones = ["+351 912 345 678"]

[people.camille]
name = "Camille Martin"
city = "Lyon"
organisation = "Ville de Lyon"
tags = ["Mobility"]
emails = ["camille@example.org"]
"""

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    store = Store.open(f"sqlite:///{tmp_path}/hub.db")
    store.people_meet(MET)
    store.close()
    (tmp_path / "people.toml").write_text(PEOPLE_FILE, encoding="utf-8")
    path = tmp_path / "hub.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/hub.db"\n'
                    f'[people]\nfile = "{tmp_path}/people.toml"\n'
                    "[translation]\nenabled = false\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(build(), list(args))
    return result.exit_code, result.stdout, result.stderr


def listing(config: Path, *args: str) -> list[dict[str, Any]]:
    code, out, _ = run("people", "--json", "--config", str(config), *args)
    assert code == 0, out
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows}


def test_each_person_is_listed_once_with_where_they_are(config: Path) -> None:
    rows = by_name(listing(config))
    assert set(rows) == {"Ana Souza", "Camille Martin", "Emma Wilson"}
    ana = rows["Ana Souza"]
    assert (ana["id"], ana["city"], ana["role"], ana["languages"], ana["tags"]) == (
        "ana", "Lisboa", "urbanista", ["pt", "en"], ["mobilidade", "open data"])
    assert ana["platforms"] == ["slack", "whatsapp"]
    assert {p["connection"] + ":" + p["native_id"] for p in ana["places"]} == {
        f"{SLACK}:U0ANA", f"{WHATSAPP}:351912345678"}
    # Camille is matched by her e-mail address, whatever its case on Slack.
    assert rows["Camille Martin"]["platforms"] == ["basecamp", "slack"]
    assert rows["Emma Wilson"]["declared"] is False
    assert all(set(row) == set(ana) for row in rows.values())  # the same keys for everyone


def test_addresses_show_only_when_asked(config: Path) -> None:
    assert all("emails" not in row and "phones" not in row for row in listing(config))
    code, out, _ = run("people", "--config", str(config))
    assert code == 0 and "example.org" not in out and "351" not in out.replace(
        f"{WHATSAPP}:351912345678", "")
    ana = by_name(listing(config, "--contacts"))["Ana Souza"]
    assert (ana["emails"], ana["phones"]) == (["ana@example.org"], ["351912345678"])


@pytest.mark.parametrize(("tag", "names"), [
    ("mobility", {"Camille Martin"}), ("#Mobilidade", {"Ana Souza"}),
    ("open data", {"Ana Souza"}), ("waste", set())])
def test_a_tag_narrows_the_list(config: Path, tag: str, names: set[str]) -> None:
    assert {row["name"] for row in listing(config, "--tag", tag)} == names


@pytest.mark.parametrize(("lang", "words"), [
    ("fr", ("Ville: Lyon", "Organisation: Ville de Lyon", "3 personnes")),
    ("pt", ("Cidade: Lyon", "Organização: Ville de Lyon", "3 pessoas")),
    ("es", ("Ciudad: Lyon", "Organización: Ville de Lyon", "3 personas")),
    ("en", ("City: Lyon", "Organisation: Ville de Lyon", "3 people"))])
def test_the_labels_speak_the_askers_language(config: Path, lang: str,
                                              words: tuple[str, ...]) -> None:
    result = runner.invoke(build(), ["people", "--config", str(config), "--lang", lang])
    assert result.exit_code == 0
    for word in words:
        assert word in result.output


def test_the_terminal_language_is_the_default(config: Path) -> None:
    result = runner.invoke(build(), ["people", "--config", str(config), "--tag", "waste"],
                           env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "pt_PT.UTF-8"})
    assert "Ninguém no diretório conhece waste." in result.output


def test_merge_and_split_mend_who_is_who(config: Path) -> None:
    code, out, err = run("people", "merge", "ana", f"{SLACK}:U0EMMA", "--config", str(config),
                         "--json")
    assert code == 0, err
    assert json.loads(out)["mend"] == {"action": "merge", "a": f"{SLACK}:U0ANA",
                                       "b": f"{SLACK}:U0EMMA"}
    rows = by_name(listing(config))
    assert set(rows) == {"Ana Souza", "Camille Martin"}
    assert len(rows["Ana Souza"]["places"]) == 3
    code, _, err = run("people", "split", f"{SLACK}:U0EMMA", "--config", str(config))
    assert code == 0, err
    assert set(by_name(listing(config))) == {"Ana Souza", "Camille Martin", "Emma Wilson"}
    # An address no longer joins what an admin split apart.
    code, _, _ = run("people", "split", f"{SLACK}:U0CAM", "--config", str(config))
    rows_after = listing(config)
    assert [r["platforms"] for r in rows_after if r["name"] == "Camille Martin"] == [
        ["basecamp"]]
    assert any(r["places"][0]["native_id"] == "U0CAM" for r in rows_after)


@pytest.mark.parametrize(("args", "said"), [
    (("merge", "ana", "nobody"), "no person or identity 'nobody'"),
    (("merge", "ana", f"{SLACK}:U0ANA"), "one identity: nothing to merge"),
    (("split", "ana"), "no identity 'ana'"),
    (("show", "nobody"), "no person 'nobody'")])
def test_what_names_no_one_is_refused(config: Path, args: tuple[str, ...], said: str) -> None:
    code, _, err = run("people", *args, "--config", str(config))
    assert code == 1 and said in err


def test_show_and_export_say_everything_kept(config: Path) -> None:
    code, out, _ = run("people", "show", f"{WHATSAPP}:351912345678", "--config", str(config))
    assert code == 0
    assert out.startswith("Ana Souza  [ana]") and f"whatsapp {WHATSAPP}:351912345678" in out
    code, out, _ = run("people", "export", "ana", "--config", str(config))
    assert code == 0
    kept = json.loads(out)
    assert kept["person"]["emails"] == ["ana@example.org"]
    assert {i["native_id"] for i in kept["identities"]} == {"U0ANA", "351912345678"}
    assert kept["people_file"]["city"] == "Lisboa"
    assert (kept["mends"], kept["archive"]) == ([], [])


def test_forget_a_person_lists_then_erases_their_identities_and_mends(config: Path) -> None:
    assert run("people", "merge", "ana", f"{SLACK}:U0EMMA", "--config", str(config))[0] == 0
    code, out, err = run("forget", "--person", "ana", "--config", str(config), "--json")
    assert code == 0
    assert json.loads(out)["would_erase"]["identities"] == [
        f"{SLACK}:U0ANA", f"{SLACK}:U0EMMA", f"{WHATSAPP}:351912345678"]
    assert "would erase Ana Souza (ana): 3 identity(ies), 1 mend(s)" in err
    assert len(listing(config)) == 2  # nothing erased yet
    code, out, err = run("forget", "--person", "ana", "--yes", "--config", str(config))
    assert code == 0, err
    assert "erased Ana Souza (ana): 3 identity(ies), 1 mend(s)" in out
    assert "remove [people.ana] from it" in out
    names = {row["name"]: row["platforms"] for row in listing(config)}
    assert names == {"Ana Souza": [], "Camille Martin": ["basecamp", "slack"]}
    code, _, err = run("forget", "--person", "ana", "--author", "x", "--config", str(config))
    assert code == 2 and "--author or --person" in err


def test_a_people_file_that_says_something_wrong_is_named(config: Path, tmp_path: Path) -> None:
    (tmp_path / "people.toml").write_text('[people.ana]\nname = "Ana"\nphones = ["12"]\n',
                                          encoding="utf-8")
    code, _, err = run("people", "--config", str(config))
    assert code == 2
    assert f"people file {tmp_path}/people.toml: [people.ana] phones" in err
    assert "'12' is not an international phone number" in err
