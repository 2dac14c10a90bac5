"""The archive's export: a static site, Markdown and JSON Lines of what the archive holds,
read back as a reader (and a browser without network) would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.archive.export import (
    Format,
    anchor,
    described,
    export,
    heading,
    language_name,
    markdown_text,
    web_address,
)
from hub.archive.records import ArchivedItem, Copy, Filters, ItemKind, ItemText, Key
from hub.cli import build
from hub.store import Store
from hub.store.records import Completion, Link
from hub.testing.store_contract import T0, make_event, to
from tests.hub.store.engines import OnPostgres, OnSQLite
from tests.hub.test_cli_imports import heavy, loaded

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
BOARD = "network-basecamp"
CHAT = "lisbon-slack"
PHONES = "members-whatsapp"
POST: Key = (BOARD, "1001")
REPLY: Key = (CHAT, "C0NET/1700000100.000200")
ANSWER: Key = (BOARD, "1002")
PHOTO: Key = (PHONES, "wamid.ABC=")
GONE: Key = (CHAT, "C0NET/1700000200.000300")
HOSTILE = '<script>alert("x")</script> & <img src="https://tracker.example/p.png"> *loud*'


def item(key: Key, endpoint: str, platform: str, kind: ItemKind, when: datetime,
         texts: tuple[ItemText, ...], *, parent: Key | None = None, thread: Key | None = None,
         author: str = "Camille Martin", url: str | None = None,
         files: tuple[str, ...] = ()) -> ArchivedItem:
    return ArchivedItem(
        connection=key[0], native_id=key[1], endpoint=endpoint, platform=platform, kind=kind,
        event_id=f"event-{key[1]}", author=author, author_id=f"{platform}:{author.lower()}",
        language=texts[0].language, occurred_at=when, parent=parent, thread=thread or key,
        url=url, files=files, texts=texts)


def fr_en(title: str | None, french: str, english: str) -> tuple[ItemText, ...]:
    return (ItemText("fr", title, french, True),
            ItemText("en", title and f"(en) {title}", english, False, "apertium"))


def en_fr(english: str, french: str) -> tuple[ItemText, ...]:
    return (ItemText("en", None, english, True), ItemText("fr", None, french, False, "apertium"))


# A thread begun on Basecamp in French, answered on Slack in English, answered again on
# Basecamp; a photo on WhatsApp in Portuguese a month later; a Slack line deleted afterwards.
THREAD = [
    item(POST, "board/7", "basecamp", ItemKind.POST, datetime(2026, 2, 1, 10, 0, tzinfo=UTC),
         fr_en("Notre rencontre à Lisbonne", "La prochaine rencontre aura lieu à Lisbonne.\n"
               f"Ordre du jour : {HOSTILE}", "The next meeting takes place in Lisbon."),
         url="https://3.basecampapi.test/7/messages/1001"),
    item(REPLY, "chat/C0NET", "slack", ItemKind.CHAT, datetime(2026, 2, 1, 11, 0, tzinfo=UTC),
         en_fr("We will bring the report on public transport.",
               "Nous apporterons le rapport sur les transports."),
         parent=POST, thread=POST, author="Emma Wilson",
         url="https://sandbox.slack.test/archives/C0NET/p1700000100000200"),
    item(ANSWER, "board/7", "basecamp", ItemKind.COMMENT, datetime(2026, 2, 2, 9, 0, tzinfo=UTC),
         fr_en(None, "Merci, à bientôt.", "Thank you, see you soon."),
         parent=REPLY, thread=POST, url="javascript:alert(1)"),
]
LATER = [
    item(PHOTO, "circle/general", "whatsapp", ItemKind.CHAT,
         datetime(2026, 3, 5, 8, 0, tzinfo=UTC),
         (ItemText("pt", None, "A praça do mercado.", True),
          ItemText("en", None, "The market square.", False, "apertium")),
         author="Beatriz Lima", files=("praça do mercado.jpg",)),
    item(GONE, "chat/C0NET", "slack", ItemKind.CHAT, datetime(2026, 3, 6, 8, 0, tzinfo=UTC),
         en_fr("A line its author deleted.", "Une ligne effacée."), author="James Okoro"),
]


# Where the hub mirrored them: the store's links, as deliveries record them.
COPIES = {POST: (Copy(CHAT, "chat/C0NET", "C0NET/1700000000.000100"),
                 Copy(PHONES, "circle/general", "wamid.XYZ=")),
          REPLY: (Copy(BOARD, "board/7", "1003"),)}


def fill(store: Store) -> None:
    # Kept out of order, as the indexer may take a reply before its post.
    assert store.archive_keep([THREAD[1], THREAD[0], THREAD[2], *LATER], [], 0, 10)
    assert store.archive_keep([], [GONE], 10, 11)
    mirror(store)


def mirror(store: Store) -> None:
    """Deliver an event of each item of COPIES and record its copies, as the outbox does."""
    stored = store.append([make_event(native_id, connection=connection)
                           for connection, native_id in COPIES])
    origins = {one.seq: (one.event.source.connection, one.event.source.native_id)
               for one in stored}
    store.route("router", to("elsewhere/chat/x", key=str))
    completions = []
    for delivery in store.claim(T0, 10, 60):
        connection, native_id = origins[delivery.event_seq]
        completions.append(Completion(delivery.id, "made", tuple(
            Link(connection, "chat/general", native_id, copy.connection, copy.endpoint,
                 copy.native_id) for copy in COPIES[(connection, native_id)])))
    store.hand_over(completions, T0, 60)


class Page(HTMLParser):
    """What a page holds for a reader: ids, links, languages, resources, text."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (href, its text)
        self.langs: list[str] = []
        self.tags: list[str] = []
        self.resources: list[str] = []
        self.text: list[str] = []
        self._link: str | None = None
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        if "id" in values:
            self.ids.add(values["id"])
        if "lang" in values:
            self.langs.append(values["lang"])
        if tag == "a":
            self._link = values.get("href", "")
            self.links.append((self._link, ""))
        for name in ("src", "srcset", "data", "poster", "background"):
            if name in values:
                self.resources.append(values[name])
        if tag == "link":
            self.resources.append(values.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._link = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._link is not None:
            href, before = self.links[-1]
            self.links[-1] = (href, before + data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def pages(folder: Path) -> Iterator[Path]:
    yield folder / "index.html"
    yield from sorted((folder / "threads").glob("*.html"))


def thread_page(folder: Path, key: Key) -> Path:
    """The page an item is on, found through the index as a reader would."""
    for path in sorted((folder / "threads").glob("*.html")):
        if anchor(key) in Page(path).ids:
            return path
    raise AssertionError(f"{key} is on no page")


class ExportContract:
    """What every export holds, whichever database the archive is on."""

    @pytest.fixture
    def filled(self, store: Store) -> Store:
        fill(store)
        return store

    def test_every_item_is_on_its_threads_page_with_each_text_in_its_language(
            self, filled: Store, tmp_path: Path) -> None:
        done = export(filled, tmp_path / "out", Filters(), now=NOW)
        assert (done.items, done.threads, done.attachments) == (4, 2, 1)
        # index.html, two thread pages, two Markdown pages and their index, archive.jsonl
        assert done.files == 7
        page = Page(thread_page(done.folder, POST))
        assert {anchor(POST), anchor(REPLY), anchor(ANSWER)} <= page.ids
        for one in THREAD:
            for text in one.texts:
                assert text.body.split("\n")[0] in page.all_text
        assert page.langs.count("fr") == 3 and page.langs.count("en") >= 3
        assert "French (original)" in page.all_text
        assert "English — translated by apertium" in page.all_text
        photo = Page(thread_page(done.folder, PHOTO))
        assert "Portuguese (original)" in photo.all_text
        assert "praça do mercado.jpg" in photo.all_text

    def test_a_reply_links_to_its_parent_and_the_parent_to_its_replies(
            self, filled: Store, tmp_path: Path) -> None:
        done = export(filled, tmp_path / "out", Filters(), now=NOW)
        links = Page(thread_page(done.folder, POST)).links
        assert (f"#{anchor(POST)}", "Notre rencontre à Lisbonne") in links
        assert (f"#{anchor(REPLY)}", "We will bring the report on public transport.") in links
        assert (f"#{anchor(ANSWER)}", "Merci, à bientôt.") in links
        # The originals on their platforms, and only web addresses as links.
        assert ("https://3.basecampapi.test/7/messages/1001", "The original on basecamp") \
            in links
        assert not any(href.startswith("javascript:") for href, _ in links)

    def test_the_index_lists_threads_newest_first_and_says_what_was_chosen(
            self, filled: Store, tmp_path: Path) -> None:
        done = export(filled, tmp_path / "out", Filters(), now=NOW)
        index = Page(done.folder / "index.html")
        threads = [(href, text) for href, text in index.links if href.startswith("threads/")]
        assert [text for _, text in threads] == ["A praça do mercado.",
                                                 "Notre rencontre à Lisbonne"]
        assert "Exported 2026-03-20 09:00 UTC" in index.all_text
        assert "everything the archive holds" in index.all_text
        assert "Camille Martin · basecamp · 2026-02-01 10:00 UTC · 2 replies" in index.all_text

    def test_every_link_between_pages_lands_on_a_page_and_an_anchor_there(
            self, filled: Store, tmp_path: Path) -> None:
        done = export(filled, tmp_path / "out", Filters(), now=NOW)
        for path in pages(done.folder):
            page = Page(path)
            for href, _ in page.links:
                if href.startswith("https://"):
                    continue
                target, _, fragment = href.partition("#")
                landing = (path.parent / target).resolve() if target else path
                assert landing.is_file(), f"{path.name}: {href}"
                if fragment:
                    assert fragment in Page(landing).ids, f"{path.name}: {href}"

    def test_pages_escape_what_people_wrote_and_load_nothing(
            self, filled: Store, tmp_path: Path) -> None:
        done = export(filled, tmp_path / "out", Filters(), now=NOW)
        for path in pages(done.folder):
            page = Page(path)
            assert "script" not in page.tags and "img" not in page.tags
            assert page.resources == []
        raw = thread_page(done.folder, POST).read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img" in raw
        assert HOSTILE in Page(thread_page(done.folder, POST)).all_text
        assert "default-src 'none'" in raw

    def test_markdown_holds_the_same_with_relative_links(
            self, filled: Store, tmp_path: Path) -> None:
        done = export(filled, tmp_path / "out", Filters(), now=NOW)
        folder = done.folder / "markdown"
        index = (folder / "index.md").read_text(encoding="utf-8")
        pages = sorted(folder.glob("[0-9]*.md"))
        assert len(pages) == 2
        for page in pages:
            assert f"]({page.name})" in index
        thread = next(p for p in pages if anchor(POST) in p.read_text(encoding="utf-8"))
        text = thread.read_text(encoding="utf-8")
        assert f'<a id="{anchor(REPLY)}"></a>' in text
        assert f"In reply to [We will bring the report on public transport.](#{anchor(REPLY)})" \
            in text
        assert "\\<script\\>" in text and "<script>" not in text
        assert "**English — translated by apertium**" in text

    def test_json_lines_hold_every_item_with_all_its_fields(
            self, filled: Store, tmp_path: Path) -> None:
        done = export(filled, tmp_path / "out", Filters(), [Format.JSON], now=NOW)
        assert sorted(p.name for p in done.folder.iterdir()) == ["archive.jsonl"]
        lines = [json.loads(line) for line in
                 (done.folder / "archive.jsonl").read_text(encoding="utf-8").splitlines()]
        by_key = {(line["connection"], line["native_id"]): line for line in lines}
        assert set(by_key) == {POST, REPLY, ANSWER, PHOTO}
        reply = by_key[REPLY]
        assert reply["parent"] == {"connection": BOARD, "native_id": "1001"}
        assert reply["thread"] == {"connection": BOARD, "native_id": "1001"}
        assert reply["occurred_at"] == "2026-02-01T11:00:00+00:00"
        assert reply["texts"] == [
            {"language": "en", "original": True, "provider": None, "title": None,
             "body": "We will bring the report on public transport."},
            {"language": "fr", "original": False, "provider": "apertium", "title": None,
             "body": "Nous apporterons le rapport sur les transports."}]
        assert reply["copies"] == [{"connection": BOARD, "endpoint": "board/7",
                                    "native_id": "1003"}]
        assert reply["page"] == by_key[POST]["page"] != by_key[PHOTO]["page"]
        assert reply["anchor"] == anchor(REPLY)
        assert by_key[PHOTO]["files"] == ["praça do mercado.jpg"]

    def test_the_archive_is_read_a_page_at_a_time_to_the_same_export(
            self, filled: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        whole = export(filled, tmp_path / "whole", Filters(), now=NOW)
        monkeypatch.setattr("hub.archive.export.PAGE", 1)
        paged = export(filled, tmp_path / "paged", Filters(), now=NOW)
        assert (paged.items, paged.threads, paged.files) == (whole.items, whole.threads,
                                                             whole.files)
        for path in sorted(p for p in whole.folder.rglob("*") if p.is_file()):
            copy = paged.folder / path.relative_to(whole.folder)
            assert copy.read_bytes() == path.read_bytes(), path.name

    def test_an_item_removed_from_the_archive_is_in_no_export_made_after(
            self, filled: Store, tmp_path: Path) -> None:
        done = export(filled, tmp_path / "out", Filters(), now=NOW)
        everything = "".join(p.read_text(encoding="utf-8")
                             for p in done.folder.rglob("*") if p.is_file())
        assert "A line its author deleted" not in everything
        assert anchor(GONE) not in everything

    def test_a_bridge_exports_its_endpoints_only(self, filled: Store, tmp_path: Path) -> None:
        bridge = Filters(endpoints=frozenset({f"{BOARD}/board/7", f"{CHAT}/chat/C0NET"}))
        done = export(filled, tmp_path / "out", bridge, now=NOW)
        assert (done.items, done.threads) == (3, 1)
        assert "A praça do mercado" not in (done.folder / "index.html").read_text("utf-8")
        assert f"endpoints: {CHAT}/chat/C0NET, {BOARD}/board/7" \
            in Page(done.folder / "index.html").all_text

    def test_a_period_leaves_out_the_rest_and_says_a_parent_is_not_in_it(
            self, filled: Store, tmp_path: Path) -> None:
        period = Filters(since=datetime(2026, 2, 1, 10, 30, tzinfo=UTC),
                         until=datetime(2026, 3, 1, tzinfo=UTC))
        done = export(filled, tmp_path / "out", period, now=NOW)
        assert (done.items, done.threads) == (2, 1)
        page = Page(thread_page(done.folder, REPLY))
        assert anchor(POST) not in page.ids and anchor(ANSWER) in page.ids
        assert "“Notre rencontre à Lisbonne”, not in this export" in page.all_text
        assert ("https://3.basecampapi.test/7/messages/1001", "on its platform") in page.links
        assert "from 2026-02-01 10:30 UTC" in Page(done.folder / "index.html").all_text


class TestOnSQLite(ExportContract, OnSQLite):
    def test_a_folder_holding_anything_is_refused(self, store: Store, tmp_path: Path) -> None:
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "notes.txt").write_text("mine", encoding="utf-8")
        with pytest.raises(FileExistsError, match="is not an empty folder"):
            export(store, tmp_path / "out", Filters())
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notes.txt"]

    def test_an_empty_archive_exports_an_index_saying_so(
            self, store: Store, tmp_path: Path) -> None:
        done = export(store, tmp_path / "out", Filters(), [Format.HTML], now=NOW)
        assert (done.items, done.threads, done.files) == (0, 0, 1)
        assert "Nothing in the archive matches." in Page(done.folder / "index.html").all_text


class TestOnPostgres(ExportContract, OnPostgres):
    pass


# -- the pure parts -----------------------------------------------------------------------


@pytest.mark.parametrize(("key", "expected"), [
    ((BOARD, "1001"), "item-network_2d_basecamp-1001"),
    ((CHAT, "C0/17.5"), "item-lisbon_2d_slack-C0_2f_17_2e_5"),
    (("a-b", "c"), "item-a_2d_b-c"),
    (("a", "b-c"), "item-a-b_2d_c"),
    (("x", "ç_"), "item-x-_e7__5f_"),
])
def test_an_anchor_holds_letters_digits_and_dashes_only(key: Key, expected: str) -> None:
    assert anchor(key) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("plain words", "plain words"),
    ("*bold* and _it_ [link](x) <b>", "\\*bold\\* and \\_it\\_ \\[link\\](x) \\<b\\>"),
    ("# not a heading", "\\# not a heading"),
    ("- not a list\n1. nor this\n+ nor this", "\\- not a list\\\n1\\. nor this\\\n\\+ nor this"),
    ("one\n\n\ntwo", "one\n\ntwo"),
    ("a & b | c ~ d `e` !f", "a \\& b \\| c \\~ d \\`e\\` \\!f"),
    ("back\\slash", "back\\\\slash"),
])
def test_markdown_text_shows_the_text_as_written(text: str, expected: str) -> None:
    assert markdown_text(text) == expected


