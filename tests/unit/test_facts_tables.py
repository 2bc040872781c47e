"""Table and heading shapes found by red-teaming, on small invented tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from index.extract.facts import extract_facts
from index.types import Fact
from tests.unit.test_facts import find, make_doc, sections_of


def _facts(raw: str, year: int = 2031, kind: str = "预算") -> tuple[Fact, ...]:
    doc = make_doc(raw, "t", "某甲乡", year, kind)
    return tuple(extract_facts(doc, sections_of(doc)))


def test_a_code_column_in_a_pipe_table_is_a_key_not_a_figure() -> None:
    facts = _facts(
        "单位：万元\n科目编码|科目名称|合计|基本支出|项目支出\n"
        "2079901|甲乙事务|301.20|301.20|0.00\n2079902|丙丁补助|55.00|0.00|55.00\n合计||356.20|301.20|55.00\n"
    )
    find(facts, "甲乙事务", "301.2", source="table")
    find(facts, "丙丁补助", "55", source="table")
    assert not [f for f in facts if f.value in (Decimal("2079901"), Decimal("2079902"))]


def test_a_code_column_one_cell_per_line() -> None:
    cells = "单位：万元 科目编码 科目名称 合计 基本支出 项目支出 2079901 甲乙事务 301.20 301.20 0.00 "
    cells += "20799 丙丁补助 55 0.00 55 合计 356.20 301.20 55"
    facts = _facts("\n".join(cells.split()) + "\n")
    find(facts, "甲乙事务", "301.2", source="table")
    find(facts, "丙丁补助", "55", source="table")
    assert not [f for f in facts if f.value in (Decimal("2079901"), Decimal("20799"))]


def test_a_numbered_heading_with_a_code_names_the_figures_after_it() -> None:
    facts = _facts("（三）2079903戊己服务中心。年初预算为40.00万元，支出决算为38.50万元。\n", kind="决算")
    find(facts, "戊己服务中心", "40", basis="预算数")
    find(facts, "戊己服务中心", "38.5", basis="决算数")
    glued = _facts("2079903戊己服务中心年初预算为40.00万元。\n", kind="决算")
    find(glued, "戊己服务中心", "40")


def test_a_topic_heading_names_no_figure() -> None:
    facts = _facts("（一）收支总体情况。年初预算为40.00万元。\n")
    assert not [f for f in facts if "情况" in f.metric]


def test_one_cell_per_line_with_thousands_commas() -> None:
    cells = "收支决算表 单位：元 项目 金额 本年收入合计 3,205,118.40 本年支出合计 3,190,002.15 人员经费 2,874,610.05 "
    cells += "公用经费 315,392.10"
    facts = _facts("\n".join(cells.split()) + "\n", kind="决算")
    find(facts, "人员经费", "287.461005", source="table")
    find(facts, "公用经费", "31.53921", source="table")
    find(facts, "收入合计", "320.51184", source="table")
    assert not [f for f in facts if f.unit == "人"]


def test_a_figure_glued_to_the_next_cells_words_is_no_headcount() -> None:
    facts = _facts("本年支出合计 3,190,002.15人员经费 2,874,610.05\n", kind="决算")
    assert not [f for f in facts if f.unit == "人"]


def _years_table(title: str) -> tuple[Fact, ...]:
    cells = f"{title}项目 2030年预算数 2031年预算数 增减额 甲类会务费 2.40 2.10 -0.30 乙类培训费 5.00 5.50 0.50 "
    cells += "合计 7.40 7.60 0.20"
    return _facts("\n".join(cells.split()) + "\n")


def test_one_cell_per_line_years_each_column_and_the_change_is_a_comparison() -> None:
    for title in ("", "某甲乡经费预算表 单位：万元 "):
        facts = [f for f in _years_table(title) if f.source == "table"]
        find(tuple(facts), "甲类会务费", "2.4", year=2030, basis="预算数")
        now = find(tuple(facts), "甲类会务费", "2.1", year=2031, basis="预算数")
        assert now.comparison is not None and now.comparison.direction == "减少"
        assert now.comparison.amount == Decimal("0.3") and now.comparison.base == "2030"
        up = find(tuple(facts), "乙类培训费", "5.5", year=2031)
        assert up.comparison is not None and up.comparison.direction == "增加"
        assert not [f for f in facts if f.value in (Decimal("-0.3"), Decimal("0.5"), Decimal("0.2"))], title
        assert len(facts) == 6, title


def test_a_unit_line_after_figures_starts_the_next_table() -> None:
    lines = "二、收入预算 单位：万元 项目 预算数 甲项收入 410.00 乙项收入 22.00 收入合计 432.00 "
    lines += "三、经费预算 单位：元 项目 预算数 甲类会务费 6,000 乙类培训费 9,000 合计 15,000"
    facts = _facts("\n\n".join(lines.split()) + "\n")
    find(facts, "甲项收入", "410", source="table", unit="万元")
    find(facts, "乙项收入", "22", source="table", unit="万元")
    find(facts, "甲类会务费", "0.6", source="table", unit="万元")


def test_numbered_row_labels_keep_their_table_whole() -> None:
    lines = "收入支出决算总表 单位：万元 项目 行次 金额 一、甲项拨款收入 1 310.25 二、乙项收入 2 12.00 "
    lines += "一、丙类服务支出 29 300.15 二、丁类保障支出 30 22.10"
    facts = _facts("\n\n".join(lines.split()) + "\n", kind="决算")
    find(facts, "甲项拨款收入", "310.25", source="table")
    find(facts, "丙类服务支出", "300.15", source="table")
    find(facts, "丁类保障支出", "22.1", source="table")


def test_a_code_column_without_a_header_naming_it() -> None:
    lines = "三、支出预算 单位：万元 2079901 甲乙事务 301.20 2079902 丙丁补助 55.00 支出合计 356.20"
    facts = _facts("\n".join(lines.split()) + "\n")
    find(facts, "甲乙事务", "301.2", source="table")
    find(facts, "丙丁补助", "55", source="table")
    assert not [f for f in facts if f.value in (Decimal("2079901"), Decimal("2079902"))]


def test_one_integer_figure_before_a_label_is_not_a_code() -> None:
    lines = "单位：元 项目 预算数 合计 16500 甲类会务费 6,000 乙类培训费 10500"
    facts = _facts("\n".join(lines.split()) + "\n")
    find(facts, "甲类会务费", "0.6", source="table")
    find(facts, "乙类培训费", "1.05", source="table")


def test_columns_that_split_a_total_column_are_each_rows_parts() -> None:
    facts = _facts(
        "单位：万元\n科目名称|合计|基本支出|项目支出\n甲乙事务|301.20|250.00|51.20\n合计|301.20|250.00|51.20\n"
    )
    table = tuple(f for f in facts if f.source == "table")
    find(table, "甲乙事务", "301.2")
    find(table, "甲乙事务-基本支出", "250")
    find(table, "基本支出", "250")
    assert not [f for f in table if f.metric == "甲乙事务" and f.value != Decimal("301.2")]


def test_two_named_years_of_one_item_are_added(tmp_path: Path) -> None:
    from index.library import Library
    from qa.ask import Agent

    cells = "项目 2030年预算数 2031年预算数 增减额 甲类会务费 2.40 2.10 -0.30 乙类培训费 5.00 5.50 0.50"
    text = "某甲乡2031年部门预算\n2031年财政拨款收入300.00万元。\n单位：万元\n" + "\n".join(cells.split()) + "\n"
    (tmp_path / "x.txt").write_text(text, "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    try:
        lib.ingest([tmp_path / "x.txt"])
        a = Agent(lib).ask("某甲乡2030年和2031年的甲类会务费预算加起来是多少？")
    finally:
        lib.close()
    assert a.value == Decimal("4.5"), a.answer


def test_space_separated_cells_with_a_code_column_and_rows_that_leave_cells_out() -> None:
    text = (
        "单位：万元\n科目编码 科目名称 合计 人员经费 公用经费\n"
        "311 甲类福利支出 90.50 90.50\n31101 乙项工资 60.25 60.25\n31102 丙项补贴 30.25 30.25\n"
        "312 丁类商品支出 9.00 9.00 31201 戊项杂费 5.00 5.00 31202 己项杂费 4.00 4.00\n"
        "合计 99.50 90.50 9.00\n— 3 —\n"
    )
    table = tuple(f for f in _facts(text) if f.source == "table")
    find(table, "乙项工资", "60.25")
    find(table, "丙项补贴", "30.25")
    find(table, "戊项杂费", "5")
    find(table, "己项杂费", "4")
    find(table, "公用经费", "9")
    assert not [f for f in table if f.value in (Decimal("31101"), Decimal("31201"), Decimal("3"))]
    assert not [f for f in table if f.metric.endswith("-人员经费") or f.metric.endswith("-公用经费")]


def test_a_whole_table_on_one_line_with_year_columns() -> None:
    text = "单位：万元\n项目 2030年预算数 2031年预算数 增减 合计 7.40 7.60 0.20 甲类会务费 2.40 2.10 -0.30 乙类培训费 5.00 5.50 0.50\n"
    table = tuple(f for f in _facts(text) if f.source == "table")
    find(table, "甲类会务费", "2.4", year=2030, basis="预算数")
    now = find(table, "甲类会务费", "2.1", year=2031, basis="预算数")
    assert now.comparison is not None and now.comparison.direction == "减少"
    find(table, "乙类培训费", "5.5", year=2031)
    assert not [f for f in table if f.value in (Decimal("-0.3"), Decimal("0.2"))]


def test_one_total_row_under_columns_that_name_the_figures() -> None:
    text = "甲乙收入表\n单位：元\n项目 本年收入合计 甲项收入 乙项收入\n合计 1,250,000.50 1,000,000.00 250,000.50\n"
    table = tuple(f for f in _facts(text, kind="决算") if f.source == "table")
    find(table, "甲项收入", "100")
    find(table, "乙项收入", "25.00005")
    find(table, "收入合计", "125.00005")


def test_a_total_row_over_rows_of_different_parents_takes_the_title() -> None:
    text = (
        "某甲乡基本支出表\n单位：万元\n科目名称|金额\n工资福利支出|50.00\n对个人和家庭的补助|20.00\n"
        "公务接待费|1.00\n合计|71.00\n"
    )
    table = tuple(f for f in _facts(text) if f.source == "table")
    totals = [f for f in table if f.value == Decimal("71")]
    assert totals and all(f.metric == "基本支出" for f in totals), [(f.metric, str(f.value)) for f in table]


def test_a_header_that_repeats_its_row_names_is_two_tables_side_by_side() -> None:
    text = (
        "单位：万元\n项目|决算数|项目|决算数\n一、甲项拨款收入|300.00|一、丙类服务支出|250.00\n"
        "二、乙项收入|20.00|二、丁类保障支出|60.00\n||三、戊类事务支出|5.00\n"
        "年初结转和结余|10.00|年末结转和结余|15.00\n"
    )
    table = tuple(f for f in _facts(text, kind="决算") if f.source == "table")
    find(table, "甲项拨款收入", "300", basis="决算数")
    find(table, "丙类服务支出", "250", basis="决算数")
    find(table, "丁类保障支出", "60")
    find(table, "戊类事务支出", "5")
    find(table, "年末结转和结余", "15")
    assert {str(f.value) for f in table if f.metric == "甲项拨款收入"} == {"300"}
    assert {str(f.value) for f in table if f.metric == "乙项收入"} == {"20"}


def test_fund_columns_beside_a_total_column_are_not_the_rows_figure() -> None:
    text = "单位：万元\n项目|合计|一般公共预算|政府性基金预算\n甲类服务支出|80.00|80.00|0.00\n乙类事务支出|20.00|15.00|5.00\n"
    table = tuple(f for f in _facts(text) if f.source == "table")
    assert {str(f.value) for f in table if f.metric == "甲类服务支出"} == {"80"}
    assert {str(f.value) for f in table if f.metric == "乙类事务支出"} == {"20"}


def test_column_blocks_each_under_its_own_basis_one_cell_per_line() -> None:
    cells = "某甲乡会务经费表 单位：万元 预算数 合计 甲类会务费 乙类车辆费 小计 乙一购置费 乙二运行费 "
    cells += "30.00 10.00 20.00 12.00 8.00 决算数 合计 甲类会务费 乙类车辆费 小计 乙一购置费 乙二运行费 "
    cells += "27.50 9.50 18.00 11.00 7.00"
    table = tuple(f for f in _facts("\n".join(cells.split()) + "\n", kind="决算") if f.source == "table")
    find(table, "甲类会务费", "10", basis="预算数")
    find(table, "甲类会务费", "9.5", basis="决算数")
    find(table, "乙类车辆费", "20", basis="预算数")
    find(table, "乙类车辆费", "18", basis="决算数")
    find(table, "乙二运行费", "7", basis="决算数")
    assert not [f for f in table if f.metric in ("预算数", "决算数") or "-" in f.metric]
    assert len(table) == 10


def test_column_blocks_name_their_total_from_a_title_inside_the_run_of_lines() -> None:
    cells = "预算数 合计 甲类会务费 12.00 12.00 决算数 合计 甲类会务费 8.75 8.75"
    text = "甲乙项目支出200.00万元。\n某甲乡“三公”经费决算表\n单位：万元\n" + "\n".join(cells.split())
    table = tuple(f for f in _facts(text + "\n", kind="决算") if f.source == "table")
    find(table, "三公经费", "12", basis="预算数")
    find(table, "三公经费", "8.75", basis="决算数")
    find(table, "甲类会务费", "8.75", basis="决算数")


def test_a_markdown_table_with_opening_pipes_and_a_rule_line() -> None:
    facts = _facts(
        "2031年部门决算\n一、“三公”经费财政拨款支出决算\n单位：万元\n| 项目 | 年初预算 | 决算 |\n|---|---|---|\n"
        "| 合计 | 32.00 | 27.45 |\n| 公务用车购置及运行维护费 | 26.00 | 23.18 |\n| 公务接待费 | 6.00 | 4.27 |\n",
        kind="决算",
    )
    assert find(facts, "公务接待费", "4.27").basis == "决算数"
    assert find(facts, "公务接待费", "6").basis == "预算数"
    assert not [f for f in facts if not f.metric.strip()]  # the empty cell before the first pipe names nothing
