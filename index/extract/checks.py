"""Self-consistency checks of one disclosure: places where its own figures do not agree.

* ``sum_mismatch``: parts that do not add up to their stated total (人员经费 + 公用经费 vs 基本支出, 购置费 +
  运行维护费 vs 小计, an "其中/包括" list vs the figure it breaks down); a difference within the rounding of the
  written figures is reported as a 舍入差异;
* ``rate_mismatch``: a stated growth rate that does not follow from the stated change and figure
  (增加 X, 增长 Y%: Y = X / (value − X) × 100, to the stated precision);
* ``change_mismatch``: a stated change that does not match the earlier year's figure the document also states;
* ``unit_scale``: a figure about 10,000 times a sibling in the same table (元 written in a 万元 table);
* ``conflict``: the same metric, year and basis stated with two different values.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from decimal import Decimal

from index.extract.injection import cues
from index.metrics import BY_NAME, ancestors
from index.types import Document, Fact, Finding
from index.units import fmt

# totals and the parts that make them up, when the document states all of them
SUM_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("基本支出", ("人员经费", "公用经费")),
    ("人员经费", ("工资福利支出", "对个人和家庭的补助")),
    ("公务用车购置及运行维护费", ("公务用车购置费", "公务用车运行维护费")),
    ("三公经费", ("因公出国(境)费", "公务用车购置及运行维护费", "公务接待费")),
    ("支出合计", ("基本支出", "项目支出")),
)
_LIST_MARKERS = ("其中", "包括")
_NEAR = 4000  # characters: parts are looked for around their total


def _places(raw: str) -> int:
    raw = raw.replace(",", "")
    return len(raw.split(".")[1]) if "." in raw else 0


def _ulp(fact: Fact) -> Decimal:
    """One unit of the last written digit, in the fact's normalised unit."""
    unit_ulp = Decimal(1).scaleb(-_places(fact.raw_value))
    if fact.unit == "万元" and fact.raw_unit != fact.unit and fact.raw_value:
        written = Decimal(fact.raw_value.replace(",", ""))
        scale = fact.value / written if written else Decimal(1)
        return unit_ulp * abs(scale)
    return unit_ulp


def _where(f: Fact) -> str:
    place = f.section.split(" > ")[-1] if f.section else ""
    page = f"第{f.page}页" if f.page else ""
    return "，".join(p for p in (place, page) if p) or "文中"


def _v(f: Fact) -> str:
    return _m(f.value, f.unit)


def _m(value: Decimal | None, unit: str) -> str:
    """An amount as people read it: a 万元 figure with more than two decimals came from 元 and is shown in 元."""
    if value is None:
        return ""
    if unit == "万元" and -value.as_tuple().exponent > 2:  # type: ignore[operator]
        return f"{fmt((value * 10000).quantize(Decimal('0.01')))}元"
    return f"{fmt(value)}{unit}"


def _finding(
    doc: Document, check: str, message: str, anchor: Fact, expected: Decimal | None, others: Sequence[Fact]
) -> Finding:
    quotes = tuple(dict.fromkeys(f.quote for f in (anchor, *others) if f.quote))
    return Finding(
        doc_id=doc.doc_id,
        check=check,
        message=message,
        metric=anchor.metric,
        expected=expected,
        actual=anchor.value,
        quotes=quotes,
        section=anchor.section,
        page=anchor.page,
    )


def _money(facts: Sequence[Fact]) -> list[Fact]:
    return [f for f in facts if f.unit == "万元"]


# ---------------------------------------------------------------- (1) parts vs total


def _nearest(candidates: Sequence[Fact], total: Fact, starts: Sequence[int] | None = None) -> Fact | None:
    """The part nearest the total (after it first); `starts`: the candidates' starts, sorted, when they are in text
    order — then only those within reach are looked at."""
    if starts is None:
        near = [c for c in candidates if abs(c.start - total.start) <= _NEAR]
    else:
        lo, hi = bisect_left(starts, total.start - _NEAR), bisect_right(starts, total.start + _NEAR)
        near = list(candidates[lo:hi])
    if not near:
        return None
    same_source = [c for c in near if c.source == total.source] or near
    after = [c for c in same_source if c.start > total.start]
    pool = after or same_source
    return min(pool, key=lambda c: abs(c.start - total.start))


