"""Embedding vectors kept in the shared PostgreSQL store, so that nothing is embedded twice across machines.

With a PostgreSQL store (`index.store.postgres`), every machine still searches its own in-process FAISS index (derived
data, rebuilt in seconds), but the vectors it is built from live in the database: the machine that ingests a
document pays for its embedding once, and every other machine reads the vectors instead of recomputing them (the
default embedding runs at ~12 passages/s on 2 cores; reading 60,000 vectors back takes seconds).

Why the search itself is not in PostgreSQL: pgvector is not packaged for Debian 12, and exact search in plain SQL
(a dot product over ``real[]``) measured 17 ms for one document's 60 vectors but 7.5 s over 60,000 (1,000
documents; /tmp/pgvec.py-style run against PostgreSQL 15 on the 2-core machine), against FAISS's ~10 ms at 10,000
documents. A deployment whose engine has vector search plugs it in through `index.search.vectors.VectorStore`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from index.search.vectors import VectorCache
from index.store.postgres import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    fingerprint TEXT COLLATE "C" NOT NULL, sha TEXT COLLATE "C" NOT NULL, dim INTEGER NOT NULL,
    vector BYTEA NOT NULL, PRIMARY KEY (fingerprint, sha)
);
"""


class PostgresVectorCache(VectorCache):
    """`VectorCache` on a PostgreSQL database (a ``vectors`` table beside the fact table)."""

    def __init__(self, url: str) -> None:  # not super().__init__: that would create a SQLite file
        self.url = url
        self._lock = threading.Lock()
        self._conn: Any = connect(url, SCHEMA)

    def get(self, fingerprint: str, shas: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(shas))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(wanted), 5000):
                rows = self._conn.execute(
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
        with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO vectors (fingerprint, sha, dim, vector) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (fingerprint, sha) DO NOTHING",
                rows,
            )

    def count(self, fingerprint: str | None = None) -> int:
        with self._lock:
            if fingerprint is None:
                row = self._conn.execute("SELECT count(*) AS n FROM vectors").fetchone()
            else:
                row = self._conn.execute(
                    "SELECT count(*) AS n FROM vectors WHERE fingerprint = %s", (fingerprint,)
                ).fetchone()
        return int(row["n"])

    def close(self) -> None:
        self._conn.close()
