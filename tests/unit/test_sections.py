"""Section tree of Chinese government disclosures (index.extract.sections)."""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.extract.sections import (
    PREAMBLE,
    cn_number,
    find_headings,
    page_lookup,
    page_number_of_line,
    section_at,
    split_sections,
)
from index.read.normalize import normalize
from index.types import Document, Section

SEED = Path(__file__).resolve().parents[2] / "index" / "samples" / "wuchang_rongmeiti_2023.txt"


def make_doc(raw: str, title: str = "", page_starts: tuple[int, ...] = ()) -> Document:
    m = normalize(raw)
    return Document(
        doc_id="d",
        source="f.txt",
        title=title,
        org="",
        year=2023,
        kind="预算",
        text=m.text,
        raw_text=raw,
        offsets=m.offsets,
        page_starts=page_starts,
    )


@cache
def seed() -> tuple[Document, tuple[Section, ...]]:
    doc = make_doc(SEED.read_text(encoding="utf-8"))
    return doc, tuple(split_sections(doc))


def path_of(doc: Document, sections: tuple[Section, ...] | list[Section], needle: str) -> tuple[str, ...]:
    at = doc.text.find(normalize(needle).text)
    assert at >= 0, needle
    section = section_at(sections, at)
    assert section is not None
    return section.path


def assert_path(actual: tuple[str, ...], expected: tuple[str, ...]) -> None:
    """Each expected element is a prefix of the heading at that depth; the depths must agree."""
    assert len(actual) == len(expected), actual
    for got, want in zip(actual, expected, strict=True):
        assert got.startswith(want), (actual, expected)


def assert_partition(text: str, sections: list[Section]) -> None:
    if not text:
        assert sections == []
        return
    assert sections[0].start == 0
    assert sections[-1].end == len(text)
    for a, b in pairwise(sections):
        assert a.end == b.start
    for s in sections:
        assert s.start < s.end
        assert s.path and all(s.path)


# ---------------------------------------------------------------- the seed


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        (
            "公务接待费预算 0.6",
            (
                "第三部分 武昌区融媒体中心2023年部门预算情况说明",
                "七、一般公共预算“三公”经费支出安排情况",
                "（二）“三公”经费财政拨款预算情况",
                "3.公务接待费预算",
            ),
        ),
        ("住房保障支出 53.86", ("第三部分", "四、财政拨款收支预算总体情况")),
        ("37.96 万元", ("第三部分", "四、财政拨款收支预算总体情况")),
        ("2023 年政府采购预算支出合计 325", ("第三部分", "十一、其他重要事项的情况说明", "（二）政府采购预算情况")),
        ("事业收入：指事业单位开展", ("第四部分 名词解释", "三、事业收入")),
        ("机关运行经费：为保障行政单位", ("第四部分 名词解释", "九、机关运行经费")),
        (
            "(2)公务用车运行维护费 0万元",
            ("第三部分", "七、", "（二）", "2.公务用车购置及运行维护费", "(2)公务用车运行维护费"),
        ),
        ("离退休人员 6 人", ("第一部分 武昌区融媒体中心概况", "三、部门人员构成")),
        ("面的方针政策和决策部署", ("第一部分", "一、部门主要职能", "1.贯彻落实")),
        ("工资福利支出 366.04", ("第三部分", "六、", "（一）人员经费", "1.工资福利支出")),
        # a list inside the 年度工作任务 table cell does not reset the tree
        ("一、巩固党史学习教育成果", ("第二部分", "十、整体支出绩效目标表", "（五）承担上级交办的其他事项")),
        ("八、围绕年度共性任务指标", ("第二部分", "十、整体支出绩效目标表", "（五）")),
        ("年度绩效目一级指二级指", ("第二部分", "十、", "年度目标2")),
        ("抖音号代运营", ("第二部分", "十一、项目支出绩效目标表", "1.媒体宣传项目申报表")),
    ],
)
def test_seed_paths(needle: str, expected: tuple[str, ...]) -> None:
    doc, sections = seed()
    assert_path(path_of(doc, sections, needle), expected)


