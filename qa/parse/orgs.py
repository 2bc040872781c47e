"""Which disclosing body a question means: library org names, their abbreviations, and org-looking words.

People shorten official names: "开远市第四中学校" -> "开远四中", "中国人民政治协商会议云南省寻甸回族彝族自治县委员会"
-> "寻甸县政协", "上海市闵行区教育局" -> "闵行区教育局". We expand every library org into the short forms people use
and find the longest one in the question; when the longest mention fits several orgs equally, all are candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from rapidfuzz import fuzz

_CJK = r"\u4e00-\u9fff"
_ETHNIC = (
    "土家|布依|哈尼|仡佬|蒙古|朝鲜|哈萨克|纳西|傈僳|拉祜|景颇|达斡尔|鄂温克|毛南|仫佬|撒拉|锡伯|裕固|保安|东乡|"
    "普米|独龙|基诺|德昂|阿昌|布朗|门巴|珞巴|塔吉克|柯尔克孜|维吾尔|佤|畲|羌|水|回|彝|苗|壮|藏|瑶|白|傣|侗|黎|满|土|怒|京"
)
_AUTONOMOUS = re.compile(rf"(?:(?:{_ETHNIC})族)+自治(?=[县州旗])")
_PLACE = re.compile(
    rf"^([{_CJK}]{{1,6}}?(?:省|自治区|特别行政区|市|自治州|州|地区|盟|县|区|旗))(?![区县市旗镇乡])(?=[{_CJK}])"
)
# a place prefix must not be split off these: "湛江市委宣传部" is the city's party committee, not "委宣传部"
_NOT_AFTER_PLACE = ("委", "直", "辖", "级", "属", "本级")
# nor the level kept before these, where it would read as another word (市民政局, 市场…, 县长, 区域)
_NOT_AFTER_LEVEL = ("民", "场", "长", "域", "直", "辖", "级", "属", "本级", "容")
_PLACE_ONLY = re.compile(rf"^[{_CJK}]{{2,6}}(?:省|市|县|区|镇|乡)$")
_GENERIC = {"人民政府", "政府", "委员会", "政协", "人大", "常委会", "本部门", "本单位", "单位", "部门"}
_NUMERALS = "一二三四五六七八九十"
_NUMBERED = re.compile(rf"^[{_NUMERALS}]+[中小]$")  # 三中, 二小: a school by its number

_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^中国人民政治协商会议(.+?)委员会$"), r"\1政协"),
    (re.compile(r"^政协(.+?)委员会$"), r"\1政协"),
    (re.compile(r"^中国共产党(.+?)委员会(.*)$"), r"\1委\2"),
    (re.compile(r"^中共(.+?)委员会(.*)$"), r"\1委\2"),
    (re.compile(r"^中共(.+)$"), r"\1"),
    (re.compile(r"^(.+?[县市区州旗]委)(.{2,6}?)委员会$"), r"\1\2委"),  # …县委政法委员会 -> …县委政法委
    (re.compile(r"^(.+?)人民代表大会常务委员会(.*)$"), r"\1人大常委会\2"),
    (re.compile(r"^(.+?)人大常委会(.*)$"), r"\1人大\2"),
    (re.compile(r"^(.+?)人民政府(.*)$"), r"\1政府\2"),
    (re.compile(r"^(.+?[镇乡])政府$"), r"\1"),
    (re.compile(r"工商业联合会"), "工商联"),
    (re.compile(r"联合会$"), "联"),
    (re.compile(rf"第([{_NUMERALS}\d]+)中学校?"), r"\1中"),
    (re.compile(rf"第([{_NUMERALS}\d]+)小学校?"), r"\1小"),
    (re.compile(r"中学校$"), "中学"),
    (re.compile(r"小学校$"), "小学"),
    (re.compile(r"中级人民法院$"), "中院"),
    (re.compile(r"人民(法院|检察院)$"), r"\1"),
    (re.compile(r"^(.+?[镇乡])$"), r"\1政府"),  # 某乡 is also called 某乡政府
    (re.compile(r"经济技术开发区"), "经开区"),
    (re.compile(r"高新技术产业开发区"), "高新区"),
)


@dataclass(frozen=True, slots=True)
class OrgMatch:
    org: str | None  # the one library org meant, or None
    candidates: tuple[str, ...] = ()  # when the first mention fits several orgs equally
    mentions: tuple[str, ...] = ()  # every library org mentioned, in order (two for a cross-document question)
    terms: tuple[str, ...] = ()  # words of the question that name an org (matched or not)


def base_names(org: str) -> list[str]:
    """An org as written without its bracketed notes; for "未注明（某“保健院”…）" the quoted words."""
    org = org.strip()
    names: list[str] = []
    bracket = re.search(r"[（(](.*)[）)]", org)
    head = re.sub(r"[（(].*[）)]", "", org).strip()
    head = re.sub(r"^(某|本)", "", head)
    if head and not head.startswith("未注明"):
        names.append(head)
    if bracket:
        names.extend(q for q in re.findall(r"[“\"‘]([^”\"’]{2,12})[”\"’]", bracket.group(1)) if q not in _GENERIC)
    return names


def _place_variants(name: str) -> set[str]:
    """Shorter forms without leading place names: 上海市闵行区教育局 -> 闵行区教育局, 闵行教育局, 教育局."""
    out = {name}
    current = name
    while True:
        m = _PLACE.match(current)
        if not m:
            break
        place, rest = m.group(1), current[m.end() :]
        if len(rest) >= 2 and place[-1] in "省市县区" and not rest.startswith(_NOT_AFTER_LEVEL):
            out.add(place[-1] + rest)  # 县政协, 市委宣传部, 区法院: the level kept, the place left to the context
        if not rest or rest.startswith(_NOT_AFTER_PLACE):
            break
        stem = re.sub(r"(省|自治区|特别行政区|市|自治州|州|地区|盟|县|区|旗)$", "", place)
        if len(stem) >= 2:
            out.add(stem + rest)  # 闵行教育局, 开远四中
        out.add(rest)
        current = rest
    return out


@cache  # one entry per library org: a bounded cache thrashes past its size (measured at 10,000 docs)
def org_aliases(org: str) -> tuple[str, ...]:
    """Every form of a library org a question may use, longest first."""
    forms: set[str] = set()
    short_ok: set[str] = set()
    for base in base_names(org):
        todo = {base, _AUTONOMOUS.sub("", base)}
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen or len(seen) > 200:
                continue
            seen.add(name)
            for pattern, repl in _REWRITES:
                new = pattern.sub(repl, name)
                if new != name:
                    todo.add(new)
            todo |= _place_variants(name) - seen
        forms |= seen
        # an aggregate named by its place alone ("奉新县") is also called by its stem ("奉新")
        if _PLACE_ONLY.match(base):
            stem = base[:-1]
            if len(stem) >= 2:
                short_ok.add(stem)
    good = {f for f in forms if f not in _GENERIC and (len(f) >= 3 or f in base_names(org) or _NUMBERED.match(f))}
    good |= short_ok
    return tuple(sorted(good, key=lambda f: (-len(f), f)))


@lru_cache(maxsize=64)
def _alias_table(orgs: tuple[str, ...]) -> tuple[tuple[str, frozenset[str]], ...]:
    """(alias, the orgs it names), longest alias first."""
    table: dict[str, set[str]] = {}
    for org in orgs:
        for alias in org_aliases(org):
            table.setdefault(alias, set()).add(org)
    return tuple(sorted(((a, frozenset(o)) for a, o in table.items()), key=lambda p: (-len(p[0]), p[0])))


@lru_cache(maxsize=64)
def _alias_index(orgs: tuple[str, ...]) -> tuple[dict[str, list[int]], list[int]]:
    """Positions in `_alias_table(orgs)` by each alias's first two characters, and those of one-character aliases: a
    question then checks only the aliases that can start at one of its character pairs (at 10,000 documents the full
    scan was ~12,000 `str.find` calls and ~10 ms per question)."""
    by_pair: dict[str, list[int]] = {}
    short: list[int] = []
    for i, (alias, _) in enumerate(_alias_table(orgs)):
        if len(alias) < 2:
            short.append(i)
        else:
            by_pair.setdefault(alias[:2], []).append(i)
    return by_pair, short


def _candidates(text: str, orgs: tuple[str, ...]) -> list[tuple[str, frozenset[str]]]:
    """The aliases that may occur in `text`, in table order (longest first)."""
    table = _alias_table(orgs)
    by_pair, short = _alias_index(orgs)
    picked = set(short)
    for i in range(len(text) - 1):
        picked.update(by_pair.get(text[i : i + 2], ()))
    return [table[i] for i in sorted(picked)]


_ORG_SUFFIX = (
    r"(?:委员会|办公室|办事处|管理局|服务中心|中心|联合会|工商联|政协|人大|政府|学校|中学|小学|大学|幼儿园|保健院|医院|"
    r"卫生院|研究院|研究所|图书馆|博物馆|纪念馆|文化馆|[局厅委办部院所站队馆处署社园校]|[一二三四五六七八九十\d]中|"
    r"经开区|高新区|开发区|新区)"
)
_SUFFIX_ALONE = re.compile(_ORG_SUFFIX)  # a phrase that is a kind of body alone (经开区, 保健院)
_ORG_TERM = re.compile(rf"[{_CJK}]{{1,14}}?{_ORG_SUFFIX}(?![{_CJK}]{{0,1}}(?:支出|收入|经费|费|预算|决算))")
_LEADING_NOISE = re.compile(r"^(?:请问|请|帮我|帮忙|查一下|查查|查|问一下|想知道|我想知道|看看|一下|那个|这个|该|本)+")
_DEICTIC = re.compile(r"^(?:这个|这|该|本|那个)(?:单位|部门|学校|所学校|校|机关|院|中心|镇|县|市)")
_PLACE_ONLY = re.compile(rf"^[{_CJK}]{{2,6}}(?:省|市|县|区|镇|乡)$")


_STOP = re.compile(r"有|是|为什么|为何|为啥|多少|几|怎么|哪|吗|\?|？")


def _phrases(text: str, cut: int | None, *, whole: bool = False) -> list[str]:
    """The phrases of the question before `cut` and its first question word (all of them when `whole`), years out,
    leading filler off."""
    head = text[:cut] if cut is not None else text
    stop = None if whole else _STOP.search(head)
    head = head[: stop.start()] if stop else head
    head = re.sub(r"(19|20)\d{2}\s*年度?", " ", head)
    chunks = (_LEADING_NOISE.sub("", c) for c in re.split(r"[^" + _CJK + r"]+|和|与|及|跟|同|的", head))
    return [c for c in chunks if len(c) >= 2 and not _DEICTIC.match(c)]


def org_terms(text: str, cut: int | None = None) -> tuple[str, ...]:
    """Words in the question before `cut` (the year or first metric) that look like an org name."""
    terms: list[str] = []
    for chunk in _phrases(text, cut):
        m = _ORG_TERM.fullmatch(chunk)
        if m or _PLACE_ONLY.match(chunk):
            terms.append(m.group() if m else chunk)
    return tuple(dict.fromkeys(terms))


def org_words(text: str, cut: int | None = None) -> tuple[str, ...]:
    """Org-looking words that open a phrase of the question (交易中心 in “交易中心各岗位人数…”, 保健院 in “保健院一般
    公共预算…”, 经开区 in “是哪个城市的经开区”): looser than `org_terms`, for narrowing to the documents whose text
    writes them."""
    words: list[str] = []
    for chunk in _phrases(text, cut, whole=True):
        m = _ORG_TERM.match(chunk) or _SUFFIX_ALONE.fullmatch(chunk)
        if (
            m is None
            or len(m.group()) < 3
            or _NOT_A_BODY.search(m.group())
            or chunk[m.end() : m.end() + 1] in _NOT_AFTER
        ):
            continue
        words.append(m.group() + ("门" if chunk[m.end() : m.end() + 1] == "门" else ""))  # 部门, not 部
    return tuple(dict.fromkeys(words))


# words of a question, not of a body's name; and what follows 部/府 when they are no suffix (部分, 政府性基金)
_NOT_A_BODY = re.compile(r"[占比哪几是否没全各第这那]|多少|什么")
_NOT_AFTER = ("分", "性")


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def match_org(
    text: str, orgs: Sequence[str], *, cut: int | None = None, items: Sequence[tuple[int, int]] = ()
) -> OrgMatch:
    """The library org(s) a question names. `cut`: where the org part of the question ends, for the fuzzy fallback;
    `items`: spans of longer document item names, inside which an org's short name is part of the item
    (“政府办公厅事务” holds 政府办)."""
    terms = list(org_terms(text, cut))
    if not orgs:
        return OrgMatch(None, (), (), tuple(terms))
    taken = [False] * len(text)
    hits: list[tuple[int, str, frozenset[str]]] = []
    for alias, names in _candidates(text, tuple(orgs)):
        start = text.find(alias)
        full = alias in names  # a body's whole name inside an item is still that body (中央本级支出 of 中央本级)
        while start >= 0:
            end = start + len(alias)
            part_of_item = not full and any(s <= start and end <= e and end - start < e - s for s, e in items)
            if not part_of_item and not any(taken[start:end]):
                for i in range(start, end):
                    taken[i] = True
                hits.append((start, alias, names))
            start = text.find(alias, end)
    hits.sort()
    if not hits:
        first = _fuzzy(terms, orgs)
        later = [_fuzzy([t], orgs).org for t in terms[1:]]  # 丁市质监局和丁市中院: each written short
        more = [o for o in later if o is not None and o not in first.mentions]
        if first.org is None or not more:
            return first
        return replace(first, mentions=(*first.mentions, *dict.fromkeys(more)))
    mentions: list[str] = []
    for _, _, names in hits:
        if len(names) == 1:
            (name,) = names
            if name not in mentions:
                mentions.append(name)
    for term in org_terms(text):
        # a second body written short (某市中院, 县委政法委) beside one the aliases found
        at = text.find(term)
        if at < 0 or any(taken[at : at + len(term)]):
            continue
        other = _fuzzy([term], orgs)
        if other.org is not None and other.org not in mentions:
            mentions.append(other.org)
            hits.append((at, term, frozenset((other.org,))))
    hits.sort()
    mentions = list(dict.fromkeys(next(iter(names)) for _, _, names in hits if len(names) == 1))
    first_alias, first_names = hits[0][1], hits[0][2]
    for _, alias, _ in hits:
        if alias not in terms:
            terms.append(alias)
    if len(first_names) > 1:
        # a later, unambiguous mention may settle it ("教育局 … 闵行区教育局")
        settled = [m for m in mentions if m in first_names]
        if len(settled) == 1:
            return OrgMatch(settled[0], (), tuple(mentions), tuple(terms))
        order = [o for o in orgs if o in first_names]
        return OrgMatch(None, tuple(order), tuple(mentions), tuple(terms))
    del first_alias
    return OrgMatch(mentions[0], (), tuple(mentions), tuple(terms))


def _fuzzy(terms: Sequence[str], orgs: Sequence[str]) -> OrgMatch:
    """No alias in the question: an org-looking word close to a library org (characters in order, or similar)."""
    best: list[tuple[float, str]] = []
    for term in terms:
        if len(term) < 3:
            continue
        for org in orgs:
            score = 0.0
            for alias in org_aliases(org):
                if term[0] == alias[0] and _subsequence(term, alias):
                    score = max(score, 90.0 + len(term) / len(alias))
                else:
                    score = max(score, fuzz.ratio(term, alias, score_cutoff=80))
            if score:
                best.append((score, org))
        if best:
            break
    if not best:
        return OrgMatch(None, (), (), tuple(terms))
    top = max(s for s, _ in best)
    winners = tuple(dict.fromkeys(o for s, o in best if s == top))
    if len(winners) == 1:
        return OrgMatch(winners[0], (), winners, tuple(terms))
    return OrgMatch(None, winners, (), tuple(terms))
