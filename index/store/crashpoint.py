"""Named crash points for the crash tests (`tests/unit/test_crash.py`, `eval/crash_bench.py`).

With ``BUDGETQA_CRASH_AT=<name>[:<n>]`` in the environment a process kills itself with SIGKILL the n-th time (the
first by default) it passes the point called <name>: a `kill -9` at an exact place, so a test needs no timing. Unset,
a point costs one environment lookup.

    commit      after a document's facts transaction commits (`Library.ingest`, once per new document)
    docstore    after the search index's chunk docstore is written
    faiss       between writing vectors.faiss and vectors.json
    vectors     after the vector index is saved
    segment     after a new BM25 segment is written, before lexical.json names it
    lexical     after the BM25 index is saved, before the index records its generation
"""

from __future__ import annotations

import os
import signal
from collections import Counter

POINTS = ("commit", "docstore", "faiss", "vectors", "segment", "lexical")
ENV = "BUDGETQA_CRASH_AT"
_passed: Counter[str] = Counter()


def crash_point(name: str) -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _passed[name] += 1
    if _passed[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
