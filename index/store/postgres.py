"""The PostgreSQL `Records` backend: the fact table on a shared server, so several machines answer from one store.

    BUDGETQA_STORE=postgresql://budgetqa@db.example/budget budgetqa ingest 文件夹/

Tables mirror the SQLite schema (`index.store.db`), plus ``files`` for the originals, so one transaction writes a
document, its analysis and its bytes. Text columns use the "C" collation, so listings sort as they do on SQLite
whatever the database's locale. ``meta.changes`` is bumped by every write: it is the cross-machine change key, and
the row lock it takes serialises writers (a document's bytes are its id, so two machines ingesting the same file
store it once). Passwords belong in ~/.pgpass or PGPASSWORD, not in the URL (libpq reads both).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from index.errors import LibraryError, MissingExtra
from index.store.records import Row, SQLRecords, redact

SCHEMA_VERSION = 3  # as index.store.db: 2 documents.text_key, 3 documents.warnings; added to older stores on connect
_T = 'TEXT COLLATE "C"'
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key {_T} PRIMARY KEY, value {_T} NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id {_T} PRIMARY KEY, source {_T} NOT NULL, title {_T} NOT NULL, org {_T} NOT NULL, year INTEGER,
    kind {_T} NOT NULL, region {_T}, fmt {_T} NOT NULL, size BIGINT NOT NULL, ingested_at {_T} NOT NULL,
    text {_T} NOT NULL, raw_text {_T} NOT NULL, offsets BYTEA NOT NULL, page_starts {_T} NOT NULL, text_key {_T}
);
ALTER TABLE documents ADD COLUMN IF NOT EXISTS text_key {_T};
CREATE INDEX IF NOT EXISTS documents_text_key ON documents(text_key);
ALTER TABLE documents ADD COLUMN IF NOT EXISTS warnings {_T} NOT NULL DEFAULT '[]';
CREATE TABLE IF NOT EXISTS files (
    doc_id {_T} PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE, name {_T} NOT NULL, data BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS sections (
    doc_id {_T} NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE, idx INTEGER NOT NULL,
    path {_T} NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER,
    PRIMARY KEY (doc_id, idx)
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id {_T} PRIMARY KEY, doc_id {_T} NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    text {_T} NOT NULL, section {_T} NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS facts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doc_id {_T} NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    org {_T} NOT NULL, year INTEGER, kind {_T} NOT NULL, metric {_T} NOT NULL, metric_raw {_T} NOT NULL,
    value {_T} NOT NULL, unit {_T} NOT NULL, raw_value {_T} NOT NULL, raw_unit {_T} NOT NULL,
    section {_T} NOT NULL, page INTEGER, start INTEGER NOT NULL, "end" INTEGER NOT NULL, quote {_T} NOT NULL,
    source {_T} NOT NULL, basis {_T}, share {_T},
    cmp_base {_T}, cmp_direction {_T}, cmp_amount {_T}, cmp_rate {_T}
);
CREATE INDEX IF NOT EXISTS facts_metric ON facts(metric, year, org);
CREATE INDEX IF NOT EXISTS facts_org ON facts(org, year);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(doc_id, start);
CREATE TABLE IF NOT EXISTS findings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doc_id {_T} NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    "check" {_T} NOT NULL, message {_T} NOT NULL, metric {_T}, expected {_T}, actual {_T},
    quotes {_T} NOT NULL, section {_T} NOT NULL, page INTEGER
);
CREATE INDEX IF NOT EXISTS findings_doc ON findings(doc_id);
INSERT INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE meta.value::int < excluded.value::int;
INSERT INTO meta VALUES ('changes', '0') ON CONFLICT DO NOTHING;
INSERT INTO meta VALUES ('store_id', md5(random()::text || clock_timestamp()::text)) ON CONFLICT DO NOTHING;
"""
_SCHEMA_LOCK = 0x62756467  # pg_advisory_lock key while creating the schema ("budg")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise MissingExtra("使用 PostgreSQL 存储", "pip install 'budget-qa[pg]'") from exc
    return psycopg


def connect(url: str, schema: str) -> Any:
    """An autocommit connection with dict rows, after creating `schema` (under an advisory lock: several machines may
    start at once). Connection errors become a `LibraryError` that names the (password-free) URL."""
    psycopg = _psycopg()
    from psycopg.rows import dict_row

    try:
        conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=10)
    except psycopg.Error as exc:
        raise LibraryError(
            f"无法连接 PostgreSQL（{redact(url)}）：{str(exc).strip()}。请检查地址、服务器是否运行以及访问权限。"
        ) from exc
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        conn.execute(schema)
    return conn


class _Cursor:
    """A psycopg cursor that takes the `?` placeholders `index.store.db` writes."""

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cur.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self._cur.executemany(sql.replace("?", "%s"), rows) if rows else None


class PostgresRecords(SQLRecords):
    def __init__(self, url: str) -> None:
        self.url = redact(url)
        self._dsn = url
        self._lock = threading.RLock()
        self._conn: Any = None
        self._connect()

    def _connect(self) -> Any:
        self._conn = connect(self._dsn, SCHEMA)
        return self._conn

    @property
    def conn(self) -> Any:
        if self._conn is None or self._conn.closed:
            self._connect()
        return self._conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            rows: list[Row] = self.conn.execute(self._sql(sql), list(params)).fetchall()
            return rows

    @contextmanager
    def _write(self) -> Iterator[_Cursor]:
        with self._lock, self.conn.transaction():
            # the first statement takes the row lock every writer needs: writers queue here, readers never wait
            self.conn.execute("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'changes'")
            with self.conn.cursor() as cur:
                yield _Cursor(cur)

    def _store_original(self, cur: Any, doc_id: str, suffix: str, data: bytes) -> None:
        cur.execute("INSERT INTO files VALUES (?, ?, ?)", (doc_id, f"{doc_id}{suffix}", data))

    def original(self, doc_id: str) -> tuple[str, bytes] | None:
        rows = self._rows("SELECT name, data FROM files WHERE doc_id = ?", (doc_id,))
        return (str(rows[0]["name"]), bytes(rows[0]["data"])) if rows else None

    def version(self) -> tuple[int, ...]:
        return (int(self._rows("SELECT value FROM meta WHERE key = 'changes'")[0]["value"]),)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