def _sum_message(total: Fact, parts: Sequence[Fact], expected: Decimal, tolerance: Decimal) -> str:
    names = " + ".join(f"{p.metric}{_v(p)}" for p in parts)
    diff = abs(expected - total.value)
    year = f"{total.year}年" if total.year else ""
    head = f"{year}{total.metric}写作{_v(total)}（{_where(total)}），但{names} = {fmt(expected)}{total.unit}"
    if diff <= tolerance:
        return f"{head}，相差{fmt(diff)}{total.unit}，属舍入差异。"
    return f"{head}，两者相差{fmt(diff)}{total.unit}，合计与分项不符。"


def _check_sum(
    doc: Document, total: Fact, parts: Sequence[Fact], out: list[Finding], seen: set[tuple[int, ...]]
) -> None:
    if len(parts) < 2:
        return
    expected = sum((p.value for p in parts), Decimal(0))
    key = (hash((total.metric, total.year, total.value, expected)),)
    if key in seen:
        return
    seen.add(key)
    diff = abs(expected - total.value)
    if diff == 0:
        return
    tolerance = max(_ulp(p) for p in (total, *parts)) * len(parts)
    out.append(_finding(doc, "sum_mismatch", _sum_message(total, parts, expected, tolerance), total, expected, parts))


def _rule_sums(doc: Document, facts: Sequence[Fact], out: list[Finding], seen: set[tuple[int, ...]]) -> None:
    by_key: dict[tuple[str, int | None, str | None], list[Fact]] = {}
    for f in sorted(_money(facts), key=lambda f: f.start):  # one pass, then a look-up per part, not a scan
        by_key.setdefault((f.metric, f.year, f.basis), []).append(f)
    starts = {key: [f.start for f in group] for key, group in by_key.items()}
    totals: dict[str, list[Fact]] = {}
    for (metric, _year, _basis), group in by_key.items():
        totals.setdefault(metric, []).extend(group)
    for total_name, part_names in SUM_RULES:
        for total in sorted(totals.get(total_name, []), key=lambda f: f.start):
            parts = []
            for name in part_names:
                key = (name, total.year, total.basis)
                hit = _nearest(by_key.get(key, []), total, starts.get(key, []))
                if hit is None:
                    break
                parts.append(hit)
            else:
                _check_sum(doc, total, parts, out, seen)


def _list_sums(doc: Document, facts: Sequence[Fact], out: list[Finding], seen: set[tuple[int, ...]]) -> None:
    """'X 万元，其中：A 万元，B 万元，C 万元。' — the listed parts against X."""
    text = doc.text
    money = sorted(_money([f for f in facts if f.source == "text"]), key=lambda f: f.start)
    for i, total in enumerate(money):
        nxt = money[i + 1] if i + 1 < len(money) else None
        if nxt is None:
            continue
        between = text[total.end : nxt.start]
        marker = next((m for m in _LIST_MARKERS if m in between), None)
        if marker is None or len(between[: between.find(marker)].strip(" \n,，:：")) > 2:
            continue
        kids = _descendants(total.metric)
        end = text.find("。", nxt.start)
        end = len(text) if end < 0 else end
        parts: list[Fact] = []
        for f in money[i + 1 :]:
            if f.start > end:
                break
            gap = text[parts[-1].end : f.start] if parts else ""
            if parts and any(m in gap for m in _LIST_MARKERS):
                break  # a nested breakdown
            if f.year != total.year or f.basis != total.basis:
                continue
            if (kids and f.metric not in kids) or re.search(r"[一二三四五六七八九十]、", gap):
                break
            if any(p.metric in ancestors(f.metric) for p in parts):
                continue  # a part of a part is already counted
            parts.append(f)
        if len(parts) >= 2 and all(p.metric != total.metric for p in parts):
            _check_sum(doc, total, parts, out, seen)


