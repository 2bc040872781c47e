from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.errors import EmbeddingMismatch
from index.search.embed import HashEmbeddings
from index.search.vectors import VectorIndex

TEXTS = {
    "a:0": "公务接待费30万元，比上年减少5万元",
    "a:1": "公务用车保有量2辆",
    "a:2": "项目支出300万元，占比39.6%",
    "b:0": "因公出国(境)费0万元",
    "b:1": "编制人数12人，在职人数10人",
}


class CountingEmbeddings(HashEmbeddings):
    def __init__(self, dim: int = 64) -> None:
        super().__init__(dim)
        self.embedded: list[str] = []

    def _embed_batch(self, texts: list[str], *, query: bool) -> np.ndarray:
        if not query:
            self.embedded.extend(texts)
        return super()._embed_batch(texts, query=query)


def build(folder: Path, emb: HashEmbeddings | None = None, **kwargs: int) -> VectorIndex:
    index = VectorIndex(folder, emb or CountingEmbeddings(), **kwargs)  # type: ignore[arg-type]
    index.add(list(TEXTS.items()))
    index.save()
    return index


def test_round_trip_without_pickle(tmp_path: Path) -> None:
    index = build(tmp_path)
    before = index.search("公务接待费", 3)
    assert before[0][0] == "a:0"
    again = VectorIndex(tmp_path, HashEmbeddings())
    assert again.ids == set(TEXTS) and again.index_type == "flat"
    assert again.search("公务接待费", 3) == before
    meta = json.loads((tmp_path / "vectors.json").read_text("utf-8"))
    assert meta["fingerprint"] == HashEmbeddings().fingerprint and meta["dim"] == 64 and meta["ntotal"] == 5
    assert not list(tmp_path.glob("*.pkl")) and not list(tmp_path.glob("*.tmp"))


def test_incremental_add_remove_and_replace(tmp_path: Path) -> None:
    emb = CountingEmbeddings()
    index = build(tmp_path, emb)
    assert index.add([("a:0", TEXTS["a:0"])]) == 0  # same text: nothing to do
    assert index.remove(["a:0", "zzz"]) == 1
    assert "a:0" not in {cid for cid, _ in index.search("公务接待费", 5)}
    assert index.add([("a:1", "公务接待费40万元")]) == 1  # changed text replaces the old vector
    index.save()
    reopened = VectorIndex(tmp_path, HashEmbeddings())
    assert reopened.ids == set(TEXTS) - {"a:0"}
    assert reopened.search("公务接待费40万元", 1)[0][0] == "a:1"


def test_nothing_is_embedded_twice(tmp_path: Path) -> None:
    emb = CountingEmbeddings()
    build(tmp_path, emb)
    assert sorted(emb.embedded) == sorted(TEXTS.values())
    for name in ("vectors.faiss", "vectors.json"):
        (tmp_path / name).unlink()
    emb2 = CountingEmbeddings()
    rebuilt = build(tmp_path, emb2)  # rebuild after the index is gone: every vector from the cache
    assert emb2.embedded == [] and len(rebuilt) == 5
    index = VectorIndex(tmp_path, emb2)
    index.remove(["b:1"])
    index.add([("b:1", TEXTS["b:1"])])  # re-ingest of the same text
    assert emb2.embedded == []


def test_hnsw_past_threshold_reuses_cache_and_supports_remove(tmp_path: Path) -> None:
    emb = CountingEmbeddings()
    index = VectorIndex(tmp_path, emb, hnsw_threshold=4)
    index.add(list(TEXTS.items())[:3])
    assert index.index_type == "flat"
    index.add(list(TEXTS.items())[3:])
    assert index.index_type == "hnsw"
    assert index.search("公务用车保有量", 1)[0][0] == "a:1"
    index.remove(["a:1"])  # HNSW can't delete: rebuilt from the cache
    assert index.index_type == "hnsw" and "a:1" not in {c for c, _ in index.search("公务用车保有量", 5)}
    index.remove(["a:2"])
    assert index.index_type == "flat"
    assert len(emb.embedded) == len(TEXTS)
    index.save()
    assert VectorIndex(tmp_path, HashEmbeddings(), hnsw_threshold=4).ids == {"a:0", "b:0", "b:1"}


def test_filtered_search_only_returns_allowed(tmp_path: Path) -> None:
    index = build(tmp_path)
    hits = index.search("公务接待费", 5, allowed={"b:0", "b:1"})
    assert {c for c, _ in hits} == {"b:0", "b:1"}
    assert index.search("公务接待费", 5, allowed=set()) == []
    hnsw = VectorIndex(tmp_path / "h", HashEmbeddings(), hnsw_threshold=1)
    hnsw.add(list(TEXTS.items()))
    assert {c for c, _ in hnsw.search("公务", 5, allowed={"a:2"})} == {"a:2"}


def test_wrong_embedding_raises_chinese_mismatch(tmp_path: Path) -> None:
    build(tmp_path)
    with pytest.raises(EmbeddingMismatch) as err:
        VectorIndex(tmp_path, HashEmbeddings(dim=32))
    message = str(err.value)
    assert HashEmbeddings().fingerprint in message and HashEmbeddings(32).fingerprint in message
    assert "重建" in message
    rebuilt = VectorIndex(tmp_path, HashEmbeddings(dim=32), rebuild=True)
    rebuilt.add(list(TEXTS.items()))
    rebuilt.save()
    assert VectorIndex(tmp_path, HashEmbeddings(dim=32)).dim == 32


def test_index_file_lost_is_rebuilt_from_cache(tmp_path: Path) -> None:
    build(tmp_path)
    (tmp_path / "vectors.faiss").unlink()
    emb = CountingEmbeddings()
    index = VectorIndex(tmp_path, emb)
    assert len(index) == 5 and emb.embedded == [] and (tmp_path / "vectors.faiss").exists()
    assert index.search("编制人数", 1)[0][0] == "b:1"