@pytest.mark.parametrize(("texts", "files", "expected"), [
    ((ItemText("fr", "Titre", "corps", True),), (), "Titre"),
    ((ItemText("fr", None, "\n  first line  \nsecond", True),), (), "first line"),
    ((ItemText("en", None, "", True),), ("recording.mp4",), "recording.mp4"),
    ((ItemText("en", None, "", True),), (), "(chat)"),
    ((ItemText("en", None, "x" * 200, True),), (), "x" * 89 + "…"),
])
def test_an_item_is_named_by_its_title_else_first_line_else_file(
        texts: tuple[ItemText, ...], files: tuple[str, ...], expected: str) -> None:
    one = item(POST, "chat/C", "slack", ItemKind.CHAT, NOW, texts, files=files)
    assert heading(one) == expected


@pytest.mark.parametrize(("code", "expected"), [
    ("fr", "French"), ("pt", "Portuguese"), ("pt-BR", "Portuguese (Brazil)"),
    ("", "language unknown"), ("zz-notone", "zz-notone"),
])
def test_a_language_is_named_in_english(code: str, expected: str) -> None:
    assert language_name(code) == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("https://x.test/a", "https://x.test/a"), ("HTTP://x.test", "HTTP://x.test"),
    ("javascript:alert(1)", None), ("data:text/html,hi", None), (None, None), ("", None),
])
def test_only_web_addresses_are_linked(url: str | None, expected: str | None) -> None:
    assert web_address(url) == expected


