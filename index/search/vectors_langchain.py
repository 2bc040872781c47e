"""Any LangChain vector store (PGVector, OpenSearch, Elasticsearch, …) as the dense half of the search index.

    from langchain_postgres import PGVector          # or OpenSearchVectorSearch, ElasticsearchStore, …
    store = LangChainVectorStore.create(folder, embeddings, lambda emb: PGVector(embeddings=emb, connection=…))
    index = SearchIndex(folder, embeddings, vector_store=store)

The store is built with `CachedEmbeddings`, so every passage goes through the project's vector cache (embedded
once, whichever machine or store asks) and queries get the embedding's query prefix. Chunk ids are the store's ids;
what this index has put into the store (chunk id -> text sha) is kept in a small JSON file beside the other index
files, so `SearchIndex.sync` knows what to add and delete. Scores are the store's own (similarity or distance): the
fusion uses ranks only. Filters are applied to the store's results (fetching more until `k` pass), which works with
every store; a store with native metadata filters is faster at narrow scopes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from index.search.embed import embed_query, fingerprint_of
from index.search.vectors import CACHE_FILE, Progress, VectorCache, atomic_write_json, text_sha

MANIFEST_FILE = "langchain_vectors.json"


class CachedEmbeddings(Embeddings):
    """`embeddings` answering passages from a `VectorCache` (embedding and storing only what is missing)."""

    def __init__(self, embeddings: Embeddings, cache: VectorCache) -> None:
        self.embeddings = embeddings
        self.cache = cache
        self.progress: Progress | None = None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        matrix = self.cache.vectors(self.embeddings, texts, self.progress)
        return [row.tolist() for row in matrix]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in embed_query(self.embeddings, text)]


class LangChainVectorStore:
    """The `index.search.vectors.VectorStore` interface over a LangChain `VectorStore`."""

    index_type = "langchain"

    def __init__(self, folder: Path, embeddings: Embeddings, store: VectorStore, cached: CachedEmbeddings) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.embeddings = embeddings
        self.fingerprint = fingerprint_of(embeddings)
        self.store = store
        self.cached = cached
        self.cache = cached.cache
        path = self.folder / MANIFEST_FILE
        meta = json.loads(path.read_text("utf-8")) if path.exists() else {}
        self._ids: dict[str, str] = dict(meta.get("ids", {})) if meta.get("fingerprint") == self.fingerprint else {}

    @classmethod
    def create(
        cls,
        folder: Path,
        embeddings: Embeddings,
        make_store: Callable[[Embeddings], VectorStore],
        cache: VectorCache | None = None,
    ) -> LangChainVectorStore:
        cached = CachedEmbeddings(embeddings, cache if cache is not None else VectorCache(Path(folder) / CACHE_FILE))
        return cls(folder, embeddings, make_store(cached), cached)

    # --- what is indexed ---------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._ids

    @property
    def ids(self) -> set[str]:
        return set(self._ids)

    def sha_of(self, chunk_id: str) -> str:
        return self._ids[chunk_id]

    def add(self, items: Sequence[tuple[str, str]], progress: Progress | None = None) -> int:
        todo = [(cid, text) for cid, text in dict(items).items() if self._ids.get(cid) != text_sha(text)]
        if not todo:
            return 0
        self.remove([cid for cid, _ in todo if cid in self._ids])
        self.cached.progress = progress
        try:
            for i in range(0, len(todo), 256):
                part = todo[i : i + 256]
                self.store.add_texts(
                    [t for _, t in part], metadatas=[{"chunk_id": cid} for cid, _ in part], ids=[c for c, _ in part]
                )
                self._ids.update({cid: text_sha(t) for cid, t in part})
        finally:
            self.cached.progress = None
        return len(todo)

    def remove(self, chunk_ids: Iterable[str]) -> int:
        gone = [cid for cid in dict.fromkeys(chunk_ids) if cid in self._ids]
        if gone:
            self.store.delete(ids=gone)
            for cid in gone:
                del self._ids[cid]
        return len(gone)

    def save(self) -> None:
        atomic_write_json(self.folder / MANIFEST_FILE, {"fingerprint": self.fingerprint, "ids": self._ids})

    # --- searching ---------------------------------------------------------------------------------------------
    def query_vector(self, text: str) -> np.ndarray:
        return embed_query(self.embeddings, text)

    def search(
        self, query: str | np.ndarray, k: int = 10, allowed: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """The `k` best chunks as (chunk id, the store's score), best first; only among `allowed` when given."""
        if not self._ids or k <= 0:
            return []
        if not isinstance(query, str):
            raise TypeError("LangChainVectorStore.search takes the query text")
        wanted = None if allowed is None else set(allowed) & self._ids.keys()
        if wanted is not None and not wanted:
            return []
        limit = len(self._ids)
        fetch = k if wanted is None else max(4 * k, 40)
        while True:
            found = self.store.similarity_search_with_score(query, k=min(fetch, limit))
            hits = [(str(doc.id or doc.metadata.get("chunk_id")), float(score)) for doc, score in found]
            if wanted is not None:
                hits = [(cid, s) for cid, s in hits if cid in wanted]
            if len(hits) >= k or fetch >= limit or len(found) < min(fetch, limit):
                return hits[:k]
            fetch *= 4

    def size_on_disk(self) -> int:
        path = self.folder / MANIFEST_FILE
        return path.stat().st_size if path.exists() else 0
