"""Performance-indicator rows of a 绩效目标表: one indicator, then its value for the two years before and this year.

The standard layout is a header “指标值 … 近两年指标值 … 2021年 2022年 … 预期当年实现值” followed by rows such as
“原创数量 1500条 1000条 1000条 绩效考核目标” — the name may sit on the line(s) above the numbers in PDF text. Each row
gives three facts: the two years the header names and the document's own year.
"""

from __future__ import annotations

import re

from index.extract.facts_text import make_fact
from index.metrics import canonical
from index.types import Document, Fact

_HEADER = re.compile(r"近两年指标值")
_YEARS = re.compile(r"(20\d\d)年")
_UNITS = r"万人次|万人|人次|万元|条|期|次|个|人|名|辆|场|篇|项|户|%"
# a year's value, or a dash / 无 where that year had none (公众号订阅量 无 8万人 8万人)
_CELL = rf"(?:[≥≤>＞<＜]?\s*(\d+(?:\.\d+)?)\s*({_UNITS})?|(?:无|—|－|-|/|／))"
# a project's own indicator, this year's target only: “舆情月报 12 期 绩效目标” / “发布数量 ≥500 条 绩效目标”
_TARGET_ROW = re.compile(
    rf"^(?P<name>[^\d|≥≤]{{2,30}}?)\s*[≥≤>＞<＜]?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>{_UNITS})\s*绩效(?:考核)?目标"
)
_ROW = re.compile(rf"^(?P<name>[^\d|]{{0,30}}?)\s*{_CELL}\s+{_CELL}\s+{_CELL}(?![\d.])")
_NOT_NAME = re.compile(r"指标|^值|年$|^\s*$|^(产出|效益|数量|质量|时效|成本|标|值|依据)$")
_WINDOW = 60  # lines after a header in which rows are looked for


def extract_indicator_facts(doc: Document) -> list[Fact]:
    facts: list[Fact] = []
    lines = doc.text.split("\n")
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        if not _HEADER.search(lines[i]):
            i += 1
            continue
        header = " ".join(lines[i : i + 6])
        years = [int(y) for y in _YEARS.findall(header)][:2]
        if len(years) != 2 or doc.year is None:
            i += 1
            continue
        cols = (years[0], years[1], doc.year)
        for j in range(i + 1, min(i + _WINDOW, len(lines))):
            if _HEADER.search(lines[j]):
                break
            m = _ROW.match(lines[j].strip())
            if m is None:
                continue
            units = {m.group(k) for k in (3, 5, 7) if m.group(k)}
            if len(units) != 1 or sum(1 for k in (2, 4, 6) if m.group(k)) < 2:
                continue
            unit = units.pop()
            name = _name(m.group("name"), lines, j)
            if not name:
                continue
            start = offsets[j] + lines[j].find(lines[j].strip())
            row = lines[j].strip()
            quote = re.sub(r"\s+", " ", row if row.startswith(name[:2]) else f"{name} {row}")[:120]
            for k, year in zip((2, 4, 6), cols, strict=True):
                if m.group(k) is None:
                    continue  # no value that year
                fact = make_fact(
                    doc, metric=canonical(name), metric_raw=name, raw_value=m.group(k), raw_unit=unit,
                    start=start, end=offsets[j] + len(lines[j]), year=year, source="table", basis="目标值", quote=quote,
                )  # fmt: skip
                if fact is not None:
                    facts.append(fact)
        i += 1
    return facts + _target_rows(doc, lines, offsets)


def _target_rows(doc: Document, lines: list[str], offsets: list[int]) -> list[Fact]:
    """Rows of a project's 绩效目标表 that give only this year's target value."""
    out: list[Fact] = []
    for j, line in enumerate(lines):
        m = _TARGET_ROW.match(line.strip())
        if m is None or _NOT_NAME.search(re.sub(r"\s", "", m.group("name"))):
            continue
        name = re.sub(r"[\s“”\"]", "", m.group("name"))
        start = offsets[j] + line.find(line.strip())
        fact = make_fact(
            doc, metric=canonical(name), metric_raw=name, raw_value=m.group("num"), raw_unit=m.group("unit"),
            start=start, end=offsets[j] + len(line), year=doc.year, source="table", basis="目标值",
            quote=re.sub(r"\s+", " ", line.strip())[:120],
        )  # fmt: skip
        if fact is not None:
            out.append(fact)
    return out


def _name(inline: str, lines: list[str], j: int) -> str:
    """The indicator's name: on the row itself, or on up to two lines above it."""
    name = re.sub(r"[\s“”\"]", "", inline)
    if len(name) >= 2 and not _NOT_NAME.search(name):
        return name
    parts: list[str] = []
    for k in range(j - 1, max(j - 4, -1), -1):
        text = re.sub(r"[\s“”\"]", "", lines[k])
        if not text:
            continue
        if _NOT_NAME.search(text) or re.search(r"\d", text) or len(parts) == 2:
            break
        parts.insert(0, text)
    joined = "".join(parts)
    return joined if 2 <= len(joined) <= 30 else ""
