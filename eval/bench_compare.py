"""Whether two benchmark runs answered alike: the answers of `eval.bench` size runs (``--work DIR``), e.g. the same
size on SQLite and on PostgreSQL.

    python -m eval.bench_compare SQLITE_WORK/n1000.json PG_WORK/n1000.json

Counts the gold questions with the identical answer (kind, value, unit, refusal and text: `eval.bench.signature`)
and the same kind/value/unit/refusal, and lists the others.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from eval.bench import signature


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    common = sorted(set(a) & set(b))
    same = [q for q in common if signature(a[q]) == signature(b[q])]
    value = [q for q in common if signature(a[q])[:4] == signature(b[q])[:4]]
    return {
        "questions": len(common), "identical": len(same), "same_value": len(value),
        "different": [q for q in common if q not in same],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2:
        print(__doc__)
        return 2
    a, b = (json.loads(Path(p).read_text("utf-8"))["answers"] for p in args)
    out = compare(a, b)
    print(
        f"{out['identical']}/{out['questions']} 题答案逐字相同，{out['same_value']}/{out['questions']} 题类型、数值、单位、"
        f"拒答相同" + (f"；不同：{', '.join(out['different'])}" if out["different"] else "")
    )
    return 0 if not out["different"] else 1


if __name__ == "__main__":
    sys.exit(main())
