"""Metric mentions in a question: canonical names and synonyms, the library's own item names, and a few bare words.

`find_terms` returns non-overlapping spans, longest first: a library item written in full ("其他宣传经费") beats a
canonical synonym inside it; bare words ("收入", "支出") only count where nothing longer claims them and they do not
end a longer noun ("养老保险缴费支出" is not 支出合计).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz, process

from index.metrics import BY_NAME, METRICS, canonical, clean

_CJK = re.compile(r"[\u4e00-\u9fff]")

# words people use that the shared synonym table leaves out (or leaves ambiguous), for questions only
EXTRA: tuple[tuple[str, str], ...] = (
    ("财政拨款收支总预算", "财政拨款收支总预算"),
    ("财政拨款收支", "财政拨款收支总预算"),
    ("财政拨款预算", "财政拨款收支总预算"),
    ("财政拨款支出", "财政拨款收支总预算"),
    ("公务车", "公务用车购置及运行维护费"),
    ("购车", "公务用车购置费"),
    ("买公车", "公务用车购置费"),
    ("买车", "公务用车购置费"),
    ("购买公车", "公务用车购置费"),
    ("购买公务用车", "公务用车购置费"),
    ("养车", "公务用车运行维护费"),
    ("保有量", "公务用车保有量"),  # in a disclosure only vehicles are held as 保有量
    ("卖地收入", "国有土地使用权出让收入"),
    ("卖地的钱", "国有土地使用权出让收入"),
    ("花的钱", "支出合计"),
    ("花掉的钱", "支出合计"),
    ("收的钱", "收入合计"),
    ("收到的钱", "收入合计"),
    ("在编", "在职人数"),
    ("在岗", "在职人数"),
)
# bare words: only at a word boundary (start, punctuation, a year, a masked org, or a function word before them)
BARE: tuple[tuple[str, str], ...] = (
    ("收支", "收支总预算"),
    ("收入", "收入合计"),
    ("支出", "支出合计"),
)
_BARE_BEFORE = set("年的比和与及、是在中里了：:，,“”\"' 说称讲") | {""}

# in a 占X / 在X里 position the same words name a total
WHOLE_ALIASES: tuple[tuple[str, str], ...] = (
    ("财政拨款收支总预算", "财政拨款收支总预算"),
    ("财政拨款收支", "财政拨款收支总预算"),
    ("财政拨款总预算", "财政拨款收支总预算"),
    ("财政拨款预算", "财政拨款收支总预算"),
    ("财政拨款", "财政拨款收支总预算"),
    ("三公", "三公经费"),
    ("总预算", "收支总预算"),
    ("预算总额", "收支总预算"),
    ("全部预算", "收支总预算"),
    ("部门预算", "收支总预算"),
    ("总支出", "支出合计"),
    ("总收入", "收入合计"),
    ("支出总额", "支出合计"),
    ("收入总额", "收入合计"),
    ("支出", "支出合计"),
    ("收入", "收入合计"),
)

# a total word right after another metric belongs to it: "三公预算总额" is 三公经费, not 收支总预算
_TOTAL_SUFFIXES = {"总预算", "预算总额", "收支总额", "总额", "总计", "合计", "收支总计", "部门预算总额"}
def _connected(alias: str) -> set[str]:
    """An alias as people write its connector: 购置及运行维护费, 购置和运行维护费, 购置与运行维护费, 购置、运行维护费."""
    return {re.sub("[及和与、]", c, alias) for c in "及和与、"} if re.search("[及和与、]", alias) else {alias}


_ALIASES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {(v, m.name) for m in METRICS for a in (m.name, *m.synonyms) for v in _connected(a)} | set(EXTRA),
        key=lambda p: (-len(p[0]), p[0]),
    )
)

FUZZY_CUTOFF = 80.0  # one character off in a six-character name scores 83
FUZZY_MIN_LEN = 4


@dataclass(frozen=True, slots=True)
class Term:
    metric: str  # canonical name, or the library's own item name
    start: int
    end: int
    text: str  # as the question wrote it
    library: bool = False  # a library item name rather than a canonical metric


@lru_cache(maxsize=64)
def _library_items(metrics: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(cleaned written name, name to report) for library metric names that are not canonical ones."""
    items: dict[str, str] = {}
    for name in metrics:
        cleaned = clean(name)
        if len(cleaned) < 2 or _covered(cleaned):
            continue
        items.setdefault(cleaned, name)
    return tuple(sorted(items.items(), key=lambda p: -len(p[0])))


