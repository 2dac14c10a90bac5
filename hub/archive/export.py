"""The archive as files that outlive the hub: a static site (index.html and threads/<n>.html),
the same in Markdown (markdown/), and every item as JSON Lines (archive.jsonl), each with its
original, its translations, and its files by reference (their names, linked to the item on its
platform).

Everything is read from the archive as it stands: an item deleted on its platform has left the
archive, so every export made after leaves it out. The archive is read a page of ids at a time
and written a thread at a time, so a big archive streams through; what stays in memory is the
keys of the items chosen and a line per thread for the index.

The pages work from a folder or a USB stick, offline: inline CSS, no script, nothing fetched
(their Content-Security-Policy says so to the browser too).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from babel import Locale, UnknownLocaleError
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub.archive import as_json
from hub.archive.records import ArchivedItem, Filters, Key
from hub.store import Store

TEMPLATES = Path(__file__).parent / "templates" / "export"
PAGE = 1000  # items read from the store at a time
HEADING_CHARACTERS = 90


class Format(StrEnum):
    HTML = "html"
    MARKDOWN = "markdown"
    JSON = "json"


@dataclass(frozen=True)
class Exported:
    """What an export wrote."""

    folder: Path
    formats: tuple[Format, ...]
    items: int
    threads: int
    attachments: int  # files the items carry, named and linked to their item
    files: int  # files written into `folder`


@dataclass(frozen=True)
class Shown:
    """One text of an item as its reader sees it."""

    language: str  # "" where nobody could tell
    language_name: str
    original: bool
    provider: str | None
    title: str | None
    body: str


@dataclass(frozen=True)
class Mention:
    """Another item named on a page: a reply's parent, or a parent's reply."""

    anchor: str | None  # None: the item is not in this export
    heading: str
    author: str
    url: str | None


@dataclass(frozen=True)
class Entry:
    """An item as its thread's page shows it."""

    item: ArchivedItem
    anchor: str
    heading: str
    texts: tuple[Shown, ...]  # the original first
    url: str | None  # where it is on its platform, if that is a web address
    parent: Mention | None
    replies: tuple[Mention, ...]


@dataclass(frozen=True)
class ThreadPage:
    number: int
    entries: tuple[Entry, ...]

    @property
    def first(self) -> Entry:
        return self.entries[0]

    @property
    def replies(self) -> int:
        return len(self.entries) - 1


@dataclass(frozen=True)
class Summary:
    """A thread's line in the index."""

    number: int
    heading: str
    author: str
    platform: str
    started: datetime
    replies: int


def export(store: Store, out: Path, filters: Filters,
           formats: Collection[Format] = tuple(Format), *, title: str = "Passerelle archive",
           now: datetime | None = None) -> Exported:
    """Write the archive's items that `filters` choose into the folder `out` (new, or empty)
    in each of `formats`. Raises FileExistsError if `out` holds anything already: an export
    is complete by itself, with nothing left over from an earlier one."""
    chosen = tuple(f for f in Format if f in formats)
    _prepare(out)
    with _lines(out, chosen) as jsonl:
        gathered = _gather(store, filters, jsonl)
    pages = _Pages(out, chosen)
    if pages.formats:
        summaries = []
        for thread, (number, keys) in gathered.threads.items():
            page = thread_page(number, store.archive_thread(thread), keys)
            if page is not None:  # None: its items left the archive since they were chosen
                pages.thread(page)
                summaries.append(summary(page))
        summaries.sort(key=lambda s: (s.started, s.number), reverse=True)
        pages.index(summaries, title=title, scope=described(filters),
                    now=now or datetime.now(UTC), items=gathered.items, formats=chosen)
    written = pages.written + int(Format.JSON in chosen)
    return Exported(out, chosen, gathered.items, len(gathered.threads), gathered.attachments,
                    written)


def _prepare(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} is not an empty folder: name a new folder for the "
                              "export, or empty this one first")
    out.mkdir(parents=True, exist_ok=True)


@dataclass
class _Gathered:
    """The keys of the items chosen, by thread, each thread with its page number."""

    threads: dict[Key, tuple[int, set[Key]]] = field(default_factory=dict)
    items: int = 0
    attachments: int = 0


def _gather(store: Store, filters: Filters, jsonl: IO[str] | None) -> _Gathered:
    """Read the chosen items a page at a time; each one goes to the JSON Lines as it comes."""
    gathered = _Gathered()
    after = 0
    while batch := store.archive_select(filters, PAGE, after):
        after = batch[-1][0]
        for _, item in batch:
            # Threads are numbered in the order the archive took their first chosen item.
            number, keys = gathered.threads.setdefault(
                item.thread, (len(gathered.threads) + 1, set()))
            keys.add(item.key)
            gathered.items += 1
            gathered.attachments += len(item.files)
            if jsonl is not None:
                jsonl.write(json.dumps(item_json(item, number), ensure_ascii=False) + "\n")
    return gathered


@contextlib.contextmanager
def _lines(out: Path, formats: tuple[Format, ...]) -> Iterator[IO[str] | None]:
    if Format.JSON not in formats:
        yield None
        return
    with (out / "archive.jsonl").open("w", encoding="utf-8") as lines:
        yield lines


# -- what a page shows: pure ---------------------------------------------------------------


