"""The default `Records` backend: one SQLite file (WAL) in the library folder, originals in ``files/``.

A library that cannot be written (a read-only disk or folder, a disk too full for SQLite's shared-memory file) opens
read-only (`db.connect_readonly`): every read works, and a write raises `ReadOnlyLibrary` saying why.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from index.errors import LibraryError, ReadOnlyLibrary
from index.store import db
from index.store.fsutil import atomic_write_bytes, unwritable, write_problem
from index.store.records import Row, SQLRecords

_STORED = re.compile(r"(?:[0-9a-f]{16}(?:\.\w+)?|\.[0-9a-f]{16}(?:\.\w+)?\..+\.tmp)")  # originals and their temp files


class SQLiteRecords(SQLRecords):
    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.url = "sqlite"
        self.conn, self.read_only = self._open(self.home / "facts.sqlite")
        self._has_warnings = db.has_column(self.conn, "documents", "warnings")
        self._lock = threading.RLock()
        self._changes = 0  # commits through this object; see `version`
        self._written: list[Path] = []

    def _open(self, path: Path) -> tuple[sqlite3.Connection, str | None]:
        """The connection, and why the library cannot be written (None when it can)."""
        try:
            conn = db.connect(path)
        except sqlite3.Error as exc:
            reason = write_problem(exc, self.home)
            if reason is None or not path.exists():
                raise LibraryError(
                    f"无法打开资料库“{self.home}”：{reason or exc}。请用 --library 指定一个可写的文件夹。"
                ) from exc
            try:
                return db.connect_readonly(path), reason
            except sqlite3.Error as again:
                wal = path.with_name(path.name + "-wal")
                why = (
                    "它的写入日志（facts.sqlite-wal）里还有没合并的内容，只读打开会看不到"
                    if wal.exists() and wal.stat().st_size
                    else f"只读打开也失败了（{again}）"
                )
                raise LibraryError(
                    f"无法打开资料库“{self.home}”：{reason}，而{why}。请腾出磁盘空间或让资料库文件夹可写后重试。"
                ) from again
        return conn, unwritable(self.home) or unwritable(path)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def _warnings_column(self) -> str:
        return "d.warnings" if self._has_warnings else "'[]'"

    def _noindex(self, column: str) -> str:
        return f"+{column}"  # a unary + keeps a column's index out of SQLite's plan without changing the result

    def check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyLibrary(self.home, self.read_only)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self.check_writable()
        with self._lock:
            self._written = []
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:  # SQLite may already have rolled back (a full disk, an I/O error)
                    with suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                for path in self._written:  # the original written in this transaction goes with it
                    with suppress(OSError):
                        path.unlink(missing_ok=True)
                raise
            finally:
                self._written = []
            self._changes += 1

    def _store_original(self, cur: Any, doc_id: str, suffix: str, data: bytes) -> None:
        stored = self.home / "files" / f"{doc_id}{suffix}"
        self._written.append(stored)
        atomic_write_bytes(stored, data)

    def _drop_original(self, doc_id: str) -> None:
        for path in (self.home / "files").glob(f"{doc_id}.*"):
            path.unlink(missing_ok=True)
        (self.home / "files" / doc_id).unlink(missing_ok=True)

    def sweep_originals(self) -> list[str]:
        """Delete stored originals (and half-written temporary files) of no document: what a process killed between
        writing a file and committing its facts leaves. Call with the library's write lock held. Returns the names."""
        if self.read_only:
            return []
        with self._lock:
            known = {str(r["doc_id"]) for r in self.conn.execute("SELECT doc_id FROM documents")}
            swept: list[str] = []
            for path in (self.home / "files").iterdir():
                name = path.name
                temporary = name.endswith(".tmp")
                if not _STORED.fullmatch(name) or (name[:16] in known and not temporary):
                    continue
                with suppress(OSError):
                    path.unlink()
                    swept.append(name)
            return swept

    def original(self, doc_id: str) -> tuple[str, bytes] | None:
        for path in sorted((self.home / "files").glob(f"{doc_id}*")):
            return path.name, path.read_bytes()
        return None

    def version(self) -> tuple[int, ...]:
        """Changes with every commit through this object or, via PRAGMA data_version, by any other connection."""
        with self._lock:
            return self._changes, int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self.conn.close()
