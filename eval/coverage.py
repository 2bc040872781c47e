"""Stated-figure coverage: is every figure a document writes in its fact table?

    python -m eval.coverage SET... [--library DIR] [--embedding hash] [--misses out.jsonl]

For every gold question with ``stated_in_doc: true`` and a numeric ``answer_value`` (the document writes the answer
outright: a direct lookup, a count, a stated rate), the figure must be among the facts extracted from that question's
document: same unit class (money compared in 万元, percentages in %, counts exactly) and the same value within the
precision the gold writes (``eval.score.numeric_match``). The answer engine cannot give a figure the table does not
hold, so this is the ceiling of every stated-figure answer. Reported overall, for the odd- and even-numbered excerpts
and for the seed document, with the misses listed (question, expected figure, the document's nearest facts).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval.run import EvalInputError, collect, half_of, ingest, open_library
from eval.score import numeric_match


@dataclass(frozen=True, slots=True)
class Miss:
    qid: str
    question: str
    expected: str
    doc: str


def stated_questions(questions: Iterable[Any]) -> list[Any]:
    """The gold questions whose answer the document states as a number, single-document ones only."""
    return [
        q for q in questions
        if q.gold.get("stated_in_doc") is True and q.gold.get("answer_value") is not None and len(q.docs) == 1
    ]  # fmt: skip


def covered(gold: dict[str, Any], facts: Sequence[Any]) -> bool:
    """Whether any fact gives the gold's figure (sign ignored: a stated 减少30万元 is the figure 30)."""
    probe = {**gold, "type": "delta"}  # compare magnitudes, whatever the question asks
    for fact in facts:
        if numeric_match(probe, fact.value, fact.unit)[0]:
            return True
        if fact.share is not None and numeric_match(probe, fact.share, "%")[0]:
            return True
        cmp = fact.comparison
        if cmp is not None:
            if cmp.amount is not None and numeric_match(probe, cmp.amount, fact.unit)[0]:
                return True
            if cmp.rate is not None and numeric_match(probe, cmp.rate, "%")[0]:
                return True
    return False


def measure(sets: Sequence[Path], *, library: Path | None, embedding: str | None) -> dict[str, Any]:
    questions = stated_questions(collect(sets))
    docs = sorted({p for q in questions for p in q.docs})
    lib = open_library(library, docs, embedding or "hash")
    try:
        doc_ids, errors = ingest(lib, docs)
        facts = {path: lib.facts(doc_id=doc_id) for path, doc_id in doc_ids.items()}
    finally:
        lib.close()
    by_half: dict[str, list[bool]] = {}
    misses: list[Miss] = []
    for q in questions:
        path = q.docs[0]
        ok = path not in errors and covered(q.gold, facts.get(path, []))
        by_half.setdefault(half_of(q.gold), []).append(ok)
        if not ok:
            expected = f"{q.gold['answer_value']}{q.gold.get('answer_unit') or ''}"
            misses.append(Miss(q.key, q.gold["question"], expected, path.name))
    total = [ok for oks in by_half.values() for ok in oks]
    return {
        "n": len(total),
        "covered": sum(total),
        "coverage": sum(total) / len(total) if total else None,
        "by_half": {h: {"n": len(v), "covered": sum(v), "coverage": sum(v) / len(v)} for h, v in sorted(by_half.items())},
        "misses": [asdict(m) for m in misses],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.coverage", description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--library", type=Path)
    parser.add_argument("--embedding", default="hash", help="only chunks need it; facts do not depend on it")
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args(argv)
    try:
        result = measure(args.sets, library=args.library, embedding=args.embedding)
    except EvalInputError as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2
    print(f"stated-figure coverage: {result['covered']}/{result['n']} = {result['coverage']:.1%}")
    for half, row in result["by_half"].items():
        print(f"  {half}: {row['covered']}/{row['n']} = {row['coverage']:.1%}")
    for m in result["misses"]:
        print(f"  miss {m['qid']} ({m['doc']}): {m['question']} — expected {m['expected']}")
    if args.json is not None:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
