"""Sum checks (“A加B和总数X对得上吗”) and the breakdowns they read, on texts written for the tests."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from index.library import Library
from index.types import Fact
from qa.ask import Agent
from qa.execute.parts import change_parts, change_positions, listed_parts
from qa.execute.sumcheck import applies

BODY = "2023年己县档案馆部门预算公开\n本部门财政拨款收支总预算1000万元，一般公共预算财政拨款收入900万元，基本支出、项目支出和三公经费情况说明如下。\n"


def ask(tmp_path: Path, text: str, question: str):  # type: ignore[no-untyped-def]
    (tmp_path / "x.txt").write_text(BODY + text, "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    try:
        lib.ingest([tmp_path / "x.txt"])
        return Agent(lib).ask(question)
    finally:
        lib.close()


def _fact(metric: str, value: str, unit: str, start: int, end: int) -> Fact:
    return Fact(
        doc_id="d", org="", year=2023, kind="预算", metric=metric, metric_raw=metric, value=Decimal(value), unit=unit,
        raw_value=value, raw_unit=unit, section="", page=None, start=start, end=end, quote="",
    )  # fmt: skip


def _facts(text: str, items: list[tuple[str, str, str]]) -> list[Fact]:
    out, pos = [], 0
    for metric, value, unit in items:
        at = re.compile(rf"(?<![\d.]){re.escape(value + unit)}").search(text, pos).start()  # type: ignore[union-attr]
        out.append(_fact(metric, value, unit, at, at + len(value + unit)))
        pos = at + 1
    return out


@pytest.mark.parametrize(
    ("question", "expected"),
    [("人员经费加公用经费和基本支出对得上吗？", True), ("各分项加起来等于总数吗", True), ("公务接待费是多少？", False),
     ("三公经费增加了多少？", False), ("支出合计205.5万元对不对？", True)],
)  # fmt: skip
def test_which_questions_check_a_sum(question: str, expected: bool) -> None:
    assert applies(question) is expected


def test_a_whole_and_the_items_listed_after_it() -> None:
    text = (
        "本单位在职人员50人，其中：行政人员20人，事业人员25人（包括专技人员10人、工勤人员15人），其他人员5人。退休8人。"
    )
    facts = _facts(text, [("在职人数", "50", "人"), ("行政", "20", "人"), ("事业", "25", "人"), ("专技", "10", "人"),
                          ("工勤", "15", "人"), ("其他", "5", "人"), ("退休", "8", "人")])  # fmt: skip
    parts = listed_parts(text, facts[0], facts)
    assert [p.value for p in parts] == [Decimal(20), Decimal(25), Decimal(5)]  # the sub-list belongs to its item


def test_a_numbered_breakdown() -> None:
    text = "基本支出300万元，具体如下：\n1.人员经费200万元，主要用于工资。\n2.公用经费90万元。\n二、项目支出50万元。"
    facts = _facts(text, [("基本支出", "300", "万元"), ("人员经费", "200", "万元"), ("公用经费", "90", "万元"),
                          ("项目支出", "50", "万元")])  # fmt: skip
    assert [p.value for p in listed_parts(text, facts[0], facts)] == [Decimal(200), Decimal(90)]


def test_a_change_broken_down_into_signed_changes() -> None:
    text = "基本支出比上年增加30万元。其中：人员经费比上年增加40万元；公用经费比上年减少5万元。"
    at = change_positions(text, Decimal(30))
    assert len(at) == 1
    assert [p.value for p in change_parts(text, at[0])] == [Decimal(40), Decimal(-5)]


def test_named_parts_against_a_quoted_whole(tmp_path: Path) -> None:
    text = "三、支出预算\n基本支出预算500万元，其中人员经费320.5万元，公用经费80万元。项目支出100万元。\n"
    answer = ask(tmp_path, text, "人员经费加公用经费，和基本支出500万元对得上吗？")
    assert (answer.kind, answer.value, answer.unit) == ("sum", Decimal("400.5"), "万元")
    assert answer.answer.startswith("对不上") and "相差99.5万元" in answer.answer
    quoted = "".join(c.quote for c in answer.citations)
    assert all(figure in quoted for figure in ("500万元", "320.5万元", "80万元"))


def test_listed_parts_that_add_up_within_rounding(tmp_path: Path) -> None:
    text = "一、收入\n2023年收入总计100.01万元，其中：本年收入90.00万元，年初结转和结余10.00万元。\n"
    answer = ask(tmp_path, text, "本年收入加结转结余是否等于收入总计？")
    assert (answer.value, answer.unit) == (Decimal("100.00"), "万元")
    assert "四舍五入" in answer.answer


def test_percentages_quoted_in_the_question(tmp_path: Path) -> None:
    answer = ask(tmp_path, "一、基本支出\n人员经费占60.5%，公用经费占39.6%。\n", "两个占比60.5%和39.6%加起来是100%吗？")
    assert (answer.value, answer.unit) == (Decimal("100.1"), "%")
    assert answer.answer.startswith("对不上")


def test_arithmetic_written_in_the_question(tmp_path: Path) -> None:
    answer = ask(
        tmp_path,
        "一、总体\n2023年收入合计300万元，比上年减少20.5万元。\n",
        "300＋减少的20.5，和上年的320.5万元一致吗？",
    )
    assert (answer.value, answer.unit) == (Decimal("320.5"), "万元")
    assert answer.answer.startswith("对得上")


def test_a_change_and_the_changes_of_its_items(tmp_path: Path) -> None:
    text = "二、基本支出\n基本支出比上年增加30万元。其中：人员经费比上年增加40万元；公用经费比上年减少5万元。\n"
    answer = ask(tmp_path, text, "两个明细的增减相加能得出“增加30万元”吗？")
    assert (answer.value, answer.unit) == (Decimal("35"), "万元")
    assert "相差5万元" in answer.answer and answer.citations


def test_a_trailing_note_is_not_a_part(tmp_path: Path) -> None:
    text = "一、人员\n实有在职人员30人，其中行政人员10人，事业人员20人，退休人员12人。\n"
    answer = ask(tmp_path, text, "各类人员加起来等于30人吗？")
    assert (answer.value, answer.unit) == (Decimal("30"), "人")
    assert answer.answer.startswith("对得上")


def test_a_list_ending_in_a_sum_word_names_its_parts(tmp_path: Path) -> None:
    text = "一、总体\n部门收支总预算600万元，其中：部门预算收入600万元，部门预算支出600万元。\n三、支出\n基本支出500万元，其中人员经费420万元，公用经费80万元。项目支出100万元。\n"
    answer = ask(tmp_path, text, "人员经费、公用经费、项目支出加起来等于总预算吗？")
    assert (answer.value, answer.unit) == (Decimal("600"), "万元")  # not 收入+支出, which each equal the whole
    assert answer.answer.startswith("对得上")


def test_the_whole_before_the_list_and_the_section_the_question_names(tmp_path: Path) -> None:
    text = (
        "三、支出\n其中：基本支出 500万元，项目支出100万元。\n"
        "六、基本支出情况\n2023年基本支出 600万元，其中：（一）人员经费 420万元（二）公用经费 80万元\n"
    )
    answer = ask(tmp_path, text, "第六部分的基本支出和下面的人员经费、公用经费加起来对得上吗？")
    assert (answer.value, answer.unit) == (Decimal("500"), "万元")
    assert answer.answer.startswith("对不上") and "600万元" in answer.answer


def test_the_parts_of_an_item_the_question_names_as_its_own(tmp_path: Path) -> None:
    text = "三、基本支出\n基本支出500万元，其中人员经费420万元，公用经费80万元。人员经费中，工资福利支出400万元，对个人和家庭的补助20万元。\n"
    answer = ask(tmp_path, text, "人员经费的两项构成加起来对吗？")
    assert (answer.value, answer.unit) == (Decimal(420), "万元")
    assert answer.answer.startswith("对得上")


FILLER = "本单位严格执行中央八项规定精神，厉行节约，压缩一般性支出，从严控制各项公务支出。" * 6
GAPS_ONLY = (
    "戌县法院2021年一般公共预算财政拨款“三公”经费支出决算情况说明\n一、总体情况\n"
    "2021年度一般公共预算财政拨款“三公”经费支出预算为50.00万元，支出决算为30.00万元，完成预算的60%。\n"
    "二、具体情况\n2021年度“三公”经费支出决算中，因公出国(境)费支出决算0万元，公务用车购置及运行费支出决算28万元，"
    "公务接待费支出决算2万元。\n因公出国(境)费支出决算比预算数增加(减少)0万元。公务用车购置及运行费支出决算数比预算数减少12万元。"
    "公务接待费支出决算数比预算数减少3万元。\n" + FILLER + "\n"
)


def test_the_childrens_budgets_come_from_their_gaps_when_only_the_whole_budget_is_written(tmp_path: Path) -> None:
    from tests.unit.test_rules_graph import ask as ask_alone

    answer = ask_alone(tmp_path, GAPS_ONLY, "各分项预算加起来等于三公总预算50万元吗？")
    assert (answer.value, answer.unit) == (Decimal(45), "万元") and answer.answer.startswith("对不上")
    assert "28+12" in answer.answer and "相差5万元" in answer.answer


def test_a_table_total_is_checked_against_its_rows(tmp_path: Path) -> None:
    table = "单位：万元\n科目名称|决算数\n甲乙事务支出|120.40\n丙丁事务支出|80.10\n其中：丙丁分项|30.00\n合计|205.50\n"
    a = ask(tmp_path, table, "己县档案馆支出合计205.50万元对不对？")
    assert a.kind == "sum" and a.value == Decimal("200.50"), a.answer
    assert "对不上" in a.answer


def test_a_one_line_table_total_is_checked_in_its_own_column(tmp_path: Path) -> None:
    table = "甲类经费决算表（单位：万元）\n项目 预算数 决算数 合计 30.00 27.90 甲类会务费 12.00 11.20 甲类培训费 18.00 16.10\n"
    a = ask(tmp_path, table, "甲类经费合计27.90万元对不对？")
    assert a.kind == "sum" and a.value == Decimal("27.30"), a.answer


def test_a_table_total_is_checked_against_its_top_rows_not_their_subtotals(tmp_path: Path) -> None:
    table = (
        "单位：万元\n科目编码|科目名称|合计|基本支出|项目支出\n301|甲类支出|150.00|100.00|50.00\n"
        "30101|甲一事务|100.00|100.00|0.00\n30102|甲二事务|50.00|0.00|50.00\n302|乙类支出|40.00|40.00|0.00\n"
        "合计||199.00|140.00|50.00\n"
    )
    a = ask(tmp_path, table, "己县档案馆支出合计199.00万元对不对？")
    assert a.kind == "sum" and a.value == Decimal("190.00"), a.answer


def test_a_tables_total_asked_by_the_tables_name_in_yuan(tmp_path: Path) -> None:
    table = "“三公”经费预算表\n单位：元\n项目\n预算数\n合计\n52,000\n因公出国（境）费\n0\n公务接待费\n12,000\n公务用车购置及运行维护费\n30,000\n"
    a = ask(tmp_path, table, "己县档案馆三公经费预算表合计对得上吗？")
    assert a.kind == "sum" and a.value == Decimal("4.2"), a.answer
    assert "对不上" in a.answer and "四舍五入" not in a.answer  # 10,000元 apart is no rounding of whole 元
