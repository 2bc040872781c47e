"""Figures stated in running text: "公务接待费支出决算为41.61万元,比上年增加0.04万元,增长7.14%".

The text is read through a *joined view*: line breaks and spaces removed (PDF lines break mid-sentence, even between a
number and its unit), with a map back to `Document.text`. Every number followed by a unit is a token; the words
before it in its clause say what it is: the figure of a metric, a comparison with an earlier year (比上年减少 X),
a growth rate, a share (占比 Z%), a completion rate (完成预算的 Z%), the budget or actual figure of the metric
under discussion (年初预算为 X, 支出决算为 Y) or an earlier year's figure (较上年 8 万元 / 较2024年的2190万元).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from index.metrics import BY_NAME, ancestors, canonical, clean, find_metrics, strip_basis
from index.types import Comparison, Document, Fact
from index.units import NUMBER, normalise, parse_number

MONEY_UNITS = ("万元", "亿元", "千元", "元", "万")
COUNT_UNIT_RE = "万人次|万人|人次|批次|人|名|辆|条|期|次|个|家|项|台|套|户|场|篇|所"
UNIT_RE = rf"万元|亿元|千元|元|万人次|万人|万|%|个百分点|{COUNT_UNIT_RE}"
TOKEN_RE = re.compile(rf"(?<![0-9A-Za-z.\-])(?<![0-9],)(?P<num>{NUMBER})(?P<unit>{UNIT_RE})(?![目称例件间限属需账员])")
COMPLETION = "完成率"
CHANGE = "变动额"  # a change stated without the figure it changed (source "change"): never the item's own level

_SENT_END = "。；;！？!?"
_CLAUSE_END = ",，、:：" + _SENT_END
_BRACKET_LIST = ("(其中", "（其中", "(包括", "（包括")
_HEADING = re.compile(
    r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十]+部分)"
)
_YEAR = re.compile(r"(?<![0-9])((?:19|20)\d{2})\s*年(?:度)?(?![0-9]{1,2}月)")
_BASE = re.compile(r"(?:比|较|与|同)(?:(上年|上一年|去年|同期)|((?:19|20)\d{2})年度?)")
_CHANGE_VERB = re.compile(
    r"(增加\(减少\)|增加（减少）|[(（](?:减少|增加|减|增)[)）]|增减|增加了|减少了|增长了|下降了|降低了|增加|减少|增长|下降|降低|上升|提高|增收|减收|增支|减支|减|增|节约|少了|多了|少|多)$"
)
_GAP_TO_BUDGET = re.compile(r"(大于|小于|超出|超过|高于|低于|多于|少于)(?:年初|全年|调整后的?)?预算(?:数)?$")
_RATE_VERB = re.compile(r"(增长|下降|降低|减少|增加|上升|提高|增幅|降幅|增长率|下降率|[(（][减增][)）]幅)(?:了|为)?$")
_DOWN = ("减少", "下降", "降低", "减", "节约", "少", "降", "跌")
_SHARE = re.compile(r"^(?:其中)?占")
_COMPLETION = re.compile(
    r"(?:完成(?:了)?|^为|^是)(?:全年|年初|当年|年度|调整后?的?)?(?:预算|计划)(?:数)?(?:\s*[\d,]+(?:\.\d+)?\s*(?:万元|亿元|元))?(?:的)?$"
)
_BUDGET_OF = re.compile(r"完成(?:了)?(?:全年|年初|当年|年度)?(?:预算|计划)(?:数)?$")  # 完成年初预算数60999万元的40.4%
_PRIOR_BARE = re.compile(rf"(?:比|较)(?:上年|上一年|(?:19|20)\d{{2}}年度?)(?:预算|决算)?(?:数)?的?(?P<num>{NUMBER})$")
# an earlier year's figure named after the base: 较2024年的2190万元 / 比上年累计支出433万元
_PRIOR_FIGURE = re.compile(
    r"(?:比|较)(?:上年|上一年|去年|(?:19|20)\d{2}年度?)(?:同期)?(?:累计|实际|全年)?(?:支出|收入|安排)?(?:预算|决算|执行)?(?:数|额)?的?$"
)
# the year before stated on its own after the figure: 公务接待费23万元,上年为29万元 / 上年同期数为…
_PRIOR_STATED = re.compile(r"(?:上年|上一年|去年|上年度|上年同期)(?:同期)?(?:预算|决算|执行|实际|支出)?(?:数|额)?(?:为|是)?")
_FLAT = re.compile(
    r"(?:比|较|与|同)(?:上年|上一年|去年|(?:19|20)\d{2}年度?)[^,，。；;]{0,8}?(?<!基本)(?<!大体)(?<!大致)(?<!总体)(?<!略)"
    r"(?:持平|无变化|一致|不变|相同)"
)  # 基本持平 (about the same) states no amount: nothing derives from it
_FUND_WORDS = re.compile(r"一般公共预算|政府性基金预算|国有资本经营预算|预算法|预算单位|预决算|预算管理|部门预算")
_GENERIC = re.compile(
    r"^(?:其中|包括|另外|主要|全年|当年|本年|本年度|年初|年度|完成|实际|支出|费用|经费|安排|预算|决算|数|为|是|达|约|共|计|财政拨款|财政|拨款|"
    r"共计|合计|总计|累计|小计|总额|金额|资金|用于|分别|各|均|的|了|:|：|"
    r"上年|上一年|去年|同期|同比|比上年|较上年|增长|增加|减少|下降|增|减)*$"
)
_LEAD_TRIM = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、．](?!\d)|其中|包括|另外|此外|"
    r"\d{3,9}\s*[-－—]\s*|\d{3,9}\s+(?=[\u4e00-\u9fff])|"  # a budget-subject code: 20103-政府办公厅…
    r"\d{7}(?=[\u4e00-\u9fff])|(?:\d{3}|\d{5})(?=[\u4e00-\u9fff]{2,20}支出$)|"  # glued: 2079901甲乙事务
    r"主要用于|主要|以及|及|和|截至|截止|按[^,，]{0,10}划分|共有|现有|拥有|下属|共计|共|有|设|安排|累计|合计|预计|"
    r"全(?:县|市|区|镇|乡|省|州|盟|旗)(?=[\u4e00-\u9fff]{2})|[^（(]{0,3}[（(](?:含|其中|包括|内含))+"
)
_TAIL_TRIM = re.compile(r"(?:均为|为|是|达到|达|约|:|：|等|完成|由|从)+$")
_QUOTED = re.compile(r"[“\"‘「]([^”\"’」]{1,20})[”\"’」]")
_CLASS_LABEL = re.compile(r"\((?:类|款|项)\)")
# written shorthand that canonical() would map to the wrong metric
_ELLIPTIC = {
    "购置及运行维护费": "公务用车购置及运行维护费",
    "购置和运行维护费": "公务用车购置及运行维护费",
    "购置及运行费": "公务用车购置及运行维护费",
    "购置费": "公务用车购置费",
    "运行费": "公务用车运行维护费",
    "收支": "收支总预算",  # 收、支与上年相比减少…: the totals
    "收入支出": "收支总预算",
    "收入支出总体": "收支总预算",  # 收入支出总体与上年相比增加…
    "收支总体": "收支总预算",
}
# words right before a short synonym that make it a different thing ("政府集中采购预算" is not 政府采购)
_SCOPE_END = re.compile(
    r"(?:拨款|安排|资金|年度|年|部门|单位|本级|财政|全年|当年|本年|共计|合计|其中|包括|用于|预算|决算|收支|情况|说明|如下|的|及|和|为|是|类|"
    r"实际支出|实际|使用|预算中|决算中|拨款中|"  # 一般公共预算中“三公”经费: within that budget
    r"中心|局|委|院|校|会|厅|部|府|镇|乡|县|市|区|处|所|站|队|园|:|：|[^\u4e00-\u9fff])$"
)
# how a comparison is measured (按同口径同比减少): not the name of a figure
_SCOPE_WORDS = re.compile(r"(?:按|以)?(?:同|可比|相同)口径(?:计算)?")
_ALIAS_SET = frozenset(clean(a) for m in BY_NAME.values() for a in (m.name, *m.synonyms))


@dataclass(slots=True)
class _Anchor:
    """The figure a sentence is about, to which comparisons, rates and shares attach."""

    index: int  # index in the output list
    money: bool
    unit: str
    jend: int = 0  # end of the figure in the joined view


@dataclass(slots=True)
class _Joined:
    text: str
    pos: list[int]  # pos[i] = index in Document.text of text[i]


@dataclass(slots=True)
class _State:
    doc: Document
    facts: list[Fact] = field(default_factory=list)
    anchor: _Anchor | None = None
    last_comparison: int | None = None  # fact index whose comparison was set by the previous token
    list_parent: tuple[int, int] | None = None  # (segment start, fact index) of the figure a 其中 list breaks down
    last_main: int | None = None
    parent_of: dict[int, int] = field(default_factory=dict)  # list item -> the figure it is part of
    wholly: dict[int, int] = field(default_factory=dict)  # a figure that is all one item (全部为X) -> X's copy


class Boundaries:
    """The positions of boundary characters (or strings) in a text, and the last one before an offset by bisection:
    ``last_before(i)`` equals ``max(text.rfind(b, 0, i) for b in boundaries)``, in O(log n) instead of O(n)."""

    def __init__(self, text: str, chars: str, strings: Sequence[str] = ()) -> None:
        self._chars = [i for i, ch in enumerate(text) if ch in chars] if chars else []
        self._strings = [(len(b), [m.start() for m in re.finditer(re.escape(b), text)]) for b in strings]

    def last_before(self, i: int) -> int:
        best = -1
        k = bisect_right(self._chars, i - 1) - 1
        if k >= 0:
            best = self._chars[k]
        for length, starts in self._strings:  # a string counts where it ends by i, as rfind(s, 0, i) finds it
            k = bisect_right(starts, i - length) - 1
            if k >= 0:
                best = max(best, starts[k])
        return best


class Spans:
    """Disjoint-or-not spans, asked whether one holds an offset (sorted starts, the longest reach so far)."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach: list[int] = []
        reach = -1
        for _, e in ordered:
            reach = max(reach, e)
            self._reach.append(reach)

    def holds(self, i: int) -> bool:
        k = bisect_right(self._starts, i) - 1
        return k >= 0 and self._reach[k] > i


