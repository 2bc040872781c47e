"""Facts from the seed disclosure and the development excerpts (real texts, concrete figures)."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from eval.paths import corpus_dir
from index.extract.facts import extract_facts
from index.read.normalize import normalize
from index.types import Document, Fact, Section

CORPUS = corpus_dir()
SEED = CORPUS / "seed" / "wuchang_rongmeiti_2023.txt"
if not SEED.exists():
    SEED = Path(__file__).resolve().parents[2] / "index" / "samples" / "wuchang_rongmeiti_2023.txt"

needs_corpus = pytest.mark.skipif(not (CORPUS / "docs").exists(), reason="evaluation corpus not mounted")


def make_doc(raw: str, doc_id: str, org: str, year: int, kind: str) -> Document:
    m = normalize(raw)
    return Document(
        doc_id=doc_id, source=f"{doc_id}.txt", title="", org=org, year=year, kind=kind,
        text=m.text, raw_text=raw, offsets=m.offsets,
    )  # fmt: skip


def sections_of(doc: Document) -> list[Section]:
    try:
        from index.extract.sections import split_sections
    except ImportError:  # pragma: no cover - the section splitter is optional here
        return [Section(doc.doc_id, ("全文",), 0, len(doc.text))]
    return split_sections(doc)


@cache
def seed_facts() -> tuple[Document, tuple[Fact, ...]]:
    doc = make_doc(SEED.read_text(encoding="utf-8"), "seed", "武昌区融媒体中心", 2023, "预算")
    return doc, tuple(extract_facts(doc, sections_of(doc)))


@cache
def manifest() -> dict[str, dict[str, object]]:
    rows = [json.loads(line) for line in (CORPUS / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return {Path(str(r["file"])).stem: r for r in rows}


@cache
def doc_facts(name: str) -> tuple[Document, tuple[Fact, ...]]:
    meta = manifest()[name]
    raw = (CORPUS / "docs" / f"{name}.txt").read_text(encoding="utf-8")
    doc = make_doc(raw, name, str(meta["org"]), int(str(meta["year"])), str(meta["kind"]))
    return doc, tuple(extract_facts(doc, sections_of(doc)))


def find(facts: tuple[Fact, ...], metric: str, value: str, **kw: object) -> Fact:
    hits = [
        f for f in facts
        if f.metric == metric and f.value == Decimal(value) and all(getattr(f, k) == v for k, v in kw.items())
    ]  # fmt: skip
    assert hits, (
        f"no {metric}={value} {kw}; have {[(f.metric, str(f.value), f.year) for f in facts if metric in f.metric]}"
    )
    return hits[0]


# ---------------------------------------------------------------- seed


def test_seed_total_with_comparison() -> None:
    _, facts = seed_facts()
    f = find(facts, "收支总预算", "757.53", year=2023)
    assert f.unit == "万元" and f.source == "text"
    assert f.comparison is not None
    assert (f.comparison.base, f.comparison.direction) == ("2022", "减少")
    assert f.comparison.amount == Decimal("656.1") and f.comparison.rate == Decimal("46.41")


def test_seed_spans_quotes_and_sections() -> None:
    doc, facts = seed_facts()
    f = find(facts, "收支总预算", "757.53")
    assert doc.text[f.start : f.end].replace("\n", "") == "757.53万元"  # the PDF line break inside the figure
    assert "757.53" in f.quote and len(f.quote) <= 130
    assert "收支预算总体安排情况" in f.section


def test_seed_expenditure_split_and_shares() -> None:
    _, facts = seed_facts()
    assert find(facts, "基本支出", "457.53").share == Decimal("60.4")
    assert find(facts, "项目支出", "300", source="text").share == Decimal("39.6")
    find(facts, "人员经费", "386.73", source="text")
    find(facts, "工资福利支出", "366.04")
    find(facts, "对个人和家庭的补助", "20.69")
    find(facts, "公用经费", "70.8", source="text")
    find(facts, "基本支出", "757.53")  # as written in 六、 (the check flags it)


def test_seed_three_public_costs() -> None:
    _, facts = seed_facts()
    total = find(facts, "三公经费", "0.6")
    assert total.basis == "预算数"
    assert total.comparison is not None
    assert total.comparison.direction == "增加" and total.comparison.amount == Decimal("0.04")
    assert total.comparison.rate == Decimal("7.14")
    reception = find(facts, "公务接待费", "0.6")
    assert reception.comparison is not None and reception.comparison.amount == Decimal("0.04")
    abroad = find(facts, "因公出国(境)费", "0")
    assert abroad.comparison is not None and abroad.comparison.direction == "持平"  # 增加(减少)0万元
    find(facts, "公务用车购置及运行维护费", "0")
    find(facts, "公务用车购置费", "0")
    find(facts, "公务用车运行维护费", "0")


def test_seed_functional_classification_and_procurement() -> None:
    _, facts = seed_facts()
    for metric, value in (
        ("一般公共服务支出", "626.54"),
        ("社会保障和就业支出", "37.96"),
        ("卫生健康支出", "39.17"),
        ("住房保障支出", "53.86"),
        ("政府采购", "325"),
        ("政府采购货物", "14"),
        ("政府采购工程", "0"),
        ("政府采购服务", "311"),
        ("政府购买服务", "240.1"),
        ("媒体宣传项目", "300"),
    ):
        find(facts, metric, value)


def test_seed_project_detail_table() -> None:
    _, facts = seed_facts()
    for metric, value in (
        ("其他宣传经费", "63"),
        ("抖音号代运营", "100"),
        ("微信微博运维", "45"),
        ("网络舆情监控", "92"),
    ):
        f = find(facts, metric, value, source="table")
        assert f.unit == "万元" and f.raw_unit == "万元"


def test_seed_staff_and_counts() -> None:
    _, facts = seed_facts()
    assert find(facts, "编制人数", "18").unit == "人"
    find(facts, "在职人数", "15")
    assert {f.metric_raw for f in facts if f.metric == "退休人数" and f.value == 6} >= {"退休", "离退休人员"}
    weibo = [f for f in facts if "微博" in f.metric and "发布数量" in f.metric and f.value == 2500 and f.year == 2023]
    assert weibo and weibo[0].unit == "条"
    assert any("原创" in f.metric and f.value == 1000 and f.unit == "条" for f in facts)


def test_seed_table_years() -> None:
    _, facts = seed_facts()
    f21 = find(facts, "人员经费", "348.78", year=2021, source="table")
    assert f21.metric_raw == "人员类项目支出"
    find(facts, "人员经费", "358.5", year=2022, source="table")
    assert find(facts, "人员经费", "386.73", year=2023, source="table").share == Decimal("51")
    wrong = find(facts, "财政拨款收入", "10537750", year=2021)
    assert wrong.raw_value == "10,537,750.00"


def test_seed_skips_codes_dates_and_phones() -> None:
    _, facts = seed_facts()
    raws = {f.raw_value.replace(",", "") for f in facts}
    for junk in ("88936391", "430060", "42010622323", "50502", "99000000", "2026", "307"):
        assert junk not in raws


def test_cars_bought_are_counted_apart_from_the_fleet() -> None:
    raw = (
        "2024年“三公”经费预算情况说明\n公务用车购置费30万元,主要是本年度计划购置执法执勤用车2辆,比上年少1辆。"
        "年末公务用车保有量12辆;新购公务车3辆。\n"
    )
    doc = make_doc(raw, "cars", "辛县农业农村局", 2024, "三公")
    facts = tuple(extract_facts(doc, sections_of(doc)))
    bought = find(facts, "公务用车购置数量", "2")
    assert bought.unit == "辆" and bought.comparison is not None and bought.comparison.amount == Decimal("1")
    find(facts, "公务用车购置数量", "3")
    find(facts, "公务用车保有量", "12")
    find(facts, "公务用车购置费", "30")


def text_facts(raw: str, year: int = 2023) -> tuple[Fact, ...]:
    doc = make_doc(raw, "t", "坎县文化馆", year, "预算")
    return tuple(extract_facts(doc, sections_of(doc)))


def test_the_year_before_stated_after_the_figure_is_that_item_s() -> None:
    facts = text_facts("2023年“三公”经费预算说明\n公务接待费236,400.00元,上年为298,000.00元。\n")
    assert find(facts, "公务接待费", "23.64", year=2023) and find(facts, "公务接待费", "29.8", year=2022)
    assert not [f for f in facts if f.metric in ("上年", "上年为")]


def test_a_level_moved_to_is_the_year_s_and_the_one_it_moved_from_the_year_before() -> None:
    facts = text_facts("2023年国有资产占用情况\n截至年底,公务用车保有量由6辆减至5辆。\n")
    now = find(facts, "公务用车保有量", "5", year=2023)
    assert now.comparison is not None and (now.comparison.direction, now.comparison.amount) == ("减少", 1)
    find(facts, "公务用车保有量", "6", year=2022)
    assert not [f for f in facts if "减至" in f.metric]


def test_comparison_words_and_a_whole_place_never_name_a_figure() -> None:
    facts = text_facts(
        "2023年财政收支执行情况\n全县一般公共预算支出完成41.37亿元,为调整预算的96.8%,同比增长3.2%。"
        "非税收入完成5.69亿元,同比增长13.4%。\n"
    )
    names = {f.metric_raw for f in facts}
    assert "一般公共预算支出" in names and "非税收入" in names, names
    assert not any(n.startswith("全县") or n.endswith("完成") or n in ("同比增长", "为调整预算的") for n in names)
    rate = find(facts, "非税收入", "56900")
    assert rate.comparison is not None and rate.comparison.rate == Decimal("13.4")


def test_one_figure_for_every_item_a_list_names() -> None:
    facts = text_facts(
        "2023年“三公”经费预算说明\n“三公”经费预算3.5万元,其中:因公出国(境)费、公务接待费和公务用车购置费均为0元,"
        "公务用车运行维护费3.5万元。\n"
    )
    for metric in ("因公出国(境)费", "公务接待费", "公务用车购置费"):
        assert find(facts, metric, "0", year=2023).basis == "预算数"
    joined = text_facts("2023年“三公”经费预算说明\n因公出国(境)费和公务用车购置及运行维护费均为0元。\n")
    assert {f.metric for f in joined} == {"因公出国(境)费", "公务用车购置及运行维护费"}  # 及 inside one item's name


def test_an_item_that_stayed_the_same_in_a_sentence_of_its_own() -> None:
    facts = text_facts("2023年“三公”经费预算说明\n“三公”经费预算28.5万元,其中公务接待费8万元。“三公”经费预算与上年持平。\n")
    total = find(facts, "三公经费", "28.5")
    assert total.comparison is not None and (total.comparison.direction, total.comparison.amount) == ("持平", 0)
    assert find(facts, "公务接待费", "8").comparison is None


def test_a_name_broken_after_a_list_marker_is_one_name() -> None:
    facts = text_facts("2023年“三公”经费预算说明\n（一）因公出国(境)费8万元。\n（二）公务接\n待费9.85万元,比上年减少0.55万元。\n")
    assert find(facts, "公务接待费", "9.85").comparison is not None
    from index.extract.facts_text import join_view

    assert "公务接待费。" in join_view("（二）公务接待费\n本年预算9.85万元。").text  # a whole name: still a heading


def test_a_comparison_after_a_reason_sentence_is_the_figure_s_before_it() -> None:
    facts = text_facts(
        "2023年部门决算\n“三公”经费财政拨款支出预算为86.50万元,支出决算为71.36万元,完成预算的82.50%。"
        "决算数小于预算数的主要原因是厉行节约。与上年相比减少9.84万元,下降12.12%。\n"
    )
    spent = find(facts, "三公经费", "71.36")
    assert spent.comparison is not None and (spent.comparison.amount, spent.comparison.rate) == (
        Decimal("9.84"), Decimal("12.12"),
    )


def test_a_subset_in_brackets_is_named_by_what_it_contains() -> None:
    facts = text_facts("2022年部门决算\n截至2022年末,核定编制78名,实有在职人员86人（含编外聘用人员8人）,退休人员40人。\n")
    find(facts, "在职人数", "86")
    assert find(facts, "编外聘用人员", "8").metric_raw == "编外聘用人员"


def test_a_figure_that_is_all_one_item_is_that_item_s_too() -> None:
    facts = text_facts("2024年“三公”经费预算说明\n“三公”经费预算16.8万元,全部为公务用车运行维护费。\n", year=2024)
    find(facts, "公务用车运行维护费", "16.8", year=2024)
    find(facts, "三公经费", "16.8", year=2024)


def test_a_kind_of_a_known_item_keeps_its_own_name() -> None:
    facts = text_facts(
        "2024年部门预算\n政府采购支出总额386.40万元,其中:政府采购家具支出212.65万元、政府采购车辆支出98.00万元。\n", 2024
    )
    find(facts, "政府采购", "386.4")
    find(facts, "政府采购家具支出", "212.65")
    find(facts, "政府采购车辆支出", "98")


def test_a_fall_written_as_its_rate_is_a_fall_and_all_of_one_item_shares_its_change() -> None:
    facts = text_facts(
        "2024年“三公”经费预算说明\n其中:公务接待费5.60万元,降幅12.5%;公务用车购置及运行维护费17.00万元,"
        "全部为公务用车运行维护费,比上年增加0.80万元。\n", 2024
    )
    fell = find(facts, "公务接待费", "5.6").comparison
    assert fell is not None and (fell.direction, fell.rate) == ("减少", Decimal("12.5"))
    for metric in ("公务用车购置及运行维护费", "公务用车运行维护费"):
        rose = find(facts, metric, "17").comparison
        assert rose is not None and (rose.direction, rose.amount) == ("增加", Decimal("0.8"))


def test_a_numbered_class_item_heading_names_the_figures_after_it() -> None:
    facts = text_facts(
        "2023年部门决算\n1.社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位基本养老保险缴费支出（项）。"
        "年初预算为60.00万元,支出决算为58.20万元。\n"
    )
    find(facts, "机关事业单位基本养老保险缴费支出", "60", basis="预算数")
    find(facts, "机关事业单位基本养老保险缴费支出", "58.2", basis="决算数")


def test_a_numbered_clause_that_only_names_an_item_names_the_figure_after_it() -> None:
    facts = text_facts(
        "2024年部门预算\n二、项目支出情况\n（一）甲乙建设项目，预算1,200.00万元。绩效目标：新建≥1.5万亩。\n"
        "（二）丙丁防控项目，预算186.00万元。\n", 2024
    )
    find(facts, "甲乙建设项目", "1200", basis="预算数")
    find(facts, "丙丁防控项目", "186", basis="预算数")
    assert not [f for f in facts if f.metric == "项目支出"]  # the section's topic is not the first item's name


def test_a_sentence_opening_with_its_base_continues_the_figure_before_the_reason() -> None:
    facts = text_facts(
        "2022年部门决算\n“三公”经费支出预算为9.50万元,支出决算为7.86万元,完成预算的82.74%。决算数小于预算数的主要原因是"
        "外出学习减少。与2021年度决算相比,减少1.34万元,下降14.57%。\n", 2022
    )
    spent = find(facts, "三公经费", "7.86").comparison
    assert spent is not None and (spent.base, spent.amount, spent.rate) == ("2021", Decimal("1.34"), Decimal("14.57"))


def test_a_date_before_a_known_name_does_not_make_it_an_item_of_its_own() -> None:
    facts = text_facts("2024年部门预算\n学校核定事业编制142名,截至2023年底实有在职人员136人,离退休人员58人。\n", 2024)
    find(facts, "在职人数", "136")


def test_lines_labelled_with_a_colon_under_a_total_name_their_own_figures() -> None:
    facts = text_facts(
        "2025年部门预算\n◆收入预算——合计12,648.75万元\n一般公共预算拨款：3,856.42万元\n"
        "政府性基金预算拨款：8,500.00万元\n其他收入：292.33万元\n", 2025
    )
    assert [f.value for f in facts if f.metric == "收入合计"] == [Decimal("12648.75")]
    find(facts, "政府性基金预算财政拨款收入", "8500")
    find(facts, "其他收入", "292.33")


# ---------------------------------------------------------------- excerpts


@needs_corpus
def test_001_traditional_source() -> None:
    _, facts = doc_facts("001")
    f = find(facts, "公务接待费", "30")
    assert f.comparison is not None and f.comparison.amount == Decimal("2") and f.comparison.direction == "减少"
    assert find(facts, "公务用车保有量", "2").unit == "辆"
    find(facts, "公务用车购置及运行维护费", "5")  # written "购置及运行维护费" after 公务用车保有量
    find(facts, "三公经费", "35")
    assert any(f.unit == "批次" and f.value == 46 for f in facts)


@needs_corpus
def test_009_one_cell_per_line_table() -> None:
    _, facts = doc_facts("009")
    table = [f for f in facts if f.source == "table"]
    assert len(table) == 12
    find(facts, "三公经费", "683.51", source="table", basis="预算数")
    find(facts, "三公经费", "358.18", source="table", basis="决算数")
    find(facts, "公务用车购置及运行维护费", "316.57", source="table", basis="决算数")
    find(facts, "公务用车购置费", "105", source="table", basis="预算数")
    find(facts, "公务用车运行维护费", "212.55", source="table", basis="决算数")
    find(facts, "公务接待费", "41.61", source="table", basis="决算数")
    text = find(facts, "三公经费", "358.18", source="text", basis="决算数")
    assert text.comparison is not None and text.comparison.amount == Decimal("233.34")
    assert text.comparison.base == "2019" and text.comparison.rate == Decimal("39.45")
    assert find(facts, "三公经费完成率", "52.4").unit == "%"


@needs_corpus
def test_005_pipe_table_as_written() -> None:
    _, facts = doc_facts("005")
    find(facts, "公务用车购置费", "50", source="table")  # the table's column order
    find(facts, "公务用车购置费", "25", source="text")  # the prose
    find(facts, "三公经费", "79", source="table")
    find(facts, "公务接待费", "4", source="table")


@needs_corpus
def test_014_yuan_normalised() -> None:
    _, facts = doc_facts("014")
    f = find(facts, "三公经费", "6.5", basis="决算数")
    assert (f.raw_value, f.raw_unit, f.unit) == ("65000.00", "元", "万元")
    find(facts, "三公经费", "23.4", basis="预算数")
    assert find(facts, "三公经费完成率", "27.8").unit == "%"


@needs_corpus
def test_016_paired_lists() -> None:
    _, facts = doc_facts("016")
    income = find(facts, "收入合计", "4125.49", source="text")
    spend = find(facts, "支出合计", "4143.91", source="text")
    assert income.comparison is not None and income.comparison.amount == Decimal("1267.86")
    assert spend.comparison is not None and spend.comparison.rate == Decimal("38.28")


@needs_corpus
def test_021_spaced_pdf_text() -> None:
    _, facts = doc_facts("021")
    assert any(f.value == Decimal("3733.740764") and f.raw_unit == "元" for f in facts)
    find(facts, "政府采购", "642.976884")
    assert any(f.unit == "个" and f.value == 6 for f in facts)


@needs_corpus
def test_038_thousands_separators() -> None:
    _, facts = doc_facts("038")
    f = find(facts, "教育支出", "580.610516")
    assert f.raw_value == "5,806,105.16" and f.share == Decimal("82.27")
    assert f.comparison is not None and f.comparison.amount == Decimal("352.077245")


@needs_corpus
def test_every_excerpt_yields_facts() -> None:
    for name in manifest():
        _, facts = doc_facts(name)
        assert facts, name
        for f in facts:
            assert f.metric and f.unit
            assert 0 <= f.start < f.end


def test_a_coded_subject_in_a_numbered_sentence_keeps_its_name() -> None:
    doc = make_doc(
        "一、支出决算说明\n（一）205-教育支出4100万元，较2021年决算数增加300万元，增长7.89%，其中：\n"
        "1、20502-普通教育3300万元，较2021年决算数减少12万元，下降0.36%。\n",
        "t", "某局", 2022, "决算",
    )  # fmt: skip
    facts = extract_facts(doc, sections_of(doc))
    assert all(f.metric and not f.metric.startswith(("决算", "较")) for f in facts), [f.metric for f in facts]
    top = find(facts, "教育支出", "4100")
    assert top.comparison is not None and top.comparison.amount == Decimal("300")
    item = find(facts, "普通教育", "3300")
    assert (
        item.comparison is not None and item.comparison.direction == "减少" and item.comparison.rate == Decimal("0.36")
    )


def test_a_comparison_measured_on_the_same_basis_keeps_its_amount() -> None:
    doc = make_doc("“三公”经费决算支出数为88.5万元，按同口径同比减少6.5万元，下降6.84%。", "t", "某局", 2022, "决算")
    f = find(extract_facts(doc, sections_of(doc)), "三公经费", "88.5")
    assert f.comparison is not None and f.comparison.amount == Decimal("6.5") and f.comparison.rate == Decimal("6.84")


def test_a_bare_change_after_an_item_belongs_to_that_item() -> None:
    doc = make_doc(
        "其中：公务接待费48万元，减少2万元，下降4%；因公出国（境）费10万元，与上年持平。", "t", "某局", 2022, "预算"
    )
    f = find(extract_facts(doc, sections_of(doc)), "公务接待费", "48")
    assert f.comparison is not None and f.comparison.amount == Decimal("2") and f.comparison.direction == "减少"


def test_a_second_comparison_after_a_semicolon_keeps_its_own_base() -> None:
    doc = make_doc(
        "2023年度三公经费支出决算为40万元，比上年决算数增加10万元，增长33.33%；比2019年（疫情前）决算数减少5万元，降低11.11%。",
        "t", "某局", 2023, "决算",
    )  # fmt: skip
    facts = extract_facts(doc, sections_of(doc))
    assert all(f.metric == "三公经费" for f in facts), [f.metric for f in facts]  # no figure named 降低
    bases = {f.comparison.base: f.comparison for f in facts if f.comparison is not None}
    assert bases["上年"].amount == Decimal("10") and bases["2019"].amount == Decimal("5")
    assert bases["2019"].direction == "减少" and bases["2019"].rate == Decimal("11.11")


def test_an_earlier_figure_named_after_the_base_is_last_years_figure() -> None:
    doc = make_doc("2020年三公经费支出90万元，比上年累计支出100万元减少10万元，下降10%。", "t", "某局", 2020, "决算")
    facts = extract_facts(doc, sections_of(doc))
    assert all(f.metric == "三公经费" for f in facts), [f.metric for f in facts]
    assert find(facts, "三公经费", "100").year == 2019
    assert find(facts, "三公经费", "90").comparison is not None


def test_a_total_written_after_its_name_is_that_metric() -> None:
    doc = make_doc(
        "2021年财政拨款“三公”经费预算总额为 7.5万元。2021年实际支出“三公经费”决算为6万元。2021年度收、支总计均为300万元。"
        "收、支与2020年度相比，减少20万元，下降6.25%。",
        "t", "某局", 2021, "决算",
    )  # fmt: skip
    facts = extract_facts(doc, sections_of(doc))
    find(facts, "三公经费", "7.5")
    find(facts, "三公经费", "6")
    total = find(facts, "收支总预算", "300")
    assert total.comparison is not None and total.comparison.amount == Decimal("20")
    assert not [f for f in facts if f.metric in ("减少", "支")]


def test_a_whole_table_on_one_line() -> None:
    # a PDF page read as text: header, then each label with one number per column; numbers without a label are left
    doc = make_doc(
        "一、2019年“三公”经费支出决算表 单位:万元 项 目 预算数 决算数 合 计 30.00 28.50 0 0 公务接待费 10.00 9.50 "
        "公务用车购置及运行费 20.00 19.00 其中:公务用车运行维护费 20.00 19.00 公务用车购置 0 0 因公出国(境)费 "
        "二、2019年“三公”经费支出情况说明 (一)总体情况说明。",
        "t", "某局", 2019, "决算",
    )  # fmt: skip
    facts = extract_facts(doc, sections_of(doc))
    find(facts, "三公经费", "30", basis="预算数", year=2019)
    find(facts, "三公经费", "28.5", basis="决算数")
    find(facts, "公务接待费", "9.5", basis="决算数")
    find(facts, "公务用车运行维护费", "20", basis="预算数")
    find(facts, "公务用车购置费", "0", basis="决算数")
    assert not [f for f in facts if f.metric == "因公出国(境)费" or f.value == 2019]


def test_a_subjectless_change_after_a_breakdown_belongs_to_the_total() -> None:
    doc = make_doc(
        "2020年“三公”经费预算为500万元。其中,因公出国(境)费20万元,公务接待费80万元。同口径比2019年减少50万元,下降9.09%。"
        "其中:公务接待费同口径比2019年减少5万元。",
        "t", "某局", 2020, "预算",
    )  # fmt: skip
    facts = extract_facts(doc, sections_of(doc))
    total = find(facts, "三公经费", "500")
    assert total.comparison is not None and total.comparison.amount == Decimal("50")
    assert total.comparison.base == "2019"
    guest = find(facts, "公务接待费", "80")
    assert guest.comparison is not None and guest.comparison.amount == Decimal("5")
    assert find(facts, "因公出国(境)费", "20").comparison is None


def test_headcount_total_and_staff_in_post_are_two_figures() -> None:
    doc = make_doc("本单位实有人数15人,其中:在职人员12人,退休人员3人。", "t", "某局", 2022, "决算")
    facts = extract_facts(doc, sections_of(doc))
    find(facts, "实有人数", "15")
    find(facts, "在职人数", "12")


def test_grouped_pipe_header_dates_each_sub_column() -> None:
    # 预算数 and 决算数 each span 合计 / 一般公共预算 / 政府性基金; the funds' shares beside 合计 are not the figure
    doc = make_doc(
        "一、2021年度“三公”经费支出决算表\n单位:万元\n项目 | 预算数 | 决算数 | ||||\n"
        "合计 | 一般公共预算 | 政府性基金 | 合计 | 一般公共预算 | 政府性基金 |\n"
        "公务接待费 | 6 | 6 | 0 | 3.5 | 3.5 | 0 |\n公务用车购置费 | 10 | 10 | 0 | 9.8 | 9.8 | 0 |\n"
        "总计 | 16 | 16 | 0 | 13.3 | 13.3 | 0 |\n",
        "t", "某局", 2021, "决算",
    )  # fmt: skip
    facts = [f for f in extract_facts(doc, sections_of(doc)) if f.source == "table"]
    find(tuple(facts), "公务接待费", "6", basis="预算数")
    find(tuple(facts), "公务接待费", "3.5", basis="决算数")
    find(tuple(facts), "公务用车购置费", "9.8", basis="决算数")
    find(tuple(facts), "三公经费", "13.3", basis="决算数")
    assert not [f for f in facts if f.value == 0]
    assert len(facts) == 6


def test_a_part_in_brackets_after_its_total_keeps_its_own_name() -> None:
    doc = make_doc(
        "公务用车购置及运行费60.00 万元(公务用车购置费20.00 万元,比上年增加0 万元;公务用车运行维护费40.00 万元。)",
        "t", "某局", 2022, "预算",
    )  # fmt: skip
    facts = extract_facts(doc, sections_of(doc))
    find(facts, "公务用车购置及运行维护费", "60")
    find(facts, "公务用车购置费", "20")
    find(facts, "公务用车运行维护费", "40")


def test_revenue_progress_sentences() -> None:
    # a government's monthly report: 减收/减支 are changes, 完成年初预算数 X 的 Y% names the budget and the completion
    doc = make_doc(
        "5月,一般公共预算收入累计完成3000万元,完成年初预算数9000万元的33.3%,比上年减收300万元,下降9.1%。"
        "其中:税收收入1000万元,比上年增收100万元,增长11.1%。一般公共预算支出累计完成8000万元,比上年减支800万元。",
        "t", "某县", 2024, "other",
    )  # fmt: skip
    facts = extract_facts(doc, sections_of(doc))
    income = find(facts, "一般公共预算财政拨款收入", "3000")
    assert income.comparison is not None and (income.comparison.direction, income.comparison.amount) == ("减少", 300)
    find(facts, "一般公共预算财政拨款收入", "9000", basis="预算数")
    find(facts, "一般公共预算财政拨款收入完成率", "33.3")
    tax = find(facts, "税收收入", "1000")
    assert tax.comparison is not None and tax.comparison.direction == "增加"
    spend = find(facts, "一般公共预算支出", "8000")
    assert spend.comparison is not None and spend.comparison.amount == 800


def test_a_line_in_english_ends_a_clause() -> None:
    doc = make_doc(
        "关于2024年某级支出决算的说明\nDescription of Expenditure of General Public Budget\n2024年本级支出决算数为500亿元。",
        "t", "某级", 2024, "决算",
    )  # fmt: skip
    facts = extract_facts(doc, sections_of(doc))
    assert [f.value for f in facts] == [Decimal("5000000")]


def test_a_bracketed_breakdown_gives_each_part_its_own_fact() -> None:
    doc = make_doc("本年支出合计25.6亿元(其中基本建设18.20亿元、其他运转7.40亿元)。", "t", "某县", 2024, "决算")
    facts = extract_facts(doc, sections_of(doc))
    find(facts, "支出合计", "256000")
    find(facts, "基本建设", "182000")
    find(facts, "其他运转", "74000")
