"""Understand a budget question without an LLM: what it asks (op), about which metrics, org, year and basis.

The question is split into clauses ("多少？占比多少？"); each clause gets an op from ordered patterns, and the
question's op is the most specific one (reason > compare > rate > delta > diff > share > sum > count > lookup),
except that an elliptic follow-up asking for the share or the execution rate of the figure just asked
("事业收入多少？占比？", "实际花了多少？完成预算多少？") stays a lookup: disclosures print those next to the amount.

A question for last year's figure ("2022年三公经费预算是多少？" over a 2023 document) is a lookup with year=2022:
deriving it (from "比上年增加X") is the composer's job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.metrics import BY_NAME, ancestors
from qa.parse.orgs import match_org
from qa.parse.terms import Term, find_terms, whole_at
from qa.types import ParsedQuestion

# ---------------------------------------------------------------------------------------------------- text

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９．％，：（）？！；", "0123456789.%,:()?!;"
)  # fmt: skip
_SPACES = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_TRAD = str.maketrans(
    "經費預算決務車輛實際這個該單為麼幾與總計較減增長數際資產業會園學聯財廳區縣鎮員額購運維護"
    "舉報導門職編劃專項開銷況還說對嗎問題應當據檔從後來過們裡麵",
    "经费预算决务车辆实际这个该单为么几与总计较减增长数际资产业会园学联财厅区县镇员额购运维护"
    "举报导门职编划专项开销况还说对吗问题应当据档从后来过们里面",
)


def normalize_question(text: str) -> str:
    """Half-width digits and punctuation, common traditional characters simplified, no spaces between Chinese."""
    text = text.translate(_FULLWIDTH).translate(_TRAD).replace("\u3000", " ").strip()
    return _SPACES.sub("", text)


# ---------------------------------------------------------------------------------------------------- years

_CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}  # fmt: skip
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=\s*(?:年|预算|决算|度))")
_CN_YEAR = re.compile(r"([二一][〇零○一二三四五六七八九]{3})年")
_SHORT_YEAR = re.compile(r"(?<![\d.])(\d{2})年(?!代)")
_COMPARE_BEFORE = re.compile(r"(比|较|与|和|跟|同|对比|相比|相较|相对|对照)\s*$")
_RELATIVE: tuple[tuple[str, int], ...] = (
    ("本年度", 0), ("今年", 0), ("本年", 0), ("当年", 0), ("本期", 0), ("这一年", 0),
    ("上一年度", -1), ("上年度", -1), ("上一年", -1), ("上年", -1), ("去年", -1), ("前一年", -1), ("上个年度", -1),
    ("前年", -2),
)  # fmt: skip
_RELATIVE_RE = re.compile("|".join(w for w, _ in _RELATIVE))


@dataclass(frozen=True, slots=True)
class Years:
    year: int | None
    relative: int | None
    years: tuple[int, ...]
    compare_year: int | None
    compare_relative: int | None
    spans: tuple[tuple[int, int], ...]


_YEAR_RANGE = re.compile(r"(?<!\d)(20\d{2}|19\d{2})\s*年?\s*(?:到|至|—|-|~|～)\s*(20\d{2}|19\d{2})(?!\d)")


def find_years(text: str, masked: str, library_years: Sequence[int] = ()) -> Years:
    """Explicit years (2023年, 二〇二三年, 23年 when the library holds 2023) and 今年/上年/前年, target vs compared."""
    found: list[tuple[int, int, int]] = []  # (start, end, year)
    for m in _YEAR.finditer(text):
        found.append((m.start(), m.end(), int(m.group(1))))
    for m in _YEAR_RANGE.finditer(text):  # “2021到2023三年”: both ends, whether or not 年 is written after them
        for k in (1, 2):
            if not any(s <= m.start(k) < e for s, e, _ in found):
                found.append((m.start(k), m.end(k), int(m.group(k))))
    for m in _CN_YEAR.finditer(text):
        found.append((m.start(), m.end(), int("".join(_CN_DIGITS[c] for c in m.group(1)))))
    if library_years:
        for m in _SHORT_YEAR.finditer(text):
            short = 2000 + int(m.group(1))
            if short in library_years and not any(s <= m.start() < e for s, e, _ in found):
                found.append((m.start(), m.end(), short))
    found.sort()
    target = [y for s, _, y in found if not _COMPARE_BEFORE.search(text[:s])]
    compared = [y for s, _, y in found if _COMPARE_BEFORE.search(text[:s])]
    years = tuple(dict.fromkeys(y for _, _, y in found))
    year = target[0] if target else (years[0] if years else None)
    compare_year = compared[0] if compared else next((y for y in years[1:] if y != year), None)
    span = _YEAR_RANGE.search(text)
    if span is not None and not compared and int(span.group(1)) < int(span.group(2)):
        year, compare_year = int(span.group(2)), int(span.group(1))  # 从2021年到2023年: the change up to the later year
    relative: int | None = None
    compare_relative: int | None = None
    for m in _RELATIVE_RE.finditer(masked):
        value = dict(_RELATIVE)[m.group()]
        if _COMPARE_BEFORE.search(masked[: m.start()]):
            compare_relative = value if compare_relative is None else compare_relative
        elif relative is None and year is None:
            relative = value
    return Years(year, relative, years, compare_year, compare_relative, tuple((s, e) for s, e, _ in found))


# ---------------------------------------------------------------------------------------------------- ops

_P = re.compile
REASON = _P(
    r"为什么|为何|为啥|什么原因|原因|缘由|理由|怎么回事|咋回事|何故|怎么会|干什么用|干啥用|做什么用|派什么用|用于什么|用于哪|"
    r"用在哪|用到哪|花在哪|花到哪|用途|什么用|有啥用|用来干|用来做|拿来干|主要用于|依据是什么|"
    r"(?:花|用)(?:在|到)了?(?:什么|哪些|哪个)(?:地方|方面|事情|事)"
)
DEFINITION = _P(
    r"什么是|啥是|何谓|何为|什么叫|是什么意思|什么意思|啥意思|指什么|指的是什么|是指什么|含义|定义|口径是|包括哪些|"
    r"包含哪些|包括什么|包含什么|涵盖哪些|有哪些内容|怎么理解|如何理解|指的是哪|指哪|是指哪|包括哪几|包含哪几"
)
DEFINITION_WEAK = _P(r"^[^\d]{0,4}Ｍ+(?:是|指)(?:什么|啥)")
COMPARE = _P(
    r"哪(?:个|一个|家|些)(?:部门|单位|学校|地区|地方|县|市|区|乡镇|镇|年|年份|年度|项目|科目|机构)?[^，。?？]{0,12}(?:最|更)|"
    r"谁(?:的)?[^，。?？]{0,12}(?:最|更)|最[高低多少大小][^，。?？]{0,3}(?:是|为)?(?:哪|谁)|哪个更|谁更|谁多|谁高|谁少|谁低|排名|排第|历年|近[一二两三四五六七八九十几\d]+年|"
    r"逐年|这几年|各年|每年|趋势|走势|变化情况|横向比较|对比一下|比较一下"
)
RATE_EXEC = _P(
    r"完成(?:了)?(?:年初|全年|当年|调整后的?)?(?:的)?预算(?:数)?[^，。?？]{0,4}?(?:百分之|多少|几|比例|比重|%|情况|程度)|预算完成(?:率|情况|比例|了多少|多少|度)|"
    r"执行率|完成率|进度|预算执行|(?:用|花|使用|支出|执行)(?:掉|了)?(?:年初)?预算(?:数)?的(?:百分之|多少|几成|比例)|是(?:年初)?预算(?:数)?的(?:百分之|多少|几成)|占(?:年初)?预算(?:数)?的?(?:百分之|多少|比例|几成)"
)
_EXEC_TIMES = _P(r"是(?:年初)?预算(?:数)?的[^，。?？]{0,3}倍")
RATE_SHARE_WORD = _P(
    r"(?:增长|增加|下降|减少|降低|上升|上涨|变化|变动|缩减|压缩|削减)(?:了)?(?:多大|多少|什么)?(?:的)?(?:比例|幅度)"
)
SHARE = _P(r"占|比例|比重|份额|几成|构成比")
RATIO = _P(r"几倍|多少倍|倍数|翻了几番|是[^，。?？]{0,15}的[^，。?？]{0,3}倍")
RATE = _P(
    r"增长率|增速|增幅|降幅|涨幅|跌幅|减幅|下降率|减少率|降低率|上升率|变化率|变动率|增减率|增减幅度|百分之几|百分之多少|百分比|"
    r"多少个百分点|几个百分点|(?:增长|增加|上升|上涨|提高|下降|减少|降低|下滑|缩减|压缩|削减|减|降|涨|增|升)(?:了)?(?:多少|几)(?:%|个点)|"
    r"同比(?:增长|增加|下降|减少)?(?:了)?(?:多少)?%"
)
DIRECTION = _P(
    r"(?:涨|增|升|增加|增长|上升|提高|多)(?:了)?还是(?:降|减|跌|下降|减少|降低|少)|(?:降|减|下降|减少|降低|少)(?:了)?还是(?:涨|增|升|增加|增长|上升|多)|"
    r"是增是减|增还是减|增减情况|有没有(?:增加|减少|变化|下降|增长)|是否(?:增加|减少|下降|增长|有变化)|变多还是变少|"
    r"有(?:无)?变化吗?|(?:变|涨|降|增加|减少|增长|下降|上升)了吗|一样吗|相同吗|持平吗"
)
COMPARATIVE = _P(
    r"(?:(?<!同)比|较|相比|与|和|跟|同(?!比))(?P<x>[^，。?？]{1,20}?)(?:还)?(?:多|少|高|低|增加|减少|增长|下降|节约|节省|超出|超|省|降低|上升)"
    r"(?:花|用|支出|支|拨|开支)?(?:了)?(?:多少|几|多大|多)"
)
TIME_WORD = _P(r"上年|去年|上一年|前一年|前年|同期|往年|以前|(?:19|20)\d{2}|\d{2}年|今年|本年|上个年度")
DIFF = _P(
    r"相差|差了|差多少|差额|差距|差几|差值|空着|空缺|缺编|超编|空编|还有几个空|还能进|剩余编制|还差|多出|少出|"
    r"(?:还)?(?:剩|余)(?:下)?(?:多少|几)"
)
SUM_STRONG = _P(
    r"加起来|加在一起|加上|相加|之和|总和|加总|是否等于|等不等于|等于[^，。?？]{0,20}吗|各项(?:加|合|相)|"
    r"(?:[\d一二三四五六七八九十两几]+)(?:项|类|个|部分|块)[^，。?？]{0,8}(?:加|合计|一共|总共|共计)|国内外[^，。?？]{0,8}合计"
)
SUM_WEAK = _P(r"合计|一共|总共|共计|总计|累计|总额|总数")
DELTA = _P(
    r"(?:增加|增长|减少|下降|降低|上升|上涨|压缩|削减|缩减|减|降|涨|增|多|少|节约|节省|变化|变动|调整|调减|调增|砍|省)"
    r"(?:花|用|支出|拨)?(?:了)?(?:大概|大约|约|大致)?(?:多少|几|多大)|增减|变了|变化了|变动了|有何变化|有什么变化|怎么变"
)
COUNT_UNITS = r"个(?!百分点)|名|位|辆|台|套|批次|批|人次|人|条|次|期|家|所|项(?!目)|篇|场|户|天|间|张|处|座|支|部|架|艘"
COUNT = _P(
    rf"(?:多少|几)(?:{COUNT_UNITS})|多少[^，。?？\d]{{0,6}}(?:学生|幼儿|儿童|人员|职工|教师|员工|干部|编制|床位|机构|车辆|公车|公务车)|"
    r"人数|车辆数|数量|几辆|编制数"
)
LOOKUP = _P(
    r"多少|几|金额|数额|有没有|有无|是否有|是否安排|安排了|多大|多高|到底是|是不是|对吗|对不对|还是|是否|查一下|查询|查查|"
    r"预算数|决算数|是啥|情况"
)
TEXT = _P(
    r"职能|职责|负责人|联系人|联系电话|电话|地址|是谁|哪个城市|哪个省|哪里|在哪|构成|组成|哪几类|哪些类|分哪|哪几项|哪些项目|"
    r"绩效目标|目标是|主要任务|机构设置|简介|概况|怎么样|如何"
)

RANK: dict[str, float] = {
    "reason": 10,
    "compare": 9,
    "rate": 8,
    "delta": 7,
    "diff": 6,
    "share": 5,
    "sum": 4,
    "count": 3,
    "lookup": 2,
}
RANK |= {"definition": 1.5, "text": 1}
_NON_MONEY_COUNT = {m.name for m in BY_NAME.values() if not m.money}


@dataclass(frozen=True, slots=True)
class ClauseOp:
    op: str
    start: int
    end: int
    has_metric: bool
    execution: bool = False  # a rate of 决算 against 预算
    ratio: bool = False  # share asked as a multiple (倍)
    weak: bool = False  # only a follow-up share/execution ask
    descriptive: bool = False  # 怎么变 / 有何变化: the change described, no figure of its own asked
    asks_figure: bool = True  # False for a yes/no clause (是不是全花在接待上？): no quantity word


_ALSO = _P(r"^(?:了)?[、和及与,，]|以及|还有")


def classify(clause: str, n_metrics: int, non_money: bool) -> tuple[str | None, bool, bool]:
    """(op, execution, ratio) of one clause with metric names masked as Ｍ; None when it asks nothing."""
    if REASON.search(clause):
        return "reason", False, False
    if DEFINITION.search(clause):
        return "definition", False, False
    if COMPARE.search(clause):
        return "compare", False, False
    if RATE_EXEC.search(clause):
        return "rate", True, False
    if _EXEC_TIMES.search(clause):
        return "rate", True, True  # “实际花的是预算的几倍”: the actual over the same item's budget, in 倍
    rate = RATE_SHARE_WORD.search(clause) or RATE.search(clause)
    amount = DELTA.search(clause)
    if rate and amount and amount.end() <= rate.start() and _ALSO.search(clause[amount.end() : rate.start()]):
        return "delta", False, False  # 涨了多少、涨幅多少: the amount first, the rate as its companion
    if RATE_SHARE_WORD.search(clause):
        return "rate", False, False
    if RATIO.search(clause):
        return "share", False, True
    if SHARE.search(clause):
        return "share", False, False
    if RATE.search(clause):
        return "rate", False, False
    if DIRECTION.search(clause):
        return "delta", False, False
    m = COMPARATIVE.search(clause)
    if m:
        return ("delta" if TIME_WORD.search(m.group("x")) else "diff"), False, False
    if DIFF.search(clause):
        return "diff", False, False
    if SUM_STRONG.search(clause):
        return "sum", False, False
    if DELTA.search(clause):
        return "delta", False, False
    if COUNT.search(clause):
        return "count", False, False
    if SUM_WEAK.search(clause) and n_metrics >= 2:
        return "sum", False, False
    if LOOKUP.search(clause):
        return ("count" if non_money and re.search(r"多少|几", clause) else "lookup"), False, False
    if DEFINITION_WEAK.search(clause):
        return "definition", False, False
    if TEXT.search(clause):
        return "text", False, False
    return None, False, False


# ---------------------------------------------------------------------------------------------------- other slots

_DECISION = _P(r"决算|实际(?!在|有|人|编)|实支|实花|花掉|执行数|(?:少|多)花|完成(?:了)?(?:年初)?预算")
_BUDGET = _P(r"预算|安排|计划|打算|预计|拟|年初")
_MONEY_UNIT = _P(
    r"(?:多少|几|合|折合|换算成|折算成|换算为|以|按|用|单位是?|为|少)(千元|万元|亿元|元|万|亿)(?![\u4e00-\u9fff]{0,1}[的费])"
)
_COUNT_UNIT = _P(rf"(?:多少|几)({COUNT_UNITS})")
VERIFY = _P(
    r"对吗|对不对|是否正确|正确吗|准确吗|是否准确|到底是|到底多少|说得通|合理吗|是否合理|是否一致|一致吗|有没有错|是不是错|"
    r"是否有误|有误吗|等于[^，。?？]{0,20}吗|是否等于|等不等于|还是[^，。?？]{0,10}[?？]|超编|准吗|准不准|算得对|算对了吗|"
    r"是真的吗|真的吗|没错吧|没算错"
)
COMPUTE = _P(r"精确|准确|重算|重新算|重新计算|算一下|帮我算|推算|计算|按文中")
_CLAIMED_AMOUNT = _P(r"(?:增长|下降|减少|降低|上升|提高|增加|多|少)(?:了)?\s*\d+(?:\.\d+)?\s*(?:万元|亿元|元|万)")
_CLAIMED_DIRECTION = _P(r"(?:比|较|同比|与)[^，。?？]{0,12}(?:增加|增长|减少|下降|降低|上升|提高|多了|少了)")
_CLAIMED_RATE = _P(
    r"(?:比(?:年初)?预算(?:数)?|完成(?:了)?(?:年初)?预算(?:数)?的?)?(?:增长|下降|减少|降低|上升|提高|增加|增|降|减)?(?:了)?"
    r"(?<![\d.])\d+(?:\.\d+)?%"
)
_CLAUSE_SPLIT = _P(r"[?？。!！;；，,]")
_QUOTE = _P(r"[“\"「]([^”\"」]*)[”\"」]")


def _mask(text: str, spans: Sequence[tuple[int, int]], char: str) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = char
    return "".join(chars)


def _mask_quotes(text: str) -> str:
    """Long or numeric quotes ("完成年初预算100%，决算数大于…") are what the document said, not what is asked."""
    return _QUOTE.sub(
        lambda m: (
            "“" + "引" * len(m.group(1)) + "”" if re.search(r"\d|，", m.group(1)) or len(m.group(1)) > 12 else m.group()
        ),
        text,
    )


def _clauses(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_SPLIT.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


_DESCRIBED_CHANGE = _P(r"怎么变|怎样变|如何变|有何变化|有什么变化|变化情况|变化如何|什么变化|怎么样")
_HOW_MUCH = _P(r"多少|几|多大|百分|比例|比重")
_YES_NO = _P(r"是不是|是否|有没有|吗|对不对")


_LEFT_NOW = _P(r"(?:还)?剩(?:下)?(?:多少|几)")
_TAKEN_AWAY = _P(r"除|扣|减去|去掉|没花|未花|没用|未用|结余|空|缺")
_STATED_FIGURE = _P(r"\d+(?:\.\d+)?\s*(?:%|％|万元|亿元|元|个百分点)")


def _premise(clause: str) -> bool:
    """A clause that states a figure and asks nothing (增长了2.8%, 完成预算59.7%)."""
    return (
        bool(_STATED_FIGURE.search(clause))
        and not _HOW_MUCH.search(clause)
        and not _YES_NO.search(clause)
        and not re.search(r"为什么|为何|什么|怎么|哪", clause)
    )


def _combine(ops: Sequence[ClauseOp]) -> ClauseOp | None:
    if not ops:
        return None
    first = ops[0]
    best = first
    for op in ops[1:]:
        # “X多少？占比？” / “X多少？税收占比？” / “花了多少？完成预算多少？”: the figure first, its share a companion
        follow_up = (op.op == "share" and not op.ratio) or (op.execution and not op.has_metric) or op.descriptive
        if first.op in ("lookup", "sum") and first.asks_figure and follow_up:
            continue  # “这三块加起来多少？占总预算多少？”: the sum first, its share a companion
        if RANK[op.op] > RANK[best.op]:
            best = op
    return best


_INSIDE = re.compile(r"[”\"’」]?(?:的)?(?:预算|决算|经费|支出|总额|总数)?数?(?:里面|里|当中|之中|中)")


def _whole(text: str, masked: str, op: str, terms: Sequence[Term]) -> tuple[str | None, Term | None]:
    """The total of a share (占X, 是X的几倍, 在X里占, X里…占比) or the total a sum is checked against (等于X吗).

    `text` here has org names blanked (as Ｏ) so they never become part of a written total.
    """
    if op == "share":
        m = re.search(r"是(?=[^，。?？]{0,15}的[^，。?？]{0,3}(?:几|多少)?倍)", masked)
        if m:
            return whole_at(text, m.end(), terms)
        m = re.search(r"占(?!比)", masked)
        if m:
            found = whole_at(text, m.end(), terms, raw=False)
            if found[0]:
                return found
        m = re.search(r"在(?=[^，。?？]{1,20}?(?:里面|里|当中|之中|中))", masked)
        if m:
            found = whole_at(text, m.end(), terms)
            if found[0]:
                return found
        for t in terms:  # X里/X中 … Y占比 (“三公”预算里…占多少)
            if _INSIDE.match(masked, t.end) and "占" in masked[t.end :]:
                return t.metric, t
        m = re.search(r"(?:里|中|当中|之中)(?=[^，。?？]*占比)", masked)
        if m:
            head = re.split(r"[^\u4e00-\u9fff]|\d{4}年度?|的", text[: m.start()])[-1]
            if len(head) >= 2:
                return head, None
        m = re.search(r"占(?!比)", masked)
        if m:
            return whole_at(text, m.end(), terms)
    m = re.search(r"等于", masked)
    if m and op in ("sum", "share", "lookup", "count", "diff"):
        before = [t for t in terms if t.end <= m.start()]
        after = [t for t in terms if t.start >= m.end()]
        if len(after) >= 2 and len(before) == 1:  # "A是否等于B加C": A is the total
            return before[0].metric, before[0]
        return whole_at(text, m.end(), terms)
    return None, None


_UNKNOWN = _P(r"[\u4e00-\u9fff]{1,8}?(?:经费|费用|费|资金|补助|支出|收入)")
_UNKNOWN_SPLIT = _P(r"[^\u4e00-\u9fff]+|年度?|的|和|与|及|是|有|在|为什么|多少|没有|哪些|什么|这个|该|这|本|中|里")


def _unknown_terms(masked: str) -> tuple[str, ...]:
    """Metric-looking words nobody claimed ("会议费"), so a composer can say the figure is not disclosed."""
    found: list[str] = []
    for chunk in _UNKNOWN_SPLIT.split(masked):
        m = _UNKNOWN.fullmatch(chunk) or _UNKNOWN.match(chunk)
        if m and len(m.group()) >= 3:
            found.append(m.group())
    return tuple(dict.fromkeys(found))


STAFFING = re.compile(r"超编|缺编|满编|空编|超出编制|超过编制|空了几|空缺|缺了几|缺几")


_BOUGHT = re.compile(r"(?:买|购买|购置|新购|采购|购进|更新)了?(?:几|多少|\d+|[一二两三四五六七八九十]+)?(?:辆|台)")


def _count_metrics(metrics: list[str], clause_text: str, count_unit: str | None) -> list[str]:
    """Money metrics asked as counts: 接待 + 批次 -> 接待批次, 公车 + 辆 -> 公务用车保有量."""
    out: list[str] = []
    for name in metrics:
        if name == "公务接待费" and re.search(r"批次|人次|多少人|几批|批", clause_text):
            if re.search(r"批", clause_text):
                out.append("接待批次")
            if re.search(r"人次|多少人|几人", clause_text):
                out.append("接待人次")
        elif name == "公务用车购置及运行维护费" and _BOUGHT.search(clause_text):
            out.append("公务用车购置数量")  # “买了几辆车”: the cars bought, not the fleet
        elif name == "公务用车购置及运行维护费" and re.search(r"辆|台", clause_text):
            out.append("公务用车保有量")
        else:
            out.append(name)
    if not out and count_unit in ("辆", "台") and "车" in clause_text:
        out.append(
            "公务用车购置数量" if _BOUGHT.search(clause_text) else "公务用车保有量"
        )  # “有几辆车”: the only vehicles a disclosure counts are the ones it holds
    return list(dict.fromkeys(out))


def parse_question(
    text: str, *, orgs: Sequence[str] = (), metrics: Sequence[str] = (), years: Sequence[int] = ()
) -> ParsedQuestion:
    """What a question asks; `orgs`, `metrics`, `years` are what the library holds."""
    norm = normalize_question(text)
    quoted = _mask_quotes(norm)
    first_year = _YEAR.search(norm)
    cuts = [first_year.start()] if first_year else []
    first_terms = find_terms(norm, metrics)
    cuts += [t.start for t in first_terms[:1]]
    items = [(t.start, t.end) for t in first_terms if t.library]
    org_match = match_org(norm, orgs, cut=min(cuts) if cuts else None, items=items)
    org_spans = [(m.start(), m.end()) for t in org_match.terms for m in re.finditer(re.escape(t), norm)]
    terms = find_terms(norm, metrics, blocked=org_spans)
    masked = _mask(quoted, [(t.start, t.end) for t in terms], "Ｍ")
    masked = _mask(masked, org_spans, "Ｏ")
    yrs = find_years(norm, masked, years)

    clause_ops: list[ClauseOp] = []
    for start, end in _clauses(masked):
        clause = masked[start:end]
        inside = [t for t in terms if start <= t.start < end]
        non_money = any(t.metric in _NON_MONEY_COUNT for t in inside)
        op, execution, ratio = classify(clause, len(inside), non_money)
        if op:
            descriptive = op == "delta" and bool(_DESCRIBED_CHANGE.search(clause)) and not _HOW_MUCH.search(clause)
            asks_figure = bool(_HOW_MUCH.search(clause)) or not _YES_NO.search(clause)
            clause_ops.append(
                ClauseOp(
                    op, start, end, bool(inside), execution, ratio, descriptive=descriptive, asks_figure=asks_figure
                )
            )
    verify = bool(VERIFY.search(masked))
    premises: list[tuple[int, int]] = []
    if not verify:
        # “支出完成预算59.7%，那年初预算是多少？”: a clause that only states a figure is the premise, not the ask
        asked = [c for c in clause_ops if not _premise(masked[c.start : c.end])]
        if asked and len(asked) < len(clause_ops):
            premises = [(c.start, c.end) for c in clause_ops if c not in asked]
            clause_ops = asked
    best = _combine(clause_ops)
    op = best.op if best else ("lookup" if terms or verify else "text")
    execution = bool(best and best.execution)
    if op == "delta" and re.search(r"(?:比|较)Ｍ", masked) and len({t.metric for t in terms}) >= 2:
        op = "diff"  # “A比B还多？多多少？”: the gap between two items, not a change over time
    claimed = _CLAIMED_RATE.search(norm)
    claimed_amount = claimed is not None and _CLAIMED_AMOUNT.search(norm[: claimed.start()]) is not None
    if verify and claimed and claimed_amount and op in ("lookup", "delta"):
        op = "delta"  # “减少0.1万元，下降0.006%，对吗”: the amount is checked first, the rate beside it
    elif verify and not claimed and op == "lookup" and _CLAIMED_DIRECTION.search(masked):
        op = "delta"  # “比上年增加了，对吗”: the change is checked (持平 says no)
    elif verify and claimed and op in ("lookup", "delta", "diff", "count"):
        # “比预算增长1.14%，对吗” / “增长2.8%对吗”: the figure being checked is a rate; answer with the recomputed rate
        op = "rate"
        execution = execution or "完成" in claimed.group(0)  # 比预算增长 X% is a change against the budget

    count_unit_m = _COUNT_UNIT.search(masked)
    count_unit = count_unit_m.group(1) if count_unit_m else None
    money_unit_m = _MONEY_UNIT.search(norm)
    unit = None
    if money_unit_m:
        unit = {"万": "万元", "亿": "亿元"}.get(money_unit_m.group(1), money_unit_m.group(1))

    whole, whole_term = _whole(_mask(norm, org_spans, "Ｏ"), masked, op, terms)
    if whole is None and op == "share" and best is not None and len({t.metric for t in terms}) > 1:
        # “三公预算是不是全花在接待上？接待费占多大比例？”: the part is named in the clause that asks the share,
        # the whole in another
        inside = [t for t in terms if best.start <= t.start < best.end]
        outside = [t for t in terms if t not in inside and t.metric not in {i.metric for i in inside}]
        if inside and outside:
            whole, whole_term = outside[0].metric, outside[0]
    parts = [t for t in terms if t is not whole_term]
    metric_names = list(dict.fromkeys(t.metric for t in parts))
    if op == "count" or (count_unit is not None and op in ("sum", "diff", "delta", "compare")):
        # 合计多少人次 / 多了几批: the same counted things, added or compared
        metric_names = _count_metrics(metric_names, masked, count_unit)
    if whole is None and op == "share" and len(metric_names) == 2:
        # two metrics, one a part of the other (接待费 and 三公经费): the share is of the part in the whole, whatever
        # the order they are written in
        a, b = metric_names
        whole = a if a in ancestors(b) else (b if b in ancestors(a) else None)
    if whole is not None and op == "share" and whole in metric_names and len(metric_names) > 1:
        metric_names.remove(whole)
    if (
        op == "diff" and len(metric_names) == 1 and _LEFT_NOW.search(norm) and not _TAKEN_AWAY.search(norm)
        and metric_names[0] in BY_NAME and not BY_NAME[metric_names[0]].money and "编制" not in metric_names[0]
    ):  # fmt: skip
        op = "count"  # “现在还剩几辆公车”: the count there is now, nothing taken away from another figure
    if STAFFING.search(norm) and not metric_names:
        metric_names = ["编制人数"]  # 有没有超编: the staff in post against the posts approved

    plain = _mask(quoted, org_spans, "Ｏ")
    in_metric = {i for t in terms for i in range(t.start, t.end)}
    bases = [(m.start(), "决算") for m in _DECISION.finditer(plain) if m.start() not in in_metric]
    bases += [
        (m.start(), "预算")
        for m in _BUDGET.finditer(plain)
        if m.start() not in in_metric and not _within_actual(plain, m.start())
    ]
    bases = [(at, b) for at, b in bases if not any(s <= at < e for s, e in premises)] or bases  # what is asked
    basis_order = [b for _, b in sorted(bases)]
    if execution:
        basis_order = ["决算", "预算"]
    return ParsedQuestion(
        text=text,
        op=op,
        metrics=tuple(metric_names),
        metric_terms=tuple(dict.fromkeys(t.text for t in parts)),
        org=org_match.org,
        org_terms=org_match.terms,
        year=yrs.year,
        relative_year=yrs.relative,
        whole=whole,
        basis=basis_order[0] if basis_order else None,
        unit=unit,
        wants_direction=bool(DIRECTION.search(masked)),
        org_candidates=org_match.candidates,
        org_mentions=org_match.mentions,
        years=yrs.years,
        compare_year=yrs.compare_year,
        compare_relative=yrs.compare_relative,
        bases=tuple(dict.fromkeys(basis_order)),
        count_unit=count_unit,
        ratio=bool(best and best.ratio),
        execution=execution,
        verify=verify,
        compute=bool(COMPUTE.search(masked)),
        unknown_terms=_unknown_terms(masked),
        sub_ops=tuple(dict.fromkeys(c.op for c in clause_ops)),
    )


def _within_actual(masked: str, index: int) -> bool:
    """预算 inside 完成预算 belongs to the 决算 reading."""
    return any(m.start() <= index < m.end() for m in _DECISION.finditer(masked))