def test_filters_are_described_in_words() -> None:
    assert described(Filters()) == ["everything the archive holds"]
    assert described(Filters(endpoints=frozenset({"b/chat/2", "a/board/1"}),
                             kinds=frozenset({ItemKind.POST}),
                             since=datetime(2026, 1, 1, tzinfo=UTC),
                             until=datetime(2026, 2, 1, tzinfo=UTC), has_file=True)) == [
        "endpoints: a/board/1, b/chat/2", "kinds: post", "from 2026-01-01 00:00 UTC",
        "before 2026-02-01 00:00 UTC", "with files"]


# -- the command --------------------------------------------------------------------------

runner = CliRunner()
CONFIG = """
[store]
url = "sqlite:///{folder}/hub.db"

[connections.network-basecamp]
type = "basecamp"
account_id = "7"
client_id = "c"
client_secret = "s"

[connections.lisbon-slack]
type = "slack"
bot_token = "xoxb-test"
signing_secret = "s"

[bridges.network]
endpoints = [{{ at = "network-basecamp/board/7" }}, {{ at = "lisbon-slack/chat/C0NET" }}]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(CONFIG.format(folder=tmp_path), encoding="utf-8")
    store = Store.open(f"sqlite:///{tmp_path}/hub.db")
    try:
        fill(store)
    finally:
        store.close()
    return path


def test_the_command_exports_a_bridge_and_reports_it_as_json(
        config: Path, tmp_path: Path) -> None:
    result = runner.invoke(build(), ["export", "--out", str(tmp_path / "site"), "--bridge",
                                     "network", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "folder": str(tmp_path / "site"), "formats": ["html", "markdown", "json"],
        "items": 3, "threads": 1, "attachments": 0, "files": 5}
    assert "3 item(s) in 1 thread(s)" in result.stderr
    assert "Passerelle archive: bridge network" in (tmp_path / "site" / "index.html").read_text(
        encoding="utf-8")


def test_the_command_takes_days_and_includes_the_last(config: Path, tmp_path: Path) -> None:
    result = runner.invoke(build(), ["export", "--out", str(tmp_path / "site"), "--since",
                                     "2026-02-02", "--until", "2026-03-05", "--format", "json",
                                     "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "site" / "archive.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["native_id"] for line in lines) == ["1002", PHOTO[1]]


@pytest.mark.parametrize(("args", "said"), [
    (["--bridge", "elsewhere"], 'bridge "elsewhere" is not in the configuration (known: '
                                "network)"),
    (["--since", "1 March"], "--since '1 March': expected a day as YYYY-MM-DD"),
    (["--format", "html,pdf"], "--format 'html,pdf': expected any of html, markdown, json"),
])
def test_the_command_refuses_what_it_cannot_do_saying_why(
        config: Path, tmp_path: Path, args: list[str], said: str) -> None:
    result = runner.invoke(build(), ["export", "--out", str(tmp_path / "site"), *args,
                                     "--config", str(config)])
    assert result.exit_code == 2
    assert said in result.output
    assert not (tmp_path / "site").exists()


def test_the_commands_help_loads_nothing_heavy() -> None:
    found = loaded("export", "--help")
    assert heavy(found["import"]) == [] and heavy(found["help"]) == []
