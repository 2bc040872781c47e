"""Dense search in pgvector on the shared store: the same chunks as FAISS, filters in SQL, removal, a second
machine that embeds nothing, the HNSW plan, and many threads through the pool."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest

from eval.paths import corpus_dir
from index.library import Library, sample_path
from index.search.vectors_pg import PgVectorIndex, literal
from qa.ask import Agent

pytestmark = pytest.mark.pg

CORPUS = corpus_dir()
DOCS = [sample_path(), *sorted((CORPUS / "docs").glob("*.txt"))[:8]]
QUERIES = ["公务接待费为什么减少", "基本支出包括哪些", "政府采购预算", "项目支出主要用于", "三公经费", "人员经费"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, pg_server: Any) -> tuple[Library, Library]:
    """The same files in a SQLite library (FAISS) and a PostgreSQL one (pgvector)."""
    name = "pgvector_pair"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    root = tmp_path_factory.mktemp("pgvector")
    lite = Library(root / "sqlite", embedding="hash")
    pg = Library(root / "pg", embedding="hash", store=pg_server.url_for(name))
    assert all(r.ok for r in lite.ingest(DOCS)) and all(r.ok for r in pg.ingest(DOCS))
    return lite, pg


def dense(lib: Library, query: str, k: int = 8, **filters: Any) -> list[str]:
    index = lib.search_index()
    allowed = index.allowed(**filters)
    from index.search.vectors import Scope

    scope = None
    if allowed is not None:
        docs = filters.get("doc_ids")
        scope = Scope(**{**filters, "doc_ids": None if docs is None else tuple(docs)})
    return [cid for cid, _ in index.vectors.search(query, k, allowed, scope)]


def test_the_dense_half_is_pgvector_with_an_hnsw_index(pair: tuple[Library, Library]) -> None:
    _, pg = pair
    vectors = pg.search_index().vectors
    assert isinstance(vectors, PgVectorIndex) and vectors.index_type == "pgvector-hnsw"
    assert len(vectors) == len(pg.chunks())
    assert not any((pg.home / "index").glob("vector*"))  # no FAISS file, no local vector cache
    q = literal(vectors.query_vector("公务接待费"))
    with psycopg.connect(pg.store_url or "") as conn:
        conn.execute("SET enable_seqscan = off")  # a few hundred rows: without this the planner scans anyway
        plan = " ".join(
            r[0]
            for r in conn.execute(
                f"EXPLAIN SELECT chunk_id FROM {vectors.table} ORDER BY embedding <=> %s LIMIT 5", (q,)
            )
        )
    assert f"{vectors.table}_hnsw" in plan


def test_scoped_dense_search_finds_what_faiss_finds(pair: tuple[Library, Library]) -> None:
    """Scoped queries are exact in both: the same chunks in the same order, whatever the filter."""
    lite, pg = pair
    doc = lite.documents()[0]
    some = lite.facts()[0]
    scopes: list[dict[str, Any]] = [
        {"doc_ids": [doc["doc_id"]]},
        {"doc_ids": [d["doc_id"] for d in lite.documents()[:3]]},
        {"org": some.org},
        {"year": some.year, "kind": some.kind},
        {"kind": lite.documents()[-1]["kind"]},
        {"section": lite.chunks([doc["doc_id"]])[0].section.split(" > ")[0]},
    ]
    for filters in scopes:
        allowed = lite.search_index().allowed(**filters)
        assert allowed, filters
        for query in QUERIES:
            got = dense(pg, query, **filters)
            assert got == dense(lite, query, **filters), (filters, query)
            assert set(got) <= allowed


def test_unscoped_search_agrees_with_faiss_and_hybrid_answers_match(pair: tuple[Library, Library]) -> None:
    lite, pg = pair
    for query in QUERIES:
        assert dense(pg, query) == dense(lite, query), query  # HNSW finds the exact top 8 at this size
        assert [h.chunk for h in pg.search_index().search(query, 5)] == [
            h.chunk for h in lite.search_index().search(query, 5)
        ]


def test_filters_that_match_nothing_return_nothing(pair: tuple[Library, Library]) -> None:
    _, pg = pair
    assert dense(pg, "公务接待费", org="没有这个单位") == []
    assert dense(pg, "公务接待费", doc_ids=[]) == []
    assert pg.search_index().search("公务接待费", 5, year=1900) == []


def test_removal_removes_the_vectors_for_every_machine(pg_url: str, tmp_path: Path) -> None:
    one = Library(tmp_path / "one", embedding="hash", store=pg_url)
    two = Library(tmp_path / "two", embedding="hash", store=pg_url)
    results = one.ingest([sample_path(), CORPUS / "docs" / "005.txt"])
    gone = results[0].doc_id
    assert gone and two.search_index().search("公务接待费", 3)
    vectors = one.search_index().vectors
    before, theirs = len(vectors), len(one.chunks([gone]))
    assert one.remove(gone)
    assert len(vectors) == before - theirs == len(one.chunks())
    assert not [c for c in vectors.ids if c.startswith(gone)]  # the cascade took them with the document
    for lib in (one, two):
        hits = lib.search_index().search("公务接待费为什么减少", 10)
        assert hits and all(h.chunk.doc_id != gone for h in hits)


def test_a_second_machine_embeds_and_inserts_nothing(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.search import vectors, vectors_pg

    embedded: list[int] = []
    inserted: list[int] = []
    real_embed, real_add = vectors.embed_passages, vectors_pg.PgVectorIndex.add

    def counting_embed(embeddings: Any, texts: list[str]) -> Any:
        embedded.append(len(texts))
        return real_embed(embeddings, texts)

    def counting_add(self: PgVectorIndex, items: Any, progress: Any = None) -> int:
        n = real_add(self, items, progress)
        inserted.append(n)
        return n

    monkeypatch.setattr(vectors, "embed_passages", counting_embed)
    monkeypatch.setattr(vectors_pg.PgVectorIndex, "add", counting_add)
    one = Library(tmp_path / "one", embedding="hash", store=pg_url)
    one.ingest([sample_path(), CORPUS / "docs" / "005.txt", CORPUS / "docs" / "009.txt"])
    paid, rows = sum(embedded), sum(inserted)
    assert paid == rows == len(one.chunks()) > 50
    two = Library(tmp_path / "two", embedding="hash", store=pg_url)  # another folder: another machine
    two.sync_index()
    assert (sum(embedded), sum(inserted)) == (paid, rows)
    doc = one.documents()[0]["doc_id"]
    for query in QUERIES:
        assert [h.chunk for h in two.search_index().search(query, 5)] == [
            h.chunk for h in one.search_index().search(query, 5)
        ]
        assert [h.chunk for h in two.search_index().search(query, 5, doc_ids=[doc])] == [
            h.chunk for h in one.search_index().search(query, 5, doc_ids=[doc])
        ]


def test_exact_scoped_search_is_the_true_nearest(pair: tuple[Library, Library]) -> None:
    """Against numpy over the scope's vectors (cosine): the SQL plan is exact for a narrow scope."""
    _, pg = pair
    index = pg.search_index()
    vectors = index.vectors
    doc_id = pg.documents()[1]["doc_id"]
    ids = sorted(index.allowed(doc_ids=[doc_id]) or ())
    cache = vectors.cache
    matrix = np.stack([cache.get(vectors.fingerprint, [vectors.sha_of(c)])[vectors.sha_of(c)] for c in ids])
    q = vectors.query_vector(QUERIES[0])
    cos = matrix @ q / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(q))
    expected = [ids[i] for i in np.argsort(-cos, kind="stable")[:5]]
    assert dense(pg, QUERIES[0], 5, doc_ids=[doc_id]) == expected


