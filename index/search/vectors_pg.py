"""Dense vectors in the shared PostgreSQL store: the vector cache, and the search itself in pgvector.

With a PostgreSQL store (`index.store.postgres`) every machine searches the same pgvector index (`PgVectorIndex`): the
machine whose sync first meets a chunk embeds it (through `PostgresVectorCache`, so a text is embedded once in the
whole deployment) and inserts it; every other machine finds it there, embeds nothing and builds nothing. FAISS stays
the embedded default, for the folder's own SQLite store.

Tables, beside the fact table: ``vectors`` (the cache: float32 bytes keyed by embedding fingerprint and text sha)
and one ``chunk_vectors_<hash of the fingerprint>`` per embedding (chunk id, text sha, ``vector(dim)``, an HNSW
index with cosine distance). Its ``chunk_id`` references ``chunks`` with ``ON DELETE CASCADE``: removing a document
removes its vectors in the same transaction, and a sync inserting a chunk removed meanwhile skips it.

Filters are SQL: the chunk's document (``chunks.doc_id``), section prefix (``chunks.section``) and the document's
org, year and kind (``documents``), joined by key. pgvector 0.6 (what the ``pgserver`` wheel bundles) has no
iterative index scan: an HNSW scan yields ``hnsw.ef_search`` candidates and *then* filters, so a query scoped to one
document among 10,000 would come back nearly empty. So a scoped query whose scope holds at most `EXACT_LIMIT`
chunks (the caller's allowed ids tell) is answered exactly: the filter picks the rows through the btree indexes and
the distance is computed for each (``ORDER BY distance + 0`` keeps the HNSW index out of the plan); exact like
FAISS, so scoped answers are the same as on SQLite. A wider scope goes through HNSW with a larger ``ef_search``
and falls back to the exact query when fewer than `k` rows pass. Unscoped queries use HNSW (``ef_search`` =
`EF_SEARCH`, or k when larger). Equal distances (the same passage in two chunks) come back later chunk first, the
order FAISS gives them in a library synced in one go.

Why plain SQL and not LangChain's PGVector (``langchain-postgres`` 0.0.19): its tables keep metadata in one JSONB
column and it cannot choose the plan, so (1) a scoped query goes through the HNSW index and loses the rows the
filter drops (the problem above; PGVector has no exact path), (2) org/year/kind would be copies in JSONB that go
stale when `budgetqa docs --set-org/--set-year` corrects a document, while here they are joined from the fact
table, (3) removals would need a second delete outside the fact table's transaction instead of a cascade, and (4)
it opens its own SQLAlchemy engine and pool beside ours, and looks the collection up on every query. PGVector (or
any LangChain store) still plugs in through `index.search.vectors_langchain.LangChainVectorStore`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index.errors import EmbeddingMismatch, LibraryError
from index.search.embed import fingerprint_of
from index.search.vectors import Progress, Scope, VectorCache, query_vector, text_sha
from index.store.pg_pool import acquire, apply_schema, release
from index.store.records import redact

CACHE_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    fingerprint TEXT COLLATE "C" NOT NULL, sha TEXT COLLATE "C" NOT NULL, dim INTEGER NOT NULL,
    vector BYTEA NOT NULL, PRIMARY KEY (fingerprint, sha)
);
"""
HNSW_M = 16  # pgvector's defaults
HNSW_EF_CONSTRUCTION = 64
EF_SEARCH = 100  # candidates an unscoped HNSW query looks at (pgvector's default is 40)
WIDE_EF_SEARCH = 1000  # for a scope too wide for the exact query
EXACT_LIMIT = 20_000  # chunks in scope up to which a scoped query is exact
_BATCH = 1000


class PostgresVectorCache(VectorCache):
    """`VectorCache` on a PostgreSQL database (a ``vectors`` table beside the fact table)."""

    def __init__(self, url: str) -> None:  # not super().__init__: that would create a SQLite file
        self.url = url
        self.pool: Any = acquire(url)
        apply_schema(self.pool, CACHE_SCHEMA)
        self._closed = False

    def get(self, fingerprint: str, shas: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(shas))
        found: dict[str, np.ndarray] = {}
        with self.pool.connection() as conn:
            for i in range(0, len(wanted), 5000):
                rows = conn.execute(
                    "SELECT sha, vector FROM vectors WHERE fingerprint = %s AND sha = ANY(%s)",
                    (fingerprint, wanted[i : i + 5000]),
                ).fetchall()
                for row in rows:
                    found[row["sha"]] = np.frombuffer(row["vector"], dtype=np.float32)
        return found

    def put(self, fingerprint: str, vectors: dict[str, np.ndarray]) -> None:
        rows = [
            (fingerprint, sha, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for sha, v in vectors.items()
        ]
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO vectors (fingerprint, sha, dim, vector) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (fingerprint, sha) DO NOTHING",
                rows,
            )

    def count(self, fingerprint: str | None = None) -> int:
        with self.pool.connection() as conn:
            if fingerprint is None:
                row = conn.execute("SELECT count(*) AS n FROM vectors").fetchone()
            else:
                row = conn.execute(
                    "SELECT count(*) AS n FROM vectors WHERE fingerprint = %s", (fingerprint,)
                ).fetchone()
        return int(row["n"])

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            release(self.url)


