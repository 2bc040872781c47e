"""Questions across documents, answered from the fact table: rankings (最高/最低) and totals over a group of
documents (各单位合计, 某地各部门加起来, 三公经费文件里总共…), each figure cited from its own document.

Which documents a question is about, beyond a named org: a place the question names (matched against the
documents' region, org and title), a kind of disclosure (预算/决算/“三公”经费 文件) and a kind of department
(教育/学校, 公安, 卫生 …). The figures are the fact table's, normalised to 万元 before they are added or ranked, and
shown in the unit of the answer; mixing 预算 and 决算 figures, or years, is always a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from index.types import Citation, Document, Fact
from index.units import fmt
from qa.execute.calc import calculate
from qa.execute.compose import cite, doc_stage
from qa.types import Answer, ParsedQuestion

# the kinds of department a question can name, and the words of an org name that mark one
DEPARTMENT_KINDS: dict[str, tuple[str, ...]] = {
    "教育": ("教育", "学校", "中学", "小学", "幼儿园", "大学", "学院", "职校", "中专"),
    "学校": ("学校", "中学", "小学", "幼儿园", "大学", "学院", "职校", "中专"),
    "公安": ("公安", "派出所"),
    "司法": ("司法", "法院", "检察", "律师"),
    "卫生": ("卫生", "卫健", "医院", "疾控", "医疗"),
    "财政": ("财政",),
    "民政": ("民政",),
    "审计": ("审计",),
    "宣传": ("宣传", "融媒体", "广播", "电视"),
    "乡镇": ("乡", "镇", "街道"),
}
_DEPT = re.compile(r"(" + "|".join(DEPARTMENT_KINDS) + r")(?:类|系统|方面|口)?(?:的)?(?:部门|单位|机构|机关)?")
_DOC_KIND = re.compile(r"[“\"]?(预算|决算|三公)[”\"]?(?:经费)?(?:类)?(?:的)?(?:文件|公开|报告|说明)")
_GROUP = re.compile(
    r"各(?:个)?(?:单位|部门|学校|机构|机关|地区|地方|县|市|区|镇|乡镇|家)|所有|全部|这些(?:单位|部门|文件)|汇总|"
    r"(?:单位|部门|文件)(?:的)?(?:合计|总共|一共|加起来|总和|总计)"
)
_TOTAL = re.compile(r"合计|总共|一共|加起来|加在一起|总和|总计|汇总|共计|之和|相加")
_LOW = re.compile(r"最(?:低|少|小|省)|倒数")
_PLACE_SUFFIX = re.compile(r"(?:省|市|县|区|自治县|自治州|镇|乡|街道)$")


def subject_metric(parsed: ParsedQuestion) -> str | None:
    """The metric asked about: not one that only names a kind of document (“三公经费类文件里…”)."""
    kind = _DOC_KIND.search(parsed.text)
    for metric, term in zip(parsed.metrics, (*parsed.metric_terms, *parsed.metrics), strict=False):
        at = parsed.text.find(term)
        if kind and at >= 0 and kind.start() <= at < kind.end() and len(parsed.metrics) > 1:
            continue
        return metric
    return parsed.metrics[0] if parsed.metrics else None


def wants_total(text: str, grouped: bool = False) -> bool:
    """Asks for one figure over a group of documents (各单位…合计, 这些部门加起来, or a total over the documents of
    a place or kind the question names: `grouped`), not a document's own total (三公经费合计)."""
    return bool((grouped or _GROUP.search(text)) and _TOTAL.search(text))


def lowest_first(text: str) -> bool:
    return bool(_LOW.search(text))


def filter_documents(text: str, docs: Sequence[Document]) -> tuple[list[Document], list[str]]:
    """The documents a question's place, kind of disclosure and kind of department leave, and how it narrowed them
    (for the answer's wording). A filter that would leave nothing is not applied."""
    chosen = list(docs)
    said: list[str] = []
    places = _places_named(text, chosen)
    if places:
        narrowed = [d for d in chosen if any(p in _where(d) for p in places)]
        if narrowed:
            chosen, said = narrowed, [*said, "、".join(places)]
    kind = _DOC_KIND.search(text)
    if kind:
        narrowed = [d for d in chosen if d.kind == kind.group(1)]
        if narrowed:
            label = "“三公”经费" if kind.group(1) == "三公" else kind.group(1)
            chosen, said = narrowed, [*said, f"{label}类文件"]
    dept, words = _DEPT.search(text), department_words(text)
    if dept and words:
        narrowed = [d for d in chosen if any(w in d.org for w in words)]
        if narrowed:
            chosen, said = narrowed, [*said, f"{dept.group(1)}类单位"]
    return chosen, said