_LEAD_QUALIFIER = re.compile(r"^(?:政府|本部门|部门|本单位|单位|本级|全年|年度|本年)")
_TRAIL_GENERIC = re.compile(r"(?:安排|情况|预算|决算|数|总额|金额|资金|合计)$")


@lru_cache(maxsize=64)
def _library_cores(metrics: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Item names without a leading qualifier or trailing generic words, as people write them: “集中采购” for
    “政府集中采购预算”, “事业运行经费总预算” for “事业运行经费总预算安排”. At least four characters, never a name the
    vocabulary knows, and no core that two different items share."""
    found: dict[str, set[str]] = {}
    for cleaned, name in _library_items(metrics):
        core = cleaned
        variants = []
        for _ in range(3):
            stripped = _TRAIL_GENERIC.sub("", _LEAD_QUALIFIER.sub("", core))
            if stripped == core:
                break
            core = stripped
            variants.append(core)
        variants += [re.sub(r"(?:支出|经费|费用)$", "", v) for v in (cleaned, *variants)]  # 政府采购工程(支出)
        for variant in variants:
            if len(variant) >= 4 and variant != cleaned and not _covered(variant):
                found.setdefault(variant, set()).add(name)
    unique = [(core, next(iter(names))) for core, names in found.items() if len(names) == 1]
    return tuple(sorted(unique, key=lambda p: -len(p[0])))


def _covered(cleaned: str) -> bool:
    """A written name that is a canonical metric give or take a suffix ("…支出合计"), not an item of its own."""
    name = canonical(cleaned)
    if name not in BY_NAME:
        return False
    longest = max((len(clean(a)) for a, n in _ALIASES if n == name and clean(a) in cleaned), default=len(name))
    return longest >= 0.7 * len(cleaned)


def _free(taken: Sequence[bool], start: int, end: int) -> bool:
    return not any(taken[start:end])


def _claim(taken: list[bool], start: int, end: int) -> None:
    for i in range(start, end):
        taken[i] = True


def find_terms(text: str, library: Sequence[str] = (), *, blocked: Sequence[tuple[int, int]] = ()) -> list[Term]:
    """Metric mentions in question order; `blocked` spans (org names) are never read as metrics."""
    taken = [False] * len(text)
    for start, end in blocked:
        _claim(taken, start, end)
    candidates: list[Term] = []
    for cleaned, name in (*_library_items(tuple(library)), *_library_cores(tuple(library))):
        if cleaned not in text:  # cheap test first: thousands of library names, each a regex otherwise
            continue
        for m in re.finditer(re.escape(cleaned), text):
            candidates.append(Term(name, m.start(), m.end(), m.group(), True))
    for word, name in _ALIASES:
        start = text.find(word)
        while start >= 0:
            candidates.append(Term(name, start, start + len(word), word))
            start = text.find(word, start + 1)
    found: list[Term] = []
    for term in sorted(candidates, key=lambda t: (-(t.end - t.start), t.start, not t.library)):
        if _free(taken, term.start, term.end):
            _claim(taken, term.start, term.end)
            found.append(term)
    found.extend(_elliptical(text, library, found, taken))
    found.extend(_abbreviated(text, library, taken))
    found.extend(_suffixed(text, library, taken))
    found.extend(_fuzzy(text, library, taken))
    found.extend(_interrupted(text, library, taken))
    for word, name in BARE:
        for m in re.finditer(word, text):
            before = text[m.start() - 1] if m.start() > 0 else ""
            boundary = (
                before in _BARE_BEFORE
                or before.isdigit()
                or (m.start() > 0 and taken[m.start() - 1] and not found_at(found, m.start() - 1))
            )
            if boundary and _free(taken, m.start(), m.end()):
                _claim(taken, m.start(), m.end())
                found.append(Term(name, m.start(), m.end(), word))
    if any(t.metric.startswith("公务用车") for t in found):  # 公车运维费比购置费多多少: the cars' 购置费
        cars = dict(_CAR_PARTS)
        found = [replace(t, metric=cars[t.text]) if t.text in cars else t for t in found]  # 实有 beside 车辆编制数
        for word, name in _CAR_PARTS:
            for m in re.finditer(word, text):
                before = text[m.start() - 1] if m.start() > 0 else ""
                if (before in _BARE_BEFORE or before in "车") and _free(taken, m.start(), m.end()):
                    _claim(taken, m.start(), m.end())
                    found.append(Term(name, m.start(), m.end(), word))
    found.sort(key=lambda t: t.start)
    return [t for i, t in enumerate(found) if not (i and t.text in _TOTAL_SUFFIXES and found[i - 1].end == t.start)]


# the parts of the official cars' costs, written bare beside a car metric the question names
_CAR_PARTS = (
    ("购置费", "公务用车购置费"), ("运维费", "公务用车运行维护费"), ("运行维护费", "公务用车运行维护费"),
    ("实有", "公务用车保有量"), ("编制数", "公务用车编制数"),
)  # fmt: skip


def found_at(found: Sequence[Term], index: int) -> bool:
    return any(t.start <= index < t.end for t in found)


_COORDINATED = re.compile(r"([\u4e00-\u9fff]{1,4})(?:和|与|及|、|以及)$")
_COORDINATED_AFTER = re.compile(r"(?:和|与|及|、|以及)([\u4e00-\u9fff]{2,4}?)(?=一共|合计|加起来|总共|共|各|分别|是|有|多少|的|[，,。？?]|$)")


def _elliptical(text: str, library: Sequence[str], found: Sequence[Term], taken: list[bool]) -> list[Term]:
    """A coordinated item written short: “初中和高中教育支出” names 初中教育支出 too, “舆情月报和年报” 舆情年报,
    when the library has it."""
    items = dict(_library_items(tuple(library)))
    out: list[Term] = []
    for term in found:
        if not term.library:
            continue
        after = _COORDINATED_AFTER.match(text, term.end)
        if after is not None:  # 舆情月报和年报: the second item shares the first one's head
            tail = after.group(1)
            for k in range(len(term.text) - 1, 0, -1):
                guess = clean(term.text[:k] + tail)
                start = after.start(1)
                if guess in items and guess != clean(term.text) and _free(taken, start, start + len(tail)):
                    _claim(taken, start, start + len(tail))
                    out.append(Term(items[guess], start, start + len(tail), tail, True))
                    break
        m = _COORDINATED.search(text[max(0, term.start - 7) : term.start])
        if m is None:
            continue
        head = m.group(1)
        for k in range(len(head), 0, -1):  # 初中 + 教育支出 (the shared tail after the other item's head)
            guess = clean(head[-k:] + term.text[k:])
            start = term.start - len(m.group(0)) + len(head) - k
            if guess in items and _free(taken, start, start + k):
                _claim(taken, start, start + k)
                out.append(Term(items[guess], start, start + k, head[-k:], True))
                break
    return out


def _interrupted(text: str, library: Sequence[str], taken: list[bool]) -> list[Term]:
    """A library item with a few words put inside it: “专技岗中十二级” for 专技十二级, “项目里的设备购置” for 项目设备购置.
    Both parts keep at least two characters and the words put in are at most two, with no punctuation."""
    out: list[Term] = []
    for cleaned, name in _library_items(tuple(library)):
        if len(cleaned) < 4 or cleaned[:2] not in text or cleaned[-2:] not in text or cleaned in text:
            continue
        for k in range(2, len(cleaned) - 1):
            head, tail = cleaned[:k], cleaned[k:]
            if head not in text or tail not in text:
                continue
            m = re.search(re.escape(head) + r"[\u4e00-\u9fff]{1,2}?" + re.escape(tail), text)
            if m is not None and _free(taken, m.start(), m.end()):
                _claim(taken, m.start(), m.end())
                out.append(Term(name, m.start(), m.end(), m.group(), True))
                break
    return out


def _abbreviated(text: str, library: Sequence[str], taken: list[bool]) -> list[Term]:
    """Library item names written short, keeping their first and last words in order: “政府办公厅事务” for
    “政府办公厅(室)及相关机构事务”. The question's span must start and end like the name, be a subsequence of it and
    cover at least 40% of it."""
    out: list[Term] = []
    for cleaned, name in _library_items(tuple(library)):
        if len(cleaned) < 6 or not _CJK.match(cleaned):
            continue
        head, tail = cleaned[:2], cleaned[-2:]
        start = text.find(head)
        while start >= 0:
            end = text.find(tail, start + 2, start + len(cleaned))
            if end >= 0:
                span = text[start : end + 2]
                if (
                    len(span) >= max(4, len(cleaned) * 2 // 5)
                    and span != cleaned
                    and is_subsequence(span, cleaned)
                    and _free(taken, start, end + 2)
                ):
                    _claim(taken, start, end + 2)
                    out.append(Term(name, start, end + 2, span, True))
                    break
            start = text.find(head, start + 1)
    return out


def _suffixed(text: str, library: Sequence[str], taken: list[bool]) -> list[Term]:
    """Library item names written without their leading qualifiers: “养老保险缴费支出” (or “养老保险缴费”) for
    “机关事业单位基本养老保险缴费支出”. The question's span is the name's end (its head noun 支出/费 may be left out),
    at least five characters and 40% of the name, and the end of no other item."""
    out: list[Term] = []
    ends = _item_ends(tuple(library))
    for length in range(min(len(text), _LONGEST_END), 4, -1):  # longest first, each span of the question once
        for start in range(len(text) - length + 1):
            piece = text[start : start + length]
            name = ends.get(piece)
            if name is None or not _free(taken, start, start + length):
                continue
            _claim(taken, start, start + length)
            out.append(Term(name, start, start + length, piece, True))
    return out


_LONGEST_END = 40


@lru_cache(maxsize=4)
def _item_ends(library: tuple[str, ...]) -> dict[str, str]:
    """Each end of a library item's name that belongs to that item alone -> the item (see `_suffixed`)."""
    ends: dict[str, set[str]] = {}
    for cleaned, name in _library_items(library):
        if len(cleaned) < 8 or not _CJK.match(cleaned):
            continue
        for k in range(1, len(cleaned) - 4):
            for piece in {cleaned[k:], re.sub(r"(?:支出|经费|费用)$", "", cleaned[k:])}:
                if max(5, len(cleaned) * 2 // 5) <= len(piece) <= _LONGEST_END and _CJK.fullmatch(piece[0]):
                    ends.setdefault(piece, set()).add(name)
    return {piece: next(iter(names)) for piece, names in ends.items() if len(names) == 1}


def is_subsequence(needle: str, hay: str) -> bool:
    """Whether the characters of `needle` stand in `hay` in order (政府办公厅事务 in 政府办公厅(室)及相关机构事务)."""
    it = iter(hay)
    return all(ch in it for ch in needle)


def _fuzzy(text: str, library: Sequence[str], taken: list[bool]) -> list[Term]:
    """Library item names written a little differently ("宣讲费" for "宣讲项目经费")."""
    items = [p for p in _library_items(tuple(library)) if len(p[0]) >= FUZZY_MIN_LEN]
    if not items:
        return []
    out: list[Term] = []
    hits = process.extract(text, [c for c, _ in items], scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF, limit=5)
    for cleaned, _score, index in hits:
        al = fuzz.partial_ratio_alignment(cleaned, text)
        if al is None:
            continue
        start, end = al.dest_start, al.dest_end
        if end - start >= FUZZY_MIN_LEN - 1 and _free(taken, start, end) and _CJK.search(text[start:end]):
            _claim(taken, start, end)
            out.append(Term(items[index][1], start, end, text[start:end], True))
    return out


_QUESTION_WORDS = re.compile(r"^(?:多少|多大|几|比例|比重|百分|份额|的|比)")


def whole_at(text: str, start: int, terms: Sequence[Term], *, raw: bool = True) -> tuple[str | None, Term | None]:
    """The total named at `start` (after 占 / 等于 / 是, or after 在): (name, its metric term if it is one).

    `raw`: when no metric is there, return the written words ("小计", "事业单位运行经费") instead of None.
    """
    rest = re.sub(r"^[了的据到在整个全部其]{0,2}[“\"‘「]?", "", text[start:])
    at = start + len(text[start:]) - len(rest)
    for term in terms:
        if term.start == at:
            for word, name in WHOLE_ALIASES:  # the total reading of 财政拨款 / 收入 / 支出
                if rest.startswith(word) and len(word) >= term.end - term.start:
                    return name, term
            return term.metric, term
    for word, name in WHOLE_ALIASES:
        if rest.startswith(word):
            return name, None
    if not raw or _QUESTION_WORDS.match(rest):
        return None, None
    m = re.match(r"[\u4e00-\u9fff]{2,12}?(?=的|里|中|当中|之中|吗|呢|比例|比重|百分|多少|多大|几|[?？，,。]|$)", rest)
    if m:
        name = re.sub(r"(的|预算|决算)$", "", m.group())
        if len(name) >= 2 and not _QUESTION_WORDS.match(name):
            return name, None
    return None, None
