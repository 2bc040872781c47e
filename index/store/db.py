"""The SQLite schema of the library and row <-> dataclass conversion."""

from __future__ import annotations

import json
import sqlite3
import uuid
from array import array
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from index.types import Chunk, Comparison, Document, Fact, Finding, Section

Row = Mapping[str, Any]  # sqlite3.Row or a psycopg dict row


class Cursor(Protocol):
    """What the insert functions need: a sqlite3.Connection, or the PostgreSQL backend's wrapped cursor."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> Any: ...


SCHEMA_VERSION = 3  # 2: documents.text_key (`index.read.normalize.text_key`); 3: documents.warnings (what was read
# other than as written, e.g. a damaged PDF page). Both are added to older libraries when they are opened writable.

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, org TEXT NOT NULL, year INTEGER,
    kind TEXT NOT NULL, region TEXT, fmt TEXT NOT NULL, size INTEGER NOT NULL, ingested_at TEXT NOT NULL,
    text TEXT NOT NULL, raw_text TEXT NOT NULL, offsets BLOB NOT NULL, page_starts TEXT NOT NULL, text_key TEXT,
    warnings TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS sections (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE, idx INTEGER NOT NULL,
    path TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER,
    PRIMARY KEY (doc_id, idx)
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    text TEXT NOT NULL, section TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS facts (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    org TEXT NOT NULL, year INTEGER, kind TEXT NOT NULL, metric TEXT NOT NULL, metric_raw TEXT NOT NULL,
    value TEXT NOT NULL, unit TEXT NOT NULL, raw_value TEXT NOT NULL, raw_unit TEXT NOT NULL,
    section TEXT NOT NULL, page INTEGER, start INTEGER NOT NULL, "end" INTEGER NOT NULL, quote TEXT NOT NULL,
    source TEXT NOT NULL, basis TEXT, share TEXT,
    cmp_base TEXT, cmp_direction TEXT, cmp_amount TEXT, cmp_rate TEXT
);
CREATE INDEX IF NOT EXISTS facts_metric ON facts(metric, year, org);
CREATE INDEX IF NOT EXISTS facts_org ON facts(org, year);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(doc_id);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    "check" TEXT NOT NULL, message TEXT NOT NULL, metric TEXT, expected TEXT, actual TEXT,
    quotes TEXT NOT NULL, section TEXT NOT NULL, page INTEGER
);
CREATE INDEX IF NOT EXISTS findings_doc ON findings(doc_id);
"""


def connect(path: Path) -> sqlite3.Connection:
    """A read-write connection. The schema is created (or brought up to `SCHEMA_VERSION`) only when it is not there
    yet: a current library opens without writing anything, so it opens on a full disk too."""
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        if _needs_setup(conn):
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
            _migrate(conn)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", (uuid.uuid4().hex,))
    except BaseException:
        conn.close()
        raise
    return conn


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that never writes, for a library on a read-only or full disk: ``mode=ro`` when SQLite can still
    share the WAL index, else ``immutable=1`` (then a change another process makes meanwhile is not seen, and a
    write-ahead log left by a crash is not read: that library is as of its last checkpoint)."""
    uri = path.resolve().as_uri()
    wal = path.with_name(path.name + "-wal")
    unmerged = wal.exists() and wal.stat().st_size > 0  # immutable would read the file without the commits in the log
    last: sqlite3.Error | None = None
    for mode in ("mode=ro",) if unmerged else ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=30, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("SELECT count(*) FROM meta").fetchone()
        except sqlite3.Error as exc:
            conn.close()
            last = exc
            continue
        return conn
    assert last is not None
    raise last


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the library (0 for an empty file); reads only."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone():
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in conn.execute(f"PRAGMA table_info({table})"))


def _needs_setup(conn: sqlite3.Connection) -> bool:
    if schema_version(conn) < SCHEMA_VERSION:
        return True
    return conn.execute("SELECT 1 FROM meta WHERE key = 'store_id'").fetchone() is None


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a library made by an older version up to this schema. Only ever adds: an older version still reads it.
    Documents stored before text_key existed get theirs on the next ingest (`SQLRecords.fill_text_keys`)."""
    for column, sql in (("text_key", "text_key TEXT"), ("warnings", "warnings TEXT NOT NULL DEFAULT '[]'")):
        if not has_column(conn, "documents", column):
            try:
                conn.execute(f"ALTER TABLE documents ADD COLUMN {sql}")
            except sqlite3.OperationalError as exc:  # another process added it just now
                if "duplicate column" not in str(exc):
                    raise
    conn.execute("CREATE INDEX IF NOT EXISTS documents_text_key ON documents(text_key)")
    conn.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        " WHERE CAST(meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)",
        (str(SCHEMA_VERSION),),
    )


# run in the transaction of every write that adds or removes a document (both dialects)
BUMP_GENERATION = (
    "INSERT INTO meta VALUES ('generation', '1')"
    " ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)"
)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _undec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _offsets_blob(offsets: Sequence[int]) -> bytes:
    if isinstance(offsets, array) and offsets.typecode == "i":
        return offsets.tobytes()
    return array("i", offsets).tobytes()