def literal(vector: np.ndarray) -> str:
    """pgvector's text form of a float32 vector (the shortest decimal that reads back as the same float32)."""
    return "[" + ",".join(map(str, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def table_name(fingerprint: str) -> str:
    return "chunk_vectors_" + hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:16]


class PgVectorIndex:
    """The `index.search.vectors.VectorStore` interface over a pgvector table shared by every machine on the store."""

    index_type = "pgvector-hnsw"

    def __init__(self, url: str, embeddings: Embeddings, cache: VectorCache | None = None) -> None:
        self.url = url
        self.embeddings = embeddings
        self.fingerprint = fingerprint_of(embeddings)
        self.cache = cache if cache is not None else PostgresVectorCache(url)
        self.table = table_name(self.fingerprint)
        self.pool: Any = acquire(url)
        self._closed = False
        self._lock = threading.Lock()
        self._shas: dict[str, str] = {}  # chunk id -> text sha, as last read by `ids`
        self.dim = int(getattr(embeddings, "dim", 0) or 0) or self._stored_dim()
        if self.dim:
            self._create(self.dim)

    # --- the table ---------------------------------------------------------------------------------------------
    def _stored_dim(self) -> int:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT atttypmod AS dim FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'embedding'",
                (self.table,),
            ).fetchone()
        return int(row["dim"]) if row else 0

    def _create(self, dim: int) -> None:
        stored = self._stored_dim()
        if stored and stored != dim:
            raise EmbeddingMismatch(
                f"PostgreSQL 存储中向量表 {self.table} 是 {stored} 维的，而向量模型“{self.fingerprint}”给出 {dim} 维。"
                "请改用原来的向量模型，或请管理员删除该表后重新同步（已计算的向量在缓存中，不必重算）。"
            )
        try:
            apply_schema(self.pool, "CREATE EXTENSION IF NOT EXISTS vector;")
        except Exception as exc:  # psycopg's errors: not installed on the server, or no right to create it
            raise LibraryError(
                f"PostgreSQL 存储（{redact(self.url)}）不能使用 pgvector 扩展：{str(exc).strip()}。"
                "请在数据库服务器上安装 pgvector，并由管理员在该数据库中执行 CREATE EXTENSION vector。"
            ) from exc
        apply_schema(
            self.pool,
            f"""
            CREATE TABLE IF NOT EXISTS {self.table} (
                chunk_id TEXT COLLATE "C" PRIMARY KEY REFERENCES chunks(chunk_id) ON DELETE CASCADE,
                sha TEXT COLLATE "C" NOT NULL, embedding vector({dim}) NOT NULL
            );
            CREATE INDEX IF NOT EXISTS {self.table}_hnsw ON {self.table}
                USING hnsw (embedding vector_cosine_ops) WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION});
            """,
        )
        self.dim = dim

    # --- what is indexed ---------------------------------------------------------------------------------------
    @property
    def ids(self) -> set[str]:
        """The chunk ids in the table now (read fresh; `__contains__` and `sha_of` answer from this read)."""
        if not self.dim:
            return set()
        with self.pool.connection() as conn:
            rows = conn.execute(f"SELECT chunk_id, sha FROM {self.table}").fetchall()
        with self._lock:
            self._shas = {r["chunk_id"]: r["sha"] for r in rows}
            return set(self._shas)

    def __len__(self) -> int:
        if not self.dim:
            return 0
        with self.pool.connection() as conn:
            return int(conn.execute(f"SELECT count(*) AS n FROM {self.table}").fetchone()["n"])

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._shas

    def sha_of(self, chunk_id: str) -> str:
        return self._shas[chunk_id]

    def add(self, items: Sequence[tuple[str, str]], progress: Progress | None = None) -> int:
        """Embed (through the cache) and insert (chunk id, passage) pairs; a chunk no longer in the fact table is
        skipped, one another machine inserted meanwhile is overwritten with the same vector."""
        todo = [(cid, text) for cid, text in dict(items).items() if self._shas.get(cid) != text_sha(text)]
        if not todo:
            return 0
        matrix = self.cache.vectors(self.embeddings, [t for _, t in todo], progress)
        if matrix.shape[1] != self.dim:
            self._create(int(matrix.shape[1]))
        rows = [(cid, text_sha(text), literal(matrix[i])) for i, (cid, text) in enumerate(todo)]
        sql = (
            f"INSERT INTO {self.table} (chunk_id, sha, embedding) SELECT c.chunk_id, %s, %s::vector FROM chunks c"
            " WHERE c.chunk_id = %s ON CONFLICT (chunk_id) DO UPDATE SET sha = excluded.sha, embedding = excluded.embedding"
            f" WHERE {self.table}.sha <> excluded.sha"
        )
        with self.pool.connection() as conn:
            for i in range(0, len(rows), _BATCH):
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(sql, [(sha, vec, cid) for cid, sha, vec in rows[i : i + _BATCH]])
        with self._lock:
            self._shas.update((cid, sha) for cid, sha, _ in rows)
        return len(rows)

    def remove(self, chunk_ids: Iterable[str]) -> int:
        """Delete by chunk id (a removed document's vectors are gone already: the cascade)."""
        gone = list(dict.fromkeys(chunk_ids))
        if not gone or not self.dim:
            return 0
        with self.pool.connection() as conn:
            cur = conn.execute(f"DELETE FROM {self.table} WHERE chunk_id = ANY(%s)", (gone,))
            count = int(cur.rowcount or 0)
        with self._lock:
            for cid in gone:
                self._shas.pop(cid, None)
        return count

    def save(self) -> None:
        """Nothing to do: every insert and delete is committed."""

    # --- searching ---------------------------------------------------------------------------------------------
    def query_vector(self, text: str) -> np.ndarray:
        return query_vector(self.embeddings, self.fingerprint, text)

    def search(
        self, query: str | np.ndarray, k: int = 10, allowed: Collection[str] | None = None, scope: Scope | None = None
    ) -> list[tuple[str, float]]:
        """The `k` nearest chunks as (chunk id, cosine similarity), best first, within `scope` (SQL filters) or,
        without one, among `allowed` ids. `allowed`'s size chooses the exact or the HNSW plan (module docstring)."""
        if k <= 0 or not self.dim or (allowed is not None and not allowed):
            return []
        vec = self.query_vector(query) if isinstance(query, str) else np.asarray(query, dtype=np.float32)
        where, params = _filters(scope, allowed)
        if where and allowed is not None and len(allowed) > EXACT_LIMIT:
            hits = self._query(vec, k, where, params, exact=False, ef=max(WIDE_EF_SEARCH, k))
            if len(hits) >= k:
                return hits
        return self._query(vec, k, where, params, exact=bool(where), ef=max(EF_SEARCH, k))

    def _query(
        self, vec: np.ndarray, k: int, where: list[str], params: list[Any], *, exact: bool, ef: int
    ) -> list[tuple[str, float]]:
        joins = ""
        if any(w.startswith(("c.", "(c.", "d.")) for w in where):
            joins = " JOIN chunks c ON c.chunk_id = v.chunk_id"
        if any(w.startswith("d.") for w in where):
            joins += " JOIN documents d ON d.doc_id = c.doc_id"
        # an index scan orders by the distance alone (a second sort key would keep HNSW out of the plan)
        order = "(v.embedding <=> %(q)s::vector) + 0, v.chunk_id DESC" if exact else "v.embedding <=> %(q)s::vector"
        sql = (
            f"SELECT v.chunk_id, v.embedding <=> %(q)s::vector AS distance FROM {self.table} v{joins}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order} LIMIT %(k)s"
        )
        named = {f"p{i}": p for i, p in enumerate(params)}
        with self.pool.connection() as conn, conn.transaction():
            conn.execute(f"SET LOCAL hnsw.ef_search = {int(min(ef, 1000))}")
            rows = conn.execute(sql, {"q": literal(vec), "k": k, **named}).fetchall()
        hits = [(str(r["chunk_id"]), float(r["distance"])) for r in rows]
        hits.sort(key=lambda h: h[0], reverse=True)  # ties (the same passage twice): later chunk first, as FAISS
        hits.sort(key=lambda h: h[1])  # gives them for a library synced in one go (stable sorts)
        return [(cid, 1.0 - d) for cid, d in hits]

    def size_on_disk(self) -> int:
        """Bytes of the table and its indexes in the database (not on this machine's disk)."""
        if not self.dim:
            return 0
        with self.pool.connection() as conn:
            row = conn.execute("SELECT pg_total_relation_size(%s) AS n", (self.table,)).fetchone()
        return int(row["n"] or 0)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            release(self.url)


def _filters(scope: Scope | None, allowed: Collection[str] | None) -> tuple[list[str], list[Any]]:
    """SQL conditions (with %(pN)s placeholders) for a scope; the allowed ids when there is no scope."""
    where: list[str] = []
    params: list[Any] = []

    def add(condition: str, *values: Any) -> None:
        names = [f"%(p{len(params) + i})s" for i in range(len(values))]
        where.append(condition.format(*names))
        params.extend(values)

    if scope is None:
        if allowed is not None:
            add("v.chunk_id = ANY({0})", list(allowed))
        return where, params
    if scope.doc_ids is not None:
        add("c.doc_id = ANY({0})", list(scope.doc_ids))
    if scope.section:
        add("(c.section = {0} OR left(c.section, {1}) = {2})", scope.section, len(scope.section) + 3,
            scope.section + " > ")  # fmt: skip
    for column, value in (("org", scope.org), ("year", scope.year), ("kind", scope.kind)):
        if value is not None:
            add(f"d.{column} = {{0}}", value)
    return where, params
