"""Ingest cost against file size, end to end: a text file on disk through `Library.ingest` with the hash embedding.

    python -m eval.bench_ingest [--sizes 1 4 8] [--encoding utf-8] [--corpus DIR]

For each size (MB of the file) a text file is made by repeating the corpus excerpts up to that size and ingested into a
fresh library, each size in a fresh process so that its peak memory is its own. Prints the wall time, the time spent in
each stage (as `Library.ingest` reports them), the resident memory before the ingest and at its peak, and the facts.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eval.paths import corpus_dir


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_file(path: Path, size_mb: float, corpus: Path, encoding: str) -> None:
    base = "\n".join(p.read_text("utf-8") for p in sorted((corpus / "docs").glob("*.txt")))
    data = base.encode(encoding)
    want = int(size_mb * 1024 * 1024)
    with path.open("wb") as fh:
        written = 0
        while written < want:
            part = data[: want - written]
            if len(part) < len(data):  # cut at a line end, never inside a character
                part = part[: part.rfind(b"\n") + 1] or part
                if not part.strip():
                    break
            fh.write(part)
            written += len(part)
            if len(part) < len(data):
                break


def one(size_mb: float, corpus: Path, encoding: str) -> dict[str, object]:
    import index.extract.pipeline  # noqa: F401  (imports before the baseline)
    from index.library import Library
    from index.progress import Step

    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / f"bench_{size_mb:g}mb.txt"
        make_file(file, size_mb, corpus, encoding)
        lib = Library(Path(tmp) / "lib", embedding="hash")
        lib.count_documents()
        marks: list[tuple[str, float]] = []  # (stage, when it started)

        def progress(step: Step) -> None:
            marks.append((step.stage + (f"（{step.detail}）" if step.detail else ""), time.perf_counter()))

        before = _rss_mb()
        started = time.perf_counter()
        results = lib.ingest([file], progress=progress)
        elapsed = time.perf_counter() - started
        marks.append(("", time.perf_counter()))
        stages: dict[str, float] = {}
        for (stage, since), (_, until) in itertools.pairwise(marks):
            name = stage.split("：")[0].split("（")[0] if stage.startswith(("向量化", "写入资料库")) else stage
            stages[name] = stages.get(name, 0.0) + until - since
        lib.close()
        r = results[0]
        return {
            "mb": size_mb, "bytes": file.stat().st_size, "ok": r.ok, "message": r.message[:80], "seconds": round(elapsed, 1),
            "stages": {k: round(v, 1) for k, v in stages.items() if v >= 0.05}, "facts": r.facts, "chunks": r.chunks,
            "rss_before_mb": round(before), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_ingest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1, 4, 8])
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--corpus", type=Path, default=corpus_dir())
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(one(args.one, args.corpus, args.encoding), ensure_ascii=False))
        return 0
    print("| MB | encoding | seconds | RSS before MB | peak RSS MB | chunks | facts | stages (s) |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, "-m", "eval.bench_ingest", "--one", str(size), "--encoding", args.encoding,
             "--corpus", str(args.corpus)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        stages = ", ".join(f"{k} {v}" for k, v in r["stages"].items())
        note = "" if r["ok"] else f" (未导入：{r['message']})"
        print(
            f"| {size:g} | {args.encoding} | {r['seconds']} | {r['rss_before_mb']} | {r['peak_rss_mb']} | "
            f"{r['chunks']:,} | {r['facts']:,} | {stages}{note} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
