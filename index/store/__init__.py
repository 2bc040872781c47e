"""Store: where documents, sections, chunks, facts and findings are kept.

- records: the `Records` interface and the SQL its backends share (imports no backend)
- sqlite: the default backend, one SQLite file in the library folder; postgres: a shared PostgreSQL server
- db: the schema and row <-> dataclass conversion
- fsutil: atomic file writes and why a write failed; crashpoint: named crash points for the crash tests

A backend is chosen by index.backends; the library façade (index.library) is what callers use.
"""
