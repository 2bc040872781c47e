"""The hybrid search as a LangChain retriever: `Document`s whose metadata carry the full citation."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.search.hybrid import Hit, SearchIndex


def hit_to_document(hit: Hit) -> Document:
    c = hit.chunk
    return Document(
        page_content=c.text,
        id=c.chunk_id,
        metadata={
            "doc_id": c.doc_id,
            "title": c.title,
            "org": c.org,
            "year": c.year,
            "kind": c.kind,
            "section": c.section,
            "page": c.page,
            "start": c.start,
            "end": c.end,
            "chunk_id": c.chunk_id,
            "score": hit.score,
            "dense_rank": hit.dense_rank,
            "lexical_rank": hit.lexical_rank,
        },
    )


class BudgetRetriever(BaseRetriever):
    """Fused dense + BM25 search over a `SearchIndex`, optionally restricted by org, year, kind, section or documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: SearchIndex
    k: int = 5
    org: str | None = None
    year: int | None = None
    kind: str | None = None
    section: str | None = None
    doc_ids: list[str] | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        filters: dict[str, Any] = {
            "org": self.org, "year": self.year, "kind": self.kind, "section": self.section, "doc_ids": self.doc_ids,
        }  # fmt: skip
        filters.update({key: value for key, value in kwargs.items() if key in filters})
        k = int(kwargs.get("k", self.k))
        return [hit_to_document(h) for h in self.index.search(query, k, **filters)]
