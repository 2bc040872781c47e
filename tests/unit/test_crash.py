"""kill -9 during ingest, at every step from the facts commits to the index write: after reopening and ingesting the
same files again, every listed document is searchable and every answer is the one an uncrashed library gives."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eval.paths import corpus_dir
from index.library import Library
from index.store.crashpoint import ENV
from qa.ask import Agent

REPO = Path(__file__).resolve().parents[2]
NAMES = ("002.txt", "008.txt", "019.txt", "023.txt")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A handful of small disclosures from the shared corpus, with the dev questions about them."""
    folder = tmp_path_factory.mktemp("docs")
    for name in NAMES:
        (folder / name).write_bytes((corpus_dir() / "docs" / name).read_bytes())
    return folder


@pytest.fixture(scope="module")
def questions() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in (corpus_dir() / "qa_dev.jsonl").read_text("utf-8").splitlines() if line]
    return [
        (r["doc"].split("/")[-1], r["question"]) for r in rows if isinstance(r["doc"], str) and r["doc"][5:] in NAMES
    ]


def answers(lib: Library, questions: list[tuple[str, str]]) -> list[dict[str, Any]]:
    ids = {d["source"]: d["doc_id"] for d in lib.documents()}
    agent = Agent(lib)
    return [agent.ask(q, doc_ids=[ids[name]]).to_json() for name, q in questions]


@pytest.fixture(scope="module")
def expected(folder: Path, questions: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    lib = Library(tmp_path_factory.mktemp("uncrashed"), embedding="hash")
    lib.ingest([folder])
    return answers(lib, questions)


def ingest_killed_at(home: Path, folder: Path, point: str) -> int:
    """`budgetqa ingest folder --library home` in another process that kills itself (SIGKILL) at `point`."""
    env = {**os.environ, "BUDGETQA_EMBEDDING": "hash", ENV: point}
    cmd = [sys.executable, "-m", "qa.cli", "ingest", str(folder), "--library", str(home)]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, timeout=300).returncode


def searchable(lib: Library) -> set[str]:
    index = lib.search_index()
    return {d["doc_id"] for d in lib.documents() if index.search("经费", 1, doc_ids=[d["doc_id"]])}


@pytest.mark.parametrize(
    ("point", "preloaded"),
    [
        ("commit:2", False),  # half the documents committed
        ("commit:4", False),  # every document committed, nothing indexed
        ("docstore", False),
        ("faiss", False),  # vectors.faiss written, vectors.json not
        ("vectors", False),
        ("segment", False),  # BM25 segment written, lexical.json not
        ("lexical", False),  # everything written but the recorded generation
        ("commit:2", True),  # the same, over a library whose index already holds two documents
        ("faiss", True),
        ("segment", True),
    ],
)
def test_kill_during_ingest_then_reopen_and_ingest_again(
    point: str, preloaded: bool, folder: Path, questions: list[tuple[str, str]], expected: list[Any], tmp_path: Path
) -> None:
    home = tmp_path / "lib"
    if preloaded:
        Library(home, embedding="hash").ingest(sorted(folder.iterdir())[:2])
    assert ingest_killed_at(home, folder, point) == -9, "the ingest did not reach the crash point"

    reopened = Library(home, embedding="hash")  # the first search repairs what the crash left behind
    assert searchable(reopened) == {d["doc_id"] for d in reopened.documents()}

    results = reopened.ingest([folder])
    assert all(r.ok for r in results)
    assert len(reopened.documents()) == len(NAMES) and searchable(reopened) == {
        d["doc_id"] for d in reopened.documents()
    }
    assert reopened.index_status().current
    assert answers(reopened, questions) == expected
    conn = sqlite3.connect(home / "facts.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
