"""Big5 (traditional Chinese) text is read as Big5, never as GB18030 mojibake, and GB18030/UTF-8 texts are never read
as Big5; a PDF with only an owner password (permissions) opens and is read."""

from __future__ import annotations

from pathlib import Path

import pytest
import zhconv

from eval.paths import corpus_dir
from index.errors import UnreadableFile
from index.library import Library, sample_path
from index.read import files as read
from index.read.files import decode_text, read_bytes, read_file
from tests.pdfs import make_encrypted_pdf, make_owner_password_pdf

TEXTS = sorted((corpus_dir() / "docs").glob("*.txt"))


def big5(text: str) -> bytes:
    return zhconv.convert(text, "zh-hant").encode("cp950", errors="replace")


def test_big5_text_is_read_as_big5() -> None:
    doc = read_bytes(big5(sample_path().read_text("utf-8")), "融媒体中心.txt")
    assert "武昌區融媒體中心" in doc.text and doc.warnings == ()


@pytest.mark.parametrize("path", TEXTS[::7], ids=lambda p: p.name)
def test_big5_and_gb_readings_never_swap(path: Path) -> None:
    text = path.read_text("utf-8")
    assert decode_text(text.encode("gb18030")) == text
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(big5(text)) == zhconv.convert(text, "zh-hant").encode("cp950", errors="replace").decode("cp950")


def test_a_big5_disclosure_gives_the_same_figures(tmp_path: Path) -> None:
    original = tmp_path / "utf8.txt"
    original.write_bytes(sample_path().read_bytes())
    traditional = tmp_path / "big5.txt"
    traditional.write_bytes(big5(sample_path().read_text("utf-8")))
    lib = Library(tmp_path / "lib", embedding="hash")
    first, second = lib.ingest([original, traditional], sync=False)
    assert first.ok and second.ok, second.message
    values = {r.doc_id: [f.value for f in lib.facts(metric="公务接待费", doc_id=r.doc_id)] for r in (first, second)}
    assert values[first.doc_id] == values[second.doc_id] != []


def test_an_owner_password_pdf_is_simply_read(tmp_path: Path) -> None:
    for strength in (40, 128):
        doc = read_file(make_owner_password_pdf(tmp_path / f"权限{strength}.pdf", strength))
        assert "公务接待费0.6万元" in doc.text.replace(" ", "")
    result = Library(tmp_path / "lib", embedding="hash").ingest([tmp_path / "权限128.pdf"], sync=False)[0]
    assert result.ok and result.facts, result.message


def test_a_user_password_pdf_still_asks_for_the_password(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="需要密码"):
        read_file(make_encrypted_pdf(tmp_path / "加密.pdf"))


def test_glyphs_without_characters_are_said_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "_name_cid_orderings", lambda page: None)  # what an unrepaired font gives
    with pytest.raises(UnreadableFile, match="文字无法解码"):
        read_file(make_owner_password_pdf(tmp_path / "权限.pdf"))
