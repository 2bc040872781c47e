from __future__ import annotations

from pathlib import Path

import pytest

from index.search.lexical import LexicalIndex, bigrams, expand_query, jieba_words, tokenize

ITEMS = [
    ("a:0", "公务接待费30万元，比上年减少5万元"),
    ("a:1", "公务用车保有量2辆"),
    ("a:2", "项目支出300万元，占比39.6%"),
    ("b:0", "因公出国(境)费0万元"),
]


def test_bigrams_cover_chinese_runs_and_keep_numbers() -> None:
    assert bigrams("公务接待费 30万元") == ["公务", "务接", "接待", "待费", "万元", "30"]
    assert bigrams("费") == ["费"]
    assert "1234.5" in bigrams("增加1,234.5万元")


def test_jieba_knows_domain_words() -> None:
    assert "公务接待费" in jieba_words("2023年公务接待费是多少")
    assert set(tokenize("公务接待费", "union")) >= {"公务", "公务接待费"}
    with pytest.raises(ValueError):
        tokenize("x", "nope")


def test_synonym_expansion() -> None:
    assert "公务接待费" in expand_query("招待费花了多少")
    assert expand_query("公务接待费是多少") == "公务接待费是多少"


@pytest.mark.parametrize("tokenizer", ["bigram", "jieba", "union"])
def test_build_search_persist(tmp_path: Path, tokenizer: str) -> None:
    index = LexicalIndex(tmp_path, tokenizer)
    index.build(ITEMS)
    assert index.search("公务接待费", 2)[0][0] == "a:0"
    assert index.search("招待费", 2)[0][0] == "a:0"  # through the synonym table
    assert [cid for cid, _ in index.search("公务用车保有量", 5, allowed={"a:1"})] == ["a:1"]
    assert index.search("量子计算", 5) == []
    again = LexicalIndex(tmp_path, tokenizer)
    assert again.ids == [cid for cid, _ in ITEMS] and again.is_current(ITEMS)
    assert again.search("公务接待费", 2) == index.search("公务接待费", 2)
    assert not list(tmp_path.rglob("*.pkl"))


def test_rebuild_on_change_replaces_the_folder(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path)
    index.build(ITEMS)
    first = index.signature
    index.build(ITEMS)
    assert index.signature == first
    index.build(ITEMS[:2])
    assert index.ids == ["a:0", "a:1"] and len(list(tmp_path.glob("bm25-*"))) == 1
    index.build([])
    assert index.search("公务", 5) == [] and LexicalIndex(tmp_path).ids == []
