"""Numbers and units as written in disclosures, to exact Decimals in normalised units."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MONEY_TO_WAN: dict[str, Decimal] = {
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "万元": Decimal("1"),
    "万": Decimal("1"),
    "百万元": Decimal("100"),
    "亿元": Decimal("10000"),
    "亿": Decimal("10000"),
}
COUNT_UNITS = (
    "人次",
    "批次",
    "人",
    "名",
    "辆",
    "条",
    "期",
    "次",
    "个",
    "家",
    "所",
    "项",
    "台",
    "套",
    "批",
    "户",
    "场",
    "篇",
    "天",
)
PERCENT_UNITS = ("%", "％", "个百分点")

NUMBER = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?"
_NUMBER_RE = re.compile(NUMBER)


def parse_number(text: str) -> Decimal | None:
    """'10,537,750.00' -> Decimal('10537750.00'); None when the text is not a number."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not cleaned or not _NUMBER_RE.fullmatch(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def is_money_unit(unit: str) -> bool:
    return unit in MONEY_TO_WAN


def to_wan(value: Decimal, unit: str) -> Decimal:
    """A money amount in 万元, exact."""
    return _tidy(value * MONEY_TO_WAN[unit])


def from_wan(value: Decimal, unit: str) -> Decimal:
    return _tidy(value / MONEY_TO_WAN[unit])


def normalise(value: Decimal, unit: str) -> tuple[Decimal, str]:
    """(value, unit) in the project's normalised unit: 万元 for money, % for rates, counts unchanged."""
    if unit in MONEY_TO_WAN:
        return to_wan(value, unit), "万元"
    if unit == "％":
        return value, "%"
    return value, unit


def _tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def fmt(value: Decimal, places: int | None = None) -> str:
    """A Decimal for people: no exponent, no trailing zeros (unless `places` asks for them)."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
        return f"{value:f}"
    return f"{_tidy(value):f}"


def best_money_unit(value_wan: Decimal) -> tuple[Decimal, str]:
    """Pick 亿元 for very large amounts, else 万元 (the disclosures' own habit)."""
    if abs(value_wan) >= 10000:
        return from_wan(value_wan, "亿元"), "亿元"
    return value_wan, "万元"
