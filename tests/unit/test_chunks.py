"""Chunking by section (index.extract.chunks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.extract.chunks import make_chunks, split_span
from index.extract.sections import split_sections
from index.read.normalize import normalize
from index.types import Chunk, Document, Section

SEED = Path(__file__).resolve().parents[2] / "index" / "samples" / "wuchang_rongmeiti_2023.txt"


def make_doc(raw: str, doc_id: str = "abc123") -> Document:
    m = normalize(raw)
    return Document(
        doc_id=doc_id,
        source="f.txt",
        title="武昌区融媒体中心2023年部门预算",
        org="武汉市武昌区融媒体中心",
        year=2023,
        kind="预算",
        text=m.text,
        raw_text=raw,
        offsets=m.offsets,
    )


def check_chunks(doc: Document, sections: list[Section], chunks: list[Chunk], max_chars: int) -> None:
    covered = [False] * len(doc.text)
    for n, c in enumerate(chunks):
        assert c.chunk_id == f"{doc.doc_id}:{n:04d}"
        assert doc.text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text
        assert len(c.text) <= max_chars
        inside = [s for s in sections if s.start <= c.start and c.end <= s.end]
        assert len(inside) == 1, "a chunk crosses a section boundary"
        assert c.section == inside[0].path_str
        for k in range(c.start, c.end):
            assert not covered[k]
            covered[k] = True
    missing = [k for k, ch in enumerate(doc.text) if not ch.isspace() and not covered[k]]
    assert missing == []
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_seed_chunks() -> None:
    doc = make_doc(SEED.read_text(encoding="utf-8"))
    sections = split_sections(doc)
    chunks = make_chunks(doc, sections)
    check_chunks(doc, sections, chunks, 350)
    assert len(chunks) >= len(sections)
    c = next(c for c in chunks if "公务接待费预算 0.6" in c.text)
    assert c.section.startswith("第三部分 武昌区融媒体中心2023年部门预算情况说明 > 七、")
    assert c.section.split(" > ")[-1].startswith("3.公务接待费预算")
    assert (c.doc_id, c.org, c.year, c.kind, c.title) == (
        "abc123",
        "武汉市武昌区融媒体中心",
        2023,
        "预算",
        "武昌区融媒体中心2023年部门预算",
    )
    assert c.page is None  # a plain-text file: no page breaks, and its footers 9 and 15 are not consecutive


def test_sentence_end_breaks() -> None:
    sentence = "2023年部门收支总预算757.53万元,比2022年预算减少656.1万元,下降46.41%。"
    raw = "一、收支预算总体安排情况\n" + sentence * 20
    doc = make_doc(raw)
    sections = split_sections(doc)
    chunks = make_chunks(doc, sections, max_chars=200)
    check_chunks(doc, sections, chunks, 200)
    assert len(chunks) > 3
    for c in chunks:
        assert c.text.endswith("。")


def test_long_table_is_split_on_row_lines() -> None:
    rows = [f"人员类项目支出{k} 386.73 51% 348.78 358.5" for k in range(40)]
    raw = "十、整体支出绩效目标表\n" + "\n".join(rows) + "\n"
    doc = make_doc(raw)
    sections = split_sections(doc)
    chunks = make_chunks(doc, sections, max_chars=150, min_chars=20)
    check_chunks(doc, sections, chunks, 150)
    assert len(chunks) > 5
    for c in chunks:
        assert c.end == len(doc.text) or doc.text[c.end] == "\n"
        assert c.text.endswith("358.5")


def test_never_cuts_inside_a_number() -> None:
    raw = "一、数据\n" + "金额1,234,567.89元" * 60
    doc = make_doc(raw)
    chunks = make_chunks(doc, split_sections(doc), max_chars=100, min_chars=20)
    for c in chunks[:-1]:
        nxt = doc.text[c.end : c.end + 1]
        assert not (c.text[-1].isdigit() and nxt.isdigit())


def test_thousands_separator_is_not_a_break() -> None:
    text = "教育支出" + "类科目5,806,105.16元" * 30
    spans = split_span(text, 0, len(text), max_chars=60, min_chars=10)
    for _s, e in spans:
        assert not (text[e - 1] == "," or (text[e - 1].isdigit() and text[e : e + 1] in {",", "."}))


def test_whitespace_only_pieces_are_skipped_and_sections_kept() -> None:
    raw = "第四部分 名词解释\n\n   \n\n一、事业收入：指事业单位开展专业业务活动取得的收入。\n\n\n"
    doc = make_doc(raw)
    sections = split_sections(doc)
    chunks = make_chunks(doc, sections)
    assert [c.text for c in chunks] == ["第四部分名词解释", "一、事业收入：指事业单位开展专业业务活动取得的收入。"]
    assert [c.section for c in chunks] == ["第四部分 名词解释", "第四部分 名词解释 > 一、事业收入"]


def test_pages_from_page_breaks() -> None:
    raw = "一、收入\n部门预算收入757.53万元。\n\f\n二、支出\n部门预算支出757.53万元。\n"
    m = normalize(raw)
    doc = Document("p", "f.pdf", "", "", 2023, "预算", m.text, raw, m.offsets, page_starts=(0, m.text.index("\f")))
    chunks = make_chunks(doc, split_sections(doc))
    assert [(c.text[:4], c.page) for c in chunks] == [("一、收入", 1), ("二、支出", 2)]


_PIECES = [
    "一、收支预算总体安排情况",
    "（二）“三公”经费财政拨款预算情况",
    "3.公务接待费预算 0.6 万元，比 2022 年预算增加 0.04",
    "万元。主要原因：工作中没有需接待的计划。",
    "财政拨款 757.53 100% 10,537,750.00 1,413.62",
    "按照综合预算的原则，武昌区融媒体中心所有收入和支出均纳入部门预算管理；",
    "9",
    "1234567890" * 5,
    "   ",
    "",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(["\n", "\n\n", "", "\f"])), max_size=60),
    st.integers(min_value=30, max_value=400),
)
def test_chunk_properties_any_text(parts: list[tuple[str, str]], max_chars: int) -> None:
    doc = make_doc("".join(p + sep for p, sep in parts))
    sections = split_sections(doc)
    chunks = make_chunks(doc, sections, max_chars=max_chars, min_chars=min(40, max_chars // 3))
    check_chunks(doc, sections, chunks, max_chars)


@pytest.mark.parametrize("max_chars", [60, 350])
def test_every_chunk_of_the_seed_fits(max_chars: int) -> None:
    doc = make_doc(SEED.read_text(encoding="utf-8"))
    sections = split_sections(doc)
    check_chunks(doc, sections, make_chunks(doc, sections, max_chars=max_chars, min_chars=15), max_chars)
