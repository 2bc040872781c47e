"""A figure by source of funds, read from the fund's column of the row (qa.execute.funds), on tables written here."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.unit.test_rules_graph import FILLER, ask

SPLIT = (
    "申县法院2021年度一般公共预算及政府性基金财政拨款“三公”经费支出决算情况说明\n"
    "一、2021年度一般公共预算及政府性基金财政拨款“三公”经费支出决算表\n单位:万元\n"
    "项目 | 预算数 | 决算数 | ||||\n合计 | 一般公共预算 | 政府性基金 | 合计 | 一般公共预算 | 政府性基金 | |\n"
    "公务接待费 | 6 | 4 | 2 | 5 | 3.5 | 1.5 |\n公务用车购置及运行费 | 20 | 20 | 0 | 18 | 18 | 0 |\n"
    "总计 | 26 | 24 | 2 | 23 | 21.5 | 1.5 |\n二、说明\n2021年度“三公”经费支出年初预算26万元，支出决算23万元。\n" + FILLER + "\n"
)
MIXED_NO_COLUMNS = (
    "酉县法院2021年度一般公共预算及政府性基金财政拨款“三公”经费支出决算情况说明\n"
    "一、一般公共预算及政府性基金财政拨款“三公”经费支出决算总体情况\n"
    "2021年度“三公”经费支出年初预算26万元，支出决算23万元，完成年初预算的88.46%。\n" + FILLER + "\n"
)


def test_a_fund_asked_is_read_from_its_own_column(tmp_path: Path) -> None:
    budget = ask(tmp_path / "a", SPLIT, "2021年政府性基金安排了多少三公经费？")
    assert (budget.value, budget.unit) == (Decimal(2), "万元") and "26" in budget.answer
    final = ask(tmp_path / "b", SPLIT, "2021年公务接待费决算中一般公共预算多少？")
    assert (final.value, final.unit) == (Decimal("3.5"), "万元")
    total = ask(tmp_path / "c", SPLIT, "2021年三公经费预算多少？")
    assert total.value == Decimal(26)


def test_a_total_of_several_funds_is_never_one_funds_figure(tmp_path: Path) -> None:
    answer = ask(tmp_path, MIXED_NO_COLUMNS, "2021年政府性基金安排了多少三公经费？")
    assert answer.refused and answer.value is None and "26" in answer.answer