def test_seed_partition_and_tops() -> None:
    doc, sections = seed()
    assert_partition(doc.text, list(sections))
    tops = [s.path[0] for s in sections if s.level == 1]
    assert tops == [
        "第一部分 武昌区融媒体中心概况",
        "第二部分 武昌区融媒体中心2023年部门预算表",
        "第三部分 武昌区融媒体中心2023年部门预算情况说明",
        "第四部分 名词解释",
    ]
    third = [s.path[1] for s in sections if s.level == 2 and s.path[0].startswith("第三部分")]
    assert [p.split("、")[0] for p in third] == ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]


def test_seed_heading_labels() -> None:
    _, sections = seed()
    labels = {s.path[-1] for s in sections}
    # a heading broken over two PDF lines is joined; headings are cut at the first clause end
    assert "1.贯彻落实上级关于意识形态工作及加强网络宣传方面的方针政策和决策部署" in labels
    assert "3.公务接待费预算0.6万元" in labels
    assert "一、一般公共预算财政拨款收入" in labels
    assert all(len(label) <= 60 for label in labels)


@pytest.mark.parametrize("line", ["37.96万元；卫生健康支出", "9", "15", "46.41%,下降原因", "2023年没有使用"])
def test_seed_lines_that_are_not_headings(line: str) -> None:
    doc, sections = seed()
    starts = {s.start for s in sections}
    for k in range(len(doc.text)):
        k = doc.text.find("\n" + line, k)
        if k < 0:
            break
        assert k + 1 not in starts, line


# ---------------------------------------------------------------- small pure parts


@pytest.mark.parametrize(
    ("s", "n"),
    [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23), ("12", 12), ("③", 3), ("十十", None)],
)
def test_cn_number(s: str, n: int | None) -> None:
    assert cn_number(s) == n


@pytest.mark.parametrize(
    ("line", "n"),
    [("9", 9), ("15", 15), ("—5—", 5), ("- 3 -", 3), (" 6 ", 6), ("第 4 页", 4), ("37.96万元", None), ("2023年", None)],
)
def test_page_number_lines(line: str, n: int | None) -> None:
    assert page_number_of_line(line) == n


@pytest.mark.parametrize(
    "line",
    [
        "37.96 万元；卫生健康支出 39.17 万元",
        "46.41%，下降原因：2022 年融媒体平台建设完成",
        "2023 年没有使用政府性基金预算拨款安排的支出。",
        "14 万元，工程类 0 万元，服务类 311 万元。",
        "0 万元，事业收入 0 万元",
        "1.5万元用于办公",
        "9",
        "—5—",
        "- 3 -",
        "1、因公出国(境)费用 | 0 | 0 | 0 | 落实县委县政府制定的规定 |",
        "一、一般公共预算拨款收入 440.55 一、一般公共服务支出 423.20",
    ],
)
def test_not_headings(line: str) -> None:
    text = normalize(f"正文开始。\n{line}\n正文继续。\n").text
    assert find_headings(text) == []


def test_one_cell_per_line_table_rows_are_not_headings() -> None:
    raw = "第二部分 决算表\n一、收入支出决算总表\n项目\n一、一般公共预算财政拨款收入\n1\n440.55\n一、一般公共服务支出\n29\n423.20\n二、政府性基金预算财政拨款收入\n2\n0.00\n"
    labels = [h.label for h in find_headings(normalize(raw).text)]
    assert labels == ["第二部分 决算表", "一、收入支出决算总表"]


def test_levels_reset_under_each_parent() -> None:
    raw = "一、总体\n（一）收入\n1.财政拨款\n2.其他\n（二）支出\n二、三公经费\n1.因公出国\n（1）团组\n"
    doc = make_doc(raw)
    sections = split_sections(doc)
    assert [s.path for s in sections] == [
        ("一、总体",),
        ("一、总体", "（一）收入"),
        ("一、总体", "（一）收入", "1.财政拨款"),
        ("一、总体", "（一）收入", "2.其他"),
        ("一、总体", "（二）支出"),
        ("二、三公经费",),
        ("二、三公经费", "1.因公出国"),
        ("二、三公经费", "1.因公出国", "（1）团组"),
    ]
    assert_partition(doc.text, sections)


