from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from index.backends import get_embeddings
from index.errors import BudgetQAError
from index.search.embed import BudgetEmbeddings
from index.search.static_embed import TABLE_PATH, StaticEmbeddings, load_table


def _write_table(path: Path, tokens: list[str], dim: int = 8, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    vectors = rng.integers(-127, 128, size=(len(tokens), dim)).astype(np.int8)
    scales = np.full(len(tokens), 0.01, dtype=np.float32)
    np.savez_compressed(
        path, vectors=vectors, scales=scales, tokens=np.array("\n".join(tokens)),
        meta=np.array(json.dumps({"dim": dim})),
    )  # fmt: skip
    return path


@pytest.fixture
def small(tmp_path: Path) -> StaticEmbeddings:
    tokens = ["公", "务", "接", "待", "费", "车", "辆", "公务", "接待", "接待费", "公务接待费", "3", "0", "%"]
    return StaticEmbeddings(_write_table(tmp_path / "t.npz", tokens))


def test_vectors_are_deterministic_normalised_and_of_the_table_dim(small: StaticEmbeddings) -> None:
    assert isinstance(small, BudgetEmbeddings) and small.dim == 8
    a = small.embed_passages(["公务接待费30万元", "公务用车2辆"])
    assert a.shape == (2, 8) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(a[0], small.embed_query_array("公务接待费30万元"))
    assert np.array_equal(a, small.embed_passages(["公务接待费30万元", "公务用车2辆"]))
    assert not np.allclose(a[0], a[1])
    assert small.embed_documents([]) == []


def test_every_known_ngram_counts_and_unknown_characters_are_skipped(small: StaticEmbeddings) -> None:
    assert sorted(small.tokens("公务接待费")) == sorted(
        ["公", "务", "接", "待", "费", "公务", "接待", "接待费", "公务接待费"]
    )
    assert small.tokens("龘公务") == ["公", "务", "公务"]
    same = small.embed_passages(["公务", "龘公务𠀀"])
    np.testing.assert_allclose(same[0], same[1], rtol=1e-6)
    # traditional characters and full-width digits are folded before the lookup
    np.testing.assert_allclose(
        small.embed_query_array("公務接待費３０"), small.embed_query_array("公务接待费30"), rtol=1e-6
    )
    nothing = small.embed_passages(["", "龘𠀀 !?"])
    np.testing.assert_allclose(np.linalg.norm(nothing, axis=1), 1.0)
    assert np.array_equal(nothing[0], nothing[1])


def test_fingerprint_changes_with_the_table(tmp_path: Path) -> None:
    tokens = ["公", "务", "公务"]
    a = StaticEmbeddings(_write_table(tmp_path / "a.npz", tokens, seed=1))
    b = StaticEmbeddings(_write_table(tmp_path / "b.npz", tokens, seed=2))
    c = StaticEmbeddings(tmp_path / "a.npz")
    assert a.fingerprint.startswith("static:") and "dim8" in a.fingerprint
    assert a.fingerprint != b.fingerprint
    assert a.fingerprint == c.fingerprint


def test_a_missing_or_broken_table_is_a_chinese_error(tmp_path: Path) -> None:
    with pytest.raises(BudgetQAError, match="静态向量表"):
        StaticEmbeddings(tmp_path / "none.npz")
    np.savez(tmp_path / "bad.npz", vectors=np.zeros((3, 4), np.int8), scales=np.ones(2, np.float32),
             tokens=np.array("a\nb\nc"))  # fmt: skip
    with pytest.raises(BudgetQAError, match="已损坏"):
        StaticEmbeddings(tmp_path / "bad.npz")


@pytest.mark.skipif(not TABLE_PATH.exists(), reason="the shipped table is not built")
def test_the_shipped_table_is_selectable_small_and_semantic() -> None:
    assert TABLE_PATH.stat().st_size <= 15 * 1024 * 1024
    e = get_embeddings("static")
    assert isinstance(e, StaticEmbeddings) and e.dim >= 64
    assert load_table(str(TABLE_PATH)).sha256[:16] in e.fingerprint
    q = e.embed_query_array("接待客人花了多少钱")
    near, far = e.embed_passages(["公务接待费支出30万元，主要用于接待来访人员", "在职人员编制12人，实有11人"])
    assert q @ near > q @ far
    # throughput sanity: many passages embed without trouble (no timing assertion; see scripts/distill_static.py)
    texts = [f"一般公共预算财政拨款支出{i}万元，比上年增长{i % 7}%，主要原因是人员经费增加。" for i in range(500)]
    t0 = time.perf_counter()
    out = e.embed_passages(texts)
    assert out.shape == (500, e.dim) and np.isfinite(out).all() and time.perf_counter() - t0 >= 0


def test_a_table_with_maps_embeds_queries_and_passages_apart(tmp_path: Path) -> None:
    tokens = ["公", "务", "接", "待", "费", "车", "公务", "接待费"]
    rng = np.random.default_rng(1)
    vectors = rng.integers(-127, 128, size=(len(tokens), 8)).astype(np.int8)
    scales = np.full(len(tokens), 0.01, dtype=np.float32)
    qmap, pmap = rng.standard_normal((8, 4)).astype(np.float16), rng.standard_normal((8, 4)).astype(np.float16)
    path = tmp_path / "m.npz"
    np.savez_compressed(
        path, vectors=vectors, scales=scales, tokens=np.array("\n".join(tokens)),
        meta=np.array(json.dumps({"dim": 8, "blend": 0.5})), query_map=qmap, passage_map=pmap,
    )  # fmt: skip
    emb = StaticEmbeddings(path)
    assert emb.dim == 12 and ":v2:dim12:" in emb.fingerprint
    q, p = emb.embed_query_array("公务接待费"), emb.embed_passages(["公务车费"])[0]
    np.testing.assert_allclose([np.linalg.norm(q), np.linalg.norm(p)], 1.0, rtol=1e-5)
    assert not np.allclose(q, emb.embed_passages(["公务接待费"])[0])  # the two sides differ, like e5's prefixes
    # the score is half the plain cosine and half the cosine after each side's map
    table = load_table(str(path))
    pq, pp = (sum(table.vectors[i] for i in table.ids(t)) for t in ("公务接待费", "公务车费"))

    def cos(a: np.ndarray, b: np.ndarray) -> float:
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    expected = 0.5 * cos(pq, pp) + 0.5 * cos(pq @ qmap.astype(np.float32), pp @ pmap.astype(np.float32))
    assert float(q @ p) == pytest.approx(expected, abs=1e-5)
    np.savez_compressed(
        tmp_path / "bad.npz", vectors=vectors, scales=scales, tokens=np.array("\n".join(tokens)),
        meta=np.array("{}"), query_map=qmap, passage_map=pmap[:3],
    )  # fmt: skip
    with pytest.raises(BudgetQAError, match="映射矩阵"):
        StaticEmbeddings(tmp_path / "bad.npz")


def test_the_shipped_table_has_its_maps() -> None:
    emb = get_embeddings("static")
    assert isinstance(emb, StaticEmbeddings) and emb.dim > 256 and ":v2:" in emb.fingerprint
