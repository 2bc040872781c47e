"""A figure by source of funds, read from the sub-columns of the table row a fact came from.

Tables of 三公 or income often split each basis into funds::

    项目 | 预算数 | 决算数 |
    合计 | 一般公共预算 | 政府性基金 | 合计 | 一般公共预算 | 政府性基金 |
    总计 | 80.7 | 80.7 | 0 | 74.23 | 74.23 | 0 |

The fact table keeps the 合计 of each basis; a question that names a fund (“政府性基金安排了多少”) is answered from
the fund's own cell of the same row, never from the 合计.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from index.types import Fact

FUNDS = ("一般公共预算", "政府性基金", "国有资本经营", "财政专户", "社会保险基金")
_FUND_ASKED = re.compile("|".join(FUNDS))
_NUMBER = re.compile(r"^-?\d[\d,]*(?:\.\d+)?$")


@dataclass(frozen=True, slots=True)
class FundCell:
    fund: str
    value: Decimal  # in the fact's unit
    header: str  # the sub-header line the column was found in


def fund_asked(question: str, fact: Fact) -> str | None:
    """The fund a question names that the fact's own name does not (政府性基金 for a 三公经费 total)."""
    for m in _FUND_ASKED.finditer(question):
        if m.group() not in (fact.metric_raw or "") and m.group() not in fact.metric:
            return m.group()
    return None


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("|") if c.strip()]


def fund_cell(text: str, fact: Fact, fund: str, *, look_back: int = 1500) -> FundCell | None:
    """The fund's cell of the row holding `fact`, or None when the row is not split by fund."""
    line_start = text.rfind("\n", 0, fact.start) + 1
    line_end = text.find("\n", fact.start)
    row = _cells(text[line_start : line_end if line_end >= 0 else len(text)])
    numbers = [c for c in row if _NUMBER.match(c)]
    if len(numbers) < 2 or "|" not in text[line_start : fact.end + 1]:
        return None
    above = text[max(0, line_start - look_back) : line_start].splitlines()
    for i in range(len(above) - 1, -1, -1):
        sub = _cells(above[i])
        if fund not in sub or len(sub) != len(numbers):
            continue
        places = [k for k, c in enumerate(sub) if c == fund]
        groups = _groups(above[:i], len(places))
        k = 0
        if len(places) > 1:
            if groups is None or fact.basis is None:
                return None
            matching = [n for n, g in enumerate(groups) if g[:2] in fact.basis]
            if len(matching) != 1:
                return None
            k = matching[0]
        total_at = _group_total(sub, places[k])
        try:
            cell = Decimal(numbers[places[k]].replace(",", ""))
            total = Decimal(numbers[total_at].replace(",", "")) if total_at is not None else None
        except InvalidOperation:
            return None
        scale = fact.value / total if total else Decimal(1)
        return FundCell(fund, cell * scale, above[i].strip())
    return None


def _groups(lines: list[str], count: int) -> list[str] | None:
    """The bases (预算数, 决算数 …) the sub-columns repeat under, from the nearest header line naming them."""
    for line in reversed(lines[-6:]):
        found = [c for c in _cells(line) if re.search(r"预算|决算|执行", c)]
        if len(found) == count:
            return found
    return None


def _group_total(sub: list[str], place: int) -> int | None:
    """The 合计 column of the group the fund's column sits in (the nearest 合计/小计 before it)."""
    for k in range(place, -1, -1):
        if sub[k] in ("合计", "小计", "总计"):
            return k
    return None
