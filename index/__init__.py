"""Ingestion and search of budget disclosures; knows nothing of questions (qa depends on index, never the reverse).

A figure's way through: read/ (a file -> normalised text) -> extract/ (sections, chunks, Facts, findings) -> store/
(the fact table) -> search/ (vectors + BM25 over the chunks). At the top: the vocabulary every stage shares (types,
errors, units, metrics), the library façade (library: `Library`), the backend factory (backends) and ingest progress.
"""
