"""The search index is derived from the fact table at a recorded generation, and repaired whenever it is behind."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.paths import corpus_dir
from index.library import Library, sample_path
from qa.cli import app

DOCS = [corpus_dir() / "docs" / f"{n:03d}.txt" for n in (1, 5, 9)]


def searchable_docs(lib: Library) -> set[str]:
    index = lib.search_index()
    return {d["doc_id"] for d in lib.documents() if index.search("经费", 1, doc_ids=[d["doc_id"]])}


def listed(lib: Library) -> set[str]:
    return {d["doc_id"] for d in lib.documents()}


@pytest.fixture
def behind(tmp_path: Path) -> Path:
    """A library whose facts were committed but whose index was never written (a crash between the two)."""
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest(DOCS, sync=False)
    lib.close()
    return tmp_path / "lib"


def test_generation_moves_with_each_added_or_removed_document(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    g0 = lib.records.generation()
    lib.ingest(DOCS[:2], sync=False)
    g1 = lib.records.generation()
    assert g1.store == g0.store and g1.number == g0.number + 2
    lib.ingest(DOCS[:2], sync=False)  # skipped: nothing changed
    assert lib.records.generation() == g1
    lib.remove(next(iter(listed(lib))))
    assert lib.records.generation().number == g1.number + 1
    other = Library(tmp_path / "other", embedding="hash")
    assert other.records.generation().store != g1.store  # another fact table never matches this index


def test_reingesting_skipped_files_repairs_an_index_left_behind(behind: Path) -> None:
    lib = Library(behind, embedding="hash")
    assert not lib.index_status().current
    results = lib.ingest(DOCS)
    assert all(r.skipped for r in results)
    assert lib.index_status().current and searchable_docs(lib) == listed(lib)


def test_the_first_search_after_opening_repairs(behind: Path) -> None:
    lib = Library(behind, embedding="hash")
    assert searchable_docs(lib) == listed(lib) and len(listed(lib)) == len(DOCS)
    assert lib.index_status().current


def test_a_lost_part_of_the_index_is_found_by_its_size_and_rebuilt(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest(DOCS)
    lib.close()
    (tmp_path / "lib" / "index" / "vectors.json").unlink()
    (tmp_path / "lib" / "index" / "vectors.faiss").unlink()
    again = Library(tmp_path / "lib", embedding="hash")
    status = again.index_status()
    assert status.built_at == status.generation and status.vectors == 0 and not status.current
    assert searchable_docs(again) == listed(again) and again.index_status().current


def test_a_running_library_sees_what_another_process_added(tmp_path: Path) -> None:
    server = Library(tmp_path / "lib", embedding="hash")
    server.ingest([DOCS[0]])
    assert len(searchable_docs(server)) == 1
    other = Library(tmp_path / "lib", embedding="hash")  # a CLI ingest next to the running server
    other.ingest(DOCS[1:])
    assert searchable_docs(server) == listed(server) and len(listed(server)) == len(DOCS)
    crashed = Library(tmp_path / "lib", embedding="hash")  # one that died before writing the index
    crashed.ingest([sample_path()], sync=False)
    assert searchable_docs(server) == listed(server) and len(listed(server)) == len(DOCS) + 1
    doc_id = next(d["doc_id"] for d in server.documents() if d["source"] == DOCS[0].name)
    other.remove(doc_id)
    assert doc_id not in {h.chunk.doc_id for h in server.search_index().search("经费", 50)}


def test_a_search_does_not_wait_for_another_writer(behind: Path) -> None:
    lib = Library(behind, embedding="hash")
    writer = Library(behind, embedding="hash")
    with writer._write_lock:  # an ingest in progress elsewhere: the search answers from the index as it is
        assert lib.search_index().search("经费", 3) == []
    assert lib.search_index().search("经费", 3)


def test_check_index_reports_then_repairs(behind: Path) -> None:
    runner = CliRunner()
    report = runner.invoke(app, ["check", "--index", "--report-only", "--library", str(behind)])
    assert report.exit_code == 1, report.output
    assert "没有记录版本" in report.output and "不一致" in report.output
    repaired = runner.invoke(app, ["check", "--index", "--library", str(behind), "--json"])
    assert repaired.exit_code == 0, repaired.output
    data = json.loads(repaired.output)
    assert data["repaired"] and not data["before"]["current"] and data["after"]["current"]
    assert data["after"]["table_chunks"] == data["after"]["vector_chunks"] == data["after"]["lexical_chunks"] > 0
    again = runner.invoke(app, ["check", "--index", "--library", str(behind)])
    assert again.exit_code == 0 and "一致。" in again.output


def test_a_replaced_fact_table_does_not_pass_for_the_old_one(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest(DOCS)
    lib.close()
    for path in (tmp_path / "lib").glob("facts.sqlite*"):
        path.unlink()
    shutil.rmtree(tmp_path / "lib" / "files")
    fresh = Library(tmp_path / "lib", embedding="hash")
    fresh.ingest([sample_path()], sync=False)
    assert {h.chunk.doc_id for h in fresh.search_index().search("经费", 50)} == listed(fresh)


def test_searches_while_another_library_ingests_never_fail(tmp_path: Path) -> None:
    server = Library(tmp_path / "lib", embedding="hash")
    server.ingest([DOCS[0]])
    writer = Library(tmp_path / "lib", embedding="hash")  # another process, as far as locks and files go
    more = [corpus_dir() / "docs" / f"{n:03d}.txt" for n in range(10, 22)]
    errors: list[BaseException] = []
    done = threading.Event()

    def ingest() -> None:
        try:
            for doc in more:
                writer.ingest([doc])
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=ingest)
    thread.start()
    searches = 0
    while not done.is_set():
        try:
            server.search_index().search("经费", 5)
            searches += 1
        except Exception as exc:
            errors.append(exc)
            break
    thread.join()
    assert not errors and searches > 0
    assert searchable_docs(server) == listed(server) and len(listed(server)) == 1 + len(more)
    assert server.index_status().current