def thread_page(number: int, thread: Sequence[ArchivedItem],
                chosen: Collection[Key]) -> ThreadPage | None:
    """The page of a thread (all its items, in order) showing the items chosen; None if none
    of them is in it any more."""
    by_key = {item.key: item for item in thread}
    shown = [item for item in thread if item.key in chosen]
    if not shown:
        return None

    def mention(key: Key) -> Mention:
        item = by_key.get(key)
        if item is None:
            return Mention(None, "an item the archive no longer holds", "", None)
        return Mention(anchor(key) if key in chosen else None, heading(item), item.author,
                       web_address(item.url))

    return ThreadPage(number, tuple(Entry(
        item=item, anchor=anchor(item.key), heading=heading(item),
        texts=tuple(Shown(text.language, language_name(text.language), text.original,
                          text.provider, text.title, text.body)
                    for text in sorted(item.texts, key=lambda text: not text.original)),
        url=web_address(item.url),
        parent=mention(item.parent) if item.parent is not None else None,
        replies=tuple(mention(reply.key) for reply in shown if reply.parent == item.key),
    ) for item in shown))


def summary(page: ThreadPage) -> Summary:
    first = page.first.item
    return Summary(page.number, page.first.heading, first.author, first.platform,
                   first.occurred_at, page.replies)


def item_json(item: ArchivedItem, page: int) -> dict[str, Any]:
    """An item as the search API gives it, with where it is in this export: `page` is the
    number of its thread's page and `anchor` its place on it (threads/<page>.html#<anchor>,
    markdown/<page>.md#<anchor>)."""
    return {**as_json.item_json(item), "page": page, "anchor": anchor(item.key)}


_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def anchor(key: Key) -> str:
    """An item's id on its page: only letters, digits and dashes, whatever its platform's
    ids hold (each other character written as _<hex>_, so no two items share one)."""
    return "item-" + "-".join(_NOT_ALPHANUMERIC.sub(lambda m: f"_{ord(m[0]):x}_", part)
                              for part in key)


def heading(item: ArchivedItem) -> str:
    """What names an item in a list: its title, else its first line, else its first file."""
    text = item.original()
    line = (text.title or "").strip() or next(
        (line.strip() for line in text.body.splitlines() if line.strip()), "")
    line = line or (item.files[0] if item.files else f"({item.kind.value})")
    if len(line) > HEADING_CHARACTERS:
        return line[:HEADING_CHARACTERS - 1].rstrip() + "…"
    return line


def language_name(code: str) -> str:
    """A language's English name, from its code."""
    if not code:
        return "language unknown"
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name("en")
    except (UnknownLocaleError, ValueError):
        return code
    return name or code


def web_address(url: str | None) -> str | None:
    """`url` if a browser may follow it (http or https), else None: an address a platform
    gave is linked only when it is a web page."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def described(filters: Filters) -> list[str]:
    """The filters of an export, as its index states them."""
    parts = [f"{name}: {', '.join(sorted(values))}" for name, values in (
        ("platforms", filters.platforms), ("endpoints", filters.endpoints),
        ("authors", filters.authors), ("languages", filters.languages),
        ("kinds", {kind.value for kind in filters.kinds})) if values]
    if filters.since is not None:
        parts.append(f"from {when(filters.since)}")
    if filters.until is not None:
        parts.append(f"before {when(filters.until)}")
    if filters.has_file is not None:
        parts.append("with files" if filters.has_file else "without files")
    return parts or ["everything the archive holds"]


def when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


# -- Markdown ------------------------------------------------------------------------------

_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>|~#&!])")
# What would start a list, a heading underline or a numbered item at the start of a line.
_MARKDOWN_LINE_START = re.compile(r"^(\d*)([-+=.)])")


def markdown_text(text: str) -> str:
    """`text` as Markdown that shows it as written: no emphasis, link, HTML or heading."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join("\\\n".join(_markdown_line(line) for line in paragraph.splitlines())
                       for paragraph in paragraphs)


def _markdown_line(line: str) -> str:
    line = _MARKDOWN_INLINE.sub(r"\\\1", line.strip())
    return _MARKDOWN_LINE_START.sub(r"\1\\\2", line)


def markdown_address(url: str) -> str:
    """A link's destination in Markdown, whatever characters the address holds."""
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A") + ">"


# -- files ---------------------------------------------------------------------------------


class _Pages:
    """Writes the pages of the formats chosen, and counts them."""

    def __init__(self, out: Path, formats: tuple[Format, ...]) -> None:
        self.out = out
        self.formats = tuple(f for f in formats if f in (Format.HTML, Format.MARKDOWN))
        self.written = 0
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
        self.templates.filters.update(md=markdown_text, md_address=markdown_address,
                                      when=when)
        if Format.HTML in formats:
            (out / "threads").mkdir()
        if Format.MARKDOWN in formats:
            (out / "markdown").mkdir()

    def thread(self, page: ThreadPage) -> None:
        if Format.HTML in self.formats:
            self._write(f"threads/{page.number}.html", "thread.html", page=page)
        if Format.MARKDOWN in self.formats:
            self._write(f"markdown/{page.number}.md", "thread.md", page=page)

    def index(self, threads: list[Summary], **values: Any) -> None:
        if Format.HTML in self.formats:
            self._write("index.html", "index.html", threads=threads, **values)
        if Format.MARKDOWN in self.formats:
            self._write("markdown/index.md", "index.md", threads=threads, **values)

    def _write(self, path: str, template: str, **values: Any) -> None:
        text = self.templates.get_template(template).render(**values)
        (self.out / path).write_text(text, encoding="utf-8")
        self.written += 1