def _broken_name(line: str, following: str) -> bool:
    """“（二）公务接⏎待费9.85万元”: the line ends inside an item's name that the next line finishes, so it is no
    heading of its own."""
    head = clean(re.sub(r"^[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]?", "", line))
    tail = re.match(r"[\u4e00-\u9fff]{1,6}", following)
    if not head or tail is None or head in _ALIAS_SET:
        return False
    return any(clean(head + tail.group()[:k]) in _ALIAS_SET for k in range(1, len(tail.group()) + 1))


def join_view(text: str, skip: Sequence[tuple[int, int]] = ()) -> _Joined:
    """Text without line breaks and spaces (a space between two numbers stays); skipped spans become a full stop.

    A line break before a numbered heading also becomes a full stop, so a heading ends the sentence before it.
    """
    skipped = [False] * len(text)
    for s, e in skip:
        for i in range(max(s, 0), min(e, len(text))):
            skipped[i] = True
    out: list[str] = []
    pos: list[int] = []
    i = 0
    n = len(text)
    line_start = 0
    while i < n:
        ch = text[i]
        if skipped[i]:
            if not out or out[-1] != "。":
                out.append("。")
                pos.append(i)
            i += 1
            continue
        if ch in " \t\u00a0\u3000\r\f":
            j = i
            while j < n and text[j] in " \t\u00a0\u3000\r\f":
                j += 1
            if out and (out[-1].isdigit() or out[-1] == "%") and j < n and (text[j].isdigit() or text[j] == "-"):
                out.append(" ")
                pos.append(i)
            i = j
            continue
        if ch == "、" and out and out[-1] == "收" and text.startswith("支", i + 1):
            i += 1  # 收、支总计均为: one name (a 各 list splits it again)
            continue
        if ch == "\n":
            j = i
            while j < n and text[j] in "\n \t\u00a0\u3000\r\f":
                j += 1
            line = text[line_start:i].strip()
            line_start = j
            heading_line = (
                bool(_HEADING.match(line)) and len(line) <= 30 and not re.search(r"\d", line[2:])
                and not _broken_name(line, text[j : j + 8])
            )  # fmt: skip
            foreign = bool(re.search(r"[A-Za-z]{3,}[\W\d]*$", line))  # a line in English (a translated title)
            if (heading_line or foreign or (j < n and _HEADING.match(text, j))) and out and out[-1] not in _SENT_END:
                out.append("。")
                pos.append(i)
            elif out and out[-1].isdigit() and j < n and text[j].isdigit():
                out.append(" ")
                pos.append(i)
            i = j
            continue
        out.append(ch)
        pos.append(i)
        i += 1
    return _Joined("".join(out), pos)


def unit_kind(unit: str) -> str:
    if unit in MONEY_UNITS:
        return "money"
    if unit in ("%", "个百分点"):
        return "percent"
    return "count"


def tidy_phrase(phrase: str) -> str:
    """A written name without ordinals, lead words, years, quoted proper names and trailing verbs."""
    p = phrase.strip(" ,，、。；;:：")
    if "原因" in p and "是" in p:
        p = p[p.rfind("是") + 1 :]
    for m in list(_YEAR.finditer(p))[-1:]:
        p = re.sub(r"^(?:底|末|初|度)", "", p[m.end() :])  # 2023年底实有…: 底 belongs to the year
    p = re.sub(r"[（(]([类款项])[）)]", r"(\1)", p)  # （项） as written in most files
    if "(款)" in p or "(项)" in p:
        p = _CLASS_LABEL.split(p)[-2] if p.endswith(("(项)", "(款)")) else _CLASS_LABEL.split(p)[-1]
    p = _QUOTED.sub(lambda m: m.group(0) if m.group(1) == "三公" else "", p)
    prev = None
    while prev != p:
        prev = p
        p = _LEAD_TRIM.sub("", p)
        p = _TAIL_TRIM.sub("", p)
        p = p.strip(" ,，、。；;:：")
    return p


def is_generic(phrase: str) -> bool:
    return bool(_GENERIC.match(phrase.replace(" ", "")))