def _offsets_array(blob: bytes) -> array[int]:
    arr = array("i")
    arr.frombytes(blob)
    return arr


def insert_document(
    conn: Cursor, doc: Document, *, fmt: str, size: int, when: str, text_key: str | None, warnings: Sequence[str] = ()
) -> None:
    conn.execute(
        "INSERT INTO documents (doc_id, source, title, org, year, kind, region, fmt, size, ingested_at, text, raw_text,"
        " offsets, page_starts, text_key, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            doc.doc_id, doc.source, doc.title, doc.org, doc.year, doc.kind, doc.region, fmt, size, when,
            doc.text, doc.raw_text, _offsets_blob(doc.offsets), json.dumps(list(doc.page_starts)), text_key,
            json.dumps(list(warnings), ensure_ascii=False),
        ),
    )  # fmt: skip


def row_to_document(row: Row) -> Document:
    return Document(
        doc_id=row["doc_id"],
        source=row["source"],
        title=row["title"],
        org=row["org"],
        year=row["year"],
        kind=row["kind"],
        text=row["text"],
        raw_text=row["raw_text"],
        offsets=_offsets_array(row["offsets"]),
        page_starts=tuple(json.loads(row["page_starts"])),
        region=row["region"],
    )


def insert_sections(conn: Cursor, sections: list[Section]) -> None:
    conn.executemany(
        "INSERT INTO sections VALUES (?,?,?,?,?,?)",
        [
            (s.doc_id, i, json.dumps(list(s.path), ensure_ascii=False), s.start, s.end, s.page)
            for i, s in enumerate(sections)
        ],
    )


def row_to_section(row: Row) -> Section:
    return Section(row["doc_id"], tuple(json.loads(row["path"])), row["start"], row["end"], row["page"])


def insert_chunks(conn: Cursor, chunks: list[Chunk]) -> None:
    conn.executemany(
        "INSERT INTO chunks VALUES (?,?,?,?,?,?,?)",
        [(c.chunk_id, c.doc_id, c.text, c.section, c.start, c.end, c.page) for c in chunks],
    )


def row_to_chunk(row: Row) -> Chunk:
    return Chunk(
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        text=row["text"],
        section=row["section"],
        start=row["start"],
        end=row["end"],
        page=row["page"],
        org=row["org"],
        year=row["year"],
        kind=row["kind"],
        title=row["title"],
    )


def insert_facts(conn: Cursor, facts: list[Fact]) -> None:
    rows: list[tuple[Any, ...]] = []
    for f in facts:
        c = f.comparison
        rows.append(
            (
                f.doc_id, f.org, f.year, f.kind, f.metric, f.metric_raw, _dec(f.value), f.unit, f.raw_value,
                f.raw_unit, f.section, f.page, f.start, f.end, f.quote, f.source, f.basis, _dec(f.share),
                c.base if c else None, c.direction if c else None, _dec(c.amount) if c else None,
                _dec(c.rate) if c else None,
            )
        )  # fmt: skip
    conn.executemany(
        "INSERT INTO facts (doc_id, org, year, kind, metric, metric_raw, value, unit, raw_value, raw_unit, section,"
        ' page, start, "end", quote, source, basis, share, cmp_base, cmp_direction, cmp_amount, cmp_rate)'
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def row_to_fact(row: Row) -> Fact:
    comparison = None
    if row["cmp_direction"] is not None:
        comparison = Comparison(
            base=row["cmp_base"] or "上年",
            direction=row["cmp_direction"],
            amount=_undec(row["cmp_amount"]),
            rate=_undec(row["cmp_rate"]),
        )
    value = _undec(row["value"])
    assert value is not None
    return Fact(
        doc_id=row["doc_id"],
        org=row["org"],
        year=row["year"],
        kind=row["kind"],
        metric=row["metric"],
        metric_raw=row["metric_raw"],
        value=value,
        unit=row["unit"],
        raw_value=row["raw_value"],
        raw_unit=row["raw_unit"],
        section=row["section"],
        page=row["page"],
        start=row["start"],
        end=row["end"],
        quote=row["quote"],
        source=row["source"],
        basis=row["basis"],
        share=_undec(row["share"]),
        comparison=comparison,
    )


def insert_findings(conn: Cursor, findings: list[Finding]) -> None:
    conn.executemany(
        'INSERT INTO findings (doc_id, "check", message, metric, expected, actual, quotes, section, page)'
        " VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                f.doc_id, f.check, f.message, f.metric, _dec(f.expected), _dec(f.actual),
                json.dumps(list(f.quotes), ensure_ascii=False), f.section, f.page,
            )
            for f in findings
        ],
    )  # fmt: skip


def row_to_finding(row: Row) -> Finding:
    return Finding(
        doc_id=row["doc_id"],
        check=row["check"],
        message=row["message"],
        metric=row["metric"],
        expected=_undec(row["expected"]),
        actual=_undec(row["actual"]),
        quotes=tuple(json.loads(row["quotes"])),
        section=row["section"],
        page=row["page"],
    )