def test_twenty_threads_share_the_pool(pair: tuple[Library, Library]) -> None:
    """Twenty concurrent askers on one PostgreSQL library: no errors, the answers a single asker gets."""
    lite, pg = pair
    questions = [json.loads(line)["question"] for line in Path("eval/seed.jsonl").read_text("utf-8").splitlines()][:20]
    doc_id = lite.resolve_doc(sample_path().name)
    alone = Agent(lite)
    expected = {q: alone.ask(q, doc_ids=[doc_id]).to_json() for q in questions}
    agent = Agent(pg)
    got: dict[str, Any] = {}
    errors: list[BaseException] = []

    def ask(q: str) -> None:
        try:
            got[q] = agent.ask(q, doc_ids=[doc_id]).to_json()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    pool: Any = pg.records.pool  # type: ignore[attr-defined]
    with pool.connection():  # one connection held meanwhile: the askers need others, so the pool must grow
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    for q in questions:
        got[q].pop("latency_ms", None), expected[q].pop("latency_ms", None)
        assert got[q] == expected[q], q
    assert pool.get_stats()["pool_size"] > 1


def test_langchains_pgvector_plugs_in_and_ranks_like_ours(pair: tuple[Library, Library], pg_server: Any) -> None:
    """LangChain's own PGVector (langchain-postgres) through the generic adapter, on the same server: the same
    unscoped ranking (both exact here: PGVector makes no HNSW index). Scoped queries are filtered after the fact by
    the adapter; `index.search.vectors_pg` says why the default path is plain SQL."""
    from langchain_postgres import PGVector

    from index.search.hybrid import SearchIndex
    from index.search.vectors_langchain import LangChainVectorStore

    _, pg = pair
    url = pg.store_url or ""
    engine_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    folder = pg.home / "langchain"
    ours = pg.search_index().vectors
    store = LangChainVectorStore.create(
        folder,
        ours.embeddings,
        lambda emb: PGVector(emb, connection=engine_url, collection_name="budgetqa"),
        ours.cache,
    )
    index = SearchIndex(folder, ours.embeddings, vector_store=store)
    index.sync(pg.chunks())
    assert len(store) == len(ours)
    for query in QUERIES:
        theirs = [cid for cid, _ in store.search(query, 8)]
        assert theirs == [cid for cid, _ in ours.search(query, 8)], query