def resolve_metric(phrase: str, kind: str) -> tuple[str, str] | None:
    """(metric, metric_raw) for the words before a figure, or None when they name nothing."""
    if not phrase:
        return None
    money = kind == "money"
    phrase = re.sub(r"[“”\"]", "", phrase)
    phrase = _BARE_FIGURE.split(phrase)[-1]  # “公务员20事业编制17名”: a figure whose unit was left out ends a name
    if not phrase:
        return None
    res = _resolve(phrase, kind, money)
    if res is not None and res[0] in _CAR_FAMILY:
        own = re.split(r"\d[\d,.]*\s*(?:万元|亿元|元|万|%|辆|人次|人)?", phrase)[-1]  # not an earlier figure's words
        return _refine_car(own, res[0]), res[1]
    return res


_BARE_FIGURE = re.compile(r"(?<=[\u4e00-\u9fff)）])\d{1,3}(?:\.\d+)?(?=[\u4e00-\u9fff])")
_CAR_FAMILY = ("公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费")


def _refine_car(phrase: str, metric: str) -> str:
    """Official-car costs by what the words say: 购置 and/or 运行 (维护, 运转)."""
    buy = "购置" in phrase or "购车" in phrase
    run = any(w in phrase for w in ("运行", "维护", "运转", "运维"))
    if buy and run:
        return "公务用车购置及运行维护费"
    if buy:
        return "公务用车购置费"
    if run:
        return "公务用车运行维护费"
    return metric


_THRESHOLD_AFTER = re.compile(r"\s*(?:及)?(?:以上|以下)")
_PRICED = re.compile(r"(?:单价|价值|原值)(?:在)?(\d+(?:\.\d+)?)\s*(万元|元)(?:及)?以上(?:的)?([\u4e00-\u9fff]{1,12})$")
_BASE_OPENING = re.compile(r"(?:比|较|与|同)(?:上年|上一年|去年|同期|(?:19|20)\d{2}年度?)[^，,]{0,10}?相比[，,]")
_COLON_LABEL = re.compile(r"([\u4e00-\u9fff（）()“”]{2,20})[:：]\s*$")
_SUB_KIND = re.compile(r"(?![类款项])[\u4e00-\u9fff]{1,6}(?:支出|收入|经费|资金)")


def _resolve(phrase: str, kind: str, money: bool) -> tuple[str, str] | None:
    mentions = find_metrics(phrase)
    modifiers: set[str] = set()
    for name, s, _e in mentions:
        if kind == "percent" or BY_NAME[name].money != money:
            continue
        tail = _FUND_WORDS.sub("", phrase[_e:])
        if ("收入" in name and "支出" in tail) or ("支出" in name and "收入" in tail):
            continue
        if not is_generic(_TAIL_TRIM.sub("", tail)) and not re.fullmatch(r"[\u4e00-\u9fff]{0,2}(?:数|额)?", tail):
            if _SUB_KIND.fullmatch(tail):
                modifiers.add(name)  # 政府采购|货物支出: a kind of the known item, with a head noun of its own
            continue  # the known name is only a modifier of something longer
        alias = phrase[s:_e]
        before = phrase[:s]
        raw = tidy_phrase(phrase[s:]) or alias
        qualified = bool(tidy_phrase(before)) and not is_generic(tidy_phrase(before))  # not a date (截至2023年底)
        if before and qualified and not _SCOPE_END.search(before) and (clean(alias) != name or len(alias) <= 6):
            written = tidy_phrase(phrase)
            if re.fullmatch(r"(?:年初)?(?:预算|决算|执行)数?", tidy_phrase(phrase[_e:])):
                written = strip_basis(written)  # 机关工资福利支出决算数: the basis is not part of the name
            return written, written
        return name, raw
    written = tidy_phrase(phrase)
    written = re.sub(r"^\d{3,9}(?=[\u4e00-\u9fff]{4})", "", written)  # a code or hotline glued before a name
    if not written or is_generic(written) or re.search(r"[0-9%]", written) or len(written) > 30:
        return None
    if clean(written) in _ELLIPTIC:
        return _ELLIPTIC[clean(written)], written
    if kind == "count" and _CARS_BOUGHT.search(written):
        return "公务用车购置数量", written  # 购置执法执勤用车2辆: cars bought, counted
    if kind == "count" and clean(written) not in _ALIAS_SET:
        return clean(written), written  # counts: only an exact known name (国内公务接待批次 is not 接待批次)
    name = canonical(written)
    if name in modifiers and clean(written) not in _ALIAS_SET:
        return clean(written), written  # 政府采购货物支出: a kind of 政府采购, not the whole of it
    known = BY_NAME.get(name)
    if known is not None and (kind == "percent" or known.money != money):
        return clean(written), written
    return name, written


_CARS_BOUGHT = re.compile(r"(?:购置|购买|新购|采购|更新)[^，,。；;]{0,8}车|车辆?购置")


def count_metric(metric: str, unit: str, inherited: bool) -> str:
    """A count's metric names what is counted: 公务接待 + 批次 -> 公务接待批次."""
    if metric in BY_NAME:
        return metric
    if unit in ("批次", "人次") and not metric.endswith(unit):
        return canonical(metric + unit) if canonical(metric + unit) in BY_NAME else metric + unit
    if inherited and unit in ("人", "名") and not metric.endswith(("人数", "人员", "人")):
        return metric + "人数"
    return metric


def basis_of(text: str) -> str | None:
    """预算数 | 决算数 | 执行数 from the words nearest the end of `text`."""
    t = _FUND_WORDS.sub("", text)
    best: tuple[int, str] | None = None
    for word, basis in (("决算", "决算数"), ("预算", "预算数"), ("执行", "执行数"), ("预计", "预算数")):
        k = t.rfind(word)
        if k >= 0 and (best is None or k > best[0]):
            best = (k, basis)
    return best[1] if best else None


def year_in(text: str, default: int | None) -> int | None:
    """The last year written in `text` that is not a comparison base (比2022年) nor part of a date."""
    year = default
    for m in _YEAR.finditer(text):
        before = text[max(0, m.start() - 2) : m.start()]
        if before.endswith(("比", "较", "与", "至", "截至", "于")):
            continue
        y = int(m.group(1))
        if default is None or abs(y - default) <= 5:
            year = y
    return year


_VS_OWN_BUDGET = re.compile(r"(?:比|较|与)(?:年初|全年|调整后的?)?预算(?:数|安排)?(?:相比)?(?:增加|减少|增长|下降|多|少|超|节约|持平|,|，)")


def base_of(text: str, year: int | None = None) -> str | None:
    """What a change is measured against: a year (“2021”), “上年”, or — 决算数比预算数减少 — the same year's budget,
    written as that year (the convention every comparison against a budget of its own year follows)."""
    found = list(_BASE.finditer(text))
    m = found[-1] if found else None
    if m is None:
        if year is not None and _VS_OWN_BUDGET.search(text):
            return str(year)
        return "上年" if "同比" in text or "上年" in text else None
    return m.group(2) or "上年"