def test_sequence_check_rejects_restarts_and_jumps() -> None:
    raw = "一、甲\n二、乙\n十、癸\n一、巩固成果；\n二、推进工作；\n十一、其他事项\n（三）跳号\n（一）丙\n"
    labels = [h.label for h in find_headings(normalize(raw).text)]
    # 十、 after 二、 is too far a jump; 一、 after 二、 restarts; （三） cannot open a fresh list
    assert labels == ["一、甲", "二、乙", "（一）丙"]


def test_excerpt_may_start_mid_list() -> None:
    raw = "6\n工资福利支出预算 905709.06 元。\n2.项目支出 0元,同比减少 47600 元。\n六、一般公共预算基本支出情况说明\n2022 年一般公共预算基本支出\n"
    doc = make_doc(raw)
    assert [s.path for s in split_sections(doc)] == [
        (PREAMBLE,),
        ("2.项目支出0元",),
        ("六、一般公共预算基本支出情况说明",),
    ]


def test_bare_marker_takes_next_line() -> None:
    raw = "收入决算结构图\n三、\n支出决算情况说明\n2020年本年支出合计4021.94万元。\n四、财政拨款收入支出决算总体情况说明\n"
    labels = [h.label for h in find_headings(normalize(raw).text)]
    assert labels == ["三、支出决算情况说明", "四、财政拨款收入支出决算总体情况说明"]


def test_preamble_uses_title() -> None:
    raw = "2017年湛江市委宣传部“三公”经费增减情况说明\n“三公”经费包括因公出国(境)费。\n"
    assert [s.path for s in split_sections(make_doc(raw))] == [(PREAMBLE,)]
    assert [s.path for s in split_sections(make_doc(raw, title="湛江三公"))] == [("湛江三公",)]
    assert split_sections(make_doc("")) == []


def test_leading_whitespace_joins_first_heading() -> None:
    doc = make_doc("\n  第一部分 概况\n一、职能\n")
    sections = split_sections(doc)
    assert sections[0].start == 0
    assert sections[0].path == ("第一部分 概况",)


def test_table_of_contents_then_body() -> None:
    raw = (
        "目录\n第一部分县招商服务中心概况\n第二部分 县招商服务中心2019年部门决算表\n"
        "第一部分  县招商服务中心概况\n一、部门职能\n招商服务中心担负着全县招商引资工作。\n"
        "二、部门决算单位机构设置及人员情况\n南漳县招商服务中心属于县委。\n"
        "第二部分  县招商服务中心2019年部门决算表\n一、收入支出决算总表\n"
    )
    doc = make_doc(raw)
    assert_path(
        path_of(doc, split_sections(doc), "南漳县招商服务中心属于"), ("第一部分 县招商服务中心概况", "二、部门决算")
    )


