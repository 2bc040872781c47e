"""The segmented BM25 index: incremental builds score exactly as a from-scratch build, and survive crashes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import index.search.lexical as lexical
from index.search.lexical import LexicalIndex, expand_query, tokenize

TEXT = (Path(str(resources.files("index") / "samples")) / "wuchang_rongmeiti_2023.txt").read_text(encoding="utf-8")
PIECES = [TEXT[i : i + 90] for i in range(0, len(TEXT), 90)]
ITEMS = [(f"d{i // 10}:{i % 10}", p) for i, p in enumerate(PIECES)]
QUERIES = [
    "公务接待费是多少",
    "招待费花了多少",
    "项目支出占比",
    "融媒体中心2023年部门收支总预算",
    "一般公共预算财政拨款支出",
    "政府采购",
    "机关运行经费",
    "国有资产占用情况",
    "比上年增加的原因",
    "量子计算",
]
TOL = 1e-5


def results(index: LexicalIndex, k: int = 8, allowed: set[str] | None = None) -> list[list[tuple[str, float]]]:
    return [index.search(q, k, allowed) for q in QUERIES]


def assert_same(got: list[list[tuple[str, float]]], want: list[list[tuple[str, float]]]) -> None:
    for g, w in zip(got, want, strict=True):
        assert [cid for cid, _ in g] == [cid for cid, _ in w]
        assert np.allclose([s for _, s in g], [s for _, s in w], rtol=0, atol=TOL)


def assert_same_scores(got: list[list[tuple[str, float]]], want: list[list[tuple[str, float]]]) -> None:
    """Every matching chunk with the same score (order of exact ties aside)."""
    for g, w in zip(got, want, strict=True):
        gd, wd = dict(g), dict(w)
        assert gd.keys() == wd.keys()
        assert all(abs(gd[c] - wd[c]) <= TOL for c in gd)


def scratch(tmp_path: Path, items: list[tuple[str, str]], name: str = "scratch") -> LexicalIndex:
    index = LexicalIndex(tmp_path / name)
    index.build(items)
    return index


def segment_dirs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("bm25-*"))


@pytest.fixture
def tokenised(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text `build` tokenises, in order."""
    seen: list[str] = []
    real = lexical._index_texts

    def recording(texts: Iterable[str], tokenizer: str) -> Any:
        texts = list(texts)
        seen.extend(texts)
        return real(texts, tokenizer)

    monkeypatch.setattr(lexical, "_index_texts", recording)
    return seen


def test_scores_equal_bm25s_defaults(tmp_path: Path) -> None:
    """Same BM25 as the bm25s index it replaces (method lucene, k1 1.5, b 0.75): same ranking, same scores."""
    import bm25s

    index = scratch(tmp_path, ITEMS)
    ref = bm25s.BM25()
    ref.index([tokenize(t) or ["\u2205"] for _, t in ITEMS], show_progress=False)
    assert (ref.method, ref.k1, ref.b) == (lexical.METHOD, lexical.K1, lexical.B)
    for q in QUERIES:
        tokens = [t for t in tokenize(expand_query(q)) if t in ref.vocab_dict]
        got = index.search(q, 10)
        if not tokens:
            assert got == []
            continue
        scores = np.asarray(ref.get_scores(tokens))
        order = np.argsort(-scores, kind="stable")[:10]
        want = [(ITEMS[i][0], float(scores[i])) for i in order if scores[i] > 0]
        assert [c for c, _ in got] == [c for c, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)


def test_incremental_adds_equal_scratch(tmp_path: Path, tokenised: list[str]) -> None:
    index = LexicalIndex(tmp_path / "inc")
    index.build(ITEMS[:30])
    assert len(tokenised) == 30
    index.build(ITEMS[:40])
    assert tokenised[30:] == [t for _, t in ITEMS[30:40]]  # only the new texts
    index.build(ITEMS)
    assert len(tokenised) == len(ITEMS) and len(segment_dirs(tmp_path / "inc")) == 3
    full = scratch(tmp_path, ITEMS)
    assert index.ids == full.ids == [cid for cid, _ in ITEMS]
    assert index.is_current(ITEMS) and index.signature == full.signature
    assert_same(results(index), results(full))
    allowed = {cid for cid, _ in ITEMS[::3]}
    assert_same(results(index, 8, allowed), results(full, 8, allowed))
    assert all(c in allowed for r in results(index, 8, allowed) for c, _ in r)


