"""Parsing cost against document size: is reading a disclosure linear in its length?

    python -m eval.bench_parse [--sizes 1 2 4 8] [--corpus DIR]

For each size (MB of UTF-8 text) a document is made by repeating the corpus excerpts up to that size, then normalised,
split into sections and chunks, read for facts and checked (``index.extract.pipeline.analyse``), each size in a fresh
process so that its peak memory is its own. Prints time, facts, findings and peak RSS per size and the time per MB;
a linear parser keeps the time per MB flat as the size doubles.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from eval.paths import corpus_dir


def one(size_mb: float, corpus: Path) -> dict[str, float]:
    from index.extract.pipeline import analyse
    from index.read.document import build_document
    from index.types import RawDocument

    base = "\n".join(p.read_text("utf-8") for p in sorted((corpus / "docs").glob("*.txt")))
    chars = int(size_mb * 1024 * 1024 / 3)  # Chinese text: about three bytes a character
    text = (base * (chars // len(base) + 1))[:chars]
    started = time.perf_counter()
    doc = build_document(RawDocument(path="bench.txt", text=text), "bench", "bench.txt")
    built = time.perf_counter()
    result = analyse(doc)
    done = time.perf_counter()
    return {
        "mb": size_mb, "chars": len(text), "normalise_s": round(built - started, 2),
        "analyse_s": round(done - built, 2), "facts": len(result.facts), "findings": len(result.findings),
        "chunks": len(result.chunks), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_parse", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1, 2, 4, 8])
    parser.add_argument("--corpus", type=Path, default=corpus_dir())
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(one(args.one, args.corpus)))
        return 0
    print("| MB | characters | normalise s | analyse s | s per MB | facts | findings | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, "-m", "eval.bench_parse", "--one", str(size), "--corpus", str(args.corpus)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        total = r["normalise_s"] + r["analyse_s"]
        print(
            f"| {size:g} | {r['chars']:,} | {r['normalise_s']} | {r['analyse_s']} | {total / size:.2f} | "
            f"{r['facts']:,} | {r['findings']:,} | {r['peak_rss_mb']} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
