"""The text inside files: office files and a PDF as their programs saved them, hostile and
broken files, and the files that are never downloaded."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pypdf
import pytest

from hub.archive import documents
from hub.archive.documents import MAX_MEMBERS, MAX_TEXT_CHARS, MAX_UNZIPPED_BYTES, document_text
from hub.errors import TransientError
from hub.events import Attachment
from hub.files import LocalFile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "documents"
MAX_BYTES = 4 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODP = "application/vnd.oasis.opendocument.presentation"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@dataclass
class Drive:
    """A connector that only downloads: each file of `shelf` comes as a fresh temporary copy,
    as hub.files.fetch gives one."""

    shelf: Path
    downloads: Path
    connection: str = "lisbon-drive"
    failure: Exception | None = None
    asked: list[str] = field(default_factory=list)
    copies: list[Path] = field(default_factory=list)

    async def download(self, attachment: Attachment) -> LocalFile:
        self.asked.append(attachment.name)
        if self.failure is not None:
            raise self.failure
        copy = self.downloads / f"download-{len(self.asked)}"
        shutil.copyfile(self.shelf / attachment.name, copy)
        self.copies.append(copy)
        return LocalFile(copy, attachment.name, attachment.mime_type, copy.stat().st_size)


@pytest.fixture
def drive(tmp_path: Path) -> Drive:
    (tmp_path / "shelf").mkdir()
    (tmp_path / "downloads").mkdir()
    return Drive(tmp_path / "shelf", tmp_path / "downloads")


@pytest.fixture
def shelved(drive: Drive) -> Drive:
    """The drive, holding the fixture files too."""
    for fixture in FIXTURES.iterdir():
        shutil.copyfile(fixture, drive.shelf / fixture.name)
    return drive


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger=documents.__name__)
    return caplog


async def text_of(drive: Drive, name: str, mime_type: str = "application/octet-stream",
                  size: int | None = None) -> str:
    attachment = Attachment(name=name, mime_type=mime_type, size=size, url="https://drive.test/f")
    return await document_text(drive, attachment, MAX_BYTES)


def zipped(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def word(body: str) -> dict[str, str | bytes]:
    return {"word/document.xml": f"<w:document {W}><w:body>{body}</w:body></w:document>"}


def warnings_of(logged: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in logged.records
            if record.name == documents.__name__ and record.levelno == logging.WARNING]


@pytest.mark.parametrize(("name", "mime_type", "text"), [
    ("report.pdf", "application/pdf",
     "Quarterly report: solar pumps in Sévaré\nRainfall was lower than forecast."),
    ("par-hyperlinks.docx", DOCX,
     "No hyperlinks\nOne awesome hyperlink.\n"
     "Three hyperlinks: the first one here, the second one, and the third."),
    ("txt-text.pptx", PPTX, "Foo Bar Baz Zoo 1\nyahoo.com\nabc\na b c\nText run in table cell"),
    ("merged_cells.xlsx", XLSX, "Foo\nBar\nBaz\nBoo"),
    ("serious_poem.odt", ODT,
     "The boy stood on the burning deck, Whence all but him had fled. The flames that lit the "
     "battle's wreck, Shone o'er him, round the dead."),
    ("ol.odp", ODP, "OL\nEins\nTsvey\nDray\nFir\nFinf\nZeks\nZibn\nAkht\nNayn\nTsen\nElf\n"
     "Tsvelf\nDraytsn\nfertsn"),
])
async def test_the_words_of_files_as_their_programs_saved_them(
        shelved: Drive, name: str, mime_type: str, text: str) -> None:
    assert await text_of(shelved, name, mime_type) == text


async def test_the_kind_comes_from_the_name_when_the_mime_type_says_nothing(
        shelved: Drive) -> None:
    assert await text_of(shelved, "par-hyperlinks.docx", "application/octet-stream")
    shutil.copyfile(shelved.shelf / "report.pdf", shelved.shelf / "scan")
    assert "Sévaré" in await text_of(shelved, "scan", "application/pdf; name=scan")


async def test_only_the_words_of_a_document_count(drive: Drive) -> None:
    zipped(drive.shelf / "letter.docx", word(
        "<w:p><w:r><w:t>Dear</w:t></w:r><w:r><w:tab/><w:t>Ana,</w:t></w:r></w:p>"
        '<w:p><w:r><w:instrText>HYPERLINK "https://example.org"</w:instrText></w:r>'
        "<w:r><w:t xml:space=\"preserve\">the pumps &amp; the </w:t></w:r>"
        "<w:r><w:t>wells</w:t></w:r></w:p><w:p/>"))
    assert await text_of(drive, "letter.docx", DOCX) == "Dear Ana,\nthe pumps & the wells"


async def test_a_spreadsheet_s_cells_are_paragraphs(drive: Drive) -> None:
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    zipped(drive.shelf / "budget.ods", {"mimetype": ODS, "content.xml": (
        f'<office:document-content xmlns:office="{office}" xmlns:table="{table}" '
        f'xmlns:text="{text}"><office:body><office:spreadsheet><table:table><table:table-row>'
        "<table:table-cell><text:p>Pompes solaires</text:p></table:table-cell>"
        "<table:table-cell><text:p>1200</text:p></table:table-cell>"
        "</table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>")})
    assert await text_of(drive, "budget.ods", ODS) == "Pompes solaires\n1200"


@pytest.mark.parametrize(("data", "text"), [
    (b"caf\xc3\xa9 \xff ok", "café \ufffd ok"),
    (b"\xef\xbb\xbfnotes", "notes"),
])
async def test_plain_text_is_read_as_utf_8(drive: Drive, data: bytes, text: str) -> None:
    (drive.shelf / "notes.md").write_bytes(data)
    assert await text_of(drive, "notes.md", "text/markdown") == text


async def test_the_text_is_cut_at_its_cap(drive: Drive) -> None:
    (drive.shelf / "log.txt").write_text("word " * MAX_TEXT_CHARS)
    assert len(await text_of(drive, "log.txt", "text/plain")) == MAX_TEXT_CHARS


async def test_a_file_of_another_kind_is_not_downloaded(drive: Drive) -> None:
    assert await text_of(drive, "photo.png", "image/png") == ""
    assert await text_of(drive, "archive.zip", "application/zip") == ""
    assert drive.asked == []


async def test_a_file_over_the_cap_is_not_downloaded(shelved: Drive) -> None:
    assert await text_of(shelved, "report.pdf", "application/pdf", size=MAX_BYTES + 1) == ""
    assert shelved.asked == []
    assert await text_of(shelved, "report.pdf", "application/pdf", size=MAX_BYTES) != ""


async def test_a_download_larger_than_it_said_is_not_read(drive: Drive) -> None:
    (drive.shelf / "log.txt").write_bytes(b"x" * (MAX_BYTES + 1))
    assert await text_of(drive, "log.txt", "text/plain", size=10) == ""
    assert drive.asked == ["log.txt"]


@pytest.mark.parametrize("failure", [
    TransientError("503 from the platform", connection="lisbon-drive"),
    httpx.ConnectError("connection refused"),
])
async def test_a_failed_download_gives_no_text_and_a_warning(
        shelved: Drive, logged: pytest.LogCaptureFixture, failure: Exception) -> None:
    shelved.failure = failure
    assert await text_of(shelved, "report.pdf", "application/pdf") == ""
    [warning] = warnings_of(logged)
    assert '"report.pdf"' in warning
    assert "lisbon-drive" in warning
    assert str(failure) in warning


@pytest.mark.parametrize("name", ["report.pdf", "broken.pdf"])
async def test_the_downloaded_file_is_deleted(shelved: Drive, name: str) -> None:
    (shelved.shelf / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is no PDF\n")
    await text_of(shelved, name, "application/pdf")
    [copy] = shelved.copies
    assert not copy.exists()


def _half_a_docx(shelf: Path) -> None:
    whole = (FIXTURES / "par-hyperlinks.docx").read_bytes()
    (shelf / "file.docx").write_bytes(whole[: len(whole) // 2])


@pytest.mark.parametrize(("name", "make"), [
    ("file.pdf", lambda shelf: (shelf / "file.pdf").write_bytes(b"%PDF-1.4\nthis is no PDF\n")),
    ("file.docx", _half_a_docx),
    ("file.odt", lambda shelf: (shelf / "file.odt").write_bytes(b"not a zip at all")),
    ("file.docx", lambda shelf: zipped(shelf / "file.docx", word("<w:p><w:r><w:t>unclosed"))),
])
async def test_a_broken_file_gives_no_text_and_a_warning(
        drive: Drive, logged: pytest.LogCaptureFixture, name: str,
        make: Callable[[Path], object]) -> None:
    make(drive.shelf)
    assert await text_of(drive, name) == ""
    [warning] = warnings_of(logged)
    assert f'"{name}"' in warning


async def test_a_zip_bomb_is_refused(drive: Drive, logged: pytest.LogCaptureFixture) -> None:
    megabyte = b" " * (1024 * 1024)
    with (zipfile.ZipFile(drive.shelf / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as archive,
          archive.open("word/document.xml", "w") as member):
        for _ in range(MAX_UNZIPPED_BYTES // len(megabyte) + 1):
            member.write(megabyte)
    assert (drive.shelf / "bomb.docx").stat().st_size < MAX_BYTES
    assert await text_of(drive, "bomb.docx", DOCX) == ""
    [warning] = warnings_of(logged)
    assert f"would unzip to {MAX_UNZIPPED_BYTES + len(megabyte)} bytes" in warning


async def test_a_zip_of_too_many_members_is_refused(
        drive: Drive, logged: pytest.LogCaptureFixture) -> None:
    members = word("<w:p><w:r><w:t>hello</w:t></w:r></w:p>")
    members.update({f"word/media/{n}.bin": b"" for n in range(MAX_MEMBERS)})
    assert zipped(drive.shelf / "many.docx", members).stat().st_size < MAX_BYTES
    assert await text_of(drive, "many.docx", DOCX) == ""
    [warning] = warnings_of(logged)
    assert f"{MAX_MEMBERS + 1} entries" in warning


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
          .replace("&lol0;", "&lol;")
          + f']><w:document {W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>'
          "</w:document>")
OUTSIDE = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY secret SYSTEM '
           f'"file:///etc/hostname">]><w:document {W}><w:body><w:p><w:r><w:t>&secret;</w:t>'
           "</w:r></w:p></w:body></w:document>")


@pytest.mark.parametrize("xml", [LAUGHS, OUTSIDE], ids=["billion-laughs", "external-entity"])
async def test_xml_with_a_doctype_is_refused(
        drive: Drive, logged: pytest.LogCaptureFixture, xml: str) -> None:
    zipped(drive.shelf / "entities.docx", {"word/document.xml": xml})
    assert await text_of(drive, "entities.docx", DOCX) == ""
    [warning] = warnings_of(logged)
    assert "DOCTYPE" in warning


def _encrypted_report(shelf: Path, password: str) -> None:
    writer = pypdf.PdfWriter(clone_from=FIXTURES / "report.pdf")
    writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    with (shelf / "locked.pdf").open("wb") as file:
        writer.write(file)


async def test_a_pdf_encrypted_without_a_password_is_read(drive: Drive) -> None:
    _encrypted_report(drive.shelf, password="")
    assert "Sévaré" in await text_of(drive, "locked.pdf", "application/pdf")


async def test_a_pdf_locked_with_a_password_gives_no_text_and_a_warning(
        drive: Drive, logged: pytest.LogCaptureFixture) -> None:
    _encrypted_report(drive.shelf, password="secret")
    assert await text_of(drive, "locked.pdf", "application/pdf") == ""
    [warning] = warnings_of(logged)
    assert "password" in warning


@pytest.fixture
def without_pypdf(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(sys.modules, "pypdf", None)  # `import pypdf` raises ImportError
    documents._pypdf_installed.cache_clear()
    yield
    documents._pypdf_installed.cache_clear()


@pytest.mark.usefixtures("without_pypdf")
async def test_without_pypdf_pdfs_are_not_downloaded_and_that_is_said_once(
        shelved: Drive, logged: pytest.LogCaptureFixture) -> None:
    assert await text_of(shelved, "report.pdf", "application/pdf") == ""
    assert await text_of(shelved, "report.pdf", "application/pdf") == ""
    assert shelved.asked == []
    said = [record for record in logged.records if "pypdf" in record.getMessage()]
    assert [record.levelno for record in said] == [logging.INFO]
    assert await text_of(shelved, "par-hyperlinks.docx", DOCX) != ""


def test_the_pdf_recipe_in_the_readme_makes_the_fixture() -> None:
    readme = (FIXTURES / "README.md").read_text()
    recipe = readme.split("```python\n", 1)[1].split("```", 1)[0]
    made = subprocess.run([sys.executable, "-c", recipe],  # noqa: S603 - the README's own recipe
                          capture_output=True, check=True)
    assert made.stdout == (FIXTURES / "report.pdf").read_bytes()