def department_words(text: str) -> tuple[str, ...]:
    """The words of an org name that mark the kind of department a question names (学校 -> 中学, 小学 …); () for none."""
    dept = _DEPT.search(text)
    if dept and (dept.group(0) != dept.group(1) or dept.group(1) in ("教育", "学校", "乡镇")):
        return DEPARTMENT_KINDS[dept.group(1)]
    return ()


def _where(doc: Document) -> str:
    return f"{doc.region or ''} {doc.org} {doc.title}"


def _places_named(text: str, docs: Sequence[Document]) -> list[str]:
    """Places the question names that some document is from: a region as written (寿县, 湛江市) or without its
    suffix when that leaves two characters or more (湛江)."""
    names: set[str] = set()
    for d in docs:
        if d.region:
            names.add(d.region)
            short = _PLACE_SUFFIX.sub("", d.region)
            if len(short) >= 2:
                names.add(short)
    found = [n for n in sorted(names, key=len, reverse=True) if n in text]
    return [n for n in found if not any(n != o and n in o for o in found)]


@dataclass(frozen=True, slots=True)
class Row:
    fact: Fact
    doc: Document


Pick = Callable[[Document], Fact | None]


def collect(docs: Sequence[Document], pick: Pick) -> tuple[list[Row], list[Document]]:
    rows: list[Row] = []
    missing: list[Document] = []
    for d in docs:
        fact = pick(d)
        if fact is None:
            missing.append(d)
        else:
            rows.append(Row(fact, d))
    return rows, missing


def _warnings(rows: Sequence[Row]) -> list[str]:
    warnings: list[str] = []
    if len({r.fact.year or r.doc.year for r in rows}) > 1:
        warnings.append("涉及的文件年度不同，请注意口径差异。")
    stages = {r.fact.basis or doc_stage(r.doc) for r in rows} - {None}
    if len(stages) > 1:
        warnings.append(
            "其中既有预算数也有决算数（"
            + "、".join(sorted(s for s in stages if s))
            + "），口径不同，请谨慎比较或相加。"
        )
    return warnings


def _label(row: Row) -> str:
    return f"{row.doc.org}（{row.fact.year or row.doc.year}年）"


def _missing_note(missing: Sequence[Document]) -> str:
    if not missing:
        return ""
    names = "、".join(dict.fromkeys(f"{d.org}（{d.year}年）" for d in missing[:5]))
    more = f"等 {len(missing)} 份" if len(missing) > 5 else ""
    return f"\n另有{names}{more}文件没有这一项数据，未计入。"


def _unit(rows: Sequence[Row]) -> str:
    """万元 unless every figure was written in 元 (then 元, as the documents say); counts keep their own unit."""
    units = {r.fact.unit for r in rows}
    if units != {"万元"}:
        return next(iter(units)) if len(units) == 1 else "万元"
    return "元" if all(r.fact.raw_unit == "元" for r in rows) else "万元"


def _shown(value: Decimal, unit: str) -> Decimal:
    return value * 10000 if unit == "元" else value


def _figure(row: Row, unit: str) -> str:
    return fmt(_shown(row.fact.value, unit))


def ranking(parsed: ParsedQuestion, metric: str, rows: list[Row], missing: Sequence[Document], scope: str) -> Answer:
    low = lowest_first(parsed.text)
    rows = sorted(rows, key=lambda r: r.fact.value, reverse=not low)
    unit = _unit(rows)
    lines = [f"{i}. {_label(r)}：{_figure(r, unit)}{unit}" for i, r in enumerate(rows, 1)]
    first, second = rows[0], rows[1]
    higher, lower = (second, first) if low else (first, second)
    gap = calculate(f"{_figure(higher, unit)}-{_figure(lower, unit)}")
    text = (
        f"{scope}按{metric}{'从低到高' if low else '从高到低'}：\n" + "\n".join(lines)
        + f"\n{'最低' if low else '最高'}的是{first.doc.org}，比第二名{'低' if low else '高'}{fmt(gap.value)}{unit}。"
        + _missing_note(missing)
    )  # fmt: skip
    return Answer(
        parsed.text, text, "compare", value=gap.value, unit=unit, formula=gap.formula,
        citations=_citations(rows), warnings=tuple(_warnings(rows)),
    )  # fmt: skip


