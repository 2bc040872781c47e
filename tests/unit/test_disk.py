"""A full disk and a read-only library: a Chinese message per file, no orphaned originals, the library as it was, and
every read command still working (opening a current library writes nothing)."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from eval.paths import corpus_dir
from index.errors import LibraryError, ReadOnlyLibrary
from index.library import Library, sample_path
from index.search.hybrid import SearchIndex
from index.store import db, fsutil
from qa.ask import Agent
from qa.cli import app

DOCS = [corpus_dir() / "docs" / f"{n:03d}.txt" for n in (1, 5, 9, 13)]
READ_COMMANDS = (
    ["docs"],
    ["facts", "--metric", "公务接待费"],
    ["search", "公务接待费"],
    ["ask", "公务接待费是多少？"],
    ["check", "--index", "--report-only"],
    ["check"],
)


def snapshot(home: Path) -> tuple[dict[str, int], list[str]]:
    """Row counts of every table (read without writing) and the stored originals."""
    conn = db.connect_readonly(home / "facts.sqlite")
    try:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "facts", "chunks")}
        ids = [r[0] for r in conn.execute("SELECT doc_id FROM documents")]
    finally:
        conn.close()
    files = sorted(p.name for p in (home / "files").iterdir())
    assert sorted(f[:16] for f in files) == sorted(ids), "every original has its document and every document its file"
    return counts, files


def disk_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


def sqlite_error(message: str, code: int) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest([sample_path()])
    return lib


def run_cli(home: Path, *args: str) -> Any:
    return CliRunner().invoke(
        app, [*args, "--library", str(home)], env={"BUDGETQA_EMBEDDING": "hash", "COLUMNS": "400"}
    )


# ---- injected errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"), [(errno.ENOSPC, "磁盘空间不足"), (errno.EROFS, "只读"), (errno.EACCES, "权限")]
)
def test_an_original_that_cannot_be_written_fails_its_file_alone(
    lib: Library, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    before = snapshot(lib.home)
    real = fsutil.atomic_write_bytes

    def refuse(path: Path, data: bytes) -> None:
        if path.parent.name == "files":
            raise disk_error(code)
        real(path, data)

    monkeypatch.setattr("index.store.sqlite.atomic_write_bytes", refuse)
    results = lib.ingest(DOCS[:2])
    assert [r.ok for r in results] == [False, False]
    for r in results:
        assert words in r.message and "资料库保持原样" in r.message and "Errno" not in r.message
    assert snapshot(lib.home) == before


class FailingCommit:
    """The library's connection, except that COMMIT fails as on a full disk after SQLite rolled back by itself."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            self._conn.execute("ROLLBACK")
            raise sqlite_error("database or disk is full", 13)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_a_commit_refused_by_a_full_disk_takes_the_written_original_with_it(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(lib.home)
    monkeypatch.setattr(lib.records, "conn", FailingCommit(lib.records.conn))  # type: ignore[attr-defined]
    result = lib.ingest([DOCS[0]])[0]
    assert not result.ok and "磁盘空间不足" in result.message
    monkeypatch.undo()
    assert snapshot(lib.home) == before


def test_originals_a_crash_left_without_facts_are_swept_at_the_next_ingest(lib: Library) -> None:
    files = lib.home / "files"
    (files / "0123456789abcdef.txt").write_bytes(b"orphan")
    (files / ".0123456789abcdef.txt.k2j3h4.tmp").write_bytes(b"half")
    (files / "notes.md").write_text("not ours", "utf-8")
    lib.ingest([sample_path()])  # skipped, but the sweep runs under the write lock
    assert sorted(p.name for p in files.iterdir()) == ["66e2107bb8034961.txt", "notes.md"]


def test_an_index_the_disk_refuses_leaves_the_added_files_looked_up_and_the_old_index_searchable(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: SearchIndex, *args: Any, **kwargs: Any) -> bool:
        raise disk_error(errno.ENOSPC)

    monkeypatch.setattr(SearchIndex, "sync", full)
    results = lib.ingest([DOCS[0]])
    assert results[0].ok and any("检索索引没有更新" in w and "磁盘空间不足" in w for w in results[0].warnings)
    assert lib.facts(doc_id=results[0].doc_id)
    assert lib.search_index().search("公务接待费", 3)  # the sample, from the index on disk; no exception
    monkeypatch.undo()
    assert not lib.index_status().current
    lib.sync_index()
    assert lib.index_status().current


def test_a_library_whose_database_cannot_open_for_writing_opens_read_only(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = lib.home
    lib.close()

    def shm_refused(path: Path) -> sqlite3.Connection:
        raise sqlite_error("disk I/O error", 4874)  # SQLITE_IOERR_SHMSIZE: no room for the WAL index

    monkeypatch.setattr(db, "connect", shm_refused)
    monkeypatch.setattr(fsutil.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 0))  # type: ignore[attr-defined]
    ro = Library(home, embedding="hash")
    assert ro.read_only is not None and "磁盘空间不足" in ro.read_only
    assert ro.count_documents() == 1 and ro.facts(metric="公务接待费")
    assert ro.search_index().search("公务接待费", 3)
    assert Agent(ro).ask("公务接待费是多少？").value is not None
    with pytest.raises(ReadOnlyLibrary, match=r"磁盘空间不足.*腾出磁盘空间"):
        ro.ingest(DOCS[:1])
    with pytest.raises(ReadOnlyLibrary):
        ro.remove(ro.documents()[0]["doc_id"])


def test_a_log_with_unmerged_commits_is_never_read_around(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """immutable=1 ignores the write-ahead log: over commits still in it, refuse with a reason instead."""
    home = lib.home
    writer = sqlite3.connect(home / "facts.sqlite")  # stays open: its commit stays in the log
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO meta VALUES ('probe', '1')")
    writer.commit()
    lib.close()
    assert (home / "facts.sqlite-wal").stat().st_size > 0
    real = sqlite3.connect

    def no_shared_memory(target: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if "mode=ro" in str(target):
            raise sqlite_error("unable to open database file", 14)
        return real(target, *args, **kwargs)

    def shm_refused(path: Path) -> sqlite3.Connection:
        raise sqlite_error("disk I/O error", 4874)

    monkeypatch.setattr(db, "connect", shm_refused)
    monkeypatch.setattr(db.sqlite3, "connect", no_shared_memory)
    monkeypatch.setattr(fsutil.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 0))  # type: ignore[attr-defined]
    try:
        with pytest.raises(LibraryError, match="写入日志"):
            Library(home, embedding="hash")
    finally:
        writer.close()


def test_opening_a_current_library_writes_nothing(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    home = lib.home
    lib.close()
    statements: list[str] = []
    real = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(db.sqlite3, "connect", traced)
    again = Library(home, embedding="hash")
    again.documents()
    writes = [s for s in statements if s.split()[0].upper() in ("CREATE", "INSERT", "UPDATE", "DELETE", "BEGIN")]
    assert writes == [] and not any("journal_mode=" in s for s in statements)
    assert again.read_only is None


# ---- a real small disk ---------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs (needs root and mount permission; skipped otherwise)."""
    where = tmp_path / "disk"
    where.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)], capture_output=True)
    except OSError as exc:
        pytest.skip(f"mount 不可用：{exc}")
    if done.returncode:
        pytest.skip(f"不允许挂载 tmpfs：{done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill `disk` until `leave` bytes are free."""
    free = shutil.disk_usage(disk).free
    with (disk / "filler").open("ab") as fh:
        fh.write(b"\0" * max(0, free - leave))


def remount(disk: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True, capture_output=True)


def test_ingest_on_a_nearly_full_disk_then_read_it_full(small_disk: Path, tmp_path: Path) -> None:
    home = small_disk / "lib"
    lib = Library(home, embedding="hash")
    lib.ingest([sample_path()])
    folder = tmp_path / "many"
    folder.mkdir()
    for i, doc in enumerate(sorted((corpus_dir() / "docs").glob("*.txt"))[:40]):
        (folder / f"{i:02d}_{doc.name}").write_bytes(doc.read_bytes())
    fill(small_disk, 600 * 1024)
    results = lib.ingest([folder])
    assert len(results) == 40
    failed = [r for r in results if not r.ok]
    assert failed, "the disk is meant to fill up during this ingest"
    for r in failed:
        assert "磁盘空间不足" in r.message and "Error" not in r.message
    snapshot(home)  # no orphan either way
    lib.close()
    fill(small_disk, 0)
    for args in READ_COMMANDS:
        done = run_cli(home, *args)
        assert done.exit_code in (0, 1), (args, done.output, done.exception)  # 1: check --index found it behind
    done = run_cli(home, "ingest", str(corpus_dir() / "docs" / "050.txt"))  # not among the 40
    # read-only when SQLite had no room for its WAL index, else a failure of the one file
    said = done.output + str(done.exception)
    assert "磁盘空间不足" in said and done.exit_code != 0 and "Traceback" not in done.output
    (small_disk / "filler").unlink()
    lib = Library(home, embedding="hash")
    assert lib.read_only is None
    lib.sync_index()
    assert lib.index_status().current


def test_a_read_only_library_answers_and_refuses_writes_in_chinese(small_disk: Path) -> None:
    home = small_disk / "lib"
    lib = Library(home, embedding="hash")
    lib.ingest([sample_path(), DOCS[0]])
    lib.ingest([DOCS[1]], sync=False)  # the index behind: a read-only library answers from it as it is
    lib.close()
    remount(small_disk, "ro")
    try:
        for args in READ_COMMANDS:
            done = run_cli(home, *args)
            assert done.exit_code in (0, 1), (args, done.output, done.exception)
        assert "66e2107bb8" in run_cli(home, "docs").output
        for args in (["ingest", str(DOCS[2])], ["check", "--index"]):
            done = run_cli(home, *args)
            assert isinstance(done.exception, ReadOnlyLibrary) and "只读" in str(done.exception), args
        ro = Library(home, embedding="hash")
        answer = Agent(ro).ask("武昌区融媒体中心公务接待费是多少？")
        assert ro.read_only is not None and answer.value is not None and ro.search_index().search("经费", 3)
    finally:
        remount(small_disk, "rw")


def test_a_read_only_library_without_a_search_index_says_so(small_disk: Path) -> None:
    home = small_disk / "lib"
    lib = Library(home, embedding="hash")
    lib.ingest([sample_path()], sync=False)  # never searched: no index folder
    lib.close()
    shutil.rmtree(home / "index", ignore_errors=True)
    remount(small_disk, "ro")
    try:
        for args in (["docs"], ["facts", "--metric", "公务接待费"]):
            assert run_cli(home, *args).exit_code == 0, args
        done = run_cli(home, "search", "公务接待费")
        assert isinstance(done.exception, LibraryError) and "还没有检索索引" in str(done.exception)
        assert "只读" in str(done.exception)
        ro = Library(home, embedding="hash")
        assert Agent(ro).ask("公务接待费增长多少？").value is not None  # looked up, no index needed
    finally:
        remount(small_disk, "rw")
