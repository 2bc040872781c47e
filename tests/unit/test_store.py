"""The library folder: idempotent, atomic ingest; bad files reported while the others go in; removal."""

from __future__ import annotations

import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from eval.paths import corpus_dir
from index.library import Library, sample_path
from index.store import db

CORPUS = corpus_dir()


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    return Library(tmp_path / "lib", embedding="hash")


def table_counts(home: Path) -> dict[str, int]:
    conn = sqlite3.connect(home / "facts.sqlite")
    try:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "sections", "chunks", "facts", "findings")
        }
    finally:
        conn.close()


def test_ingest_sample_then_again_is_a_no_op(lib: Library) -> None:
    first = lib.ingest([sample_path()])
    assert first[0].ok and not first[0].skipped and first[0].facts > 50
    before = table_counts(lib.home)
    second = lib.ingest([sample_path()])
    assert second[0].ok and second[0].skipped
    assert table_counts(lib.home) == before
    doc = lib.documents()[0]
    assert doc["org"].endswith("融媒体中心") and doc["year"] == 2023 and doc["kind"] == "预算"


def test_same_content_under_another_name_is_skipped(lib: Library, tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    shutil.copy(sample_path(), copy)
    results = lib.ingest([sample_path(), copy])
    assert [r.skipped for r in results] == [False, True]
    assert lib.count_documents() == 1


def test_failed_write_leaves_library_as_it_was(lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib.ingest([sample_path()])
    before = table_counts(lib.home)
    files_before = sorted(p.name for p in (lib.home / "files").iterdir())
    other = tmp_path / "other.txt"
    other.write_text(sample_path().read_text("utf-8").replace("757.53", "757.54"), "utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(db, "insert_findings", boom)
    result = lib.ingest([other])[0]
    assert not result.ok and "资料库保持原样" in result.message
    assert table_counts(lib.home) == before
    assert sorted(p.name for p in (lib.home / "files").iterdir()) == files_before


def test_bad_files_are_reported_and_good_ones_ingested(lib: Library, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4\n garbage \x00\x01\x02")
    prose = tmp_path / "novel.txt"
    prose.write_text("春天来了，小河里的冰融化了，孩子们在河边放风筝，笑声传得很远。" * 20, "utf-8")
    results = lib.ingest([empty, junk, sample_path(), prose])
    by_name = {r.source: r for r in results}
    assert by_name[sample_path().name].ok
    for name in ("empty.txt", "junk.pdf", "novel.txt"):
        assert not by_name[name].ok
        assert name in by_name[name].message
    assert lib.count_documents() == 1


def test_remove_document(lib: Library) -> None:
    doc_id = lib.ingest([sample_path()])[0].doc_id
    assert doc_id is not None
    assert lib.remove(doc_id)
    assert table_counts(lib.home) == dict.fromkeys(("documents", "sections", "chunks", "facts", "findings"), 0)
    assert not any((lib.home / "files").iterdir())
    assert not lib.remove(doc_id)


def test_facts_round_trip_as_decimal(lib: Library) -> None:
    lib.ingest([sample_path()])
    facts = lib.facts(metric="公务接待费", year=2023)
    assert facts and all(isinstance(f.value, Decimal) for f in facts)
    assert Decimal("0.6") in {f.value for f in facts}


def test_a_metric_part_is_matched_literally(lib: Library) -> None:
    lib.ingest([sample_path()], sync=False)
    assert lib.facts(metric_like="接待")
    assert all("接待" in f.metric or "接待" in f.metric_raw for f in lib.facts(metric_like="接待"))
    for wildcard in ("%", "_", "%%", "接_费", "\\"):
        assert lib.facts(metric_like=wildcard) == [], wildcard


def test_a_cut_text_is_ingested_with_a_warning(lib: Library, tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    data = sample_path().read_bytes().rstrip() + "。合计".encode()
    path.write_bytes(data[:-2])
    [result] = lib.ingest([path], sync=False)
    assert result.ok and result.warnings and "不完整的字符" in result.message and result.facts > 50


def test_folder_ingest_of_the_shared_corpus(lib: Library) -> None:
    if not (CORPUS / "docs").is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    results = lib.ingest([CORPUS / "docs"])
    assert len(results) == len(list((CORPUS / "docs").glob("*.txt")))
    failed = [r for r in results if not r.ok]
    assert not failed, failed
    assert all(r.facts > 0 for r in results), [(r.source, r.facts) for r in results if r.facts == 0]


def test_embedding_choice_is_recorded(tmp_path: Path) -> None:
    Library(tmp_path / "l", embedding="hash")
    assert json.loads((tmp_path / "l" / "config.json").read_text("utf-8"))["embedding"] == "hash"
    assert Library(tmp_path / "l").embedding == "hash"


def test_store_urls_are_checked_with_clear_messages(tmp_path: Path) -> None:
    from index.errors import LibraryError

    with pytest.raises(LibraryError, match="不支持的存储地址") as bad:
        Library(tmp_path / "a", embedding="hash", store="mysql://root:secret@db/budget")
    assert "secret" not in str(bad.value)  # the password is never shown
    with pytest.raises(LibraryError, match="无法连接 PostgreSQL") as down:
        Library(tmp_path / "b", embedding="hash", store=f"postgresql://u:pw@/x?host={tmp_path}&port=1")
    assert "pw@" not in str(down.value)
