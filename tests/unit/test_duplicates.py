"""The same disclosure in another file: another encoding, other line ends or spacing is recognised by its normalised
text and not stored twice; libraries made before the text key existed are migrated on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from index.library import Library
from index.read.normalize import normalize, text_key
from index.store.db import SCHEMA_VERSION

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    return Library(tmp_path / "lib", embedding="hash")


def utf8_text() -> str:
    return (DATA / "sangong_utf8_bom.txt").read_bytes().decode("utf-8-sig")


def test_text_key_ignores_line_ends_and_spacing() -> None:
    text = utf8_text()
    respaced = "\r\n".join("  " + line.replace("，", "， ") + "\t" for line in text.split("\n")) + "\r\n\r\n"
    assert text_key(normalize(respaced).text) == text_key(normalize(text).text)
    assert text_key(normalize(text.replace("11.4", "11.5")).text) != text_key(normalize(text).text)


def test_another_encoding_is_the_same_document(lib: Library) -> None:
    first, second = lib.ingest([DATA / "sangong_gb18030.txt", DATA / "sangong_utf8_bom.txt"])
    assert first.ok and not first.skipped
    assert second.ok and second.skipped and second.doc_id == first.doc_id
    assert second.same_as == "sangong_gb18030.txt"
    assert second.message.startswith("已在资料库中（与《sangong_gb18030.txt》内容相同）")
    assert lib.count_documents() == 1


def test_other_line_ends_and_spacing_are_the_same_document(lib: Library, tmp_path: Path) -> None:
    assert lib.ingest([DATA / "sangong_utf8_bom.txt"])[0].ok
    variant = tmp_path / "另存为.txt"
    lines = utf8_text().split("\n")
    variant.write_bytes(("\r\n".join(f"  {line}  " for line in lines) + "\r\n\r\n").encode("utf-16"))
    result = lib.ingest([variant])[0]
    assert result.skipped and "与《sangong_utf8_bom.txt》内容相同" in result.message
    changed = tmp_path / "改了一个数.txt"
    changed.write_text(utf8_text().replace("公务接待费 | 7.40", "公务接待费 | 7.50"), "utf-8")
    other = lib.ingest([changed])[0]
    assert other.ok and not other.skipped and lib.count_documents() == 2


def test_an_older_library_is_migrated_and_its_documents_compared(tmp_path: Path) -> None:
    home = tmp_path / "old"
    lib = Library(home, embedding="hash")
    assert lib.ingest([DATA / "sangong_gb18030.txt"])[0].ok
    lib.close()
    conn = sqlite3.connect(home / "facts.sqlite")  # back to the schema before text_key
    conn.executescript(
        "DROP INDEX documents_text_key; ALTER TABLE documents DROP COLUMN text_key;"
        " UPDATE meta SET value = '1' WHERE key = 'schema_version';"
    )
    conn.close()
    lib = Library(home, embedding="hash")
    assert lib.document_list()[0].source == "sangong_gb18030.txt"  # reads as before
    result = lib.ingest([DATA / "sangong_utf8_bom.txt"])[0]
    assert result.skipped and result.same_as == "sangong_gb18030.txt"
    rows = lib.records.documents()
    assert len(rows) == 1
    conn = sqlite3.connect(home / "facts.sqlite")
    try:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
        assert conn.execute("SELECT count(*) FROM documents WHERE text_key IS NULL").fetchone()[0] == 0
    finally:
        conn.close()
    lib.close()