def test_allowed_rows_scored_alone_match_full_scoring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = LexicalIndex(tmp_path)
    for n in (20, 35, len(ITEMS)):
        index.build(ITEMS[:n])
    allowed = {cid for cid, _ in ITEMS[1::4]} | {"nope"}
    monkeypatch.setattr(lexical, "SPARSE_FRACTION", 0.0)
    dense = results(index, 5, allowed)
    monkeypatch.setattr(lexical, "SPARSE_FRACTION", 2.0)
    sparse = results(index, 5, allowed)
    assert_same(sparse, dense)
    assert any(sparse) and all(c in allowed for r in sparse for c, _ in r)
    assert index.search("公务接待费", 5, allowed=set()) == [] and index.search("公务接待费", 5, {"nope"}) == []


def test_removal_tombstones_without_reindexing(tmp_path: Path, tokenised: list[str]) -> None:
    folder = tmp_path / "inc"
    index = LexicalIndex(folder)
    index.build(ITEMS)
    kept = [it for i, it in enumerate(ITEMS) if i % 7 != 3]
    removed = {cid for cid, _ in ITEMS} - {cid for cid, _ in kept}
    index.build(kept)
    assert len(tokenised) == len(ITEMS)  # nothing tokenised again
    assert len(segment_dirs(folder)) == 1 and list(folder.glob("bm25-*/del-*.npy"))
    full = scratch(tmp_path, kept)
    assert index.ids == full.ids
    assert_same(results(index), results(full))
    assert not removed & {c for r in results(index, 50) for c, _ in r}
    assert index.search("公务接待费", 5, allowed=removed) == []
    again = LexicalIndex(folder)
    assert again.is_current(kept) and again.ids == full.ids
    assert_same(results(again), results(full))


def test_changed_text_replaces_the_old_one(tmp_path: Path, tokenised: list[str]) -> None:
    index = LexicalIndex(tmp_path / "inc")
    index.build(ITEMS)
    changed = list(ITEMS)
    changed[5] = (ITEMS[5][0], "量子计算中心的公务接待费")
    index.build(changed)
    assert tokenised[len(ITEMS) :] == ["量子计算中心的公务接待费"]
    assert index.search("量子计算", 3)[0][0] == ITEMS[5][0]
    assert sorted(index.ids) == sorted(cid for cid, _ in ITEMS)
    full = scratch(tmp_path, changed)
    assert_same_scores(results(index, len(ITEMS)), results(full, len(ITEMS)))
    # and back: the first text is tombstoned too, its segment keeps one row less
    index.build(ITEMS)
    assert_same_scores(results(index, len(ITEMS)), results(scratch(tmp_path, ITEMS, "again"), len(ITEMS)))


def test_persistence_across_reopen(tmp_path: Path, tokenised: list[str]) -> None:
    folder = tmp_path / "inc"
    first = LexicalIndex(folder)
    first.build(ITEMS[:25])
    first.build(ITEMS[:25] + ITEMS[30:])
    reopened = LexicalIndex(folder)
    assert reopened.ids == first.ids and reopened.is_current(ITEMS[:25] + ITEMS[30:])
    assert_same(results(reopened), results(first))
    before = len(tokenised)
    reopened.build(ITEMS[:25] + ITEMS[30:] + ITEMS[25:30])
    assert tokenised[before:] == [t for _, t in ITEMS[25:30]]
    assert_same_scores(results(reopened, len(ITEMS)), results(scratch(tmp_path, ITEMS), len(ITEMS)))
    assert not list(folder.rglob("*.pkl")) and not list(folder.glob(".*tmp"))
    assert reopened.size_on_disk() > 0


