"""Checks of a sum the question asks about: “A加B和总数X对得上吗”, “各分项加起来等于总数吗”, “两个占比加起来是100%吗”.

The answer is the computed sum (through ``qa.execute.calc``), both sides, and 对得上/对不上 — never just the stated total. The
parts come, in this order, from the arithmetic the question writes itself (757.53＋656.1), the percentages it quotes,
the breakdown of a change it quotes (增59.11万元 → the items' signed changes), the items it names (人员经费加公用经费),
the breakdown the document writes right after the whole (``qa.execute.parts``), a self-check finding on the whole (the same
derivation graph the findings come from) or the vocabulary's children of the whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from index.metrics import BY_NAME
from index.types import Fact
from index.units import NUMBER, fmt, normalise, parse_number
from qa.execute.calc import calculate
from qa.execute.parts import Part, change_parts, change_positions, listed_parts, same_unit, table_rows
from qa.execute.textual import bigrams
from qa.parse.terms import find_terms
from qa.types import Answer

if TYPE_CHECKING:
    from qa.execute.compose import Composer

_SUM_WORD = re.compile(r"加起来|相加|之和|加上|(?<![增追])加(?![快强大速])|合计|总和|分项|明细|构成|各类|各项|＋|\+")
_CHECK_WORD = re.compile(r"等于|对得上|对不上|一致|对吗|对不对|是否|相等|能得出|得出|吻合|是不是|说得通|吗")
_FIGURE = re.compile(rf"({NUMBER})\s*(亿元|万元|元|万|人|名|个|辆|%|％)")
_ARITHMETIC = re.compile(rf"({NUMBER})\s*(?:亿元|万元|元)?\s*[＋+]\s*[^\d，,。？?]{{0,6}}?({NUMBER})")
_CHANGE_WORD = re.compile(r"(?:增加|增长|增|减少|下降|减|多|少)了?\s*$")
_ADDING = re.compile(r"加起来|相加|加在一起|之和")  # ends a list being added (合计 may be part of a whole's name)
_CONNECTOR = re.compile(r"加上(?!年)|加|和|与|跟|、|＋|\+")
_WHOLE_AFTER = re.compile(
    r"(?:等于|与|和|跟)(?:文中|表中|原文)?(?:的)?([^，,。？?\d]{2,16}?)(?:对得上|一致|相等|吻合|吗|是否|$|[，,。？?])"
)
_COUNT = re.compile(r"(?<!第)([两二三四五六七八九十]|\d{1,2})(?:个|类|项|笔|大类|部分|方面|条)(?!人|次|批)")
_CN_NUMBERS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_LEADING_VERB = re.compile(r"^(?:加上|再加上|减去)")
_FILLER = re.compile(r"^(?:第.{1,3}部分的?|表中的?|文中的?|说明中的?|总数|的)|(?:数|的|总数)$")


def applies(question: str) -> bool:
    return bool(_SUM_WORD.search(question) and _CHECK_WORD.search(question))


def check_sum(c: Composer) -> Answer | None:
    """The sum the question asks to check, or None when it names none this module can read."""
    text = c.q.text
    if not applies(text) or c.doc is None:
        return None
    quoted = next((m.group(2) for m in _FIGURE.finditer(text) if m.group(2) in ("亿元", "元")), None)
    if quoted is not None and c.q.unit is None:
        c.q = replace(c.q, unit=quoted)  # answer in the unit the question quotes its figure in
    for step in (_arithmetic, _percentages, _change, _whole):
        found = step(c)
        if found is not None:
            return found
    return None


# ---- the question's own arithmetic and percentages ----------------------------------------------------------------
def _arithmetic(c: Composer) -> Answer | None:
    m = _ARITHMETIC.search(c.q.text)
    if m is None:
        return None
    a, b = parse_number(m.group(1)), parse_number(m.group(2))
    if a is None or b is None:
        return None
    unit_m = _FIGURE.search(c.q.text, m.end())
    unit = unit_m.group(2) if unit_m else "万元"
    unit = "万元" if unit == "万" else unit
    calc = calculate(f"{fmt(a)}+{fmt(b)}")
    stated = None
    if unit_m is not None and unit_m.start() > m.end():
        stated = parse_number(unit_m.group(1))
    inputs = [f for f in c.facts if f.raw_value and parse_number(f.raw_value) in (a, b)]
    c.cite(*_first_per_value(inputs))
    head = f"{fmt(a)}＋{fmt(b)}＝{fmt(calc.value)}{unit}"
    if stated is None:
        return c.answer("sum", f"{head}。", calc.value, unit, calc.formula)
    stated_fact = next((f for f in c.facts if f.raw_value and parse_number(f.raw_value) == stated), None)
    if stated_fact is not None:
        c.cite(stated_fact)
    return c.answer(
        "sum", _verdict(head, calc.value, stated, unit, f"{fmt(stated)}{unit}", 2), calc.value, unit, calc.formula
    )


def _percentages(c: Composer) -> Answer | None:
    shares = [parse_number(m.group(1)) for m in _FIGURE.finditer(c.q.text) if m.group(2) in ("%", "％")]
    values = [s for s in shares if s is not None and s != 100]
    if len(values) < 2:
        return None
    calc = calculate("+".join(fmt(s) for s in values))
    c.cite(*_first_per_value([f for f in c.facts if f.unit == "%" and f.value in values]))
    head = "＋".join(fmt(s) for s in values) + f"＝{fmt(calc.value)}%"
    return c.answer(
        "sum", _verdict(head, calc.value, Decimal(100), "%", "100%", len(values)), calc.value, "%", calc.formula
    )


# ---- a change broken down into the items' changes -----------------------------------------------------------------
def _change(c: Composer) -> Answer | None:
    assert c.doc is not None
    for m in _FIGURE.finditer(c.q.text):
        if m.group(2) not in ("亿元", "万元", "元", "万") or not _CHANGE_WORD.search(
            c.q.text[max(0, m.start() - 4) : m.start()]
        ):
            continue
        amount = parse_number(m.group(1))
        if amount is None:
            continue
        value, _ = normalise(amount, "万元" if m.group(2) == "万" else m.group(2))
        for at in change_positions(c.doc.text, value):
            parts = change_parts(c.doc.text, at)
            if len(parts) < 2:
                continue
            calc = calculate(_signed_expr(c, parts))
            unit = c.du("万元")
            stated = c.convert(value, "万元")[0]
            head = f"{_items(c, parts, signed=True)}，合计{'增加' if calc.value >= 0 else '减少'}{fmt(abs(calc.value))}{unit}"
            text = _verdict(head, calc.value, stated, unit, f"文中所说的{fmt(stated)}{unit}", len(parts))
            c.citations.extend(_change_citations(c, parts, at))
            return c.answer("sum", text, calc.value, unit, calc.formula)
    return None


def _signed_expr(c: Composer, parts: Sequence[Part]) -> str:
    expr = ""
    for p in parts:
        shown = c.dv(abs(p.value), p.unit)
        expr += f"-{shown}" if p.value < 0 else (f"+{shown}" if expr else shown)
    return expr


def _change_citations(c: Composer, parts: Sequence[Part], at: int) -> list:  # type: ignore[type-arg]
    from index.types import Citation

    assert c.doc is not None
    doc = c.doc
    out = []
    for start, end in [(max(0, at - 30), at), *((p.start, p.end) for p in parts)]:
        quote = doc.text[start:end]
        head = max(quote.rfind(ch) for ch in "。；;\n")
        quote = quote[head + 1 :] if head >= 0 and start == max(0, at - 30) else quote
        out.append(Citation(doc_id=doc.doc_id, title=doc.title, org=doc.org, year=doc.year, section="",
                            page=None, quote=quote.strip(), start=start, end=end))  # fmt: skip
    return [o for o in out if o.quote]


# ---- a stated whole and its parts ---------------------------------------------------------------------------------
def _whole(c: Composer) -> Answer | None:
    wholes = _wholes_by_figure(c) or _wholes_by_name(c) or _wholes_by_possessive(c) or _wholes_by_total(c)
    count = _asked_count(c.q.text)
    for whole in wholes:
        parts = _named_parts(c, whole) or _fitting(
            whole, [p for p in listed_parts(_text(c), whole, c.facts) if p.fact is not whole and p.value != whole.value]
        )
        if len(parts) < 2:
            parts = table_rows(_text(c), whole, c.facts)  # the rows of the table whose total row it is
        if len(parts) < 2:
            parts = _vocabulary_parts(c, whole)
        if count is not None and len(parts) != count:
            continue  # “四个科目加起来”: a breakdown of another length is not the one asked about
        if len(parts) >= 2:
            return _sum_answer(c, whole, parts)
        finding = next(
            (f for f in c.findings
             if f.check == "sum_mismatch" and f.metric == whole.metric and f.actual == whole.value and f.expected is not None),
            None,
        )  # fmt: skip
        if finding is not None and finding.expected is not None:
            c.cite(whole)
            value, unit = c.convert(finding.expected, whole.unit)
            text = f"{'对得上' if finding.expected == whole.value else '对不上'}：{finding.message}"
            return c.answer("sum", text, value, unit, None)
    return None


def _asked_count(question: str) -> int | None:
    m = _COUNT.search(question)
    if m is None:
        return None
    word = m.group(1)
    return int(word) if word.isdigit() else _CN_NUMBERS[word]


def _fitting(whole: Fact, parts: list[Part]) -> list[Part]:
    """A breakdown whose last item is a note beside it (“…中级工1人，退休职工28人”): without that item the parts add up
    exactly, with it they do not."""
    if (
        len(parts) >= 3
        and sum(p.value for p in parts) != whole.value
        and sum(p.value for p in parts[:-1]) == whole.value
    ):
        return parts[:-1]
    return parts


def _text(c: Composer) -> str:
    assert c.doc is not None
    return c.doc.text


def _wholes_by_figure(c: Composer) -> list[Fact]:
    """Facts whose value is a figure the question quotes, best matching the words before it first."""
    out: list[tuple[int, Fact]] = []
    for m in _FIGURE.finditer(c.q.text):
        raw_unit = "万元" if m.group(2) == "万" else m.group(2)
        if raw_unit in ("%", "％"):
            continue
        amount = parse_number(m.group(1))
        if amount is None:
            continue
        value, unit = normalise(amount, raw_unit)
        before = bigrams(c.q.text[max(0, m.start() - 10) : m.start()])
        for f in c.facts:
            if f.value == value and same_unit(f.unit, unit):
                out.append((len(before & bigrams(f.metric_raw + f.metric)), f))
    out.sort(key=lambda sf: (-sf[0], sf[1].start))
    return [f for _, f in out]


_TOTAL_ASKED = re.compile(
    r"([\u4e00-\u9fff“”\"]{2,24}?)(?:里|中)?的?合计(?:数|金额)?(?:是否|能否)?(?:对得上|对不上|对吗|对不对|一致|相等|吻合)"
)


def _wholes_by_total(c: Composer) -> list[Fact]:
    """“X预算表合计对得上吗”: the total row of the table of the metric the question names."""
    m = _TOTAL_ASKED.search(c.q.text)
    if m is None:
        return []
    for term in find_terms(m.group(1)):
        totals = [
            f for f in c.facts
            if f.metric == term.metric and f.source == "table"
            and (f.metric_raw in ("", "合计", "总计") or f.quote.startswith(("合计", "总计")))
        ]  # fmt: skip
        if totals:
            return sorted(totals, key=lambda f: f.start)
    return []


_POSSESSIVE = re.compile(
    r"([\u4e00-\u9fff]{2,12}?)的(?:[两二三四五六七八九十\d]{1,2})?(?:项|个|类|笔)?(?:构成|组成|明细|分项|部分)"
)


def _wholes_by_possessive(c: Composer) -> list[Fact]:
    """“人员经费的两项构成加起来对吗”: the whole is the item whose parts the question names."""
    m = _POSSESSIVE.search(c.q.text)
    if m is None:
        return []
    year = c.target_year()
    for term in find_terms(m.group(1)):
        pick = c.pick(term.metric, year)
        if pick is not None:
            return [pick.fact]
    return []


def _wholes_by_name(c: Composer) -> list[Fact]:
    found = list(_WHOLE_AFTER.finditer(c.q.text))
    if not found:
        return []
    m = next((x for x in found if x.group(0).startswith("等于")), found[-1])  # 等于X, else the last 和/与X
    name = _FILLER.sub("", m.group(1).strip())
    if not m.group(0).startswith("等于") and _ADDING.search(m.group(1)):
        # “X和下面的A、B加起来对得上吗”: what follows the connector is the list being added; the whole stands before it
        name = _FILLER.sub("", _qualifier_free(c.q.text[: m.start()]))
    if len(name) < 2:
        return []
    year = c.target_year()
    for term in find_terms(name):
        placed = _in_named_section(c, [f for f in c.facts if f.metric == term.metric])
        if placed:
            return placed
        pick = c.pick(term.metric, year)
        if pick is not None:
            return [pick.fact]
    pool = [f for f in c.facts if f.unit != "%" and (year is None or f.year in (None, year))]
    exact = [f for f in pool if f.metric_raw == name]
    if exact:
        return sorted(exact, key=lambda f: f.start)
    grams = bigrams(name)
    scored = [(len(grams & bigrams(f.metric_raw)), f) for f in pool]
    best = max((s for s, _ in scored), default=0)
    if best < max(1, len(grams) // 2):
        return []
    return [f for s, f in sorted(scored, key=lambda sf: sf[1].start) if s == best]


_SECTION_NAMED = re.compile(r"第([一二三四五六七八九十]{1,3})(?:部分|节|章|项)")


def _in_named_section(c: Composer, facts: Sequence[Fact]) -> list[Fact]:
    """The facts that stand in the section the question points at (“第六部分的基本支出”: a heading 第六部分 or 六、)."""
    m = _SECTION_NAMED.search(c.q.text)
    if m is None:
        return []
    n = m.group(1)
    return sorted(
        (f for f in facts if any(p.startswith((f"第{n}部分", f"{n}、")) for p in f.section.split(" > "))),
        key=lambda f: f.start,
    )


def _named_parts(c: Composer, whole: Fact) -> list[Part]:
    """The items the question names before its connector to the whole: “人员经费加公用经费，和…”."""
    text = c.q.text
    cut = min(
        (i for i in (text.find(w) for w in ("，", ",", "和总", "与总", "是否", "等于", "对得上", "一致")) if i > 0),
        default=len(text),
    )
    head = _SUM_WORD.sub("、", text[:cut])  # 加起来/相加/合计 end the list; they name no item
    pieces = [p.strip() for p in _CONNECTOR.split(head) if p.strip()]
    pieces = [_qualifier_free(re.sub(r"^.*?[里中的]", "", p) if re.search(r"[里中]", p[:6]) else p) for p in pieces]
    whole_grams = bigrams(whole.metric_raw + whole.metric)
    pieces = [p for p in pieces if len(p) >= 2 and not (bigrams(p) and bigrams(p) <= whole_grams)]  # not the whole
    if len(pieces) < 2 or not _CONNECTOR.search(head):
        return []
    pool = [
        f for f in c.facts
        if f is not whole and f.doc_id == whole.doc_id and same_unit(f.unit, whole.unit) and f.year == whole.year
        and f.value != whole.value
    ]  # fmt: skip
    parts: list[Part] = []
    for piece in pieces:
        terms = find_terms(piece)
        if len(terms) == 1:  # a name the vocabulary knows (公车运行费 is 公务用车运行维护费)
            known = [f for f in pool if f.metric == terms[0].metric and f.basis == whole.basis]
            if known:
                near = min(known, key=lambda f: abs(f.start - whole.start))
                parts.append(Part(near.metric_raw, near.value, near.unit, near, near.start, near.end))
                continue
        grams = bigrams(piece)
        if len(grams) < 1:
            return []
        scored = [(len(grams & bigrams(f.metric_raw + f.metric)) / max(len(grams), 1), f) for f in pool]
        scored = [(s, f) for s, f in scored if s >= 0.5]
        if not scored:
            return []
        best = max(s for s, _ in scored)
        near = min((f for s, f in scored if s == best), key=lambda f: abs(f.start - whole.start))
        if any(p.fact is near for p in parts):
            return []
        parts.append(Part(near.metric_raw, near.value, near.unit, near, near.start, near.end))
    return parts


def _qualifier_free(phrase: str) -> str:
    """“第六部分的基本支出” -> “基本支出”, “下面的人员经费” -> “人员经费”: what stands after the last 的."""
    phrase = phrase.strip(" ，,。？?")
    tail = phrase.rsplit("的", 1)[-1]
    return tail if len(tail) >= 2 else phrase


def _vocabulary_parts(c: Composer, whole: Fact) -> list[Part]:
    """The vocabulary's children of the whole, stated for the same year and basis."""
    children = [m.name for m in BY_NAME.values() if m.parent == whole.metric]
    parts: list[Part] = []
    for name in children:
        same = [
            f
            for f in c.facts
            if f.metric == name and f.year == whole.year and f.basis == whole.basis and f.unit == whole.unit
        ]
        if not same:
            derived = _budget_from_gap(c, name, whole)
            if derived is not None:
                parts.append(derived)
            continue
        near = min(same, key=lambda f: abs(f.start - whole.start))
        parts.append(Part(near.metric_raw, near.value, near.unit, near, near.start, near.end))
    return parts if len(parts) >= 2 else []


