"""BM25 index benchmark: incremental sync vs full rebuild, and query latency (a script, not a test).

    python -m eval.bench_lexical --sizes 60000 600000 [--adds 10] [--out FILE.json]

Every size N runs in its own subprocess (its own peak memory). N synthetic chunks are made from the bundled sample
disclosure cut into 60 evenly spaced 200-character pieces (one "document" = 60 chunks) with an org and year prefix and
every number scaled per document, so that texts and numbers differ between documents. Measured per N:

- tokenising all N texts (union tokeniser, the dominant cost of any full rebuild), once; both full builds below then
  reuse these tokens and report tokenising + indexing;
- the previous implementation's full rebuild (bm25s index + save), which was also its cost of adding one document;
- the segmented index: full build, reopen, a no-op sync step (`is_current`), `--adds` times adding one new document
  (`is_current` + `build` with the full list, as `SearchIndex.sync` calls them; real tokenising of the 60 new chunks;
  merges included), removing one document, changing one document;
- query latency p50/p95 (60 seed questions, k=40) unfiltered and with `allowed` = one document (60 ids) and ten
  documents (600 ids), for the segmented index (after the adds/removal: several segments, tombstones) and for the
  previous bm25s search code on the same texts.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

import index.search.lexical as lexical
from index.search.lexical import LexicalIndex, expand_query, tokenize

SAMPLE = Path(str(resources.files("index") / "samples")) / "wuchang_rongmeiti_2023.txt"
SEED = Path(__file__).parent / "seed.jsonl"
DISTRICTS = ["武昌", "江岸", "江汉", "硚口", "汉阳", "洪山", "青山", "东西湖", "蔡甸", "江夏", "黄陂", "新洲", "汉南"]
UNITS = ["融媒体中心", "教育局", "卫生健康委员会", "城市管理执法局", "财政局", "民政局", "文化和旅游局", "统计局"]
_NUM = re.compile(r"\d+(?:\.\d+)?")


def pieces(count: int = 60, size: int = 200) -> list[str]:
    """`count` pieces of `size` characters, evenly spaced over the sample (they overlap)."""
    text = re.sub(r"\s+", " ", SAMPLE.read_text(encoding="utf-8"))
    step = (len(text) - size) / (count - 1)
    return [text[round(i * step) : round(i * step) + size] for i in range(count)]


def document(j: int, base: Sequence[str]) -> list[tuple[str, str]]:
    """Synthetic document j: every base piece with another org/year and its numbers scaled."""
    org = f"{DISTRICTS[j % len(DISTRICTS)]}区{UNITS[(j // len(DISTRICTS)) % len(UNITS)]}"
    year = 2015 + j % 11
    scale = 1 + ((j * 7919) % 997) / 1000

    def number(m: re.Match[str]) -> str:
        s = m.group(0)
        decimals = len(s.split(".")[1]) if "." in s else 0
        return f"{float(s) * scale:.{decimals}f}"

    return [(f"doc{j}:{i}", f"{org}{year}年 {_NUM.sub(number, p)}") for i, p in enumerate(base)]


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def latency(search: Callable[[str], Any], queries: Sequence[str]) -> dict[str, float]:
    for q in queries:  # warm (page cache of memory-mapped postings, df cache is not part of the state we time)
        search(q)
    ms = [timed(lambda q=q: search(q))[1] * 1000 for q in queries]  # type: ignore[misc]
    return {"p50": round(statistics.median(ms), 2), "p95": round(pct(ms, 95), 2)}


def old_search(retriever: Any, ids: list[str], query: str, k: int, allowed: set[str] | None) -> list[Any]:
    """The previous `LexicalIndex.search` (bm25s scores, allowed mask by testing every id)."""
    tokens = [t for t in tokenize(expand_query(query)) if t in retriever.vocab_dict]
    if not tokens:
        return []
    scores = np.asarray(retriever.get_scores(tokens), dtype=np.float32)
    if allowed is not None:
        mask = np.fromiter((cid in allowed for cid in ids), dtype=bool, count=len(ids))
        scores = np.where(mask, scores, 0.0)
    order = np.argsort(-scores, kind="stable")[:k]
    return [(ids[i], float(scores[i])) for i in order if scores[i] > 0]


def run_one(n: int, adds: int, work: Path) -> dict[str, Any]:
    import bm25s

    base = pieces()
    per_doc = len(base)
    docs = (n + per_doc - 1) // per_doc
    items = [it for j in range(docs) for it in document(j, base)][:n]
    queries = [json.loads(line)["question"] for line in SEED.read_text(encoding="utf-8").splitlines() if line][:60]
    tokenize("预热")  # jieba start-up is not part of any figure
    out: dict[str, Any] = {"chunks": len(items), "chunks_per_doc": per_doc}

    cache: dict[str, list[str]] = {}
    t = time.perf_counter()
    for _, text in items:
        cache[text] = [sys.intern(w) for w in tokenize(text)]
    out["tokenize_s"] = time.perf_counter() - t
    out["signature_s"] = timed(lambda: LexicalIndex.signature_of(items, lexical.DEFAULT_TOKENIZER))[1]

    # the previous implementation: bm25s over every text, saved
    def old_build() -> Any:
        retriever = bm25s.BM25()
        retriever.index([cache[text] or ["\u2205"] for _, text in items], show_progress=False)
        retriever.save(str(work / "old"), show_progress=False)
        return retriever

    retriever, out["old_index_s"] = timed(old_build)
    old_ids = [cid for cid, _ in items]

    # the segmented index: full build from the cached tokens
    real_tokenize = lexical.tokenize
    lexical.tokenize = lambda text, tokenizer=lexical.DEFAULT_TOKENIZER: cache[text]
    folder = work / "new"
    index = LexicalIndex(folder)
    out["new_index_s"] = timed(lambda: index.build(items))[1]
    lexical.tokenize = real_tokenize
    index, out["open_s"] = timed(lambda: LexicalIndex(folder))
    out["noop_sync_s"] = timed(lambda: index.is_current(items))[1]

    add_build, add_sync, segs = [], [], []
    for r in range(adds):
        items = items + document(docs + r, base)
        current, check = timed(partial(index.is_current, items))
        assert not current
        build = timed(partial(index.build, items))[1]
        add_build.append(build)
        add_sync.append(check + build)
        segs.append(len(index._state.segments))
    out["add"] = {"build_s": add_build, "sync_s": add_sync, "segments": segs}
    removed = {cid for cid, _ in items if cid.startswith("doc3:")}
    items = [it for it in items if it[0] not in removed]
    out["remove_sync_s"] = sum(timed(fn)[1] for fn in (lambda: index.is_current(items), lambda: index.build(items)))
    items = [(cid, text + " 调整") if cid.startswith("doc5:") else (cid, text) for cid, text in items]
    out["change_sync_s"] = sum(timed(fn)[1] for fn in (lambda: index.is_current(items), lambda: index.build(items)))
    out["segments"] = len(index._state.segments)
    out["tombstones"] = sum(len(s.deleted) for s in index._state.segments)
    out["new_disk_mb"] = index.size_on_disk() / 1e6
    out["old_disk_mb"] = sum(p.stat().st_size for p in (work / "old").iterdir()) / 1e6

    one = {cid for cid, _ in items if cid.startswith("doc7:")}
    ten = {cid for cid, _ in items if cid.split(":")[0] in {f"doc{j}" for j in range(10, 20)}}
    out["query_ms"] = {
        "new_all": latency(lambda q: index.search(q, 40), queries),
        "new_one_doc": latency(lambda q: index.search(q, 40, one), queries),
        "new_ten_docs": latency(lambda q: index.search(q, 40, ten), queries),
        "old_all": latency(lambda q: old_search(retriever, old_ids, q, 40, None), queries),
        "old_one_doc": latency(lambda q: old_search(retriever, old_ids, q, 40, one), queries),
        "old_ten_docs": latency(lambda q: old_search(retriever, old_ids, q, 40, ten), queries),
    }
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def table(results: dict[int, dict[str, Any]]) -> str:
    sizes = sorted(results)
    head = "| | " + " | ".join(f"{results[n]['chunks']:,} chunks" for n in sizes) + " |"
    rows = [head, "| --- |" + " ---: |" * len(sizes)]

    def row(name: str, fn: Callable[[dict[str, Any]], str]) -> None:
        rows.append(f"| {name} | " + " | ".join(fn(results[n]) for n in sizes) + " |")

    def q(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: f"{r['query_ms'][key]['p50']:.1f} / {r['query_ms'][key]['p95']:.1f}"

    row("tokenise every chunk (s)", lambda r: f"{r['tokenize_s']:.1f}")
    row("old: full rebuild = add one doc (s)", lambda r: f"{r['tokenize_s'] + r['old_index_s']:.1f}")
    row("new: full build (s)", lambda r: f"{r['tokenize_s'] + r['new_index_s']:.1f}")
    row(
        "new: add one doc, sync step median / max (s)",
        lambda r: f"{statistics.median(r['add']['sync_s']):.2f} / {max(r['add']['sync_s']):.2f}",
    )
    row("new: of which `build` median (s)", lambda r: f"{statistics.median(r['add']['build_s']):.2f}")
    row("new: remove / change one doc, sync step (s)", lambda r: f"{r['remove_sync_s']:.2f} / {r['change_sync_s']:.2f}")
    row("new: no-op `is_current` / reopen (s)", lambda r: f"{r['noop_sync_s']:.2f} / {r['open_s']:.2f}")
    row("query p50 / p95 (ms), old: unfiltered", q("old_all"))
    row("new: unfiltered", q("new_all"))
    row("old: allowed = 1 doc (60 ids)", q("old_one_doc"))
    row("new: allowed = 1 doc", q("new_one_doc"))
    row("old: allowed = 10 docs (600 ids)", q("old_ten_docs"))
    row("new: allowed = 10 docs", q("new_ten_docs"))
    row("disk old / new (MB)", lambda r: f"{r['old_disk_mb']:.0f} / {r['new_disk_mb']:.0f}")
    row("peak RSS of the benchmark process (MB; token cache + both indexes)", lambda r: f"{r['peak_rss_mb']:,.0f}")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[60_000, 600_000])
    ap.add_argument("--adds", type=int, default=10)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        with tempfile.TemporaryDirectory(prefix="bench-lexical-") as tmp:
            print(json.dumps(run_one(args.one, args.adds, Path(tmp))))
        return
    results: dict[int, dict[str, Any]] = {}
    for n in args.sizes:
        cmd = [sys.executable, "-m", "eval.bench_lexical", "--one", str(n), "--adds", str(args.adds)]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        results[n] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{n}: {json.dumps(results[n])}", file=sys.stderr, flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(table(results))


if __name__ == "__main__":
    main()
