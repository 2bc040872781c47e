"""BM25 in the library folder against PostgreSQL full-text search with the same tokens: does the lexical half move?

    python -m eval.bench_fts --library DIR   # a library on a PostgreSQL store (e.g. one `eval.bench --store` built)

Builds a ``tsvector`` per chunk from exactly the tokens BM25 indexes (`index.search.lexical.tokenize` of the passage,
``array_to_tsvector``, GIN index) in a scratch table of the store, then asks 60 gold questions both ways, unscoped
and scoped to one document: the query's tokens OR-ed, ranked by ``ts_rank``. Prints the build time, the latency
p50/p95 of each, and how far the rankings agree with BM25 (top-8 overlap, same top hit).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from eval.bench import p50_p95, real_gold


def tsquery(tokens: list[str]) -> str:
    return " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in dict.fromkeys(tokens))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_fts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--k", type=int, default=8)
    args = parser.parse_args(argv)
    from index.library import Library
    from index.search.hybrid import passage_text
    from index.search.lexical import expand_query, tokenize

    lib = Library(args.library)
    if not lib.store_url:
        parser.error("这个资料库不在 PostgreSQL 存储上（--library 需要用 --store 建立的资料库）")
    index = lib.search_index()
    pool: Any = lib.records.pool  # type: ignore[attr-defined]
    chunks = lib.chunks()
    started = time.perf_counter()
    rows = [
        (c.chunk_id, c.doc_id, tokenize(passage_text(c, index.lexical_section), index.lexical.tokenizer))
        for c in chunks
    ]
    tokenise_s = time.perf_counter() - started
    with pool.connection() as conn:
        conn.execute("DROP TABLE IF EXISTS fts_probe")
        conn.execute(
            'CREATE TABLE fts_probe (chunk_id TEXT COLLATE "C" PRIMARY KEY, doc_id TEXT COLLATE "C", tsv tsvector)'
        )
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany("INSERT INTO fts_probe VALUES (%s, %s, array_to_tsvector(%s::text[]))", rows)
        conn.execute("CREATE INDEX ON fts_probe USING gin (tsv)")
        conn.execute("CREATE INDEX ON fts_probe (doc_id)")
        conn.execute("ANALYZE fts_probe")
        build_s = time.perf_counter() - started
    seed = next((d["doc_id"] for d in lib.documents() if d["source"] == "wuchang_rongmeiti_2023.txt"), None)
    questions = [g["question"] for g in real_gold()][:60]
    result: dict[str, dict[str, list[float]]] = {}
    for scope in ("all", "one_doc"):
        allowed = index.allowed(doc_ids=[seed]) if scope == "one_doc" and seed else None
        times: dict[str, list[float]] = {"bm25": [], "fts": [], "overlap": [], "same_top": []}
        for q in questions:
            t0 = time.perf_counter()
            bm25 = [cid for cid, _ in index.lexical.search(q, args.k, allowed)]
            times["bm25"].append((time.perf_counter() - t0) * 1000)
            terms = tsquery(tokenize(expand_query(q), index.lexical.tokenizer))
            sql = (
                "SELECT chunk_id FROM fts_probe WHERE tsv @@ %(q)s::tsquery"
                + (" AND doc_id = %(doc)s" if allowed is not None else "")
                + " ORDER BY ts_rank(tsv, %(q)s::tsquery) DESC, chunk_id LIMIT %(k)s"
            )
            t0 = time.perf_counter()
            with pool.connection() as conn:
                fts = [r["chunk_id"] for r in conn.execute(sql, {"q": terms, "doc": seed, "k": args.k}).fetchall()]
            times["fts"].append((time.perf_counter() - t0) * 1000)
            times["overlap"].append(len(set(bm25) & set(fts)) / max(1, len(bm25)))
            times["same_top"].append(float(bool(bm25) and bool(fts) and bm25[0] == fts[0]))
        result[scope] = times
    with pool.connection() as conn:
        conn.execute("DROP TABLE fts_probe")
    print(f"{len(chunks):,} chunks; tokenise {tokenise_s:.1f} s; tsvector table + GIN index {build_s:.1f} s")
    print("| scope | BM25 p50/p95 (ms) | FTS ts_rank p50/p95 (ms) | top-8 overlap with BM25 | same top hit |")
    print("|---|---:|---:|---:|---:|")
    for scope, t in result.items():
        b, f = p50_p95(t["bm25"]), p50_p95(t["fts"])
        print(
            f"| {scope} | {b['p50']:.1f} / {b['p95']:.1f} | {f['p50']:.1f} / {f['p95']:.1f} | "
            f"{statistics.mean(t['overlap']):.2f} | {statistics.mean(t['same_top']):.2f} |"
        )
    lib.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
