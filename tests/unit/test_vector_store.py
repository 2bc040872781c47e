"""A LangChain vector store as the dense half of the search index gives what the FAISS index gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import InMemoryVectorStore

from index.library import Library, sample_path
from index.search.embed import HashEmbeddings
from index.search.hybrid import SearchIndex
from index.search.vectors import VectorCache
from index.search.vectors_langchain import LangChainVectorStore

QUERIES = ["公务接待费为什么减少", "项目支出主要用于什么", "三公经费合计多少", "单位基本情况 职能", "政府采购"]


class CountingStore(InMemoryVectorStore):
    def __init__(self, embedding: Embeddings) -> None:
        super().__init__(embedding)
        self.added: list[str] = []
        self.deleted: list[str] = []

    def add_texts(self, texts: Any, metadatas: Any = None, *, ids: Any = None, **kwargs: Any) -> list[str]:
        self.added += list(ids or [])
        return super().add_texts(texts, metadatas, ids=ids, **kwargs)

    def delete(self, ids: Any = None, **kwargs: Any) -> None:
        self.deleted += list(ids or [])
        super().delete(ids, **kwargs)


def langchain_index(folder: Path, store: list[CountingStore]) -> SearchIndex:
    def make(embedding: Embeddings) -> CountingStore:
        if not store:
            store.append(CountingStore(embedding))
        return store[0]

    vectors = LangChainVectorStore.create(folder, HashEmbeddings(), make)
    return SearchIndex(folder, HashEmbeddings(), vector_store=vectors)


def test_a_langchain_store_ranks_as_faiss_does(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest([sample_path()], sync=False)
    chunks = lib.chunks()
    faiss_index = SearchIndex(tmp_path / "faiss", HashEmbeddings())
    faiss_index.sync(chunks)
    store: list[CountingStore] = []
    other = langchain_index(tmp_path / "lc", store)
    other.sync(chunks)
    assert len(store[0].store) == len(chunks) and other.vectors.ids == faiss_index.vectors.ids
    doc_ids = {c.doc_id for c in chunks}
    some = {c.chunk_id for c in chunks[:12]}
    for query in QUERIES:
        assert [h.chunk.chunk_id for h in other.search_dense(query, 8)] == [
            h.chunk.chunk_id for h in faiss_index.search_dense(query, 8)
        ], query
        assert [h.chunk.chunk_id for h in other.search(query, 5, doc_ids=doc_ids)] == [
            h.chunk.chunk_id for h in faiss_index.search(query, 5, doc_ids=doc_ids)
        ]
        narrow = other.search_dense(query, 5, allowed=some)
        assert narrow and {h.chunk.chunk_id for h in narrow} <= some
        assert [h.chunk.chunk_id for h in narrow] == [
            h.chunk.chunk_id for h in faiss_index.search_dense(query, 5, allowed=some)
        ]


def test_a_langchain_store_is_kept_in_sync_and_embeds_each_text_once(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest([sample_path()], sync=False)
    chunks = lib.chunks()
    store: list[CountingStore] = []
    index = langchain_index(tmp_path / "lc", store)
    index.sync(chunks)
    assert sorted(store[0].added) == sorted(c.chunk_id for c in chunks)
    assert not index.sync(chunks)  # nothing new
    cache = VectorCache(tmp_path / "lc" / "vector_cache.sqlite")
    embedded = cache.count()
    assert embedded == len(chunks)
    # reopened over the same store: the manifest says what it holds, so nothing is added again
    reopened = langchain_index(tmp_path / "lc", store)
    assert not reopened.sync(chunks) and len(store[0].added) == len(chunks)
    kept = chunks[: len(chunks) // 2]
    assert reopened.sync(kept)
    assert sorted(store[0].deleted) == sorted(c.chunk_id for c in chunks[len(kept) :])
    assert len(store[0].store) == len(kept) and cache.count() == embedded
