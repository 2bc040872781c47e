"""Stated-figure coverage: is every figure a document writes in its fact table?

    python -m eval.coverage SET... [--library DIR] [--embedding hash] [--misses out.jsonl]

For every gold question with ``stated_in_doc: true`` and a numeric ``answer_value`` (the document writes the answer
outright: a direct lookup, a count, a stated rate), the figure must be among the facts extracted from that question's
document: same unit class (money compared in 万元, percentages in %, counts exactly) and the same value within the
precision the gold writes (``eval.score.numeric_match``). The answer engine cannot give a figure the table does not
hold, so this is the ceiling of every stated-figure answer. Reported overall, for the odd- and even-numbered excerpts
and for the seed document, with the misses listed (question, expected figure, the document's nearest facts).

``--tokens`` measures the same without gold questions, so it holds for any document: every figure written with a unit
(``12.5万元``, ``3辆``, ``8批次``, ``15%``) and every bare decimal (a table cell such as ``| 0.56 |``) must be covered by a
fact: the fact's own figure, or a change, rate or share stated with it. The uncovered ones are printed with their line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
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


_FIGURE = re.compile(
    r"(?<![\d.,第])(\d[\d,]*(?:\.\d+)?)\s*(万元|亿元|千元|元|万人次|人次|批次|万人|人|名|辆|个|条|期|次|%|％|个百分点)"
    r"|(?<![\d.,第])(\d[\d,]*\.\d+)(?![\d.])"
)


def figure_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, as written) of every figure with a unit and of every bare decimal in a document's text."""
    out = []
    for m in _FIGURE.finditer(text):
        number = m.group(1) or m.group(3)
        if m.group(3) is not None and re.fullmatch(r"(?:19|20)\d{2}\.\d{1,2}", number):
            continue  # a date such as 2023.12
        out.append((m.start(), m.end(), m.group(0)))
    return out


def token_coverage(text: str, facts: Sequence[Any]) -> tuple[int, list[tuple[int, str]]]:
    """(figures in the text, the uncovered ones as (offset, written)). A figure is covered by a fact whose span
    overlaps it, or by a change/rate/share stated with a fact whose quote holds it."""
    spans = sorted((f.start, f.end) for f in facts)
    attached: set[str] = set()
    for f in facts:
        for extra in (
            f.share,
            f.comparison.amount if f.comparison else None,
            f.comparison.rate if f.comparison else None,
        ):
            if extra is not None:  # stored in 万元: written in 元, 万元 or 亿元
                attached.update(_plain(extra * factor) for factor in (1, 10000, Decimal("0.0001")))
    figures = figure_spans(text)
    missing = []
    import bisect

    for start, end, written in figures:
        i = bisect.bisect_left(spans, (end, end))
        overlap = any(s < end and e > start for s, e in spans[max(0, i - 8) : i])
        number = re.match(r"[\d,.]+", written)
        value = _plain(number.group(0).replace(",", "")) if number else ""
        if not overlap and value not in attached:
            missing.append((start, written))
    return len(figures), missing


def _plain(value: Any) -> str:
    d = Decimal(str(value)).normalize()
    return format(d, "f")


def measure_tokens(paths: Sequence[Path], *, library: Path | None) -> dict[str, Any]:
    lib = open_library(library, paths, "hash")
    per_doc: dict[str, Any] = {}
    try:
        doc_ids, errors = ingest(lib, paths)
        for path, doc_id in sorted(doc_ids.items()):
            doc = lib.document(doc_id)
            total, missing = token_coverage(doc.text, lib.facts(doc_id=doc_id))
            lines = [doc.text[max(0, doc.text.rfind("\n", 0, at) + 1) : at + 1 + len(w)][-60:] for at, w in missing]
            per_doc[path.name] = {
                "figures": total,
                "missing": [f"{w} ← {line}" for (at, w), line in zip(missing, lines, strict=True)],
            }
    finally:
        lib.close()
    halves: dict[str, list[int]] = {}
    for name, row in per_doc.items():
        stem = Path(name).stem
        half = ("odd" if int(stem) % 2 else "even") if stem.isdigit() else "seed"
        acc = halves.setdefault(half, [0, 0])
        acc[0] += row["figures"] - len(row["missing"])
        acc[1] += row["figures"]
    return {
        "by_half": {
            h: {"covered": c, "figures": n, "coverage": c / n if n else None} for h, (c, n) in sorted(halves.items())
        },
        "documents": per_doc,
        "failed": [p.name for p in errors],
    }


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
        "by_half": {
            h: {"n": len(v), "covered": sum(v), "coverage": sum(v) / len(v)} for h, v in sorted(by_half.items())
        },
        "misses": [asdict(m) for m in misses],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.coverage", description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--library", type=Path)
    parser.add_argument("--embedding", default="hash", help="only chunks need it; facts do not depend on it")
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--tokens", action="store_true", help="SETS are documents or folders: every written figure")
    parser.add_argument("--show", type=int, default=0, help="with --tokens: print up to N uncovered figures a document")
    args = parser.parse_args(argv)
    if args.tokens:
        paths = sorted({p for s in args.sets for p in (sorted(s.glob("*.txt")) if s.is_dir() else [s])})
        tokens = measure_tokens(paths, library=args.library)
        for half, row in tokens["by_half"].items():
            print(f"written-figure coverage {half}: {row['covered']}/{row['figures']} = {row['coverage']:.1%}")
        for name, row in tokens["documents"].items():
            if row["missing"] and args.show:
                print(f"  {name}: {len(row['missing'])}/{row['figures']} uncovered")
                for m in row["missing"][: args.show]:
                    print(f"    {m}")
        if args.json is not None:
            args.json.write_text(json.dumps(tokens, ensure_ascii=False, indent=1) + "\n", "utf-8")
        return 0
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