def _budget_from_gap(c: Composer, name: str, whole: Fact) -> Part | None:
    """A child's budget the document never writes, from its actual and the gap it states against that budget
    (决算数57.36万元，比预算数减少17.54万元 -> 57.36＋17.54); only when the whole is a budget."""
    if not whole.basis or "预算" not in whole.basis:
        return None
    for f in c.facts:
        gap = f.comparison
        if f.metric != name or f.year != whole.year or f.unit != whole.unit or gap is None or gap.amount is None:
            continue
        if gap.base != str(f.year) or not f.basis or "决算" not in f.basis:
            continue
        sign = "+" if gap.direction == "减少" else "-" if gap.direction == "增加" else ""
        value = f.value + gap.amount if sign == "+" else f.value - gap.amount if sign == "-" else f.value
        shown = f"决算{fmt(f.value)}{sign}{fmt(gap.amount)}" if sign else "与决算相同"
        return Part(f"{f.metric_raw}预算（{shown}）", value, f.unit, f, f.start, f.end)
    return None


def _sum_answer(c: Composer, whole: Fact, parts: Sequence[Part]) -> Answer:
    calc = calculate("+".join(c.dv(p.value, p.unit) for p in parts))
    c.cite(*(p.fact for p in parts if p.fact is not None), whole)
    unit = c.du(whole.unit)
    head = f"{_items(c, parts)}＝{fmt(calc.value)}{unit}"
    total = c.convert(whole.value, whole.unit)[0]
    label = f"文中的{_LEADING_VERB.sub('', whole.metric_raw)}{fmt(total)}{unit}"
    places = max((_shown_places(c, p.fact) for p in parts if p.fact is not None), default=2)
    text = _verdict(head, calc.value, total, unit, label, len(parts), places=places)
    return c.answer("sum", text, calc.value, unit, calc.formula)