def test_many_small_adds_merge_and_compact(tmp_path: Path, tokenised: list[str]) -> None:
    folder = tmp_path / "inc"
    index = LexicalIndex(folder)
    for n in range(3, len(ITEMS) + 1, 3):  # one small segment per build
        index.build(ITEMS[:n])
        assert len(index._state.segments) <= lexical.MAX_SEGMENTS
        assert len(segment_dirs(folder)) == len(index._state.segments)
    index.build(ITEMS)
    assert len(tokenised) == len(ITEMS)  # merging re-uses postings: every text tokenised once
    assert len(index._state.segments) < len(ITEMS) // 3  # merges happened
    full = scratch(tmp_path, ITEMS)
    assert index.ids == full.ids
    assert_same(results(index), results(full))
    # remove most rows of the index: segments are compacted (or dropped), results stay exact
    kept, before = ITEMS[::5], len(tokenised)
    index.build(kept)
    assert all(len(s.deleted) <= lexical.COMPACT_FRACTION * s.rows for s in index._state.segments)
    assert len(tokenised) == before
    assert_same(results(index), results(scratch(tmp_path, kept, "kept")))
    assert_same(results(LexicalIndex(folder)), results(index))


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "missing_segment", "truncated_array", "bad_tombstones", "wrong_count"],
)
def test_inconsistent_files_lead_to_a_clean_rebuild(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "inc"
    index = LexicalIndex(folder)
    index.build(ITEMS[:30])
    index.build(ITEMS[:27] + ITEMS[30:])  # two segments, tombstones in the first
    meta_path = folder / lexical.META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    first = folder / meta["segments"][0]["name"]
    if damage == "garbage":
        meta_path.write_text("not json", encoding="utf-8")
    elif damage == "truncated":
        meta_path.write_bytes(meta_path.read_bytes()[:50])
    elif damage == "missing_segment":
        shutil.rmtree(folder / meta["segments"][-1]["name"])
    elif damage == "truncated_array":
        rows = first / "rows.npy"
        rows.write_bytes(rows.read_bytes()[:-40])
    elif damage == "bad_tombstones":
        (first / meta["segments"][0]["tombstones"]).unlink()
    else:
        meta["segments"][1]["rows"] += 1
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
    broken = LexicalIndex(folder)
    assert broken.ids == [] and broken.search("公务接待费", 5) == []
    assert not broken.is_current(ITEMS)
    broken.build(ITEMS)
    assert_same(results(broken), results(scratch(tmp_path, ITEMS)))
    assert_same(results(LexicalIndex(folder)), results(broken))
    assert len(segment_dirs(folder)) == 1


def test_interrupted_build_keeps_the_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "inc"
    index = LexicalIndex(folder)
    index.build(ITEMS[:30])
    before = results(index)

    def crash(path: Path, obj: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(lexical, "atomic_write_json", crash)
    with pytest.raises(OSError):
        index.build(ITEMS[:20] + ITEMS[25:])  # new segment and tombstones written, meta not
    monkeypatch.undo()
    reopened = LexicalIndex(folder)
    assert reopened.is_current(ITEMS[:30]) and reopened.ids == [cid for cid, _ in ITEMS[:30]]
    assert_same(results(reopened), before)
    reopened.build(ITEMS)
    assert_same(results(reopened), results(scratch(tmp_path, ITEMS)))
    assert len(segment_dirs(folder)) == 2  # the crash's segment is gone, and its tombstones (nothing is deleted now)
    assert not list(folder.glob("bm25-*/del-*.npy"))


def test_tokenizer_change_and_empty_texts(tmp_path: Path) -> None:
    items = [*ITEMS[:10], ("e:0", ""), ("e:1", "   ")]
    index = LexicalIndex(tmp_path, "bigram")
    index.build(items)
    other = LexicalIndex(tmp_path, "union")
    assert other.ids == [] and not other.is_current(items)
    other.build(items)
    assert other.ids == [cid for cid, _ in items] and len(segment_dirs(tmp_path)) == 1
    assert other._state.segments[0].data.doc_len[-2:].tolist() == [1, 1]  # one "∅" token each, as in bm25s


def test_previous_format_is_searched_until_the_next_change(tmp_path: Path) -> None:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([tokenize(t) or ["\u2205"] for _, t in ITEMS], show_progress=False)
    retriever.save(str(tmp_path / "bm25-legacy"), show_progress=False)
    signature = LexicalIndex.signature_of(ITEMS, lexical.DEFAULT_TOKENIZER)
    meta = {"tokenizer": "union", "signature": signature, "dir": "bm25-legacy", "ids": [c for c, _ in ITEMS]}
    (tmp_path / lexical.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    old = LexicalIndex(tmp_path)
    assert old.is_current(ITEMS) and old.ids == [c for c, _ in ITEMS]
    new = scratch(tmp_path, ITEMS, "new")
    assert [c for c, _ in old.search("公务接待费", 5)] == [c for c, _ in new.search("公务接待费", 5)]
    old.build(ITEMS[:-1])
    assert not (tmp_path / "bm25-legacy").exists() and json.loads((tmp_path / lexical.META_FILE).read_text())["format"]
    assert_same(results(old), results(scratch(tmp_path, ITEMS[:-1], "new2")))


def test_hashes_kept_from_is_current_are_compared_by_value(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path)
    index.build(ITEMS[:20])
    items = list(ITEMS[:25])
    assert not index.is_current(items)
    items[3] = (ITEMS[3][0], "量子计算")  # changed in place between `is_current` and `build`
    index.build(items)
    assert index.is_current(items) and index.search("量子计算", 1)[0][0] == ITEMS[3][0]
    assert_same_scores(results(index, 30), results(scratch(tmp_path, items), 30))


def test_row_map_after_builds_matches_a_fresh_open(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path)
    for n in range(5, len(ITEMS), 5):
        index.build(ITEMS[: n // 2] + ITEMS[n // 2 + 2 : n])

    def rows(ix: LexicalIndex) -> dict[str, tuple[str, int]]:
        state = ix._state
        return {cid: (state.segments[si].name, r) for cid, key in state.where.items() for si, r in [state.locate(key)]}

    assert rows(index) == rows(LexicalIndex(tmp_path)) and len(rows(index)) == len(index.ids)
