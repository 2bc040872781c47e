"""The default `Records` backend: one SQLite file (WAL) in the library folder, originals in ``files/``."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index import db
from index.fsutil import atomic_write_bytes
from index.records import Row, SQLRecords


class SQLiteRecords(SQLRecords):
    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.url = "sqlite"
        self.conn = db.connect(self.home / "facts.sqlite")
        self._lock = threading.RLock()
        self._changes = 0  # commits through this object; see `version`
        self._written: list[Path] = []

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def _noindex(self, column: str) -> str:
        return f"+{column}"  # a unary + keeps a column's index out of SQLite's plan without changing the result

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._written = []
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                for path in self._written:  # the original written in this transaction goes with it
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