def _items(c: Composer, parts: Sequence[Part], *, signed: bool = False) -> str:
    out = ""
    for p in parts:
        shown = c.vv(abs(p.value) if signed else p.value, p.unit)
        if signed:
            word = "减少" if p.value < 0 else "增加"
            out += ("＋" if out else "") + f"{p.label}{word}{shown}"
        else:
            out += ("＋" if out else "") + f"{p.label}{shown}"
    return out


def _verdict(head: str, computed: Decimal, stated: Decimal, unit: str, label: str, n: int, *, places: int = 2) -> str:
    diff = abs(computed - stated)
    if diff == 0:
        return f"对得上：{head}，与{label}相等。"
    rounding = diff <= Decimal(1).scaleb(-places) * n
    note = "（差额在末位，可能是四舍五入造成的）" if rounding else ""
    return f"对不上：{head}，与{label}相差{fmt(diff)}{unit}{note}。"


def _shown_places(c: Composer, f: Fact) -> int:
    """The decimal places of a written figure in the unit the answer shows it in (a figure in 元 shown in 万元: four more)."""
    places = _places(f.raw_value)
    written = parse_number(f.raw_value)
    shown = c.convert(f.value, f.unit)[0]
    if written and shown:
        places += abs(written / shown).adjusted()  # 元 shown in 万元 -> +4, 亿元 shown in 万元 -> -4
    return max(places, 0)


def _places(raw: str) -> int:
    raw = raw.replace(",", "")
    return len(raw.split(".")[1]) if "." in raw else 0


def _first_per_value(facts: Sequence[Fact]) -> list[Fact]:
    seen: set[Decimal] = set()
    out = []
    for f in facts:
        if f.value not in seen:
            seen.add(f.value)
            out.append(f)
    return out
