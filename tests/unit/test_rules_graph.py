"""General rules of the fact graph and the answers read from it, each on a text written for the test."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from index.extract.facts import extract_facts, share_comparisons
from index.extract.sections import split_sections
from index.library import Library
from index.read.normalize import normalize
from index.types import Comparison, Document, Fact
from qa.ask import Agent
from qa.types import Answer

FILLER = "本单位严格执行中央八项规定精神，厉行节约，压缩一般性支出，从严控制各项公务支出，不断提高资金使用效益。" * 6


def doc_of(raw: str) -> Document:
    m = normalize(raw)
    return Document(
        doc_id="t", source="t.txt", title="", org="己县档案馆", year=2022, kind="决算", text=m.text, raw_text=raw,
        offsets=m.offsets,
    )  # fmt: skip


def facts_of(raw: str) -> list[Fact]:
    doc = doc_of(raw)
    return extract_facts(doc, split_sections(doc))


def ask(tmp_path: Path, raw: str, question: str) -> Answer:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "x.txt").write_text(raw, "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    try:
        [result] = lib.ingest([tmp_path / "x.txt"])
        assert result.ok, result.message
        return Agent(lib).ask(question, doc_ids=[result.doc_id])
    finally:
        lib.close()


CHANGES_LATER = (
    "2022年己县档案馆部门决算公开\n一、三公经费决算情况\n"
    "2022年度“三公”经费支出决算为6,000.00元。其中：公务用车运行维护费支出决算为1,000.00元；"
    "公务接待费支出决算为5,000.00元。\n" + FILLER + "\n二、增减变化\n"
    "2022年度“三公”经费支出决算数比上年减少4,000.00元。其中：公务用车运行维护费支出决算减少3,000.00元；"
    "公务接待费支出决算减少1,250.00元。\n"
)


def test_a_change_stated_paragraphs_after_its_figure_attaches_to_it() -> None:
    reception = [f for f in facts_of(CHANGES_LATER) if f.metric == "公务接待费"]
    assert reception and all(f.comparison is not None for f in reception)
    assert {(f.comparison.direction, f.comparison.amount) for f in reception if f.comparison} == {
        ("减少", Decimal("0.125"))
    }


def test_a_rate_from_a_stated_change_in_yuan(tmp_path: Path) -> None:
    answer = ask(tmp_path, CHANGES_LATER, "公务接待费比上年下降了百分之几？")
    assert (answer.kind, answer.value, answer.unit) == ("rate", Decimal("20.00"), "%")
    assert answer.formula is not None and "1250/(5000+1250)" in answer.formula  # one unit on both sides


def test_a_restated_figure_shares_the_comparison_of_its_twin() -> None:
    def fact(start: int, comparison: Comparison | None) -> Fact:
        return Fact(
            doc_id="t", org="", year=2022, kind="决算", metric="公务接待费", metric_raw="公务接待费", value=Decimal(5),
            unit="万元", raw_value="5", raw_unit="万元", section="", page=None, start=start, end=start + 3, quote="",
            basis="决算数", comparison=comparison,
        )  # fmt: skip

    cmp = Comparison("上年", "减少", Decimal(1))
    shared = share_comparisons([fact(0, None), fact(50, cmp), fact(90, None)])
    assert [f.comparison for f in shared] == [cmp, cmp, cmp]
    other_value = share_comparisons([fact(0, None), Fact(**{**_fields(fact(50, cmp)), "value": Decimal(6)})])
    assert other_value[0].comparison is None  # another figure is not a restatement


def _fields(f: Fact) -> dict[str, object]:
    return {name: getattr(f, name) for name in f.__slots__}  # type: ignore[attr-defined]


RECEPTION_GROUPS = (
    "2021年庚县三公经费决算情况\n一、公务接待\n2021年一般公共预算财政拨款“三公”经费支出决算20万元。\n"
    "2021年庚县国内公务接待批次120个,接待人次900人;国(境)外公务接待批次3个,接待人次25人。\n"
)


def test_a_count_named_by_what_it_counts_takes_that_unit() -> None:
    units = {(f.metric, f.value, f.unit) for f in facts_of(RECEPTION_GROUPS)}
    assert ("接待人次", Decimal(900), "人次") in units
    assert any(m.endswith("接待批次") and (v, u) == (Decimal(3), "批次") for m, v, u in units)


def test_groups_of_one_count_add_up_when_the_question_says_so(tmp_path: Path) -> None:
    answer = ask(tmp_path, RECEPTION_GROUPS, "2021年国内外公务接待合计多少人次？")
    assert (answer.kind, answer.value, answer.unit) == ("sum", Decimal(925), "人次")
    single = ask(tmp_path / "b", RECEPTION_GROUPS, "2021年国内公务接待多少人次？")
    assert single.value == Decimal(900)  # without 合计 the groups are not added


def test_a_two_part_question_gets_both_parts(tmp_path: Path) -> None:
    raw = "2023年辛县档案馆部门预算\n一、三公经费\n2023年“三公”经费预算20万元,比上年减少5万元。其中公务接待费预算8万元,占40%。\n"
    answer = ask(tmp_path, raw, "公务接待费预算是多少？占比多少？")
    assert (answer.value, answer.unit) == (Decimal(8), "万元") and "40%" in answer.answer
    changed = ask(tmp_path / "b", raw, "三公经费预算多少？比上年怎么变？")
    assert (changed.kind, changed.value) == ("lookup", Decimal(20)) and "减少" in changed.answer


def test_a_change_asked_where_only_the_level_is_stated_gives_no_figure(tmp_path: Path) -> None:
    raw = "2023年辛县档案馆部门预算\n一、三公经费\n2023年一般公共预算财政拨款“三公”经费预算20万元，其中公务接待费预算8万元。\n"
    answer = ask(tmp_path, raw, "公务接待费比上年增长了百分之几？")
    assert answer.refused and answer.value is None  # the level 8万元 is not a rate
    assert "8万元" in answer.answer  # what the document does disclose, as context


def test_an_item_written_short_keeps_its_first_and_last_words() -> None:
    from qa.parse.terms import find_terms

    library = ["文化旅游体育与传媒(室)及相关服务事务", "市场监督管理事务"]
    found = find_terms("文化旅游服务事务支出比市场监督管理事务多多少？", library)
    assert [t.metric for t in found][:2] == library
    assert find_terms("文化事务是多少？", library) == [] or all(
        t.metric != library[0] for t in find_terms("文化事务是多少？", library)
    )


def test_an_org_short_name_inside_an_item_name_is_part_of_the_item() -> None:
    from qa.parse.parser import parse_question

    orgs, items = ["甲区人民政府办公室", "乙县审计局"], ["政府办公厅(室)及相关机构事务"]
    inside = parse_question("政府办公厅事务支出是多少？", orgs=orgs, metrics=items)
    assert (inside.org, inside.metrics) == (None, tuple(items))
    alone = parse_question("政府办的公务接待费是多少？", orgs=orgs, metrics=items)
    assert (alone.org, alone.metrics) == ("甲区人民政府办公室", ("公务接待费",))


PIPE_CELLS = (
    "2021年壬县本级“三公”经费预算公开\n2021年壬县本级一般公共预算中“三公”经费支出预算为120万元,与2020年预算基本持平。\n"
    "2021年壬县本级“三公”经费预算支出表\n单位:万元\n项目 |\n预算数 |\n合计 |\n120 |\n1.因公出国(境)费用 |\n10 |\n"
    "2.公务接待费 |\n30 |\n3.公务用车购置及运行维护费 |\n80 |\n"
)


def test_a_pipe_table_of_one_cell_per_line_reads_label_then_value() -> None:
    table = {(f.metric, f.value, f.basis) for f in facts_of(PIPE_CELLS) if f.source == "table"}
    assert ("三公经费", Decimal(120), "预算数") in table  # 合计 is the first row's label, not a header
    assert ("公务接待费", Decimal(30), "预算数") in table
    assert all(not m.startswith("项目") for m, _, _ in table)


def test_a_scope_within_a_budget_keeps_the_canonical_name_and_about_the_same_derives_nothing() -> None:
    text_facts = [f for f in facts_of(PIPE_CELLS) if f.source == "text" and f.value == Decimal(120)]
    assert [f.metric for f in text_facts] == ["三公经费"]
    assert text_facts[0].comparison is None  # 基本持平 states no amount


def test_a_figure_for_another_year_is_named_when_refusing(tmp_path: Path) -> None:
    answer = ask(tmp_path, PIPE_CELLS, "2020年“三公”经费预算具体是多少？")
    assert answer.refused and answer.value is None
    assert "2021年三公经费120万元" in answer.answer


def test_a_share_of_a_total_written_with_a_qualifier(tmp_path: Path) -> None:
    raw = (
        "2018年癸县档案馆“三公”经费预算公开\n一、三公经费\n2018年一般公共预算财政拨款“三公”经费预算总额为2.5万元，"
        "其中公务用车购置及运行费1.5万元，公务接待费1万元。\n"
    )
    answer = ask(tmp_path, raw, "2018年公车费用占这个单位三公预算的比例？")
    assert (answer.kind, answer.value, answer.unit) == ("share", Decimal("60.00"), "%")


def test_an_item_inside_a_total_s_use_list_gets_no_figure_of_its_own(tmp_path: Path) -> None:
    raw = (
        "2023年子县融媒体中心部门预算公开\n一、总体\n本部门2023年一般公共预算财政拨款收支总预算500万元。\n九、项目支出安排情况\n2023年项目支出200万元，具体使用情况如下：宣传项目200万元，"
        "主要用于舆情监测；公众号、短视频账号制作发布等宣传经费支出。\n"
    )
    answer = ask(tmp_path, raw, "短视频账号制作发布单独安排了多少钱？")
    assert answer.refused and answer.value is None
    assert "200万元" in answer.answer  # the passage, as context only


def test_a_dated_statement_after_a_long_unpunctuated_form_is_read() -> None:
    raw = (
        "2023年丑县融媒体中心部门预算公开\n1.宣传项目申报表\n项目总预算 300\n项目当年预算300\n项目前两年预算及当年\n预算变动情况\n"
        "2021 年项目预算 470 万，2022 年项目预算 470 万，2023 年 300 万，较上年减少 170 万。\n"
    )
    years = {(f.year, f.value) for f in facts_of(raw) if f.value in (Decimal(470), Decimal(300))}
    assert {(2021, Decimal(470)), (2022, Decimal(470)), (2023, Decimal(300))} <= years


def test_indicator_rows_with_a_missing_year_and_single_target_rows() -> None:
    raw = (
        "2023年寅县融媒体中心部门预算公开\n整体支出绩效目标表\n年度绩效目标 一级指标 指标值 近两年指标值 预期当年实现值2021年 2022年\n"
        "数量指标\n公众号粉丝量 无 12万人 12万人 绩效考核目标\n宣传项目绩效目标表\n短视频月报 12 期 绩效目标\n"
        "短视频发布数量 ≥600 条 绩效目标\n"
    )
    found = {(f.metric_raw, f.year, f.value, f.unit) for f in facts_of(raw)}
    assert ("公众号粉丝量", 2022, Decimal(12), "万人") in found or (
        "公众号粉丝量",
        2022,
        Decimal(120000),
        "人",
    ) in found
    assert not any(name == "公众号粉丝量" and year == 2021 for name, year, _, _ in found)  # 无: no value that year
    assert ("短视频月报", 2022, Decimal(12), "期") in found  # this year's target (the test document's year: 2022)
    assert ("短视频发布数量", 2022, Decimal(600), "条") in found
    assert not any(name.startswith(("宣传项目", "绩效目标")) for name, _, _, _ in found)  # read once, by its row


def test_a_sentence_opening_with_its_base_continues_the_previous_figure() -> None:
    raw = (
        "2021年卯县退役军人事务局部门决算公开\n一、收入\n1.一般公共预算财政拨款收入300.5万元,为本级财政\n当年拨付的资金。"
        "较2020年度决算数减少50.5万元,下降14.39%。\n"
    )
    [income] = [f for f in facts_of(raw) if f.value == Decimal("300.5")]
    assert income.comparison == Comparison("2020", "减少", Decimal("50.5"), Decimal("14.39"))


def test_a_yes_no_clause_leaves_the_headline_to_the_share_asked() -> None:
    from qa.parse.parser import parse_question

    p = parse_question("三公预算是不是全花在接待上？接待费占多大比例？")
    assert (p.op, p.metrics, p.whole) == ("share", ("公务接待费",), "三公经费")
    kept = parse_question("其他收入是多少？占多少？")
    assert kept.op == "lookup"  # a figure asked first stays the headline; its share is a companion


SHARES_OF_AN_UNWRITTEN_WHOLE = (
    "2024年辰县档案馆部门预算公开\n一、支出\n本部门2024年一般公共预算财政拨款收支总预算300万元。\n"
    "1. 基本支出预算 2400000.00 元,占一般公共预算支出\n的80%,同比减少 1000 元。\n"
    "2. 项目支出 600000 元,占一般公共预算支出的 20%,同比增加 700 元。\n"
)


def test_a_whole_written_only_as_what_its_parts_are_shares_of(tmp_path: Path) -> None:
    answer = ask(tmp_path, SHARES_OF_AN_UNWRITTEN_WHOLE, "2024年一般公共预算支出合计多少元？")
    assert (answer.value, answer.unit) == (Decimal("3000000.00"), "元")
    assert answer.formula is not None and "2400000" in answer.formula and "600000" in answer.formula


def test_a_diff_between_two_items_asked_in_two_clauses() -> None:
    from qa.parse.parser import parse_question

    assert parse_question("政府采购预算比项目支出还多？多多少？").op == "diff"
    assert parse_question("公务接待费和公车运行费分别比上年增加多少").op == "delta"


CHECKED = (
    "2023年巳县档案馆“三公”经费决算公开\n一、总体\n2023年度一般公共预算财政拨款“三公”经费支出预算为8.00万元,支出决算为8.00万元,"
    "完成预算的100%;较上年增加1.00万元,增长14.29%。\n"
)


def test_a_rate_over_the_years_is_not_the_execution_rate_and_a_check_gets_a_verdict(tmp_path: Path) -> None:
    right = ask(tmp_path / "a", CHECKED, "三公决算较上年增长14.29%，对吗？")
    assert (right.kind, right.value) == ("rate", Decimal("14.29")) and right.answer.startswith("对。")
    wrong = ask(tmp_path / "b", CHECKED, "三公决算较上年增长20%，对吗？")
    assert wrong.value == Decimal("14.29") and wrong.answer.startswith("不对")
    rounded = ask(tmp_path / "c", CHECKED, "三公决算较上年增长14%，对吗？")
    assert rounded.answer.startswith("对（")
    execution = ask(tmp_path / "d", CHECKED, "三公经费决算完成预算的百分之几？")
    assert execution.value == Decimal("100.00")


def test_a_text_longer_than_the_cap_is_refused_with_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import index.read.document as document
    from index.errors import UnreadableFile
    from index.types import RawDocument

    monkeypatch.setattr(document, "MAX_TEXT_CHARS", 100)
    with pytest.raises(UnreadableFile, match="文字内容过长"):
        document.build_document(RawDocument(path="x.txt", text="预算" * 60), "x", "x.txt")


def test_boundaries_and_spans_answer_as_a_scan_would() -> None:
    import random

    from index.extract.facts_text import Boundaries, Spans

    rng = random.Random(7)
    for _ in range(200):
        text = "".join(rng.choice("ab。，(其中x（包括") for _ in range(rng.randint(0, 50)))
        bounds = Boundaries(text, "。，", ("(其中", "（包括"))
        for i in range(len(text) + 1):
            assert bounds.last_before(i) == max(text.rfind(b, 0, i) for b in ("。", "，", "(其中", "（包括"))
        spans = [(rng.randint(0, 40), rng.randint(0, 50)) for _ in range(rng.randint(0, 5))]
        held = Spans(spans)
        assert all(held.holds(i) == any(s <= i < e for s, e in spans) for i in range(60))


SCALED = (
    "2023年未县档案馆部门预算公开\n一、总体\n本部门2023年一般公共预算财政拨款收支总预算500万元。\n"
    "十、整体支出绩效目标表\n单位：万元\n项目 | 2023年 | 2021年\n财政拨款 | 500 | 3,000,000.00\n合计 | 500 | 300.00\n"
)


def test_a_figure_written_ten_thousand_times_too_large_answers_corrected(tmp_path: Path) -> None:
    answer = ask(tmp_path, SCALED, "2021年财政拨款收入多少？")
    assert (answer.value, answer.unit) == (Decimal("300.00"), "万元")
    assert any("3,000,000.00" in w for w in answer.warnings)  # the figure as written: in the warning only


def test_a_zero_beside_a_small_figure_is_no_unit_slip() -> None:
    from index.extract.checks import check_document

    raw = "2019年申县“三公”经费公开\n单位：万元\n| 项目 | 2019年 |\n| 公务用车运行维护费 | 28.00 |\n| 因公出国(境)费 | 0 |\n"
    doc = doc_of(raw)
    facts = extract_facts(doc, split_sections(doc))
    assert not [f for f in check_document(doc, facts) if f.check == "unit_scale"]


def test_item_names_written_without_their_qualifier_or_generic_tail() -> None:
    from qa.parse.terms import find_terms

    library = ["政府集中采购预算", "分散采购", "事业运行经费总预算安排"]
    assert [t.metric for t in find_terms("集中采购和分散采购加起来是多少？", library)] == library[:2]
    assert [t.metric for t in find_terms("下属单位事业运行经费总预算多少？", library)] == [library[2]]


def test_an_amount_asked_leads_with_the_money_item_and_is_never_a_share_of_a_count(tmp_path: Path) -> None:
    raw = (
        "2025年酉县民政局部门预算公开\n一、总体\n本部门2025年一般公共预算财政拨款收支总预算900万元。\n"
        "二、事业单位\n本局下属共有 4 个事业单位,事业运行经费总预算安排 800 万元,其中:基本支出预算 80 万元,项目支出预算 720 万元。\n"
    )
    answer = ask(tmp_path / "a", raw, "下属事业单位2025年事业运行经费总预算多少？")
    assert (answer.value, answer.unit) == (Decimal(800), "万元")
    share = ask(tmp_path / "b", raw, "事业单位的项目支出占比多少？")
    assert share.unit != "%" or share.value is None or share.value <= 100


def test_a_rate_opening_the_next_sentence_continues_the_total_a_list_broke_down() -> None:
    raw = (
        "2024年戌镇“三公”经费预算公开\n一、总体\n2024年一般公共预算“三公”经费支出预算为24.00万元,其中:因公出国(境)费用0万元,"
        "公务用车运行维护费20万元,公务接待费4万元。与2023年预算相比增长20%,其中公务用车运行维护费增加4万元。\n"
    )
    [total] = [f for f in facts_of(raw) if f.metric == "三公经费"]
    assert total.comparison is not None and (total.comparison.base, total.comparison.rate) == ("2023", Decimal(20))


VS_BUDGET = (
    "2022年亥县法院“三公”经费决算公开\n一、总体\n2022年度一般公共预算财政拨款“三公”经费支出决算中,公务用车购置及运行费支出决算"
    "50.00万元。\n二、说明\n公务用车购置及运行费支出决算数比预算数减少10.00万元,下降16.67%。主要原因是加强公务用车管理。\n"
)


def test_a_gap_to_the_budget_of_the_same_year(tmp_path: Path) -> None:
    cars = [f for f in facts_of(VS_BUDGET) if f.comparison is not None]
    assert cars and all(f.comparison.base == str(f.year) for f in cars if f.comparison)  # not 上年
    budget = ask(tmp_path / "a", VS_BUDGET, "2022年公车购置及运行费预算是多少？")
    assert (budget.value, budget.unit) == (Decimal("60.00"), "万元")
    gap = ask(tmp_path / "b", VS_BUDGET, "公车购置及运行费决算比预算少了多少？")
    assert (gap.kind, gap.value) == ("diff", Decimal(10))
    prior = ask(tmp_path / "c", VS_BUDGET, "公车购置及运行费比上年增长多少？")
    assert prior.value is None  # nothing is said against last year


def test_a_gap_to_the_budget_is_no_change_mismatch() -> None:
    from index.extract.checks import check_document

    doc = doc_of(VS_BUDGET)
    facts = extract_facts(doc, split_sections(doc))
    assert not [f for f in check_document(doc, facts) if f.check == "change_mismatch"]


REMAINDERS = (
    "2023年乾县教育局部门预算公开\n一、总体\n本部门2023年一般公共预算财政拨款收支总预算900万元。\n二、支出\n"
    "教育支出 600.00元,其中:初中教育支出 250.00元,高中教育支出 300.00元。基本支出 500.00元,人员经费 420.00元。\n"
)


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("教育支出减去初中和高中教育支出，还剩多少元？", "50.00"),
        ("除去人员经费，基本支出还剩多少元？", "80.00"),
        ("基本支出扣除人员经费后还剩多少元（即公用经费）？", "80.00"),
    ],
)
def test_what_remains_of_a_whole_after_its_named_parts(tmp_path: Path, question: str, value: str) -> None:
    answer = ask(tmp_path, REMAINDERS, question)
    assert (answer.kind, answer.value, answer.unit) == ("diff", Decimal(value), "元")


def test_a_coordinated_item_written_short() -> None:
    from qa.parse.terms import find_terms

    library = ["教育支出", "初中教育支出", "高中教育支出"]
    assert [t.metric for t in find_terms("初中和高中教育支出合计多少", library)] == library[1:]


def test_an_actual_above_its_budget_by_an_amount_gives_the_execution_rate(tmp_path: Path) -> None:
    raw = (
        "2022年坤县中学部门决算公开\n一、支出\n2022年度,本单位一般公共预算财政拨款支出总计1100.00万元,与上年相比减少50.00万元,"
        "降低4.35%;完成年初预算100%,决算数大于预算数100.00万元,主要原因是人员工资调整。\n"
    )
    answer = ask(tmp_path, raw, "一般公共预算财政拨款支出完成预算的百分之几？")
    assert (answer.kind, answer.value) == ("rate", Decimal("110.00"))
    assert "1000万元" in answer.answer  # the budget the gap implies


def test_a_sum_with_its_share_and_a_second_item_sharing_the_first_one_s_head(tmp_path: Path) -> None:
    raw = (
        "2023年艮县融媒体中心部门预算公开\n一、总体\n本部门2023年一般公共预算财政拨款收支总预算200万元。\n"
        "二、功能分类\n社会保障和就业支出20万元，卫生健康支出30万元。\n三、绩效目标表\n舆情月报 12 期 绩效目标\n舆情年报 2 期 绩效目标\n"
    )
    both = ask(tmp_path / "a", raw, "社保就业和卫生健康这两块加起来多少？占总预算多少？")
    assert "50万元" in both.answer and "25%" in both.answer  # both parts, whichever leads
    issues = ask(tmp_path / "b", raw, "一年要出舆情月报和年报一共多少期？")
    assert (issues.value, issues.unit) == (Decimal(14), "期")


def test_a_total_whose_breakdown_names_the_thing_asked_is_not_its_figure(tmp_path: Path) -> None:
    raw = (
        "2023年震县档案馆部门预算公开\n一、总体\n本部门2023年一般公共预算财政拨款收支总预算500万元。\n(三)国有资产的总体情况说明\n"
        "截至 2022 年 12 月 31 日,资产原值合计 900000.00 元,其中:(1)土地、房屋及构筑物 500000 元,(2)专用设备\n"
    )
    answer = ask(tmp_path, raw, "该单位专用设备原值是多少？")
    assert answer.refused and answer.value is None and "900000" in answer.answer


def test_a_change_of_both_totals_attaches_to_the_income_total(tmp_path: Path) -> None:
    raw = (
        "2023年巽县政务服务中心部门决算公开\n一、收入支出决算总体情况说明\n2023年度收入总计300.00万元,其中:本年收入合计299.00万元。\n"
        "2023年度支出总计300.00万元,其中:本年支出合计299.00万元。\n收入支出总体与上年相比,增加50.00万元,增长20%。\n"
    )
    answer = ask(tmp_path, raw, "2022年收支总计是多少？")
    assert (answer.value, answer.unit) == (Decimal("250.00"), "万元")


def test_the_item_a_sum_looks_inside_is_not_a_part(tmp_path: Path) -> None:
    raw = (
        "2023年坎县融媒体中心部门预算公开\n一、总体\n本部门2023年一般公共预算财政拨款收支总预算500万元。\n"
        "二、政府购买服务\n2023年政府购买服务预算100万元，其中：基本公共服务40万元，技术性服务60万元。\n"
    )
    answer = ask(tmp_path, raw, "政府购买服务里基本公共服务和技术性服务加起来是多少？")
    assert (answer.value, answer.unit) == (Decimal(100), "万元")


def test_a_budget_from_the_actual_and_its_completion_rate(tmp_path: Path) -> None:
    raw = (
        "2022年离县政协部门决算公开\n一、三公经费\n2022年度一般公共预算财政拨款“三公”经费支出年初预算为100000.00元,支出决算为"
        "50000.00元,完成年初预算的50%。其中:公务接待费支出决算为20000.00元,完成年初预算的25%。\n"
    )
    answer = ask(tmp_path, raw, "2022年公务接待费年初预算是多少元？")
    assert (answer.value, answer.unit) == (Decimal("80000.00"), "元")


def test_shares_quoted_in_a_check_question_are_each_recomputed(tmp_path: Path) -> None:
    answer = ask(tmp_path, SHARES_OF_AN_UNWRITTEN_WHOLE, "基本支出占80%、项目支出占25%，这两个比例对吗？")
    assert (answer.kind, answer.value, answer.unit) == ("share", Decimal("20.00"), "%")
    assert answer.answer.startswith("不全对") and "项目支出" in answer.answer
    right = ask(tmp_path / "b", SHARES_OF_AN_UNWRITTEN_WHOLE, "基本支出占80%、项目支出占20%，这两个比例对吗？")
    assert right.answer.startswith("都对")


STAFF = (
    "庚县文化馆2023年部门预算公开\n一、单位基本情况\n"
    "本单位内设4个股室，共有行政编制5个，事业编制3个。实有行政人员5人，事业人员2人。\n"
    "2023年财政拨款收入预算为300.00万元，全部为一般公共预算拨款。\n" + FILLER + "\n"
    "二、国有资产占用情况\n共有车辆2辆，其中：一般公务用车0辆、特种专业技术用车2辆。\n"
    "截至2022年12月31日，资产原值合计350000.00元。\n"
)
STAFF_WITH_TOTAL = (
    "辛县档案馆2021年部门预算公开\n一、人员构成\n"
    "2021年本单位人员编制总数为12人，实有在职人员总数11人，实有离休人员0人，实有退休人员3人。\n"
    "2021年财政拨款收入预算为200.00万元。\n" + FILLER + "\n"
)


def test_a_count_given_only_by_kind_is_added_up(tmp_path: Path) -> None:
    staff = ask(tmp_path / "a", STAFF, "有多少编制？")
    assert (staff.value, staff.unit, staff.formula) == (Decimal(8), "个", "5+3 = 8")
    both = ask(tmp_path / "b", STAFF, "有多少编制、实有多少人？")
    assert both.value == Decimal(8) and "5人＋事业人员2人＝7人" in both.answer  # each item asked, in order


def test_a_figure_named_as_a_total_is_the_whole_not_a_kind(tmp_path: Path) -> None:
    both = ask(tmp_path, STAFF_WITH_TOTAL, "有多少编制、实有多少人？")
    assert both.value == Decimal(12) and both.formula is None
    assert "11人" in both.answer and "23" not in both.answer  # 实有 is the in-post total, never 离休 nor a sum


def test_vehicles_counted_without_naming_them(tmp_path: Path) -> None:
    cars = ask(tmp_path, STAFF, "单位有几辆车？")
    assert (cars.value, cars.unit) == (Decimal(2), "辆")


def test_a_stock_dated_at_the_end_of_last_year_answers_for_that_date(tmp_path: Path) -> None:
    dated = ask(tmp_path / "a", STAFF, "截至2022年底资产原值合计多少？")
    assert not dated.refused and dated.value is not None and dated.value * 10000 == Decimal(350000)
    undated = ask(tmp_path / "b", STAFF, "资产原值合计多少？")
    assert not undated.refused and undated.value is not None and undated.value in (Decimal(350000), Decimal(35))


TOTALS_FELL = (
    "壬县文联2023年部门决算公开\n一、收入支出决算总体情况说明\n"
    "2023年度收、支总计均为120.00万元。收、支与2022年度相比，减少30.00万元，下降20.0%，主要原因是培训项目压减。\n"
    + FILLER
    + "\n"
)


def test_a_reason_for_a_total_spoken_of_by_its_head_comes_with_the_figure(tmp_path: Path) -> None:
    answer = ask(tmp_path, TOTALS_FELL, "2023年收支总计比上年少了多少？为什么？")
    assert not answer.refused and answer.value == Decimal(30) and answer.unit == "万元"
    assert "培训项目压减" in answer.answer and answer.answer.index("30") < answer.answer.index("培训")
    why = ask(tmp_path / "b", TOTALS_FELL, "收支总计为什么减少？")
    assert not why.refused and "培训项目压减" in why.answer and why.value is None


POSTS = (
    "癸县林业站2022年部门预算公开\n一、单位基本情况\n"
    "本单位编制数为30名，其中公务员12事业编制15名，工勤编制3名。单位实有在职人员总数29人，其中公务员12人，事业编制16人。\n"
    "2022年财政拨款收入预算为500.00万元。\n" + FILLER + "\n"
)


def test_a_figure_whose_unit_was_left_out_ends_the_next_name() -> None:
    posts = [f for f in facts_of(POSTS) if f.unit == "名"]
    assert {(f.metric_raw, f.value) for f in posts} >= {("事业编制", Decimal(15)), ("工勤编制", Decimal(3))}


def test_staffing_checks_the_kind_named_or_the_whole_unit(tmp_path: Path) -> None:
    kind = ask(tmp_path / "a", POSTS, "事业编制人员有没有超编？")
    assert (kind.value, kind.formula) == (Decimal(1), "16-15 = 1") and "超编1人" in kind.answer
    vacant = ask(tmp_path / "d", POSTS.replace("事业编制16人", "事业人员13人"), "事业编制实有几人？空了几个？")
    assert (vacant.value, vacant.formula) == (Decimal(2), "15-13 = 2") and "空编2人" in vacant.answer
    whole = ask(tmp_path / "b", POSTS, "该单位有没有超编？")
    assert whole.value == Decimal(1) and "没有超编" in whole.answer and "29" in whole.answer
    missing = ask(tmp_path / "c", POSTS, "公务员有没有超编？")  # its approved figure has no unit: never the whole's
    assert "空编" not in missing.answer and "超编1人" not in missing.answer


SPENDING = (
    "子县文化站2023年部门决算公开\n一、收入支出决算总体情况说明\n"
    "本单位2023年度总支出80.50万元，其中本年支出72.25万元，较2022年度决算数增加5.00万元。\n" + FILLER + "\n"
)


def test_two_names_read_as_one_item_are_compared_by_their_written_figures(tmp_path: Path) -> None:
    answer = ask(tmp_path, SPENDING, "2023年总支出比本年支出多多少？")
    assert (answer.value, answer.unit, answer.formula) == (Decimal("8.25"), "万元", "80.5-72.25 = 8.25")


PROJECT_YEARS = (
    "丑县广播站2023年部门预算公开\n一、项目支出安排情况\n"
    "2023年项目支出60万元，具体使用情况如下：广播维护项目60万元，主要用于设备维护。\n"
    "二、项目支出绩效目标表\n1.广播维护项目申报表\n"
    "预算变动情况：2021年项目预算80万，2022年项目预算80万，2023年60万，较上年减少20万。\n"
    "2023年财政拨款收入预算为200.00万元。\n" + FILLER + "\n"
)


def test_a_year_range_without_year_words_sums_each_year(tmp_path: Path) -> None:
    from qa.parse.parser import parse_question

    assert parse_question("2019到2021三年加起来多少？").years == (2019, 2021)
    answer = ask(tmp_path, PROJECT_YEARS, "广播维护项目2021到2023三年预算加起来一共多少？")
    assert (answer.value, answer.formula) == (Decimal(220), "80+80+60 = 220")


def test_has_it_changed_is_a_change_question(tmp_path: Path) -> None:
    same = ask(tmp_path / "a", PROJECT_YEARS, "广播维护项目2022年预算比2021年有变化吗？")
    assert same.value == Decimal(0) and "没有变化" in same.answer
    fell = ask(tmp_path / "b", PROJECT_YEARS, "广播维护项目2023年预算比上年涨了吗？")
    assert fell.value == Decimal(20) and "减少" in fell.answer


def test_a_share_asked_after_a_sum_is_its_companion() -> None:
    from qa.parse.parser import parse_question

    parsed = parse_question("公务接待费和公务用车运行维护费加起来多少？占三公经费多少？")
    assert parsed.op == "sum" and "share" in parsed.sub_ops


OFFICES = (
    "寅县交易中心2019年部门预算公开\n一、机构设置情况\n"
    "本中心内设综合股、信息股、服务股3个股室，办公面积约600平米。\n"
    "二、人员情况\n现有工资岗位为专技岗5人(其中:专技九级2人、专技十二级3人);工勤岗1人。\n"
    "2019年财政拨款收入预算为150.00万元。\n" + FILLER + "\n"
)


def test_a_listed_count_is_named_by_the_noun_after_its_figure(tmp_path: Path) -> None:
    assert {(f.metric, f.value) for f in facts_of(OFFICES) if f.unit == "个"} == {("股室", Decimal(3))}
    answer = ask(tmp_path, OFFICES, "中心有几个股室？场所多大？")
    assert (answer.value, answer.unit) == (Decimal(3), "个")


def test_an_item_with_a_word_put_inside_is_still_that_item(tmp_path: Path) -> None:
    from qa.parse.terms import find_terms

    assert [t.metric for t in find_terms("专技岗中十二级有几人？", ["专技十二级", "专技九级"])] == ["专技十二级"]
    answer = ask(tmp_path, OFFICES, "专技岗中十二级有几人？")
    assert (answer.value, answer.unit) == (Decimal(3), "人")


RATE_ONLY = (
    "卯县林场2018年部门决算公开\n一、三公经费决算情况\n"
    "2018年公务接待费决算200万元，与上年下降20%。\n2018年财政拨款支出决算为900.00万元。\n" + FILLER + "\n"
)


def test_an_amount_asked_where_only_the_rate_is_written_is_derived_and_said_approximate(tmp_path: Path) -> None:
    money = ask(tmp_path / "a", RATE_ONLY, "2018年接待费比上年少花了大概多少万元？")
    assert (money.value, money.unit) == (Decimal(50), "万元") and money.formula.startswith("200-200/(1-20/100) = -50")
    assert "近似" in " ".join(money.warnings) and "没有写变动额" in money.answer
    rate = ask(tmp_path / "b", RATE_ONLY, "2018年接待费比上年减少多少？")
    assert (rate.value, rate.unit) == (Decimal(20), "%")  # no money word: the change the document gives


def test_from_one_year_to_another_is_the_change_up_to_the_later_year() -> None:
    from qa.parse.parser import parse_question

    parsed = parse_question("发布数量目标从2021年到2023年砍了百分之几？")
    assert (parsed.year, parsed.compare_year) == (2023, 2021)
    assert (
        parse_question("2023年比2021年下降了多少？").year,
        parse_question("2023年比2021年下降了多少？").compare_year,
    ) == (2023, 2021)


NONE_BELOW = (
    "辰县档案馆2023年部门预算公开\n一、部门预算单位构成\n纳入本部门预算编制范围的单位是本级，本馆无下属二级单位。\n"
    "二、其他\n本馆承担军休人员的服务保障工作。\n2023年财政拨款收入预算为90.00万元，全部为一般公共预算拨款；支出预算中基本支出80.00万元，项目支出10.00万元。\n" + FILLER + "\n"
)


def test_a_count_the_document_says_is_none_is_zero_and_one_it_never_gives_is_refused(tmp_path: Path) -> None:
    none = ask(tmp_path / "a", NONE_BELOW, "档案馆有几个下属二级单位？")
    assert (none.value, none.unit) == (Decimal(0), "个") and "无下属二级单位" in none.citations[0].quote
    never = ask(tmp_path / "b", NONE_BELOW, "这个单位有多少军休干部？")
    assert never.refused and never.value is None


def test_a_listed_money_sum_never_adds_heads(tmp_path: Path) -> None:
    answer = ask(tmp_path, STAFF, "两个被压减的项目合计压减多少？")
    assert answer.unit not in ("个", "人", "辆")  # money asked: a run of head counts is never its sum


def test_a_money_question_is_never_answered_with_a_head_count(tmp_path: Path) -> None:
    answer = ask(tmp_path, OFFICES, "股室花了多少钱？")
    assert answer.refused and answer.value is None and "3个" in answer.answer  # says what the document does give


AGAINST_BUDGET = (
    "巳县科协2021年部门决算公开\n一、2021年度一般公共预算财政拨款“三公”经费支出决算表\n单位:万元\n项 目 |\n预 算 数 |\n"
    "决 算 数 |\n合 计 |\n30 |\n14 |\n公务用车购置及运行维护费 |\n20 |\n10 |\n公务接待费 |\n10 |\n4 |\n"
    "二、说明\n公务接待费支出决算4万元，与2021年度预算相比，减少0.1万元，下降0.5%。\n" + FILLER + "\n"
)


def test_a_change_against_the_budget_is_not_the_share_spent(tmp_path: Path) -> None:
    rate = ask(tmp_path / "a", AGAINST_BUDGET, "2021年接待费决算比预算下降了百分之几？")
    assert (rate.value, rate.unit) == (Decimal(60), "%")  # (4 − 10) ÷ 10, not 完成预算的40%
    spent = ask(tmp_path / "b", AGAINST_BUDGET, "2021年接待费完成预算的百分之几？")
    assert (spent.value, spent.unit) == (Decimal(40), "%")
    claim = ask(tmp_path / "c", AGAINST_BUDGET, "2021年接待费比预算“减少0.1万元，下降0.5%”对吗？")
    assert (claim.value, claim.unit) == (Decimal(6), "万元") and claim.answer.startswith("不对")


INCOME_PARTS = (
    "午县图书馆2023年部门预算公开\n一、收入预算\n2023年收入预算200.00万元，其中：一般公共预算财政拨款收入200.00万元，"
    "事业收入0万元，其他收入0万元；上年结转0万元。支出预算中基本支出150.00万元，项目支出50.00万元。\n" + FILLER + "\n"
)


def test_is_there_any_is_answered_from_each_items_figure(tmp_path: Path) -> None:
    none = ask(tmp_path / "a", INCOME_PARTS, "2023年收入里有没有事业收入或上年结转？")
    assert none.value == Decimal(0) and none.answer.startswith("没有") and "上年结转0万元" in none.answer
    some = ask(tmp_path / "b", INCOME_PARTS, "2023年有没有事业收入和一般公共预算财政拨款收入？")
    assert some.answer.startswith("部分有") and "200" in some.answer


GOALS_ONLY = (
    "未县广播站2023年部门预算公开\n一、整体支出绩效目标表\n年度目标1 官方公众号发布数量400条，公众号粉丝量8万人\n"
    "二、收支预算\n2023年财政拨款收入预算为90.00万元，全部为一般公共预算拨款；支出预算中基本支出80.00万元，项目支出10.00万元。\n"
    + FILLER + "\n"
)


def test_a_figure_asked_as_it_is_now_is_never_answered_by_a_goal(tmp_path: Path) -> None:
    now = ask(tmp_path / "a", GOALS_ONLY, "公众号粉丝量目前有多少？")
    assert now.refused and now.value is None and "目标" in now.answer
    goal = ask(tmp_path / "b", GOALS_ONLY, "公众号粉丝量目标是多少？")
    assert (goal.value, goal.unit) == (Decimal(8), "万人")


NO_MONEY_BECAUSE = (
    "亥县2017年一般公共预算“三公”经费预算情况说明\n一、总体情况\n"
    "2017年县级一般公共预算安排“三公”经费支出预算中公务用车运行维护费为20万元，比上年减少1万元。"
    "因我县财力紧张，因公出国(境)费、公务接待费没预算。\n二、公务接待费\n公务接待费预算数0万元，比上年减少，主要原因是压缩开支。经费主要用于接待来访群众。\n"
    + FILLER + "\n"
)


def test_a_clause_that_opens_with_because_gives_the_reason(tmp_path: Path) -> None:
    answer = ask(tmp_path / "a", NO_MONEY_BECAUSE, "为什么该县没有安排出国和接待预算？")
    assert not answer.refused and "财力紧张" in answer.answer


def test_what_it_is_used_for_asked_as_yong_lai_gan_shen_me(tmp_path: Path) -> None:
    answer = ask(tmp_path, NO_MONEY_BECAUSE, "这个单位接待费主要用来干什么？")
    assert not answer.refused and "来访群众" in answer.answer


def test_what_comes_before_is_there_any_is_where_to_look(tmp_path: Path) -> None:
    answer = ask(tmp_path, INCOME_PARTS, "2023年一般公共预算财政拨款收入里有没有上年结转？")
    assert answer.value == Decimal(0) and answer.answer.startswith("没有") and "200" not in answer.answer


CHANGE_ONLY = (
    "子市2019年市本级“三公”经费预算情况说明\n一、总体情况\n"
    "2019年，市本级一般公共预算支出安排的“三公”经费预算为500万元。其中，因公出国(境)费20万元，公务接待费80万元，"
    "公务用车购置及运行费400万元。其中：公务用车购置费同口径比2018年减少150万元，下降75%。\n" + FILLER + "\n"
)


def test_a_change_stated_without_its_figure_is_kept_apart_and_never_read_as_the_level(tmp_path: Path) -> None:
    facts = facts_of(CHANGE_ONLY)
    change = [f for f in facts if f.source == "change"]
    assert [(f.metric, f.value, f.comparison.rate if f.comparison else None) for f in change] == [
        ("公务用车购置费变动额", Decimal(150), Decimal(75))
    ]
    assert not any(f.metric == "公务用车购置费" for f in facts)  # no level was written
    earlier = ask(tmp_path / "a", CHANGE_ONLY, "2018年公务用车购置费是多少？")
    assert earlier.value == Decimal(200) and "近似" in " ".join(earlier.warnings)  # 150 ÷ 75%
    later = ask(tmp_path / "b", CHANGE_ONLY, "2019年公务用车购置费是多少？")
    assert later.value == Decimal(50) and later.formula is not None and "-150" in later.formula


def test_a_direction_written_in_brackets_is_a_change_not_a_level() -> None:
    text = "丑县档案馆2018年部门预算公开\n一、项目支出\n2018年项目支出预算较上年(减)6万元，(减)幅25%。主要原因是压缩项目。\n" + FILLER
    facts = facts_of(text)
    assert not any(f.metric == "项目支出" for f in facts)  # 6万元 is the change, never the budget
    [change] = [f for f in facts if f.source == "change"]
    assert change.comparison is not None and (change.comparison.direction, change.comparison.rate) == ("减少", Decimal(25))


def test_how_much_was_spent_in_all_is_the_spending_total(tmp_path: Path) -> None:
    answer = ask(tmp_path, INCOME_PARTS, "今年总共花多少钱？")
    assert (answer.value, answer.unit) == (Decimal(200), "万元")  # 基本支出150 + 项目支出50, the spending total


def test_an_actual_asked_of_a_budget_that_never_speaks_of_actuals_is_refused(tmp_path: Path) -> None:
    actual = ask(tmp_path / "a", INCOME_PARTS, "2023年一般公共预算财政拨款收入决算是多少？")
    assert actual.refused and actual.value is None and "预算数200" in actual.answer
    budget = ask(tmp_path / "b", INCOME_PARTS, "2023年一般公共预算财政拨款收入多少？")
    assert budget.value == Decimal(200)


ROSE = (
    "卯县科协2023年部门决算公开\n一、三公经费决算情况\n2023年度“三公”经费支出决算为6.00万元，较上年增加1.00万元，增长20%。"
    "决算数较上年增加的主要原因是接待批次增加。\n" + FILLER + "\n"
)


def test_a_reason_asked_for_the_opposite_change_says_the_premise_is_wrong(tmp_path: Path) -> None:
    wrong = ask(tmp_path / "a", ROSE, "三公经费为什么少了？")
    assert wrong.answer.startswith("注意：文件写的是增加的原因") and "接待批次增加" in wrong.answer
    right = ask(tmp_path / "b", ROSE, "三公经费为什么增加了？")
    assert not right.answer.startswith("注意") and "接待批次增加" in right.answer


def test_one_word_read_as_two_counts_is_not_a_sum(tmp_path: Path) -> None:
    # 一共 before 多少批次 asks the batches as stated; 批次 and 人次 are never added up
    raw = (
        "2021年巽县文联“三公”经费公开\n一、“三公”经费情况\n2021年“三公”经费支出12万元,其中公务接待费4万元,"
        "国内公务接待批次18批次,接待人次150人次。\n" + FILLER
    )
    answer = ask(tmp_path, raw, "2021年公务接待一共多少批次？大概多少人次？")
    assert not answer.refused and (answer.value, answer.unit) == (Decimal(18), "批次")
    assert "150" in answer.answer


def test_counts_of_different_things_are_never_added(tmp_path: Path) -> None:
    raw = (
        "2021年巽县文联“三公”经费公开\n一、“三公”经费情况\n2021年“三公”经费支出12万元,其中公务接待费4万元,"
        "国内公务接待批次18批次,接待人次150人次。\n" + FILLER
    )
    answer = ask(tmp_path, raw, "接待批次和接待人次加起来一共多少？")
    assert answer.refused and "168" not in answer.answer and "不能相加" in answer.answer


STAFF_AND_CARS = (
    "2023年坤县档案馆部门预算\n一、机构设置\n本单位核定编制20名,实有在职人员17人,退休人员5人。"
    "截至2022年底,公务用车实有1 024辆。\n二、收支预算\n2023年一般公共预算财政拨款支出预算为300万元。\n"
)


@pytest.mark.parametrize("question", ["编制还剩几个？", "还剩几个编制？", "编制还空几个？"])
def test_posts_left_are_the_posts_less_the_staff(tmp_path: Path, question: str) -> None:
    answer = ask(tmp_path, STAFF_AND_CARS, question)
    assert (answer.value, answer.kind) == (Decimal(3), "diff"), answer.answer


def test_what_is_left_of_a_stock_is_its_count_now(tmp_path: Path) -> None:
    answer = ask(tmp_path, STAFF_AND_CARS, "现在还剩几辆公车？")
    assert (answer.value, answer.unit) == (Decimal(1024), "辆"), answer.answer  # 实有, thousands grouped by a space


def test_a_count_with_thousands_commas_read_from_a_sentence(tmp_path: Path) -> None:
    raw = "2024年艮县市场监管局部门预算\n一、绩效目标\n全年完成食品抽检不少于3,200批次。\n二、收支\n一般公共预算财政拨款支出预算300万元,其中基本支出200万元,项目支出100万元。“三公”经费预算5万元。\n"
    answer = ask(tmp_path, raw, "2024年要完成多少批次食品抽检？")
    assert (answer.value, answer.unit) == (Decimal(3200), "批次"), answer.answer


def test_without_a_written_total_the_largest_top_level_figure_stands_for_it(tmp_path: Path) -> None:
    # a county's report: no 收入合计/支出合计, its general budget is the whole; 民生支出 is only a part of it
    raw = (
        "2023年乾县财政预算执行情况\n一、收入\n全县一般公共预算收入完成18.64亿元,为预算的102.3%。"
        "其中税收收入12.95亿元,非税收入5.69亿元。政府性基金预算收入完成6.82亿元。\n二、支出\n"
        "全县一般公共预算支出完成41.37亿元,为调整预算的96.8%,其中民生支出33.10亿元,教育支出8.92亿元,"
        "社会保障和就业支出6.35亿元。\n三、预算执行\n年初预算安排的财政拨款资金均已按进度拨付,决算数待审计后公开。\n"
    )
    answer = ask(tmp_path, raw, "2023年花的钱比收的钱多多少？")
    assert answer.value == Decimal("227300") and answer.unit == "万元", answer.answer


def test_a_cause_without_the_word_reason(tmp_path: Path) -> None:
    raw = (
        "2023年乾县财政预算执行情况\n一、收入\n全县一般公共预算收入完成18.64亿元,其中税收收入12.95亿元,"
        "非税收入5.69亿元。主要税种:增值税5.12亿元,增长3.6%;房产税1.05亿元,下降18.5%,主要受租赁市场下行影响。\n"
        "二、支出\n全县一般公共预算支出完成41.37亿元,教育支出8.92亿元,社会保障和就业支出6.35亿元。"
        "年初预算安排的财政拨款资金均已拨付。\n"
    )
    answer = ask(tmp_path, raw, "房产税为什么下降？")
    assert answer.kind == "reason" and "租赁市场下行" in answer.answer, answer.answer


def test_a_part_named_otherwise_never_stands_for_the_whole_budget(tmp_path: Path) -> None:
    raw = (
        "2022年兑县司法局“三公”经费预算情况\n一、“三公”经费支出预算情况说明\n2022年一般公共预算“三公”经费支出预算79万元,"
        "比上年减少49万元,其中公务接待费4万元,公务用车运行维护费50万元,公务用车购置费25万元。\n" + FILLER
    )
    assert ask(tmp_path, raw, "2022年部门预算总额是多少？").refused


NONE_ARRANGED = (
    "2023年兑县农业农村局“三公”经费预算情况说明\n一、总体情况\n2023年“三公”经费预算3.2万元,全部为公务接待费。"
    "2023年未安排因公出国（境）费预算,与上年持平。\n二、收支预算\n一般公共预算财政拨款支出预算300万元,"
    "其中基本支出200万元,项目支出100万元。\n" + FILLER
)


def test_an_item_of_its_own_before_budget_is_not_the_budget_as_a_whole(tmp_path: Path) -> None:
    assert ask(tmp_path / "a", NONE_ARRANGED, "2023年办公设备购置预算花了多少钱？").refused
    assert ask(tmp_path / "b", NONE_ARRANGED, "2023年预算是多少？").refused  # 预算 alone is in every 未安排…预算
    told = ask(tmp_path / "c", NONE_ARRANGED, "2023年因公出国费预算多少？")
    assert "未安排" in told.answer and not told.refused


def test_the_actual_as_a_multiple_of_its_budget(tmp_path: Path) -> None:
    raw = (
        "2021年离县事务中心部门决算\n一、“三公”经费\n公务接待费年初预算1万元,支出决算2.14万元,主要是接待任务增加。"
        "“三公”经费支出决算167.37万元。\n二、收支\n一般公共预算财政拨款支出决算300万元,其中基本支出200万元。\n" + FILLER
    )
    answer = ask(tmp_path, raw, "2021年接待费实际花的是预算的几倍？")
    assert (answer.value, answer.unit) == (Decimal("2.14"), "倍"), answer.answer


def test_a_count_stands_before_the_thing_it_counts() -> None:
    from qa.plan.rules import number_near

    text = "一、部门基本情况坎镇辖18个行政村,镇政府机关核定行政编制54名,实有在职人员51人。"
    assert number_near(text, ["行政村"], "个") == (Decimal(18), "个")
    assert number_near(text, ["在职人员"], None) == (Decimal(51), "人")  # after the thing, as before
    goal = "年度目标 1官方公众号发布数量 500条,粉丝量 15万人"
    assert number_near(goal, ["官方公众号发布数量"], "条") == (Decimal(500), "条")  # a numbered line is no count


def test_the_unit_s_own_spending_total_beats_a_larger_part_standing_in(tmp_path: Path) -> None:
    raw = (
        "2017年兑县幼儿园部门决算\n一、收支总体情况\n本单位收入为1687.45万元,本单位支出为1942.57万元。\n"
        "二、一般公共预算支出\n一般公共预算支出1741.75万元,其中基本支出1500万元。\n" + FILLER
    )
    answer = ask(tmp_path, raw, "2017年支出比收入多多少？")
    assert answer.value == Decimal("255.12"), answer.answer


def test_a_breakdown_the_file_never_gives_is_refused_with_the_total(tmp_path: Path) -> None:
    raw = (
        "坤县2023年“三公”经费决算情况\n一、总体\n2023年全县“三公”经费决算1286.4万元,比上年减少98.55万元。\n"
        "二、收支\n一般公共预算财政拨款支出决算300万元,其中基本支出200万元,项目支出100万元。\n" + FILLER
    )
    answer = ask(tmp_path, raw, "各乡镇2023年三公经费分别是多少？")
    assert answer.refused and "1286.4" in answer.answer
    code = facts_of("2024年部门预算\n一、支出\n2010301行政运行712.40万元;12315投诉举报平台运维经费188.86万元。\n")
    assert {f.metric_raw for f in code} >= {"行政运行", "投诉举报平台运维经费"}  # a code glued before a name


BUDGET_AND_ACTUAL = (
    "兑县市场监管局2023年部门决算说明\n一般公共预算财政拨款支出1883.86万元,其中基本支出1300.00万元,项目支出583.86万元。\n"
    "一、一般公共预算财政拨款支出决算情况\n年初预算为1,800.00万元,支出决算为1,883.86万元,完成年初预算的104.66%。\n"
)


def test_a_topic_heading_names_the_known_figure_below_it_and_the_only_pair_answers_unnamed(tmp_path: Path) -> None:
    rate = ask(tmp_path / "a", BUDGET_AND_ACTUAL, "年初预算完成了多少？")
    assert (rate.value, rate.unit) == (Decimal("104.66"), "%"), rate.answer
    more = ask(tmp_path / "b", BUDGET_AND_ACTUAL, "决算比年初预算多了多少？")
    assert more.value == Decimal("83.86"), more.answer


def test_none_said_of_an_item_whose_heading_names_it_first(tmp_path: Path) -> None:
    raw = (
        "离县第二中学2023年部门决算说明\n一般公共预算财政拨款支出500.00万元,其中基本支出300.00万元,项目支出200.00万元。\n"
        "（十一）机关运行经费情况说明\n本单位为公益一类事业单位,不属于行政单位,无机关运行经费。\n"
    )
    answer = ask(tmp_path, raw, "机关运行经费是多少？")
    assert not answer.refused and answer.value is None and "无机关运行经费" in answer.answer, answer.answer


def test_a_reason_for_a_quoted_figure_is_a_sentence_that_writes_it(tmp_path: Path) -> None:
    raw = (
        "兑县农业农村局2024年部门预算\n一般公共预算财政拨款支出5000.00万元,其中基本支出3000.00万元,项目支出2000.00万元。\n"
        "公务用车运行维护费17.00万元,比上年增加0.80万元,主要是车辆老化维修费用增加。\n"
        "政府性基金预算拨款300.00万元,主要用于农村人居环境整治项目。\n"
    )
    told = ask(tmp_path / "a", raw, "那300万用在哪个项目上？")
    assert "人居环境" in told.answer and "车辆老化" not in told.answer, told.answer
    assert ask(tmp_path / "b", raw.replace("300.00万元", "250.00万元"), "那300万用在哪个项目上？").refused
    bound = ask(tmp_path / "c", raw, "公务用车运行维护费为什么增长4%以上？")  # a bound, not a quoted figure
    assert "车辆老化" in bound.answer, bound.answer


def test_a_rate_over_nothing_the_year_before_cannot_be_computed(tmp_path: Path) -> None:
    raw = (
        "兑县档案馆2023年部门预算\n一般公共预算财政拨款支出500.00万元,其中基本支出300.00万元,项目支出200.00万元。\n"
        "（二）政府采购预算安排情况说明。2023年政府采购预算17000元,同比增加17000元。\n"
    )
    answer = ask(tmp_path, raw, "2023年政府采购预算比上年增长了百分之几？")
    assert answer.value is None and not answer.refused and "无法计算" in answer.answer, answer.answer


MONTHS = (
    "坎县财政收支执行情况\n一、一般公共预算收支完成情况\n4月,一般公共预算收入累计完成24627万元,完成年初预算数60999万元的40.4%,"
    "比上年减收1070万元,下降4.2%。一般公共预算支出累计完成107752万元,完成预算数257288万元的41.9%。"
    "财政拨款资金按进度拨付,基本支出和项目支出均按预算执行。\n"
)


def test_one_month_of_a_cumulative_report_is_not_disclosed(tmp_path: Path) -> None:
    assert ask(tmp_path / "a", MONTHS, "4月份当月一般公共预算收入是多少？").refused
    total = ask(tmp_path / "b", MONTHS, "截至4月一般公共预算收入完成多少？")
    assert total.value == Decimal(24627) and not any("不符" in w for w in total.warnings), total.warnings


def test_a_price_threshold_is_part_of_what_is_counted(tmp_path: Path) -> None:
    raw = (
        "离县中医医院2023年部门决算说明\n一般公共预算财政拨款支出500.00万元,其中基本支出300.00万元,项目支出200.00万元。\n"
        "五、国有资产占用情况\n截至2023年12月31日,本单位共有车辆3辆,单价50万元以上通用设备2台（套）,"
        "单价100万元以上专用设备14台（套）。\n"
    )
    big = ask(tmp_path / "a", raw, "单价100万元以上的设备有几台？")
    assert (big.value, big.unit) == (Decimal(14), "台"), big.answer
    assert not [f for f in facts_of(raw) if f.metric == "单价"]  # 50万元 is a threshold, not a figure


def test_budget_left_unspent_is_the_budget_less_the_actual(tmp_path: Path) -> None:
    raw = (
        "兑县档案馆2023年部门决算说明\n一般公共预算财政拨款支出500.00万元,其中基本支出300.00万元,项目支出200.00万元。\n"
        "政府采购支出268万元。\n七、“三公”经费财政拨款支出决算情况说明\n2023年度“三公”经费财政拨款支出年初预算12.00万元,"
        "决算为8.42万元,完成预算的70.17%。\n"
    )
    answer = ask(tmp_path / "a", raw, "三公经费预算还剩多少没花？")
    assert answer.value == Decimal("3.58") and "268" not in answer.answer, answer.answer
    balance = ask(tmp_path / "b", raw + "年末结转和结余12.60万元。\n", "年末结余多少？")  # 结余 the item, not unspent
    assert balance.value == Decimal("12.6"), balance.answer


def test_posts_given_only_by_kind_are_added_before_a_difference(tmp_path: Path) -> None:
    raw = (
        "兑县政协办公室2024年部门预算\n一般公共预算财政拨款支出500.00万元,其中基本支出300.00万元,项目支出200.00万元。\n"
        "机关核定行政编制18名,事业编制5名,实有在职人员21人,退休人员16人。\n"
    )
    gap = ask(tmp_path / "a", raw, "编制数和实有人数差几个？")
    assert gap.value == Decimal(2) and "23" in gap.answer, gap.answer
    vacant = ask(tmp_path / "b", raw, "编制还空几个？")
    assert vacant.value == Decimal(2) and "16" not in vacant.answer, vacant.answer  # value and text agree


def test_the_total_asked_by_its_own_name_among_totals_of_one_metric(tmp_path: Path) -> None:
    raw = (
        "兑镇人民政府2023年度部门决算说明\n一、收入支出决算总体情况说明\n2023年度收入总计2846.37万元,支出总计2846.37万元。\n"
        "二、支出决算情况说明\n2023年本年支出合计2790.12万元,其中:基本支出1500.00万元,项目支出1290.12万元。"
        "年末结转和结余56.25万元。\n"
    )
    assert ask(tmp_path / "a", raw, "2023年支出总计是多少？").value == Decimal("2846.37")
    assert ask(tmp_path / "b", raw, "2023年本年支出合计是多少？").value == Decimal("2790.12")


def test_one_item_over_two_years_asked_together(tmp_path: Path) -> None:
    raw = (
        "兑县档案馆2024年“三公”经费预算说明\n一般公共预算财政拨款支出500.00万元,其中基本支出300.00万元,项目支出200.00万元。\n"
        "项目|2023年预算数|2024年预算数|增减\n公务接待费|6.40|5.20|-1.20\n公务用车运行维护费|12.00|11.00|-1.00\n"
    )
    answer = ask(tmp_path, raw, "2023和2024两年接待费预算一共多少？")
    assert answer.value == Decimal("11.6"), answer.answer


def test_last_year_s_actual_is_not_derived_from_two_budgets(tmp_path: Path) -> None:
    raw = (
        "兑县实验中学2024年部门预算\n一般公共预算财政拨款支出预算500.00万元,其中基本支出300.00万元,项目支出200.00万元。\n"
        "五、“三公”经费预算情况\n2024年“三公”经费预算12,000.00元,全部为公务接待费,与上年持平。\n"
    )
    assert ask(tmp_path / "a", raw, "2023年三公经费实际花了多少？").refused
    budget = ask(tmp_path / "b", raw, "2023年三公经费预算是多少？")  # budgets compared: last year's budget
    assert (budget.value, budget.unit) in ((Decimal(12000), "元"), (Decimal("1.2"), "万元")), budget.answer


def test_a_total_made_of_its_parts_by_definition(tmp_path: Path) -> None:
    raw = (
        "兑县公安分局2024年部门预算\n一般公共预算财政拨款支出预算500.00万元,其中基本支出300.00万元,项目支出200.00万元。\n"
        "三、“三公”经费预算情况\n2024年“三公”经费预算186.00万元,其中:因公出国(境)费0万元;公务用车购置费72.00万元;"
        "公务用车运行维护费96.00万元;公务接待费18.00万元。\n"
    )
    share = ask(tmp_path, raw, "公车购置和运行费占三公预算的比例？")
    assert share.value == Decimal("90.32") and any("组成部分相加" in w for w in share.warnings), share.answer
