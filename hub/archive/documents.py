"""The text inside an item's files, for the archive's index.

A file is always found by its name; its words are searchable too when it is one of:

- PDF, read with pypdf, an optional dependency (`pip install 'passerelle[documents]'`). pypdf
  is pure Python with no dependency of its own (nothing to compile, no system library to keep
  patched), BSD-licensed, maintained by the py-pdf organisation with frequent releases that
  harden it against malformed files, and reads a PDF's text layer, which is all an index
  needs. Without it, PDFs are found by their names only.
- Office documents: .docx, .pptx and .xlsx (Office Open XML) and .odt, .odp and .ods
  (OpenDocument), read with the standard library alone: each is a zip of XML that keeps its
  words in a few well-known elements, so a library would add a dependency and nothing else.
- Plain text (.txt, .md, .csv), as UTF-8.

Files come from anyone in a connected channel, so each is read as hostile. A zip whose members
would unzip to more than MAX_UNZIPPED_BYTES, or that lists more than MAX_MEMBERS entries, is
refused before anything is inflated (a zip bomb). XML declaring a DOCTYPE is refused, so no
entity, internal ("billion laughs") or external, is ever expanded; expat, the parser under
xml.etree, is driven directly to see that declaration and to be fed a member piece by piece. A
PDF is read for at most MAX_PDF_PAGES pages (pypdf itself caps what one of its streams may
inflate to), and every text is cut at MAX_TEXT_CHARS. A file that cannot be downloaded or read
gives "" and a warning naming it: nothing here stops the indexer.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Protocol
from xml.parsers import expat

import httpx

from hub.errors import HubError
from hub.events import Attachment
from hub.files import LocalFile

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 200_000
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_PDF_PAGES = 2_000
CHUNK = 64 * 1024


class Downloads(Protocol):
    """What document_text needs of a connector (hub.connector.Connector has it)."""

    connection: str

    async def download(self, attachment: Attachment) -> LocalFile: ...


class Refused(Exception):
    """A file this module will not read, and why (a zip bomb, a DOCTYPE, a password)."""


async def document_text(connector: Downloads, attachment: Attachment, max_bytes: int) -> str:
    """The text inside `attachment`, downloaded through `connector`, or "" where it holds none
    the archive can read.

    Only files of a kind this module reads are downloaded, and none whose known size is over
    `max_bytes`. The downloaded file is deleted once read. A download that fails (a HubError
    from the connector, an httpx error) or a file that cannot be read is logged as a warning
    and gives "": the item stays findable by the file's name.
    """
    read = _reader(_kind(attachment))
    if read is None:
        return ""
    where = f'file "{attachment.name}" of connection "{connector.connection}"'
    if attachment.size is not None and _too_large(where, attachment.size, max_bytes):
        return ""
    try:
        local = await connector.download(attachment)
    except (HubError, httpx.HTTPError) as exc:
        log.warning("%s: not downloaded for the archive (%s); found by its name only", where, exc)
        return ""
    try:
        if _too_large(where, local.size, max_bytes):  # the platform said less, or nothing
            return ""
        return await asyncio.to_thread(_read_or_warn, read, local.path, where)
    finally:
        local.path.unlink(missing_ok=True)


def _too_large(where: str, size: int, max_bytes: int) -> bool:
    if size <= max_bytes:
        return False
    log.debug("%s: %d bytes, over the %d the archive reads; found by its name only",
              where, size, max_bytes)
    return True


def _read_or_warn(read: Callable[[Path], str], path: Path, where: str) -> str:
    try:
        return read(path)[:MAX_TEXT_CHARS]
    except Exception as exc:  # a malformed file can break a parser anywhere; indexing goes on
        log.warning("%s: its text is not indexed, found by its name only (%s: %s)",
                    where, type(exc).__name__, exc)
        return ""


_KIND_OF_MIME_TYPE = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/csv": ".csv",
}


def _kind(attachment: Attachment) -> str:
    """The kind of a file, as its usual suffix: from its mime type where that names a kind read
    here, else from its name (platforms often say only application/octet-stream)."""
    mime_type = attachment.mime_type.partition(";")[0].strip().lower()
    return _KIND_OF_MIME_TYPE.get(mime_type) or PurePath(attachment.name).suffix.lower()


def _reader(kind: str) -> Callable[[Path], str] | None:
    if kind == ".pdf":
        return _pdf_text if _pypdf_installed() else None
    if kind in _ZIPPED:
        return functools.partial(_zipped_text, _ZIPPED[kind])
    if kind in {".txt", ".md", ".csv"}:
        return _plain_text
    return None


# --- plain text and PDF -------------------------------------------------------------------


def _plain_text(path: Path) -> str:
    with path.open("rb") as file:
        # UTF-8 spends at most 4 bytes on a character: enough for the cap, and no more is read.
        return file.read(MAX_TEXT_CHARS * 4).decode("utf-8-sig", errors="replace")


@functools.cache
def _pypdf_installed() -> bool:
    # Asked once per process, so the missing library is logged once, not for every PDF.
    try:
        import pypdf  # noqa: F401
    except ImportError:
        log.info("pypdf is not installed: PDF files are found by their names only "
                 "(pip install 'passerelle[documents]' makes their text searchable)")
        return False
    return True


def _pdf_text(path: Path) -> str:
    import pypdf

    reader = pypdf.PdfReader(path)
    # Many PDFs are encrypted with an empty password only to forbid printing or copying.
    if reader.is_encrypted and not reader.decrypt(""):
        raise Refused("it is locked with a password")
    pages: list[str] = []
    length = 0
    for page in itertools.islice(reader.pages, MAX_PDF_PAGES):
        pages.append(page.extract_text())
        length += len(pages[-1])
        if length >= MAX_TEXT_CHARS:
            break
    return "\n".join(pages)


# --- office documents: zips of XML --------------------------------------------------------


def _tag(namespace: str, name: str) -> str:
    """An element's name as expat reports it with namespace_separator=" "."""
    return f"{namespace} {name}"