def series(parsed: ParsedQuestion, metric: str, rows: list[Row], missing: Sequence[Document], scope: str) -> Answer:
    """One org's metric over the years its documents cover, oldest first, with each year's change."""
    rows = sorted(rows, key=lambda r: (r.fact.year or r.doc.year or 0, r.fact.basis or doc_stage(r.doc) or ""))
    unit = _unit(rows)
    lines: list[str] = []
    for i, r in enumerate(rows):
        stage = r.fact.basis or doc_stage(r.doc) or r.doc.kind
        line = f"- {r.fact.year or r.doc.year}年（{stage}）：{_figure(r, unit)}{unit}"
        if i:
            line += _change(rows[i - 1], r, unit)
        lines.append(line)
    first, last = rows[0], rows[-1]
    change = calculate(f"{_figure(last, unit)}-{_figure(first, unit)}")
    span = f"{first.fact.year or first.doc.year}—{last.fact.year or last.doc.year}年"
    word = "增加" if change.value > 0 else "减少" if change.value < 0 else "持平，变化"
    text = (
        f"{scope}{first.doc.org}{span}的{metric}（按文件年度）：\n" + "\n".join(lines)
        + f"\n{span}{word}{fmt(abs(change.value))}{unit}。" + _missing_note(missing)
    )  # fmt: skip
    return Answer(
        parsed.text, text, "delta", value=change.value, unit=unit, formula=change.formula,
        citations=_citations(rows), warnings=tuple(w for w in _warnings(rows) if "年度不同" not in w),
    )  # fmt: skip


# a rate each document gives or computes from its own figures, not a fact to rank: 执行率, 完成率, 占比, 增长率
DERIVED = re.compile(r"(?:预算)?(?:执行率|完成率)|占比|比重|增长率|增幅|降幅|下降率")


@dataclass(frozen=True, slots=True)
class Derived:
    """One body's derived rate, answered from its own document alone."""

    doc: Document
    year: int | None
    answer: Answer


def _rate(part: Derived) -> Decimal:
    return part.answer.value if part.answer.value is not None else Decimal(0)


def compare_derived(parsed: ParsedQuestion, what: str, parts: Sequence[Derived]) -> Answer:
    """Two or more bodies compared on a rate each one's document gives (or its figures compute): which is higher and
    by how many percentage points; a warning when the years or the kinds of disclosure differ."""
    low = lowest_first(parsed.text)
    rows = sorted(parts, key=_rate, reverse=not low)
    lines = [f"{i}. {p.doc.org}（{p.year or p.doc.year}年）：{fmt(_rate(p))}%" for i, p in enumerate(rows, 1)]
    first, second = rows[0], rows[1]
    gap = calculate(f"{fmt(_rate(first))}-{fmt(_rate(second))}")
    word = "低" if low else "高"
    text = (
        f"按{what}{'从低到高' if low else '从高到低'}（各自文件的数据）：\n" + "\n".join(lines)
        + f"\n{'最低' if low else '最高'}的是{first.doc.org}，比{second.doc.org}{word}{fmt(abs(gap.value))}个百分点。"
    )  # fmt: skip
    warnings: list[str] = []
    if len({p.year or p.doc.year for p in parts}) > 1:
        warnings.append(
            f"比较的是不同年度的数据（{'、'.join(f'{p.year or p.doc.year}年' for p in parts)}），年度不同。"
        )
    if len({p.doc.kind for p in parts}) > 1:
        warnings.append("各单位的数据来自不同类型的公开文件（预算/决算/“三公”经费），口径可能不同。")
    for p in parts:
        warnings.extend(p.answer.warnings)
    return Answer(
        parsed.text, text, "compare", value=abs(gap.value), unit="个百分点", formula=gap.formula,
        citations=tuple(c for p in parts for c in p.answer.citations), warnings=tuple(dict.fromkeys(warnings)),
    )  # fmt: skip


def _change(before: Row, after: Row, unit: str) -> str:
    """“（比2021年减少4万元，下降50%）”, computed by the calculator."""
    year = before.fact.year or before.doc.year
    diff = calculate(f"{_figure(after, unit)}-{_figure(before, unit)}").value
    if not diff:
        return f"（与{year}年持平）"
    word = "增加" if diff > 0 else "减少"
    rate = ""
    if before.fact.value:
        ratio = calculate(f"{fmt(abs(diff))}/{_figure(before, unit)}*100").value
        rate = f"，{'增长' if diff > 0 else '下降'}{fmt(ratio)}%"
    return f"（比{year}年{word}{fmt(abs(diff))}{unit}{rate}）"


def total(parsed: ParsedQuestion, metric: str, rows: list[Row], missing: Sequence[Document], scope: str) -> Answer:
    unit = _unit(rows)
    calc = calculate("+".join(_figure(r, unit) for r in rows))
    lines = [f"- {_label(r)}：{_figure(r, unit)}{unit}" for r in rows]
    text = (
        f"{scope}{len(rows)} 份文件的{metric}合计{fmt(calc.value)}{unit}（{calc.formula}）。\n"
        + "\n".join(lines)
        + _missing_note(missing)
    )
    return Answer(
        parsed.text, text, "sum", value=calc.value, unit=unit, formula=calc.formula,
        citations=_citations(rows), warnings=tuple(_warnings(rows)),
    )  # fmt: skip


def _citations(rows: Sequence[Row]) -> tuple[Citation, ...]:
    return tuple(cite(r.fact, r.doc) for r in rows)