@pytest.mark.parametrize(
    ("raw", "needle", "expected"),
    [
        (  # docs/005: ASCII brackets, 一、 table title then 二、 prose
            "寿县司法局2022年“三公”经费预算情况\n一、2022年一般公共预算“三公”经费支出预算表\n单位:万元\n79 |\n"
            "二、2022年一般公共预算“三公”经费支出预算情况说明\n寿县司法局2022年预算为79万元。\n"
            "(一)因公出国(境)费支出预算0万元,与2021年预算一致。\n(二)公务接待费支出预算4万元,比2021年预算减少4万元。\n",
            "比2021年预算减少4万元",
            ("二、2022年一般公共预算“三公”经费支出预算情况说明", "(二)公务接待费支出预算4万元"),
        ),
        (  # docs/035: 一、 > (一); 1. with a space after the dot
            "天水市幼儿园2017年度部门决算公开\n一、天水市幼儿园概况\n(一)主要职能\n开展保教工作。\n"
            "三、一般公共预算财政拨款支出决算情况。\n2017年度支出总计1741.75万元。其中:\n"
            "1. 教育支出1595.95万元,主要用于完成幼儿学前教育保教工作。\n",
            "主要用于完成幼儿",
            ("三、一般公共预算财政拨款支出决算情况", "1.教育支出1595.95万元"),
        ),
        (  # docs/003: (1) directly under 一、
            "一、“三公”经费财政拨款支出总体情况说明。\n2018年度支出2.05万元。\n(1)因公出国(境)支出情况。\n本部门无。\n(3)公务接待费支出情况。\n2018年公务接待24批次。\n",
            "公务接待24批次",
            ("一、“三公”经费财政拨款支出总体情况说明", "(3)公务接待费支出情况"),
        ),
        (  # docs/038: PDF text with a page number and thousands separators
            "5\n(一)教育支出类科目 5,806,105.16 元,占支出总预算\n82.27%,同比增加 3,520,772.45 元。\n"
            "四、财政拨款收支预算情况说明\n2023 年财政拨款收支总预算 7,057,486.18 元。\n",
            "82.27%",
            ("(一)教育支出类科目5,806,105.16元",),
        ),
    ],
)
def test_excerpt_paths(raw: str, needle: str, expected: tuple[str, ...]) -> None:
    doc = make_doc(raw)
    sections = split_sections(doc)
    assert_partition(doc.text, sections)
    assert_path(path_of(doc, sections, needle), expected)


# ---------------------------------------------------------------- pages


def test_pages_from_page_starts() -> None:
    raw = "第一部分 概况\n一、职能\n负责宣传。\n\f\n二、人员\n编制18人。\n"
    doc = make_doc(raw, page_starts=(0, raw.index("\f")))
    sections = split_sections(doc)
    assert [(s.path[-1], s.page) for s in sections] == [("第一部分 概况", 1), ("一、职能", 1), ("二、人员", 2)]


def test_pages_inferred_from_footers() -> None:
    body = "收入预算安排情况说明，" * 12
    raw = f"一、甲\n{body}\n—5—\n二、乙\n{body}\n—6—\n三、丙\n{body}\n"
    doc = make_doc(raw)
    pages = {s.path[-1]: s.page for s in split_sections(doc)}
    # 二、 is bounded by the footers 5 and 6; before the first and after the last footer the page is unknown
    assert pages == {"一、甲": None, "二、乙": 6, "三、丙": None}
    assert page_lookup(make_doc("一、甲\n正文。\n"))(0) is None


# ---------------------------------------------------------------- the partition property

_LINES = [
    "第一部分 概况",
    "第二部分 预算表",
    "一、收支预算总体情况",
    "二、收入预算安排情况",
    "十、其他",
    "（一）人员经费 386.73 万元，包括：",
    "(二)公用经费70.8万元,主要用于办公费",
    "1.工资福利支出 366.04 万元",
    "2、对个人和家庭的补助",
    "（1）公务用车购置费 0 万元",
    "①第一项",
    "年度目标 2： 武昌区官方微博",
    "目标 1：推进县级融媒体中心建设",
    "37.96 万元；卫生健康支出",
    "46.41%，下降原因",
    "2023 年没有使用",
    "9",
    "—5—",
    "440.55",
    "三、",
    "合计 | 1.8 | 1.52 |",
    "按照综合预算的原则，所有收入和支出均纳入部门预算管理。",
    "面的方针政策和决策部署。",
    "",
    "   ",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_LINES), st.sampled_from(["\n", "\n\n", "\n\f\n", " \n"])), max_size=40),
    st.sampled_from(["", "  ", "\n"]),
)
def test_sections_partition_any_text(parts: list[tuple[str, str]], lead: str) -> None:
    raw = lead + "".join(line + sep for line, sep in parts)
    doc = make_doc(raw)
    sections = split_sections(doc)
    assert_partition(doc.text, sections)
    for s in sections:
        assert s.doc_id == "d"
        assert s.path[-1] != "9"
