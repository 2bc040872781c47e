"""Where documents, sections, chunks, facts and findings are kept: the `Records` interface and the SQL they share.

Two backends implement it, chosen by a store URL (`index.backends.open_records`):

- ``sqlite`` (the default): ``facts.sqlite`` in the library folder, WAL, originals in ``files/``.
- ``postgresql://…``: a PostgreSQL database (`index.store.postgres`), so that several machines can share one fact table;
  originals are kept in the database too. Needs the ``pg`` extra (psycopg).

Both run the same queries (`SQLRecords`); a backend supplies a connection, its transaction and its dialect details
(placeholders, how to keep an index out of a plan, how to tell that another writer changed something). Every write
of a document is one transaction: a failure leaves the store as it was.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from index.extract.pipeline import Analysis
from index.store import db
from index.store.db import Cursor, Row
from index.types import Chunk, Document, Fact, Finding, Section


@dataclass(frozen=True, slots=True)
class Generation:
    """Which state of the fact table the chunks are in: what a derived index records it was built at."""

    store: str  # the store's random id, made with its schema: a new or replaced store never matches an old index
    number: int  # bumped in the transaction of every write that adds or removes a document

    def __str__(self) -> str:
        return f"{self.store}:{self.number}"


class Records(Protocol):
    """The fact table and its companions. Reads return dataclasses or plain dicts; writes are atomic per call."""

    url: str
    read_only: str | None  # why the store cannot be written now (Chinese), None when it can

    def check_writable(self) -> None: ...
    def sweep_originals(self) -> list[str]: ...
    def add(
        self,
        doc: Document,
        analysis: Analysis,
        *,
        fmt: str,
        data: bytes,
        suffix: str,
        when: str,
        text_key: str,
        warnings: Sequence[str] = (),
    ) -> str | None: ...
    def twin(self, doc_id: str, text_key: str | None = None) -> dict[str, Any] | None: ...
    def fill_text_keys(self) -> int: ...
    def remove(self, doc_id: str) -> bool: ...
    def set_meta(self, doc_id: str, *, org: str | None = None, year: int | None = None) -> bool: ...
    def has_document(self, doc_id: str) -> bool: ...
    def version(self) -> tuple[int, ...]: ...
    def generation(self) -> Generation: ...
    def document_meta(self) -> list[dict[str, Any]]: ...
    def documents(self) -> list[dict[str, Any]]: ...
    def document(self, doc_id: str) -> Document | None: ...
    def original(self, doc_id: str) -> tuple[str, bytes] | None: ...
    def matching_ids(self, ref: str) -> list[str]: ...
    def sections(self, doc_id: str) -> list[Section]: ...
    def chunks(self, doc_ids: Sequence[str] | None = None) -> list[Chunk]: ...
    def facts(
        self,
        *,
        metric: str | Sequence[str] | None = None,
        org: str | None = None,
        year: int | None = None,
        doc_id: str | None = None,
        kind: str | None = None,
        metric_like: str | None = None,
    ) -> list[Fact]: ...
    def docs_with_metric(self, metrics: Sequence[str], doc_ids: Sequence[str] | None = None) -> set[str]: ...
    def findings(self, doc_id: str | None = None) -> list[Finding]: ...
    def orgs(self) -> list[str]: ...
    def metric_names(self) -> list[str]: ...
    def years(self) -> list[int]: ...
    def count_documents(self) -> int: ...
    def count_chunks(self) -> int: ...
    def counts(self) -> dict[str, int]: ...
    def close(self) -> None: ...


TABLES = ("documents", "sections", "chunks", "facts", "findings")


class SQLRecords:
    """The queries both backends run. SQL is written with ``?`` placeholders; `_sql` adapts it to the dialect."""

    url = ""
    read_only: str | None = None
    _lock: threading.RLock

    def check_writable(self) -> None:
        """Raise `ReadOnlyLibrary` when the store cannot be written (the SQLite backend on a read-only or full disk)."""

    def sweep_originals(self) -> list[str]:
        """Delete stored originals no document owns (left by a crash); the SQLite backend keeps them in files."""
        return []

    # ---- dialect hooks --------------------------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Cursor]:
        """A transaction that holds the store's write lock, yielding something to run `index.store.db` inserts on."""
        raise NotImplementedError

    def _noindex(self, column: str) -> str:
        """`column` in a WHERE clause, kept out of the plan's index choice where the planner needs the hint."""
        return column

    def _store_original(self, cur: Cursor, doc_id: str, suffix: str, data: bytes) -> None:
        raise NotImplementedError

    def _drop_original(self, doc_id: str) -> None:
        """Called after a removal commits (the SQLite backend deletes the file)."""

    def version(self) -> tuple[int, ...]:
        raise NotImplementedError

    def original(self, doc_id: str) -> tuple[str, bytes] | None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # ---- writing --------------------------------------------------------------------------------------------------
    def add(
        self,
        doc: Document,
        analysis: Analysis,
        *,
        fmt: str,
        data: bytes,
        suffix: str,
        when: str,
        text_key: str,
        warnings: Sequence[str] = (),
    ) -> str | None:
        """Store one analysed document, what was read other than as written (`warnings`, Chinese) and its original in
        one transaction. None when stored; else the id of the document that already holds these bytes or this text
        (`index.read.normalize.text_key`; a concurrent writer may have added it), and nothing is written."""
        with self._write() as cur:
            found = self.twin(doc.doc_id, text_key)
            if found is not None:
                return str(found["doc_id"])
            db.insert_document(cur, doc, fmt=fmt, size=len(data), when=when, text_key=text_key, warnings=warnings)
            db.insert_sections(cur, analysis.sections)
            db.insert_chunks(cur, analysis.chunks)
            db.insert_facts(cur, analysis.facts)
            db.insert_findings(cur, analysis.findings)
            cur.execute(db.BUMP_GENERATION)
            self._store_original(cur, doc.doc_id, suffix, data)
        return None

    def fill_text_keys(self) -> int:
        """Give the documents stored before text keys existed (or by an older version) theirs, one document's text in
        memory at a time. Returns how many were filled; a no-op once every document has one."""
        from index.read.normalize import text_key

        ids = [str(r["doc_id"]) for r in self._rows("SELECT doc_id FROM documents WHERE text_key IS NULL")]
        if not ids:
            return 0
        with self._write() as cur:
            for doc_id in ids:
                rows = self._rows("SELECT text FROM documents WHERE doc_id = ?", (doc_id,))
                if rows:
                    key = text_key(str(rows[0]["text"]))
                    cur.execute(self._sql("UPDATE documents SET text_key = ? WHERE doc_id = ?"), (key, doc_id))
        return len(ids)

    def remove(self, doc_id: str) -> bool:
        with self._write() as cur:
            if not self._rows("SELECT 1 AS one FROM documents WHERE doc_id = ?", (doc_id,)):
                return False
            cur.execute(self._sql("DELETE FROM documents WHERE doc_id = ?"), (doc_id,))
            cur.execute(db.BUMP_GENERATION)
        self._drop_original(doc_id)
        return True

    def set_meta(self, doc_id: str, *, org: str | None = None, year: int | None = None) -> bool:
        """Correct a document's body or fiscal year (a text that says only 本部门 / 我镇). Its facts follow: the org
        always, the year where it was the document's own (or unknown). False when there is no such document."""
        from index.read.meta import detect_region

        with self._write() as cur:
            rows = self._rows("SELECT year FROM documents WHERE doc_id = ?", (doc_id,))
            if not rows:
                return False
            if org is not None:
                cur.execute(
                    self._sql("UPDATE documents SET org = ?, region = ? WHERE doc_id = ?"),
                    (org, detect_region(org), doc_id),
                )
                cur.execute(self._sql("UPDATE facts SET org = ? WHERE doc_id = ?"), (org, doc_id))
            if year is not None:
                old = rows[0]["year"]
                cur.execute(self._sql("UPDATE documents SET year = ? WHERE doc_id = ?"), (year, doc_id))
                if old is None:
                    cur.execute(self._sql("UPDATE facts SET year = ? WHERE doc_id = ? AND year IS NULL"), (year, doc_id))
                else:
                    cur.execute(self._sql("UPDATE facts SET year = ? WHERE doc_id = ? AND year = ?"), (year, doc_id, old))
        return True

    # ---- reading --------------------------------------------------------------------------------------------------
    def generation(self) -> Generation:
        rows = self._rows("SELECT key, value FROM meta WHERE key IN ('store_id', 'generation')")
        meta = {str(r["key"]): str(r["value"]) for r in rows}
        return Generation(meta.get("store_id", ""), int(meta.get("generation", 0)))

    def has_document(self, doc_id: str) -> bool:
        return bool(self._rows("SELECT 1 AS one FROM documents WHERE doc_id = ?", (doc_id,)))

    def twin(self, doc_id: str, text_key: str | None = None) -> dict[str, Any] | None:
        """(doc_id, source, title) of the document with these bytes (`doc_id`) or, when `text_key` is given, this
        normalised text; None when there is none. The same bytes win over the same text."""
        rows = self._rows("SELECT doc_id, source, title FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows and text_key:
            rows = self._rows(
                "SELECT doc_id, source, title FROM documents WHERE text_key = ? ORDER BY ingested_at, doc_id LIMIT 1",
                (text_key,),
            )
        return dict(rows[0]) if rows else None

    def document_meta(self) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT doc_id, source, title, org, year, kind, region FROM documents"
            " ORDER BY org, year NULLS FIRST, source"
        )
        return [dict(r) for r in rows]

    def documents(self) -> list[dict[str, Any]]:
        """Every document's metadata and counts, and its ingest `warnings` (a list of Chinese sentences)."""
        rows = self._rows(
            "SELECT d.doc_id, d.source, d.title, d.org, d.year, d.kind, d.region, d.fmt, d.size, d.ingested_at,"
            f" {self._warnings_column()} AS warnings,"
            " (SELECT count(*) FROM facts f WHERE f.doc_id = d.doc_id) AS facts,"
            " (SELECT count(*) FROM chunks c WHERE c.doc_id = d.doc_id) AS chunks,"
            " (SELECT count(*) FROM findings x WHERE x.doc_id = d.doc_id) AS findings"
            " FROM documents d ORDER BY d.org, d.year NULLS FIRST, d.source"
        )
        return [
            {
                k: int(v) if k in ("facts", "chunks", "findings") else json.loads(v or "[]") if k == "warnings" else v
                for k, v in dict(r).items()
            }
            for r in rows
        ]

    def _warnings_column(self) -> str:
        """The documents' warnings column; a store of schema version 1 opened read-only has none (all empty)."""
        return "d.warnings"

    def document(self, doc_id: str) -> Document | None:
        rows = self._rows("SELECT * FROM documents WHERE doc_id = ?", (doc_id,))
        return db.row_to_document(rows[0]) if rows else None

    def matching_ids(self, ref: str) -> list[str]:
        rows = self._rows("SELECT doc_id FROM documents WHERE doc_id LIKE ? OR source = ?", (f"{ref}%", ref))
        return [str(r["doc_id"]) for r in rows]

    def sections(self, doc_id: str) -> list[Section]:
        return [
            db.row_to_section(r) for r in self._rows("SELECT * FROM sections WHERE doc_id = ? ORDER BY idx", (doc_id,))
        ]

    def chunks(self, doc_ids: Sequence[str] | None = None) -> list[Chunk]:
        sql = (
            "SELECT c.*, d.org, d.year, d.kind, d.title FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"
            + (f" WHERE c.doc_id IN ({','.join('?' * len(doc_ids))})" if doc_ids else "")
            + " ORDER BY c.doc_id, c.start"
        )
        return [db.row_to_chunk(r) for r in self._rows(sql, list(doc_ids or ()))]

    def facts(
        self,
        *,
        metric: str | Sequence[str] | None = None,
        org: str | None = None,
        year: int | None = None,
        doc_id: str | None = None,
        kind: str | None = None,
        metric_like: str | None = None,
    ) -> list[Fact]:
        where: list[str] = []
        params: list[Any] = []
        # with a document given, its index (facts_doc) is the one to use: without statistics SQLite picks the metric
        # index instead and reads that metric's rows of every document (~50 ms at 10,000 documents vs 0.1 ms)
        hint = self._noindex if doc_id is not None else (lambda column: column)
        if isinstance(metric, str):
            where.append(f"{hint('metric')} = ?")
            params.append(metric)
        elif metric:
            where.append(f"{hint('metric')} IN ({','.join('?' * len(metric))})")
            params.extend(metric)
        if metric_like:  # a part of the name, taken literally: % and _ are not wildcards
            where.append("(metric LIKE ? ESCAPE '\\' OR metric_raw LIKE ? ESCAPE '\\')")
            pattern = "%" + metric_like.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params.extend([pattern, pattern])
        for column, value in (("org", org), ("year", year), ("doc_id", doc_id), ("kind", kind)):
            if value is not None:
                where.append(f"{hint(column) if column in ('org', 'year') else column} = ?")
                params.append(value)
        sql = "SELECT * FROM facts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY doc_id, start, id"
        return [db.row_to_fact(r) for r in self._rows(sql, params)]

    def docs_with_metric(self, metrics: Sequence[str], doc_ids: Sequence[str] | None = None) -> set[str]:
        """Ids of the documents (among `doc_ids`, when given) with a fact of one of `metrics`, in one query."""
        if not metrics:
            return set()
        few = doc_ids is not None and len(doc_ids) <= 500
        column = self._noindex("metric") if few else "metric"
        sql = f"SELECT DISTINCT doc_id FROM facts WHERE {column} IN ({','.join('?' * len(metrics))})"
        params = list(metrics)
        if few:  # through the document index (see `facts`)
            assert doc_ids is not None
            sql += f" AND doc_id IN ({','.join('?' * len(doc_ids))})"
            params += list(doc_ids)
        return {str(r["doc_id"]) for r in self._rows(sql, params)}

    def findings(self, doc_id: str | None = None) -> list[Finding]:
        sql = "SELECT * FROM findings" + (" WHERE doc_id = ?" if doc_id else "") + " ORDER BY doc_id, id"
        return [db.row_to_finding(r) for r in self._rows(sql, (doc_id,) if doc_id else ())]

    def orgs(self) -> list[str]:
        return [r["org"] for r in self._rows("SELECT DISTINCT org FROM documents ORDER BY org")]

    def metric_names(self) -> list[str]:
        return [r["metric"] for r in self._rows("SELECT DISTINCT metric FROM facts ORDER BY metric")]

    def years(self) -> list[int]:
        rows = self._rows("SELECT DISTINCT year FROM documents WHERE year IS NOT NULL ORDER BY year")
        return [int(r["year"]) for r in rows]

    def count_documents(self) -> int:
        return int(self._rows("SELECT count(*) AS n FROM documents")[0]["n"])

    def count_chunks(self) -> int:
        return int(self._rows("SELECT count(*) AS n FROM chunks")[0]["n"])

    def counts(self) -> dict[str, int]:
        return {t: int(self._rows(f"SELECT count(*) AS n FROM {t}")[0]["n"]) for t in TABLES}


def redact(url: str) -> str:
    """A store URL safe to show: the password, if any, replaced by ***."""
    import re

    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
