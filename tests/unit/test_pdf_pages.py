"""A PDF page that fails to extract is a per-page warning, in the ingest result and with the stored document (shown by
`budgetqa docs`), never a silent gap; a blank page is not a warning."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from index.errors import UnreadableFile
from index.library import Library
from index.read import files as read
from index.read.files import read_file
from index.store import db
from qa.cli import app
from tests.pdfs import DEFAULT_PAGES, FONT, PdfPage, _register_font, make_damaged_page_pdf, make_disclosure_pdf


def page_texts(doc: Any) -> list[str]:
    ends = [*doc.page_starts[1:], len(doc.text) + len(read.PAGE_SEP)]
    return [doc.text[s : e - len(read.PAGE_SEP)] for s, e in zip(doc.page_starts, ends, strict=True)]


def test_a_page_whose_extraction_raises_is_a_warning_and_the_others_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = read._page_text

    def broken_second(page: Any, number: int) -> Any:
        if number == 2:
            raise ValueError("bad content stream")
        return real(page, number)

    monkeypatch.setattr(read, "_page_text", broken_second)
    doc = read_file(make_disclosure_pdf(tmp_path / "三公.pdf"))
    assert len(doc.warnings) == 1 and "第 2 页已损坏" in doc.warnings[0]
    first, second, third = page_texts(doc)
    assert "三公" in first and second == "" and "名词解释" in third
    assert doc.page_at(doc.text.index("名词解释")) == 3  # page numbers stay right after the gap


def test_a_damaged_content_stream_is_a_warning_not_a_silent_gap(tmp_path: Path) -> None:
    doc = read_file(make_damaged_page_pdf(tmp_path / "损坏.pdf", page=2))
    assert len(doc.warnings) == 1 and "第 2 页已损坏" in doc.warnings[0]
    assert page_texts(doc)[1] == "" and "公务接待费" in page_texts(doc)[0]


def test_every_page_broken_is_a_corrupt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(page: Any, number: int) -> Any:
        raise ValueError("bad")

    monkeypatch.setattr(read, "_page_text", broken)
    with pytest.raises(UnreadableFile, match="每一页都已损坏"):
        read_file(make_disclosure_pdf(tmp_path / "全坏.pdf"))


def test_a_blank_page_is_no_warning(tmp_path: Path) -> None:
    pdf = make_disclosure_pdf(tmp_path / "空白页.pdf", [DEFAULT_PAGES[0], PdfPage(), DEFAULT_PAGES[1]])
    doc = read_file(pdf)
    assert doc.warnings == () and len(doc.page_starts) == 3


def test_an_image_only_page_among_text_pages_says_so(tmp_path: Path) -> None:
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    _register_font()
    path = tmp_path / "扫描页.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont(FONT, 12)
    c.drawString(72, 760, "2023年公务接待费预算0.6万元。")
    c.showPage()
    png = io.BytesIO()
    Image.new("L", (200, 100), 128).save(png, format="PNG")
    c.drawImage(ImageReader(io.BytesIO(png.getvalue())), 72, 500, 300, 150)
    c.showPage()
    c.save()
    doc = read_file(path)
    assert len(doc.warnings) == 1 and "第 2 页只有图片" in doc.warnings[0]


def test_the_warning_is_kept_with_the_document_and_listed_by_docs(tmp_path: Path) -> None:
    home = tmp_path / "lib"
    lib = Library(home, embedding="hash")
    result = lib.ingest([make_damaged_page_pdf(tmp_path / "三公经费.pdf", page=2)])[0]
    assert result.ok and any("第 2 页已损坏" in w for w in result.warnings)
    [doc] = lib.documents()
    assert doc["warnings"] == list(result.warnings)
    lib.close()
    shown = CliRunner().invoke(
        app, ["docs", "--library", str(home)], env={"BUDGETQA_EMBEDDING": "hash", "COLUMNS": "300"}
    )
    assert shown.exit_code == 0 and "注意：三公经费.pdf" in shown.output and "第 2 页已损坏" in shown.output


def test_a_version_1_library_is_migrated_and_still_read_when_it_cannot_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "lib"
    lib = Library(home, embedding="hash")
    lib.ingest([make_damaged_page_pdf(tmp_path / "a.pdf")], sync=False)
    lib.close()
    conn = sqlite3.connect(home / "facts.sqlite")
    conn.execute("ALTER TABLE documents DROP COLUMN warnings")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()

    def refused(path: Path) -> sqlite3.Connection:
        exc = sqlite3.OperationalError("attempt to write a readonly database")
        exc.sqlite_errorcode = 8  # type: ignore[attr-defined]
        raise exc

    with monkeypatch.context() as m:
        m.setattr(db, "connect", refused)
        old = Library(home, embedding="hash")
        assert old.read_only and [d["warnings"] for d in old.documents()] == [[]]
        old.close()
    again = Library(home, embedding="hash")
    assert again.read_only is None and [d["warnings"] for d in again.documents()] == [[]]
    assert db.schema_version(again.records.conn) == db.SCHEMA_VERSION  # type: ignore[attr-defined]
