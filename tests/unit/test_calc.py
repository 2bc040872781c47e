"""The safe Decimal calculator: exact arithmetic, rounding conventions, rejection of anything but arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.errors import BudgetQAError
from qa.execute.calc import (
    Calculation,
    CalculationError,
    calculate,
    change,
    convert,
    difference,
    growth_rate,
    rate,
    ratio,
    round_half_up,
    share,
    to_same_unit,
    total,
    total_amounts,
)

money = st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0.01"), max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("expression", "value", "formula"),
    [
        ("(386.73-358.5)/358.5*100", "7.87", "(386.73-358.5)/358.5×100 = 7.87"),
        ("30/35*100", "85.71", "30/35×100 = 85.71"),
        ("2.95-2.05", "0.90", "2.95-2.05 = 0.90"),
        ("14.9-5.21", "9.69", "14.9-5.21 = 9.69"),
        ("65000+313272.50", "378272.50", "65000+313272.50 = 378272.50"),
        ("5,806,105.16+557718.56", "6363823.72", "5806105.16+557718.56 = 6363823.72"),
        ("31000/15.5%", "200000.00", "31000/15.5% = 200000.00"),
        ("-(-3)+ -2", "1", "-(-3)+-2 = 1"),
        ("（1＋2）×3÷4", "2.25", "(1+2)×3/4 = 2.25"),
        ("2570.97/(4143.91+2570.97)*100", "38.29", "2570.97/(4143.91+2570.97)×100 = 38.29"),
        ("(11.4-0.6)-(7.4+0.4)-0", "3.0", "(11.4-0.6)-(7.4+0.4)-0 = 3.0"),
    ],
)
def test_calculate_gold_formulas(expression: str, value: str, formula: str) -> None:
    result = calculate(expression)
    assert isinstance(result, Calculation)
    assert result.value == Decimal(value)
    assert str(result.value) == value  # precision kept (0.90, not 0.9)
    assert result.formula == formula


def test_places_override_and_exact_kept() -> None:
    result = calculate("1/3", places=4)
    assert result.value == Decimal("0.3333")
    assert result.exact is not None and result.exact > result.value


@pytest.mark.parametrize(
    "expression",
    [
        "2**999999",
        "9**9**9",
        "__import__('os').system('ls')",
        "a+1",
        "abs(-1)",
        "(1).real",
        "1 if 1 else 2",
        "[1,2]",
        "1//2",
        "7%3",
        "1<2",
        "",
        "   ",
        "1 2",
        "1.2.3",
        "1,2",
        "5%%",
        "(" * 60 + "1" + ")" * 60,
        "-" * 100 + "1",
        "1+" * 300 + "1",
        "9" * 30 + "*2",
        "*".join(["999999999999"] * 5),
    ],
)
def test_rejects_everything_but_arithmetic(expression: str) -> None:
    with pytest.raises(CalculationError):
        calculate(expression)


@pytest.mark.parametrize("expression", ["1/0", "5/(2-2)", "3/0.00", "1/0%"])
def test_division_by_zero_is_a_user_error(expression: str) -> None:
    with pytest.raises(BudgetQAError, match="零"):
        calculate(expression)


def test_helpers_divide_by_zero() -> None:
    for fn in (rate, share, ratio, growth_rate):
        with pytest.raises(CalculationError):
            fn(1, 0)


@given(money, money)
def test_add_then_subtract_is_exact(a: Decimal, b: Decimal) -> None:
    assert calculate(f"{a}+{b}-{b}").value == a


@given(st.lists(money, min_size=1, max_size=12))
def test_sums_of_two_decimal_numbers_are_exact(values: list[Decimal]) -> None:
    expression = "+".join(f"({v})" for v in values)
    assert calculate(expression).value == sum(values, Decimal(0))
    assert total(values).value == sum(values, Decimal(0))


@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_rounding_is_half_up_at_005(n: int) -> None:
    x = Decimal(n) / 100 + Decimal("0.005")  # exactly halfway
    expected = (Decimal(n) + 1) / 100 if x >= 0 else Decimal(n) / 100
    assert round_half_up(x, 2) == expected.quantize(Decimal("0.01"))


@given(positive, positive)
def test_share_matches_exact_quotient(part: Decimal, whole: Decimal) -> None:
    result = share(part, whole)
    assert result.places == 2
    assert abs(result.value - part / whole * 100) <= Decimal("0.005")


def test_rounding_examples() -> None:
    assert calculate("1.005*1", places=2).value == Decimal("1.01")
    assert calculate("2.675*1", places=2).value == Decimal("2.68")  # a float would give 2.67
    assert calculate("-1.005*1", places=2).value == Decimal("-1.01")


def test_change_direction_and_size() -> None:
    delta, direction = change("386.73", "358.5")
    assert (delta, direction) == (Decimal("28.23"), "增加")
    c = change("2.05", "2.95", unit="万元")
    assert (c.value, c.direction, c.signed) == (Decimal("0.90"), "减少", Decimal("-0.90"))
    assert "减少0.90万元" in c.formula
    assert change(5, "5.0").direction == "持平"


def test_rate_share_ratio_total() -> None:
    assert rate("2.05", "2.95").value == Decimal("69.49")
    assert rate("2.05", "2.95").formula == "2.05/2.95×100 = 69.49%"
    assert growth_rate("386.73", "358.5").value == Decimal("7.87")
    assert growth_rate("30", "32").value == Decimal("-6.25")
    assert share(30, 35).value == Decimal("85.71")
    r = ratio("3003.64", "1140.27")
    assert (r.value, r.unit) == (Decimal("2.63"), "倍")
    assert total(["63", "100", "45", "92"]).value == Decimal("300")
    assert str(total(["0.6", "-0.04"]).value) == "0.56"
    assert difference("4125.49", "4143.91").value == Decimal("18.42")


def test_unit_mixing() -> None:
    assert convert("6283.70", "元", "万元") == Decimal("0.628370")
    assert convert(1, "万元", "元") == Decimal("10000")
    assert convert("1.5", "亿元", "万元") == Decimal("15000.0")
    values, unit = to_same_unit([("6,283.70", "元"), (1, "万元")])
    assert (values, unit) == ([Decimal("6283.70"), Decimal("10000")], "元")
    result = total_amounts([("6,283.70", "元"), (1, "万元")])
    assert (result.value, result.unit) == (Decimal("16283.70"), "元")
    assert result.formula == "6283.70+10000 = 16283.70元"
    in_wan = total_amounts([("6283.70", "元"), (1, "万元")], unit="万元")
    assert in_wan.value == Decimal("1.628370")
    with pytest.raises(CalculationError):
        to_same_unit([(1, "万元"), (2, "人")])
    with pytest.raises(CalculationError):
        convert(1, "万元", "辆")


def test_floats_are_refused() -> None:
    with pytest.raises(CalculationError):
        share(0.1, 3)  # type: ignore[arg-type]
