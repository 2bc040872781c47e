"""Canonical metric names of budget disclosures and the other words people and documents use for them.

One table serves ingestion (a figure's written name -> canonical name), the question parser (招待费 -> 公务接待费)
and the lexical index (a jieba dictionary of domain words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    synonyms: tuple[str, ...] = ()
    money: bool = True
    parent: str | None = None  # the total this metric is a part of, for 占比 questions without a stated whole
    counts: str | None = None  # a count's money counterpart: the spending on the things it counts (cars bought)
    whole: bool = False  # by definition the sum of the metrics whose parent it is, and of nothing else


METRICS: tuple[Metric, ...] = (
    Metric(
        "收支总预算",
        ("部门收支总预算", "收支预算总额", "收支总计", "总预算", "预算总额", "部门预算总额", "总盘子", "收支总额"),
    ),
    Metric(
        "财政拨款收支总预算",
        ("财政拨款收支总计", "财政拨款收支预算总额", "财政拨款总预算", "财政拨款收支预算总计", "财政拨款收支预算"),
    ),
    Metric(
        "收入合计",
        ("收入总计", "本年收入合计", "本年收入", "部门预算收入", "收入预算", "总收入", "收入总额"),
        parent="收支总预算",
    ),
    Metric(
        "支出合计",
        ("支出总计", "本年支出合计", "本年支出", "部门预算支出", "支出预算", "总支出", "支出总额"),
        parent="收支总预算",
    ),
    Metric(
        "一般公共预算财政拨款收入",
        ("一般公共预算拨款收入", "一般公共预算财政拨款", "一般公共预算拨款", "一般公共预算收入"),
        parent="收入合计",
    ),
    Metric(
        "政府性基金预算财政拨款收入",
        ("政府性基金预算拨款收入", "政府性基金预算财政拨款", "政府性基金收入", "政府性基金预算拨款", "政府性基金拨款"),
        parent="收入合计",
    ),
    Metric("国有资本经营预算财政拨款收入", ("国有资本经营预算拨款收入", "国有资本经营预算财政拨款"), parent="收入合计"),
    Metric("财政拨款收入", ("财政拨款", "财政预算拨款收入"), parent="收入合计"),
    Metric("财政专户管理资金收入", ("财政专户管理资金",), parent="收入合计"),
    Metric("事业收入", (), parent="收入合计"),
    Metric("经营收入", ("事业单位经营收入",), parent="收入合计"),
    Metric("上级补助收入", (), parent="收入合计"),
    Metric("附属单位上缴收入", (), parent="收入合计"),
    Metric("其他收入", (), parent="收入合计"),
    Metric("上年结转", ("上年结转结余", "上年结余", "年初结转和结余", "结转结余")),
    Metric("税收收入", ("税收",)),  # a government's revenue: 税收收入 and 非税收入 make up its 一般公共预算收入
    Metric("非税收入", ()),
    Metric("国有土地使用权出让收入", ("土地使用权出让收入", "土地出让收入", "土地出让金", "国有土地出让收入")),
    Metric("一般公共预算支出", ("一般公共预算财政拨款支出", "一般公共预算拨款支出")),
    Metric("基本支出", ("基本支出预算",), parent="支出合计"),
    Metric("项目支出", ("项目支出预算", "项目经费"), parent="支出合计"),
    Metric("人员经费", ("人员支出", "人员类项目支出", "人员类支出", "人员类"), parent="基本支出"),
    Metric("公用经费", ("日常公用经费", "运转类项目支出", "运转类支出", "运转类"), parent="基本支出"),
    Metric("工资福利支出", ("工资福利",), parent="人员经费"),
    Metric("商品和服务支出", ("商品服务支出",), parent="基本支出"),
    Metric(
        "对个人和家庭的补助",
        (
            "对个人和家庭补助",
            "对个人和家庭的补助支出",
            "对个人和家庭补助支出",
            "对个人家庭的补助",
            "对个人家庭补助",
            "个人和家庭补助",
        ),
        parent="人员经费",
    ),
    Metric("特定目标类项目支出", ("特定目标类支出", "特定目标类"), parent="支出合计"),
    Metric(
        "三公经费",
        ("“三公”经费", '"三公"经费', "三公", "‘三公’经费", "三公总预算", "三公预算总额", "三公总额", "三公经费总额"),
        parent=None,
        whole=True,
    ),
    Metric(
        "因公出国(境)费",
        (
            "因公出国(境)经费",
            "因公出国（境）费",
            "因公出国（境）经费",
            "因公出国",
            "出国经费",
            "出国费",
            "出国(境)费",
            "出国",
        ),
        parent="三公经费",
    ),
    Metric(
        "公务用车购置及运行维护费",
        (
            "公务用车购置及运行费",
            "公务用车购置和运行维护费",
            "公务用车购置和运行费",
            "公车购置及运行维护费",
            "公车购置及运行费",
            "公车购置和运行费",
            "公车购置及运维费",
            "公务用车费",
            "公车费用",
            "公车经费",
            "公务用车",
            "公车",
        ),
        parent="三公经费",
        whole=True,
    ),
    Metric(
        "公务用车购置费",
        ("公车购置费", "购车费", "买车", "购置公务用车", "车辆购置费", "公车购置", "公务用车购置", "车辆购置"),
        parent="公务用车购置及运行维护费",
    ),
    Metric(
        "公务用车运行维护费",
        (
            "公务用车运行费",
            "公车运行费",
            "公车运行维护费",
            "公务用车运转维护费",
            "运行维护费",
            "公车维护费",
            "公务车运行维护费",
            "公车运维费",
            "车辆运维费",
            "公务用车运维费",
            "车辆运行维护费",
            "车辆运行费",
        ),
        parent="公务用车购置及运行维护费",
    ),
    Metric("公务接待费", ("接待费", "招待费", "公务招待费", "公务接待", "接待"), parent="三公经费"),
    Metric("机关运行经费", ("行政运行经费",)),
    Metric("政府采购", ("政府采购预算", "政府采购支出", "采购预算"), whole=True),
    # the three kinds every disclosure splits its 政府采购 into
    Metric("政府采购货物", ("政府采购货物支出", "政府采购货物预算", "货物类采购", "货物采购", "采购货物", "货物类"), parent="政府采购"),
    Metric("政府采购工程", ("政府采购工程支出", "政府采购工程预算", "工程类采购", "工程采购", "采购工程", "工程类"), parent="政府采购"),
    Metric("政府采购服务", ("政府采购服务支出", "政府采购服务预算", "服务类采购", "服务采购", "采购服务", "服务类"), parent="政府采购"),
    Metric("政府购买服务", ("政府购买服务预算",)),
    Metric("一般公共服务支出", ("一般公共服务",), parent="支出合计"),
    Metric(
        "社会保障和就业支出", ("社保支出", "社会保障支出", "社会保障和就业", "社保和就业", "社保"), parent="支出合计"
    ),
    Metric("卫生健康支出", ("医疗卫生支出", "卫生健康", "医疗卫生"), parent="支出合计"),
    Metric("住房保障支出", ("住房支出", "住房保障"), parent="支出合计"),
    Metric("教育支出", (), parent="支出合计"),
    Metric("编制人数", ("总编制人数", "编制", "核定编制"), money=False),
    Metric("在职人数", ("在职实有人数", "实有在职人员", "实有在职人数", "在职人员", "在职"), money=False),
    Metric("实有人数", ("实有人员", "实有人数合计", "实有", "现有人员", "现有人数"), money=False),
    Metric("退休人数", ("退休人员", "离退休人员", "退休"), money=False),
    Metric(
        "公务用车保有量",
        ("车辆数", "公车保有量", "公务用车保有量", "共有车辆", "车辆数量", "公务车数量", "车辆", "公务用车实有", "实有车辆"),
        money=False,
    ),
    Metric(
        "公务用车购置数量",
        ("购置车辆数", "购车数量", "车辆购置数量", "公务用车购置数", "购置数量"),
        money=False,
        counts="公务用车购置费",
    ),
    Metric("公务用车编制数", ("车辆编制数", "公车编制数", "公务用车编制", "车辆编制"), money=False),
    Metric("接待批次", ("公务接待批次",), money=False),
    Metric("接待人次", ("公务接待人次",), money=False),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}

_ALIASES: list[tuple[str, str]] = sorted(
    ((alias, m.name) for m in METRICS for alias in (m.name, *m.synonyms)),
    key=lambda pair: -len(pair[0]),
)

_NOISE = re.compile(r"[\s“”\"'‘’「」:：，,。]")
_TRAILING = re.compile(r"(支出)?(年初)?(预算数?|决算数?|执行数?|安排)?(合计|小计|总计)?$")


def clean(raw: str) -> str:
    """A written metric name without quotes, spaces and full-width brackets."""
    text = _NOISE.sub("", raw).replace("（", "(").replace("）", ")")
    return text


_CLEANED = [(clean(alias), name, len(alias)) for alias, name in _ALIASES]  # longest first, as _ALIASES
_EXACT: dict[str, str] = {}
for _cleaned, _name, _ in _CLEANED:
    _EXACT.setdefault(_cleaned, _name)
_PATTERNS = [(alias, name, re.compile(re.escape(alias))) for alias, name in _ALIASES]


def canonical(raw: str) -> str:
    """The canonical metric name for a written one; the cleaned written name when none matches."""
    text = clean(raw)
    if text in BY_NAME:
        return text
    if text in _EXACT:
        return _EXACT[text]
    stripped = _TRAILING.sub("", text) or text
    if stripped in _EXACT:
        return _EXACT[stripped]
    kept = strip_basis(text)  # 中央本级支出决算数 -> 中央本级支出: 支出 stays when it is part of an unknown name
    # the longest known name inside the written one ("2023年公务接待费支出预算" -> 公务接待费)
    for cleaned, name, length in _CLEANED:
        if length >= 3 and cleaned in text:
            return name
    return kept


_BASIS_TAIL = re.compile(r"(?<=.)(年初)?(预算数|决算数|执行数|预算|决算)(合计|小计|总计)?$")


def strip_basis(name: str) -> str:
    """A written name without the basis word it ends with: 机关工资福利支出决算数 -> 机关工资福利支出."""
    return _BASIS_TAIL.sub("", name) or name


def find_metrics(text: str) -> list[tuple[str, int, int]]:
    """Known metric mentions in a text, longest first and not overlapping: (canonical, start, end)."""
    taken = [False] * len(text)
    found: list[tuple[str, int, int]] = []
    for alias, name, pattern in _PATTERNS:
        if alias not in text:  # a substring test in C before the regex: most aliases are absent
            continue
        for m in pattern.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            found.append((name, m.start(), m.end()))
    return sorted(found, key=lambda f: f[1])


def parts_of(metric: str) -> tuple[str, ...]:
    """The parts a `whole` metric is the sum of (公务用车购置及运行维护费: 购置费, 运行维护费); () for any other."""
    if metric not in BY_NAME or not BY_NAME[metric].whole:
        return ()
    return tuple(m.name for m in METRICS if m.parent == metric)


# a balanced budget: 收支总预算 = 收入合计 = 支出合计; 实有人数 often counts only the staff in post, so a document that
# writes one of them answers the other. Used only where the metric asked has no figure of its own.
EQUIVALENT: dict[str, tuple[str, ...]] = {
    "收支总预算": ("收入合计", "支出合计"),
    "收入合计": ("收支总预算",),
    "支出合计": ("收支总预算", "收入合计"),
    "实有人数": ("在职人数",),
    "在职人数": ("实有人数",),
}


def ancestors(metric: str) -> set[str]:
    """The totals a metric is part of, nearest first in the walk (公务接待费 -> 三公经费)."""
    out: set[str] = set()
    node = BY_NAME.get(metric)
    while node is not None and node.parent and node.parent not in out:
        out.add(node.parent)
        node = BY_NAME.get(node.parent)
    return out


def is_money(metric: str) -> bool:
    m = BY_NAME.get(metric)
    return True if m is None else m.money


def domain_words() -> list[str]:
    """Every canonical name and synonym, for the tokenizer's dictionary."""
    return sorted({alias for alias, _ in _ALIASES if len(alias) >= 2})