@dataclass(frozen=True)
class OfficeFormat:
    """Where an office format keeps its words: the zip members (`members` matches their whole
    names; its first group, if any, numbers them in reading order), and in their XML the
    elements whose character data counts (`words`), that end a paragraph (`breaks`), and that
    stand for a space (`gaps`: tabs, line breaks)."""

    members: re.Pattern[str]
    words: frozenset[str]
    breaks: frozenset[str]
    gaps: frozenset[str] = frozenset()

    def chosen(self, entries: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
        found = [(match, entry) for entry in entries
                 if (match := self.members.fullmatch(entry.filename))]
        found.sort(key=lambda pair: int(pair[0].group(1)) if pair[0].groups() else 0)
        return [entry for _, entry in found]


_WORDPROCESSING = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
_SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OPEN_DOCUMENT = OfficeFormat(
    members=re.compile(r"content\.xml"),
    words=frozenset({_tag(_ODF_TEXT, "p"), _tag(_ODF_TEXT, "h")}),
    breaks=frozenset({_tag(_ODF_TEXT, "p"), _tag(_ODF_TEXT, "h")}),
    gaps=frozenset(_tag(_ODF_TEXT, name) for name in ("s", "tab", "line-break")),
)
_ZIPPED = {
    ".docx": OfficeFormat(
        members=re.compile(r"word/document\.xml"),
        words=frozenset({_tag(_WORDPROCESSING, "t")}),
        breaks=frozenset({_tag(_WORDPROCESSING, "p")}),
        gaps=frozenset({_tag(_WORDPROCESSING, "tab"), _tag(_WORDPROCESSING, "br")}),
    ),
    ".pptx": OfficeFormat(
        members=re.compile(r"ppt/slides/slide(\d+)\.xml"),
        words=frozenset({_tag(_DRAWING, "t")}),
        breaks=frozenset({_tag(_DRAWING, "p")}),
        gaps=frozenset({_tag(_DRAWING, "br")}),
    ),
    # A sheet's cells hold numbers and indexes into the shared strings, where its words are.
    ".xlsx": OfficeFormat(
        members=re.compile(r"xl/sharedStrings\.xml"),
        words=frozenset({_tag(_SPREADSHEET, "t")}),
        breaks=frozenset({_tag(_SPREADSHEET, "si")}),
    ),
    ".odt": _OPEN_DOCUMENT,
    ".odp": _OPEN_DOCUMENT,
    ".ods": _OPEN_DOCUMENT,
}


def _zipped_text(form: OfficeFormat, path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        if len(entries) > MAX_MEMBERS:
            raise Refused(f"its zip lists {len(entries)} entries, over {MAX_MEMBERS}")
        chosen = form.chosen(entries)
        # zipfile stops inflating a member at the size the zip declares for it, so the declared
        # sizes bound what reading can cost, and a bomb is refused before it goes off.
        declared = sum(entry.file_size for entry in chosen)
        if declared > MAX_UNZIPPED_BYTES:
            raise Refused(f"it would unzip to {declared} bytes, over {MAX_UNZIPPED_BYTES}")
        words = _Words(form)
        for entry in chosen:
            if words.full:
                break
            with archive.open(entry) as member:
                words.read(member)
    return words.text()


class _Words:
    """The words of a document's XML members, paragraph by paragraph."""

    def __init__(self, form: OfficeFormat) -> None:
        self.form = form
        self.paragraphs: list[str] = []
        self.paragraph: list[str] = []
        self.open_words = 0  # how many `words` elements enclose the parser's position
        self.length = 0

    @property
    def full(self) -> bool:
        return self.length >= MAX_TEXT_CHARS

    def read(self, member: IO[bytes]) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        while not self.full and (chunk := member.read(CHUNK)):
            parser.Parse(chunk, False)
        if not self.full:
            parser.Parse(b"", True)
        self._end_paragraph()

    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def _refuse_doctype(self, name: str, *_: object) -> None:
        # Office formats never declare one; a DOCTYPE is where entities that expand come from.
        raise Refused(f"its XML declares a DOCTYPE ({name})")

    def _start(self, name: str, attributes: object) -> None:
        if name in self.form.words:
            self.open_words += 1
        if name in self.form.gaps:
            self.paragraph.append(" ")

    def _end(self, name: str) -> None:
        if name in self.form.words:
            self.open_words -= 1
        if name in self.form.breaks:
            self._end_paragraph()

    def _characters(self, data: str) -> None:
        if self.open_words:
            self.paragraph.append(data)
            self.length += len(data)

    def _end_paragraph(self) -> None:
        # XML keeps indentation and line breaks inside a paragraph that mean nothing to a reader.
        line = " ".join("".join(self.paragraph).split())
        if line:
            self.paragraphs.append(line)
        self.paragraph = []