def quote_around(doc: Document, start: int, end: int, limit: int = 120) -> str:
    """The sentence (or line of a table) holding [start, end), without line breaks, at most `limit` characters."""
    text = doc.text
    s = start
    while s > 0 and text[s - 1] not in "。；;！？|" and start - s < limit:
        s -= 1
    e = end
    while e < len(text) and text[e] not in "。；;！？|" and e - end < limit:
        e += 1
    if e < len(text) and text[e] in "。；;":
        e += 1
    q = re.sub(r"\s*\n\s*", "", text[s:e]).strip()
    if len(q) <= limit:
        return q
    rel = re.sub(r"\s*\n\s*", "", text[s:start]).strip()
    k = len(rel)
    lo = max(0, min(k - limit // 2, len(q) - limit))
    return q[lo : lo + limit]


def make_fact(
    doc: Document,
    *,
    metric: str,
    metric_raw: str,
    raw_value: str,
    raw_unit: str,
    start: int,
    end: int,
    year: int | None,
    source: str = "text",
    basis: str | None = None,
    share: Decimal | None = None,
    comparison: Comparison | None = None,
    quote: str | None = None,
) -> Fact | None:
    number = parse_number(raw_value)
    if number is None:
        return None
    value, unit = normalise(number, raw_unit)
    unit = counted_unit(metric, unit)
    return Fact(
        doc_id=doc.doc_id,
        org=doc.org,
        year=year,
        kind=doc.kind,
        metric=metric,
        metric_raw=metric_raw,
        value=value,
        unit=unit,
        raw_value=raw_value,
        raw_unit=raw_unit,
        section="",
        page=None,
        start=start,
        end=end,
        quote=quote if quote is not None else quote_around(doc, start, end),
        source=source,
        basis=basis,
        share=share,
        comparison=comparison,
    )


def counted_unit(metric: str, unit: str) -> str:
    """A count named by what it counts takes that as its unit: 接待批次23个 is 23 批次, 接待人次142人 is 142 人次."""
    for noun in ("批次", "人次"):
        if metric.endswith(noun) and unit in ("个", "人", "次", "名"):
            return noun
    return unit


def _value_in(unit: str, raw: str, target_unit: str) -> Decimal | None:
    """A comparison amount in the normalised unit of its figure."""
    number = parse_number(raw)
    if number is None:
        return None
    value, _ = normalise(number, unit)
    return value if unit_kind(unit) == unit_kind(target_unit) or target_unit == "" else None


def _direction(verb: str, value: Decimal) -> tuple[str, Decimal]:
    verb = verb.lstrip("(（").replace(")", "").replace("）", "") if verb[:1] in "(（" else verb  # “较上年(减)6万元”
    if value == 0:
        return "持平", Decimal(0)
    if value < 0:
        return "减少", -value
    if verb.startswith(_DOWN) and not verb.startswith("增加"):
        return "减少", value
    return "增加", value


def _with_comparison(fact: Fact, cmp: Comparison) -> Fact:
    return replace(fact, comparison=cmp)


@dataclass(slots=True)
class _Ctx:
    sent_start: int
    seg_start: int  # start of the ;-segment (anchor scope)
    clause_start: int
    left: str  # from max(clause start, previous token end) to the token
    left_full: str  # from the clause start to the token
    long: bool = False  # no punctuation for long before the token: only a known metric name counts


def _pair_lists(j: _Joined) -> list[tuple[int, int, list[str], str | None, list[str], str]]:
    """'收、支总计各是4125.49,4143.91万元' style lists: (start, end, names, verb, numbers, unit)."""
    out = []
    pat = re.compile(
        rf"(?P<subj>[\u4e00-\u9fff、]{{0,12}})各(?P<verb>是|为|减少|增加|下降|增长|降低)?(?P<nums>(?:{NUMBER})%?(?:[,，、](?:{NUMBER})%?)+)(?P<unit>万元|亿元|元|%)"
    )
    for m in pat.finditer(j.text):
        nums = [x.rstrip("%") for x in re.split(r"[,，、]", m.group("nums"))]
        subj = re.sub(r"^.*年度?", "", m.group("subj"))
        if subj.startswith("收支"):
            subj = "收、" + subj[1:]  # 收支总计各是 A,B: two figures
        names: list[str] = []
        if subj and "、" in subj:
            parts = subj.split("、")
            last = parts[-1]
            for p in parts:
                name = p if p is last else p + last[len(parts[0]) :]
                if len(parts[0]) == 1 and name[:1] in "收支" and name[1:2] not in ("入", "出"):
                    name = {"收": "收入", "支": "支出"}[name[:1]] + name[1:]
                names.append(name)
        out.append((m.start(), m.end(), names, m.group("verb"), nums, m.group("unit")))
    return out


def extract_text_facts(doc: Document, skip: Sequence[tuple[int, int]] = ()) -> list[Fact]:
    """Facts from the running text of `doc`, ignoring the spans in `skip` (tables read elsewhere)."""
    j = join_view(doc.text, skip)
    jt = j.text
    st = _State(doc)
    lists = _pair_lists(j)
    list_facts: list[int] = []
    consumed: list[tuple[int, int]] = []
    for ls, le, names, verb, nums, unit in lists:
        consumed.append((ls, le))
        if names and len(names) == len(nums) and verb in (None, "是", "为") and unit != "%":
            list_facts = []
            sent = jt[:ls].rfind("。") + 1
            for name, num in zip(names, nums, strict=True):
                k = jt.find(num, ls)
                s, e = j.pos[k], j.pos[k + len(num) - 1] + 1
                f = make_fact(
                    doc,
                    metric=canonical(name),
                    metric_raw=name,
                    raw_value=num,
                    raw_unit=unit,
                    start=s,
                    end=e,
                    year=year_in(jt[sent:ls], doc.year),
                )
                if f is not None:
                    list_facts.append(len(st.facts))
                    st.facts.append(f)
        elif list_facts and len(list_facts) == len(nums):
            for idx, num in zip(list_facts, nums, strict=True):
                f = st.facts[idx]
                base = base_of(jt[max(0, ls - 30) : ls]) or "上年"
                value = parse_number(num)
                if value is None:
                    continue
                old = f.comparison
                if unit == "%":
                    direction = old.direction if old else ("减少" if (verb or "").startswith(_DOWN) else "增加")
                    st.facts[idx] = _with_comparison(
                        f, Comparison(old.base if old else base, direction, old.amount if old else None, value)
                    )
                else:
                    amount, _u = normalise(value, unit)
                    direction, amount = _direction(verb or "", amount)
                    st.facts[idx] = _with_comparison(f, Comparison(base, direction, amount, old.rate if old else None))

    prev_end = 0
    sent_start = 0
    seg_start = 0
    # where each kind of boundary stands, for a bisect per token (a search back from every token is quadratic)
    sentence_ends = Boundaries(jt, "。！？!?")
    segment_ends = Boundaries(jt, _SENT_END)
    clause_ends = Boundaries(jt, _CLAUSE_END)
    brackets = Boundaries(jt, "", _BRACKET_LIST)
    consumed_spans = Spans(consumed)
    for m in TOKEN_RE.finditer(jt):
        if consumed_spans.holds(m.start()):
            continue
        ts = m.start()
        # scopes
        k = sentence_ends.last_before(ts) + 1
        if k != sent_start:
            sent_start = k
        ks = segment_ends.last_before(ts) + 1
        if ks != seg_start:
            seg_start = ks
            st.anchor = None
            st.last_comparison = None
        clause_start = max(clause_ends.last_before(ts) + 1, seg_start)
        # X亿元(其中A18.20亿元、…): a bracketed breakdown starts a clause of its own
        clause_start = max(clause_start, brackets.last_before(ts) + 1)
        long = ts - clause_start > 60
        if long:
            clause_start = max(ts - 30, prev_end)  # no punctuation for long: a form; read only the nearest words
            dated = list(_YEAR.finditer(jt, clause_start, ts))
            if dated and dated[-1].start() > prev_end:
                clause_start, long = dated[-1].start(), False  # …情况2021年项目预算470万: a dated statement starts
        left_full = jt[clause_start:ts]
        left = jt[max(clause_start, prev_end) : ts]
        ctx = _Ctx(sent_start, seg_start, clause_start, left, left_full, long)
        prev_end = m.end()
        _token(st, j, m, ctx)
        # comparisons stated without a number: 较上年持平 / 与2021年预算一致
        nxt = TOKEN_RE.search(jt, m.end())
        tail = jt[m.end() : nxt.start() if nxt else len(jt)]
        tail = re.split(r"[。；;]", tail)[0]
        whole = _ALL_OF_IT.match(tail)
        if whole and st.anchor is not None:
            _all_of_it(st, whole.group("name"))  # 预算16.8万元,全部为公务用车运行维护费
        flat = _FLAT.search(tail)
        if flat and st.anchor is not None:
            idx = st.anchor.index
            f = st.facts[idx]
            if f.comparison is None and f.end <= j.pos[min(m.end(), len(j.pos) - 1)] + 1:
                st.facts[idx] = _with_comparison(f, Comparison(base_of(flat.group(0)) or "上年", "持平", Decimal(0)))
    _flat_sentences(st, jt)
    for source, copy in st.wholly.items():  # 17万元,全部为运行维护费,比上年增加0.8万元: the change is both's
        if st.facts[copy].comparison is None and st.facts[source].comparison is not None:
            st.facts[copy] = replace(st.facts[copy], comparison=st.facts[source].comparison)
    return _move_misplaced_rates(st)


# a figure that is all one item: 16.8万元,全部为公务用车运行维护费 / 均用于…
_ALL_OF_IT = re.compile(r"[,，]?(?:全部|均|全)(?:为|是|用于|属于)(?P<name>[\u4e00-\u9fff()（）“”]{2,20}?)(?=[,，。；;]|$)")


def _all_of_it(st: _State, name: str) -> None:
    """The anchor figure is wholly one known item: that item has the same figure."""
    assert st.anchor is not None
    f = st.facts[st.anchor.index]
    res = resolve_metric(tidy_phrase(name), "money" if f.unit == "万元" else "count")
    if res is None or res[0] not in BY_NAME or res[0] == f.metric:
        return
    if any(g.metric == res[0] and g.year == f.year for g in st.facts):
        return  # the item has a figure of its own
    st.facts.append(replace(f, metric=res[0], metric_raw=res[1], comparison=None, share=None))
    st.wholly[st.anchor.index] = len(st.facts) - 1


# a sentence with no figure that says an item stayed the same: 。“三公”经费预算与上年持平。
_FLAT_SENTENCE = re.compile(rf"(?:^|(?<=[。；;\n]))(?P<name>[^。；;\n\d]{{2,30}}?){_FLAT.pattern}(?=[。；;\n]|$)")


def _flat_sentences(st: _State, jt: str) -> None:
    """“X与上年持平” in a sentence of its own: the comparison of X's figure of the year, stated before."""
    for m in _FLAT_SENTENCE.finditer(jt):
        res = resolve_metric(tidy_phrase(m.group("name")), "money")
        if res is None:
            continue
        basis = basis_of(m.group("name"))
        for i, f in enumerate(st.facts):
            if (
                f.metric == res[0] and f.comparison is None and f.year == st.doc.year
                and (basis is None or f.basis in (None, basis))
            ):  # fmt: skip
                base = base_of(m.group(0)) or "上年"
                st.facts[i] = _with_comparison(f, Comparison(base, "持平", Decimal(0)))
                break


def _span(j: _Joined, s: int, e: int) -> tuple[int, int]:
    return j.pos[s], j.pos[e - 1] + 1


def _token(st: _State, j: _Joined, m: re.Match[str], ctx: _Ctx) -> None:
    doc = st.doc
    raw_value, raw_unit = m.group("num"), m.group("unit")
    kind = unit_kind(raw_unit)
    left = ctx.left.strip()
    left_full = ctx.left_full.strip()
    start, end = _span(j, m.start(), m.end())
    number = parse_number(raw_value)
    if number is None:
        return
    anchor = st.anchor
    anchor_fact = st.facts[anchor.index] if anchor is not None else None
    seg_text = j.text[ctx.seg_start : m.start()]

    if kind == "percent":
        if anchor_fact is not None and _SHARE.match(left_full):
            if anchor_fact.share is None:
                st.facts[anchor.index] = replace(anchor_fact, share=number)  # type: ignore[union-attr]
            return
        if anchor_fact is not None and _COMPLETION.search(left_full):
            f = make_fact(
                doc,
                metric=anchor_fact.metric + COMPLETION,
                metric_raw=anchor_fact.metric_raw + COMPLETION,
                raw_value=raw_value,
                raw_unit=raw_unit,
                start=start,
                end=end,
                year=anchor_fact.year,
            )
            if f is not None:
                st.facts.append(f)
            return
        verb = _RATE_VERB.search(left)
        if verb and anchor_fact is None and _BASE.match(_SCOPE_WORDS.sub("", left_full)):
            # 。与2023年预算相比增长16.75%: a rate that names nothing continues a figure stated before
            idx = _continued_figure(st, j, ctx)
            if idx is not None and st.facts[idx].unit == "万元":
                st.anchor = anchor = _Anchor(idx, True, "万元")
                anchor_fact = st.facts[idx]
        if anchor_fact is not None and (verb or (not left and st.last_comparison == anchor.index)):  # type: ignore[union-attr]
            old = anchor_fact.comparison
            if old is not None and old.rate is not None:
                # a second comparison (比2019年…降低28.6%) on its own copy of the figure
                return
            word = verb.group(1) if verb else ""
            direction = old.direction if old else ("减少" if word.startswith(_DOWN) else "增加")
            base = old.base if old else (base_of(seg_text, anchor_fact.year) or "上年")
            st.facts[anchor.index] = _with_comparison(  # type: ignore[union-attr]
                anchor_fact, Comparison(base, direction, old.amount if old else None, number)
            )
            return
        if verb and is_generic(tidy_phrase(left_full[: len(left_full) - len(verb.group(0))])):
            return  # 降低28.6% with no figure to belong to
        res = resolve_metric(left_full, kind)
        if res is None:
            return
        f = make_fact(
            doc,
            metric=res[0],
            metric_raw=res[1],
            raw_value=raw_value,
            raw_unit=raw_unit,
            start=start,
            end=end,
            year=year_in(j.text[ctx.sent_start : m.start()], doc.year),
        )
        if f is not None:
            st.facts.append(f)
        return

    compatible = anchor is not None and anchor.money == (kind == "money")
    if compatible and kind == "count" and anchor is not None:
        compatible = anchor.unit == normalise(number, raw_unit)[1]
    # 决算数大于预算数55.93万元: the gap to the same year's budget, on a copy when the figure has another comparison
    gap = _GAP_TO_BUDGET.search(left) if kind == "money" else None
    if gap and anchor is None:  # after a semicolon: the sentence's own figure
        idx = _continued_figure(st, j, ctx)
        if idx is not None and st.facts[idx].unit == "万元":
            st.anchor = anchor = _Anchor(idx, True, "万元")
            anchor_fact, compatible = st.facts[idx], True
    if gap and compatible and anchor_fact is not None and anchor is not None and anchor_fact.year is not None:
        base = str(anchor_fact.year)
        if anchor_fact.comparison is not None and anchor_fact.comparison.base != base:
            st.facts.append(replace(anchor_fact, comparison=None))
            st.anchor = anchor = _Anchor(len(st.facts) - 1, anchor.money, anchor.unit)
            anchor_fact = st.facts[-1]
        if anchor_fact.comparison is None:
            amount, _unit = normalise(number, raw_unit)
            direction = "减少" if gap.group(1) in ("小于", "低于", "少于") else "增加"
            st.facts[anchor.index] = _with_comparison(anchor_fact, Comparison(base, direction, amount))
            st.last_comparison = anchor.index
        return
    # a comparison amount: 比上年减少 2.28 万元
    verb = _CHANGE_VERB.search(left)
    opening = _SCOPE_WORDS.sub("", j.text[ctx.seg_start : ctx.clause_start])  # 。与2021年度决算相比，减少…
    based = _BASE.match(_SCOPE_WORDS.sub("", left_full)) or (
        ctx.clause_start > ctx.seg_start and _BASE_OPENING.fullmatch(opening)
    )
    if verb and anchor is None and st.last_main is not None and based:
        main_i = _continued_figure(st, j, ctx)
        main = st.facts[main_i] if main_i is not None else None
        if main_i is not None and main is not None and (main.unit == "万元") == (kind == "money"):
            st.anchor = anchor = _Anchor(main_i, kind == "money", main.unit)
            anchor_fact = main
            compatible = kind == "money" or main.unit == normalise(number, raw_unit)[1]
    if verb:
        # the words before the base and the verb name the figure that changed; 减少30万元 alone names none
        before_verb = _CHANGE_VERB.sub("", left_full.rstrip())
        before_base = re.split(r"(?:比|较|与|同比)", _SCOPE_WORDS.sub("", before_verb))[0]
        if not before_base and anchor is None:
            # the subject in an earlier clause of the segment: 收、支与2023年度相比，减少17.84万元
            subject = re.split(r"(?:比|较|与|同比)", _SCOPE_WORDS.sub("", seg_text))
            before_base = subject[0] if len(subject) > 1 else ""
        own = resolve_metric(before_base, kind) if before_base else None
        if own is not None and (anchor_fact is None or own[0] != anchor_fact.metric):
            # the change of a figure stated earlier: 2020年度“三公”经费决算数比2019年度减少233.34万元
            target = _find_figure(
                st,
                own[0],
                kind,
                year_in(j.text[ctx.sent_start : m.start()], doc.year),
                basis_of(before_base),
                j.pos[m.start()],
                clean(tidy_phrase(before_base)),
            )
            if target is None and own[0] == "收支总预算":
                # 收入总计X…支出总计X。收入支出总体与上年相比增加Y: the two totals are one figure; the income 总计 carries it
                year = year_in(j.text[ctx.sent_start : m.start()], doc.year)
                totals = [
                    i for i, f in enumerate(st.facts)
                    if f.metric == "收入合计" and "总计" in f.metric_raw and f.year == year and 0 <= j.pos[m.start()] - f.start <= 600
                ]  # fmt: skip
                target = totals[-1] if totals else None
            if target is None:
                if kind == "money" and own[0] in BY_NAME:
                    _change_only(st, j, m, ctx, own, verb.group(1), before_base)
                return
            st.anchor = _Anchor(target, kind == "money", st.facts[target].unit)
            anchor, anchor_fact, compatible = st.anchor, st.facts[target], True
    if verb and compatible and anchor_fact is not None and anchor is not None:
        prior = _PRIOR_BARE.search(left[: verb.start()])
        base = base_of(j.text[ctx.seg_start : m.start()], anchor_fact.year) or "上年"
        if anchor_fact.comparison is not None and anchor_fact.comparison.base != base:
            # another base (比2019年决算数减少): a copy of the figure carries it
            copy = replace(anchor_fact, comparison=None)
            st.facts.append(copy)
            st.anchor = anchor = _Anchor(len(st.facts) - 1, anchor.money, anchor.unit)
            anchor_fact = copy
        elif anchor_fact.comparison is not None:
            return
        amount, _unit = normalise(number, raw_unit)
        direction, amount = _direction(verb.group(1), amount)
        st.facts[anchor.index] = _with_comparison(anchor_fact, Comparison(base, direction, amount))
        st.last_comparison = anchor.index
        if prior:
            _prior_fact(
                st, j, m.start() - len(left) + prior.start("num"), prior.group("num"), raw_unit, base, anchor_fact
            )
        return
    if compatible and anchor is not None and anchor_fact is not None and _MOVED_TO.fullmatch(left):
        _moved(st, anchor.index, doc, raw_value, raw_unit, start, end)  # 由6辆减至5辆: 5 is the level now
        return
    if verb and (_BASE.search(left_full) or is_generic(tidy_phrase(_CHANGE_VERB.sub("", left_full.rstrip())))):
        return  # the change of a figure that was not read (比上年增加 X / 减少 X): never a figure of its own
    # an earlier year's figure: 较2024年的2190万元 / 较上年8万元
    if compatible and anchor_fact is not None and (_PRIOR_FIGURE.search(left) or _PRIOR_STATED.fullmatch(left_full)):
        base = base_of(left) or "上年"
        _prior_fact(st, j, m.start(), raw_value, raw_unit, base, anchor_fact)
        return
    if kind == "money" and compatible and anchor_fact is not None and _BUDGET_OF.search(left):
        # 累计完成24627万元,完成年初预算数60999万元的40.4%: the budget of the figure, which stays under discussion
        f = make_fact(
            doc, metric=anchor_fact.metric, metric_raw=anchor_fact.metric_raw, raw_value=raw_value, raw_unit=raw_unit,
            start=start, end=end, year=anchor_fact.year, basis="预算数",
        )  # fmt: skip
        if f is not None:
            st.facts.append(f)
        return
    if kind == "money" and re.search(r"(?:单价|价值|原值)(?:在)?$", left) and _THRESHOLD_AFTER.match(j.text, m.end()):
        return  # 单价50万元以上通用设备: a price threshold in a name, not a figure
    if left.endswith(("差值为", "差额为", "差值", "差额")) or "涉及" in left_full:
        return  # a budget-versus-actual difference, or a scope statement (涉及…财政拨款 300 万元)

    if kind == "money" and _ALL_OF.search(left):
        shared = _shared_value(st, doc, j.text[ctx.sent_start : m.start()], raw_value, raw_unit, start, end)
        if shared:
            return  # 因公出国(境)费、公务接待费均为0元: each listed item has that figure
    res = resolve_metric(left_full if left == left_full.strip() or not is_generic(left) else left, kind)
    inherited = False
    if res is None and is_generic(tidy_phrase(left_full)):
        # “一般公共预算拨款：3,856.42万元” on its own line: the label before the colon names it, not the figure above
        label = _COLON_LABEL.search(j.text[max(ctx.seg_start, m.start() - 24) : m.start()])
        named = re.sub(r"^(?:万元|亿元|元|万|人|名|个|辆)", "", label.group(1)) if label else ""  # the line before's unit
        if named and "\n" in st.doc.text[max(0, start - 30) : start] and not is_generic(tidy_phrase(named)):
            res = resolve_metric(named, kind)
    if res is None and is_generic(tidy_phrase(left_full)):
        # 支出决算为 Y / 约600人: the figure under discussion, or the label before a colon
        if anchor_fact is not None and anchor is not None:
            inherited = True
            if compatible:
                res = (anchor_fact.metric, anchor_fact.metric_raw)
            elif kind == "count":
                res = (count_metric(anchor_fact.metric_raw, raw_unit, True), anchor_fact.metric_raw)
            else:
                res = resolve_metric(anchor_fact.metric_raw, kind)
        else:
            colon = max(
                j.text.rfind(":", ctx.seg_start, ctx.clause_start), j.text.rfind("：", ctx.seg_start, ctx.clause_start)
            )
            if colon >= 0:
                res = resolve_metric(j.text[max(ctx.seg_start, colon - 30) : colon], kind)
            if res is None and kind == "money" and ctx.clause_start > ctx.seg_start:
                # “（一）甲乙建设项目，预算1,200.00万元”: the clause before only names the item
                named = j.text[ctx.seg_start : ctx.clause_start].rstrip(",，:： ")
                if _HEADING.match(named) and not re.search(r"\d", named[3:]) and len(named) <= 40:
                    res = resolve_metric(tidy_phrase(named), kind)
            if res is None and kind == "money":
                res = _heading_subject(j.text, ctx.seg_start, kind)
    if kind == "count" and re.search(r"(?:下属|共有|现有|拥有|(?<!实)有|设|共)$", left):  # 实有 N 辆: the name is before
        res = None
    after = re.match(r"[\u4e00-\u9fff()（）]{2,16}?(?=的|[,，。；;:：、]|$|\d)", j.text[m.end() : m.end() + 20])
    listed = re.split(r"[,，;；。:：]", j.text[max(ctx.sent_start, m.start() - 60) : m.start()])[-1]
    if kind == "count" and after and "、" in listed and not re.search(r"\d", listed):
        res = None  # “内设综合部、财务部等5个部室”: the list names the members, the noun after the figure what is counted
    if res is None and kind == "count" and after:
        res = resolve_metric(after.group(0), kind)
    if res is None or (ctx.long and res[0] not in BY_NAME):
        return
    metric, metric_raw = res
    if kind == "count" and not inherited:
        metric = count_metric(metric, raw_unit, False)
        priced = _PRICED.search(left_full)
        if priced:  # 单价100万元以上专用设备14台: the threshold is part of what is counted
            metric = metric_raw = f"单价{priced.group(1)}{priced.group(2)}以上{priced.group(3)}"
    # a sub-item of a sub-item (初中教育支出…其中:基本支出): name the parent too
    parent = st.list_parent if st.list_parent is not None and st.list_parent[0] == ctx.seg_start else None
    if anchor is not None and anchor_fact is not None and "其中" in j.text[anchor.jend : m.start()]:
        parent = (ctx.seg_start, anchor.index)
    elif anchor is None and st.last_main is not None and j.text[ctx.seg_start : ctx.seg_start + 2] == "其中":
        parent = (ctx.seg_start, st.last_main)  # '…。其中:' breaks down the previous sentence's figure
    st.list_parent = parent
    if parent is not None and not inherited and kind == "money" and metric in BY_NAME:
        head = st.facts[parent[1]].metric
        if _qualifies(head, metric):
            metric = f"{head}-{metric}"
    clause_text = j.text[ctx.clause_start : m.start()]
    basis = basis_of(clause_text)
    if basis is None and anchor_fact is not None and (inherited or "其中" in seg_text):
        basis = anchor_fact.basis
    year = year_in(j.text[ctx.sent_start : m.start()], doc.year)
    if inherited and anchor_fact is not None and not _YEAR.search(left_full):
        year = anchor_fact.year
    f = make_fact(
        doc,
        metric=metric,
        metric_raw=metric_raw,
        raw_value=raw_value,
        raw_unit=raw_unit,
        start=start,
        end=end,
        year=year,
        basis=basis,
    )
    if f is None:
        return
    st.facts.append(f)
    if not (inherited and "完成" in left_full):  # 完成预算 X 的 Y%: X is a side figure
        st.anchor = _Anchor(len(st.facts) - 1, kind == "money", f.unit, m.end())
        st.last_main = len(st.facts) - 1
    if parent is not None:
        st.parent_of[len(st.facts) - 1] = parent[1]
    st.last_comparison = None


_ALL_OF = re.compile(r"(?:均为|均是|都是|都为|皆为|均)$")


def _list_items(phrase: str, joints: Sequence[str]) -> list[str]:
    """The items of a written list: split at the first connector, then within a piece that names no item as a whole
    at the next (公务用车购置及运行维护费 is one item, 社会保障和就业支出 too)."""
    piece = tidy_phrase(phrase)
    if not joints or clean(piece) in _ALIAS_SET or clean(piece) in BY_NAME:
        return [piece] if piece else []
    return [item for p in piece.split(joints[0]) for item in _list_items(p, joints[1:])]


def _shared_value(
    st: _State, doc: Document, before: str, raw_value: str, raw_unit: str, start: int, end: int
) -> bool:
    """“A、B和C均为0元”: one figure for every item the list names (two at least, each a known metric). `before`: the
    sentence up to the figure (、 ends a clause, not the list)."""
    phrase = _ALL_OF.sub("", re.split(r"[,，:：;；]", before)[-1].strip())
    resolved = [resolve_metric(p, "money") for p in _list_items(phrase, ("、", "和", "与", "及"))]
    if len(resolved) < 2 or any(r is None or r[0] not in BY_NAME for r in resolved):
        return False
    year, basis = year_in(before, doc.year), basis_of(before)
    for metric, raw in (r for r in resolved if r is not None):
        f = make_fact(
            doc, metric=metric, metric_raw=raw, raw_value=raw_value, raw_unit=raw_unit, start=start, end=end,
            year=year, basis=basis,
        )  # fmt: skip
        if f is not None:
            st.facts.append(f)
    return True


# the level a figure moved to: 保有量由6辆减至5辆 (left of the second figure: the first one's unit and the verb)
_MOVED_TO = re.compile(r"(?:万元|亿元|元|辆|人|名|个|台|套|%)?(?:减至|降至|增至|升至|减少至|减少到|下降至|下降到|增加至|增加到|上升至|上升到|调整为|变为)")


def _moved(st: _State, i: int, doc: Document, raw_value: str, raw_unit: str, start: int, end: int) -> None:
    """“由A减至B”: B is the level of the year, A the one it moved from (the year before), the move its comparison."""
    before = st.facts[i]
    now = make_fact(
        doc, metric=before.metric, metric_raw=before.metric_raw, raw_value=raw_value, raw_unit=raw_unit, start=start,
        end=end, year=before.year, basis=before.basis,
    )  # fmt: skip
    if now is None or now.unit != before.unit:
        return
    direction, amount = _direction("增加" if now.value >= before.value else "减少", now.value - before.value)
    st.facts[i] = replace(before, year=before.year - 1 if before.year is not None else None)
    st.facts.append(replace(now, comparison=Comparison("上年", direction, amount)))
    st.anchor = _Anchor(len(st.facts) - 1, now.unit in ("万元",), now.unit, 0)
    st.last_main = len(st.facts) - 1


_TOPIC_END = re.compile(r"(?:情况|说明|分析|概述|概况|总体|构成|结构|变动|原因)$")


def _heading_subject(jt: str, seg_start: int, kind: str) -> tuple[str, str] | None:
    """``（三）戊己服务中心。预算数N万元``: a figure that names nothing, in the sentence right after a numbered
    heading that is only a name, belongs to that name (a topic heading such as ``…情况`` names no figure)."""
    if seg_start < 2 or jt[seg_start - 1] != "。":
        return None
    k = max(jt.rfind(c, 0, seg_start - 1) for c in _SENT_END) + 1
    head = jt[k : seg_start - 1]
    if not _HEADING.match(head) or len(head) > 60:  # 类、款、项 written out run long
        return None
    name = tidy_phrase(head)
    if not name or re.search(r"\d", name):
        return None
    if _TOPIC_END.search(name):
        # “一般公共预算财政拨款支出决算情况”: a topic heading names a figure only when what it is about is a known one
        topic = re.sub(r"(?:(?:年初)?(?:预算|决算)(?:数)?)?(?:总体)?(?:情况|说明|分析|概述|概况|总体)+$", "", name)
        res = resolve_metric(topic, kind) if topic and topic != name else None
        return res if res is not None and res[0] in BY_NAME else None
    return resolve_metric(name, kind)


def _change_only(
    st: _State, j: _Joined, m: re.Match[str], ctx: _Ctx, own: tuple[str, str], verb: str, before_base: str
) -> None:
    """“公务用车购置费同口径比2018年减少334万元，下降90%” where the document never writes the item's own figure: the
    change is kept as a fact of its own (metric + CHANGE, source "change"), never read as the item's level; a rate
    written right after it attaches to it."""
    doc = st.doc
    start, end = _span(j, m.start(), m.end())
    year = year_in(j.text[ctx.sent_start : m.start()], doc.year)
    f = make_fact(
        doc, metric=own[0] + CHANGE, metric_raw=tidy_phrase(before_base) + CHANGE, raw_value=m.group("num"),
        raw_unit=m.group("unit"), start=start, end=end, year=year, source="change", basis=basis_of(before_base),
    )  # fmt: skip
    if f is None:
        return
    direction, amount = _direction(verb, f.value)
    base = base_of(j.text[ctx.seg_start : m.start()], year) or "上年"
    st.facts.append(replace(f, comparison=Comparison(base, direction, amount)))
    st.anchor = _Anchor(len(st.facts) - 1, True, f.unit, m.end())
    st.last_comparison = len(st.facts) - 1


def _prior_fact(st: _State, j: _Joined, jstart: int, raw_value: str, raw_unit: str, base: str, anchor: Fact) -> None:
    year = int(base) if base.isdigit() else (anchor.year - 1 if anchor.year is not None else None)
    s, e = _span(j, jstart, jstart + len(raw_value))
    if raw_unit and j.text[jstart + len(raw_value) : jstart + len(raw_value) + len(raw_unit)] == raw_unit:
        e = j.pos[jstart + len(raw_value) + len(raw_unit) - 1] + 1
    f = make_fact(
        st.doc,
        metric=anchor.metric,
        metric_raw=anchor.metric_raw,
        raw_value=raw_value,
        raw_unit=raw_unit,
        start=s,
        end=e,
        year=year,
        basis=anchor.basis,
    )
    if f is not None:
        st.facts.append(f)


def _continued_figure(st: _State, j: _Joined, ctx: _Ctx) -> int | None:
    """The figure a change that names nothing continues (its clause opens with the base: 比2019年减少…):
    the sentence's own figure (a second comparison after a semicolon); the total a list just broke down (预算为
    3328万元。其中，A…,B…。同口径比2018年减少830万元); or the previous sentence's figure (X382.17万元，为…的资金。
    较2020年度决算数减少157.86万元)."""
    if st.last_main is None:
        return None
    main_i = st.last_main
    main = st.facts[main_i]
    if main.start >= j.pos[ctx.sent_start]:
        return main_i
    if ctx.clause_start != ctx.sent_start and not _BASE_OPENING.fullmatch(j.text[ctx.sent_start : ctx.clause_start]):
        return None  # a clause inside a sentence continues that sentence's figure, unless the sentence opens 与X相比，
    if main_i in st.parent_of:
        between = st.doc.text[main.end : j.pos[ctx.sent_start]]
        return st.parent_of[main_i] if between.count("。") <= 1 else None
    previous = j.text.rfind("。", 0, max(ctx.sent_start - 1, 0)) + 1
    if main.comparison is None and main.start >= j.pos[previous]:
        return main_i
    between = re.sub(r"\d+(?:\.\d+)?\s*[%％]", "", st.doc.text[main.end : j.pos[ctx.sent_start]])  # 完成预算的82.5%
    if main.comparison is None and between.count("。") <= 2 and "\n" not in between and not re.search(r"\d", between):
        return main_i  # X71.36万元。决算数小于预算数的原因是…。与上年相比减少9.84万元: a reason between, no figure
    return None


def _find_figure(
    st: _State, metric: str, kind: str, year: int | None, basis: str | None, at: int, written: str = ""
) -> int | None:
    """The latest figure of `metric` (same kind of unit, year and — when stated — basis) stated shortly before `at`;
    else, further back, the latest such figure that has no comparison yet (a paragraph of changes after the figures:
    “…公务接待费支出决算4,895元。…。其中：公务接待费支出决算减少12,625元”), written with the same words."""
    near = far = None
    behind = 0
    for i in range(len(st.facts) - 1, -1, -1):  # the latest first; facts stand (nearly) in text order
        f = st.facts[i]
        if at - f.start > 3000:
            behind += 1
            if behind > 64:
                break  # far enough back: nothing earlier is in reach (a scan of every fact is quadratic)
            continue
        if f.metric != metric or unit_kind(f.raw_unit) != kind or (year is not None and f.year != year):
            continue
        if basis is not None and f.basis is not None and f.basis != basis:
            continue
        if at - f.start <= 300:
            if near is None:
                near = i
        elif far is None and f.comparison is None and year is not None and clean(f.metric_raw) == written:
            far = i
        if near is not None:
            break
    return near if near is not None else far


_TOTALS = ("收入合计", "支出合计", "收支总预算", "财政拨款收支总预算", "一般公共预算支出", "一般公共预算财政拨款收入")


def _qualifies(head: str, metric: str) -> bool:
    """Is `metric`, listed under `head` (其中…), a part of a different whole (初中教育支出 → 其中:基本支出)?"""
    if head == metric or "-" in head or head in ancestors(metric) or head in _TOTALS:
        return False
    if head in BY_NAME:
        return metric not in ancestors(head)
    return head.endswith("支出") and len(head) >= 4


def _rate_fits(value: Decimal, cmp: Comparison) -> bool:
    if cmp.amount is None or cmp.rate is None:
        return False
    prior = value - cmp.amount if cmp.direction == "增加" else value + cmp.amount
    if prior <= 0:
        return False
    exp = cmp.rate.as_tuple().exponent
    places = -exp if isinstance(exp, int) and exp < 0 else 0
    return abs(cmp.amount / prior * 100 - cmp.rate) <= Decimal("0.5").scaleb(-places) + Decimal("0.0001")


def _move_misplaced_rates(st: _State) -> list[Fact]:
    """'X，其中：A，B，同比增加 C，增长 R%' — when R fits X and not B, the comparison is X's."""
    facts = st.facts
    for child, parent in st.parent_of.items():
        c, p = facts[child], facts[parent]
        if c.comparison is None or p.comparison is not None or c.unit != p.unit:
            continue
        if not _rate_fits(c.value, c.comparison) and _rate_fits(p.value, c.comparison):
            facts[parent] = replace(p, comparison=c.comparison)
            facts[child] = replace(c, comparison=None)
    return facts