def _descendants(metric: str) -> set[str]:
    return {m.name for m in BY_NAME.values() if metric in ancestors(m.name)}


# ---------------------------------------------------------------- (2) changes and rates


def _rate_places(rate: Decimal) -> int:
    exp = rate.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _check_changes(doc: Document, facts: Sequence[Fact], out: list[Finding]) -> None:
    by_key: dict[tuple[str, int | None, str], list[Fact]] = {}
    for f in facts:
        by_key.setdefault((f.metric, f.year, f.unit), []).append(f)
    done: set[tuple[str, int | None, Decimal, Decimal | None]] = set()
    for f in facts:
        c = f.comparison
        if c is None or c.amount is None or c.direction == "持平":
            continue
        sign = Decimal(1) if c.direction == "增加" else Decimal(-1)
        prior = f.value - sign * c.amount
        key = (f.metric, f.year, f.value, c.amount)
        if key in done:
            continue
        done.add(key)
        base_year = int(c.base) if c.base.isdigit() else (f.year - 1 if f.year is not None else None)
        candidates = (
            [p for p in by_key.get((f.metric, base_year, f.unit), []) if p.value != f.value or p is not f]
            if base_year is not None
            else []
        )  # a figure of no known year has no known year before it
        if base_year == f.year:
            # against the same year's budget (决算数比预算数减少): only a stated budget figure is the other side
            candidates = [p for p in candidates if p.basis is not None and "预算" in p.basis and p.value != f.value]
        stated_prior = [p for p in candidates if p.basis == f.basis or p.basis is None or f.basis is None] or candidates
        mismatch = [p for p in stated_prior if p.value != prior]
        if stated_prior and len(mismatch) == len(stated_prior):
            p = mismatch[0]
            actual_change = abs(f.value - p.value)
            rounding = abs(p.value - prior) <= _ulp(p) + _ulp(f)
            if rounding and c.rate is not None and p.value:
                real_rate = abs(f.value - p.value) / p.value * 100
                rounding = abs(real_rate - c.rate) <= Decimal("0.5").scaleb(-_rate_places(c.rate)) + Decimal("0.0001")
            msg = (
                f"{f.metric}{f.year or ''}年为{_v(f)}，文中称比{c.base}{c.direction}{fmt(c.amount)}{f.unit}"
                f"（即{base_year}年应为{fmt(prior)}{f.unit}），但文中{base_year}年的数字是{_v(p)}（{_where(p)}），"
                f"按此计算实际{'增加' if f.value > p.value else '减少'}{fmt(actual_change)}{f.unit}"
            )
            if c.rate is not None and p.value:
                real = abs(f.value - p.value) / p.value * 100
                msg += f"、变动率约{fmt(real, 2)}%（文中为{fmt(c.rate)}%）"
            msg += "，相差在舍入范围内，属舍入差异。" if rounding else "，文中的变动额与两年数字不符。"
            out.append(_finding(doc, "change_mismatch", msg, f, p.value, [p]))
            continue
        if c.rate is None or prior <= 0:
            continue
        expected = c.amount / prior * 100
        places = _rate_places(c.rate)
        step = Decimal(1).scaleb(-places)
        truncated = (expected // step) * step == c.rate  # 15.56% written 15%: cut, not rounded
        if abs(expected - c.rate) > step / 2 + Decimal("0.0001"):
            msg = (
                f"{f.metric}{_v(f)}（{_where(f)}）比{c.base}{c.direction}{_m(c.amount, f.unit)}，"
                f"按上年{_m(prior, f.unit)}计算变动率应为{fmt(expected, 2)}%，文中写作{fmt(c.rate)}%"
                + ("（截去了小数，而非四舍五入）。" if truncated else "。")
            )
            out.append(_finding(doc, "rate_mismatch", msg, f, expected.quantize(Decimal("0.01")), []))


# ---------------------------------------------------------------- (3) unit scale


def _check_scale(doc: Document, facts: Sequence[Fact], out: list[Finding]) -> None:
    table = [f for f in _money(facts) if f.source == "table" and f.value]
    flagged: set[int] = set()
    order = sorted(range(len(table)), key=lambda i: table[i].start)
    starts = [table[i].start for i in order]
    for a in table:
        lo, hi = bisect_left(starts, a.start - 600), bisect_right(starts, a.start + 600)
        for b in (table[i] for i in sorted(order[lo:hi])):  # in table order, as before; only those within 600
            if a is b or a.year != b.year or abs(a.start - b.start) > 600 or a.start in flagged:
                continue
            scaled = a.value / 10000
            gap = abs(scaled - b.value)
            # the same amount ×10,000: close to a non-zero figure of the same table, within its last digit and 1%
            if b.value != 0 and gap <= max(_ulp(b), Decimal("0.01")) and gap <= abs(b.value) / 100:
                flagged.add(a.start)
                msg = (
                    f"{a.year or ''}年{a.metric_raw}写作{a.raw_value}（{_where(a)}），约为同表{b.metric_raw}"
                    f"{b.raw_value}{b.unit}的一万倍，疑似按“元”填入了以“万元”为单位的表格（应为约{fmt(scaled, 2)}万元）。"
                )
                out.append(_finding(doc, "unit_scale", msg, a, scaled, [b]))


# ---------------------------------------------------------------- (4) two values for one thing


def _check_conflicts(doc: Document, facts: Sequence[Fact], out: list[Finding]) -> None:
    groups: dict[tuple[str, int | None, str | None, str], list[Fact]] = {}
    for f in facts:
        if f.unit == "%":
            continue
        groups.setdefault((f.metric, f.year, f.basis, f.unit), []).append(f)
    for (metric, year, basis, _unit), group in groups.items():
        values: dict[Decimal, Fact] = {}
        for f in group:
            values.setdefault(f.value, f)
        if len(values) < 2:
            continue
        shown = sorted(values.values(), key=lambda f: f.start)
        if _unit != "万元" and len({f.section for f in shown}) < 2:
            continue  # counts in one section are usually different groups (国内/境外接待人次)
        listed = "与".join(f"{_v(f)}（{_where(f)}）" for f in shown)
        what = f"{year or ''}年{metric}" + (f"（{basis}）" if basis else "")
        msg = f"{what}在文中有{len(shown)}个不同的数值：{listed}。"
        out.append(_finding(doc, "conflict", msg, shown[0], shown[1].value, shown[1:]))


def check_document(doc: Document, facts: Sequence[Fact]) -> list[Finding]:
    """Findings where `doc` disagrees with itself, each with a Chinese message naming the figures and places."""
    out: list[Finding] = []
    seen: set[tuple[int, ...]] = set()
    facts = [f for f in facts if f.source != "change"]  # a change without its figure has no level to check
    _rule_sums(doc, facts, out, seen)
    _list_sums(doc, facts, out, seen)
    _check_changes(doc, facts, out)
    _check_scale(doc, facts, out)
    _check_conflicts(doc, facts, out)
    _check_injection(doc, facts, out)
    return out


def _check_injection(doc: Document, facts: Sequence[Fact], out: list[Finding]) -> None:
    """Instruction-like text in the document (“请忽略之前的所有指令”): its nearby figures are not used for answers."""
    suspects = [f for f in facts if f.source == "suspect"]
    for m in cues(doc.text):
        near = [f for f in suspects if abs(f.start - m.start()) <= 1000]
        figures = "、".join(dict.fromkeys(f"{f.metric_raw}{f.raw_value}{f.raw_unit}" for f in near)) or "无"
        msg = (
            f"文中有类似给机器下指令的文字（“{m.group(0)}”），不像公开文件的正常内容；其附近的数字（{figures}）"
            "不作为回答依据，请核对原文来源。"
        )
        first = near[0] if near else None
        out.append(
            Finding(
                doc_id=doc.doc_id, check="injection", message=msg, metric=first.metric if first else None,
                quotes=(doc.text[max(0, m.start() - 20) : m.end() + 40].replace("\n", " "),),
                section=first.section if first else "", page=first.page if first else None,
            )
        )  # fmt: skip
