from __future__ import annotations

from pathlib import Path

from langchain_core.documents import Document

from index.search.embed import HashEmbeddings
from index.search.hybrid import SearchIndex
from index.types import Chunk
from qa.execute.retriever import BudgetRetriever

CHUNKS = [
    Chunk(
        "a:0",
        "a",
        "公务接待费30万元",
        "三、三公经费 > （三）公务接待费",
        120,
        129,
        3,
        "甲局",
        2023,
        "预算",
        "甲局2023年部门预算",
    ),
    Chunk("b:0", "b", "公务接待费12万元", "二、三公经费", 40, 49, None, "乙中学", 2022, "决算", "乙中学2022年决算"),
]


def test_documents_carry_the_full_citation(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path, HashEmbeddings())
    index.sync(CHUNKS)
    docs = BudgetRetriever(index=index, k=1, org="甲局").invoke("招待费多少")
    assert len(docs) == 1 and isinstance(docs[0], Document)
    doc = docs[0]
    assert doc.page_content == "公务接待费30万元"
    meta = doc.metadata
    assert {k: meta[k] for k in ("doc_id", "title", "org", "year", "kind", "section", "page", "start", "end", "chunk_id")} == {
        "doc_id": "a", "title": "甲局2023年部门预算", "org": "甲局", "year": 2023, "kind": "预算",
        "section": "三、三公经费 > （三）公务接待费", "page": 3, "start": 120, "end": 129, "chunk_id": "a:0",
    }  # fmt: skip
    assert meta["score"] > 0


def test_filters_and_k(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path, HashEmbeddings())
    index.sync(CHUNKS)
    assert len(BudgetRetriever(index=index, k=5).invoke("公务接待费")) == 2
    assert [d.metadata["doc_id"] for d in BudgetRetriever(index=index, doc_ids=["b"]).invoke("公务接待费")] == ["b"]
    assert [d.metadata["year"] for d in BudgetRetriever(index=index, year=2022, kind="决算").invoke("接待")] == [2022]
    assert BudgetRetriever(index=index, kind="三公").invoke("公务接待费") == []
