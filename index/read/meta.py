"""What a disclosure is about: title, disclosing body, fiscal year, kind (预算/决算/三公) and region.

All functions take the NORMALISED text (simplified characters, no pinyin glosses, no spaces between Chinese
characters; see index.read.normalize) and are pure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePath

from index.errors import NotADisclosure

UNNAMED_ORG = "未注明单位"

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_YEAR = r"(?<![0-9])((?:19|20)\d\d)\s*年(度)?"
_YEAR_RE = re.compile(_YEAR)

# website furniture that is not part of the disclosure
_BOILERPLATE = re.compile(
    r"^(?:[•·\-*]\s*)?(?:当前位置|您现在的位置|你的位置|位置|来源|文章来源|信息来源|发布时间|发布日期|发文日期|发布机构|发文机构|"
    r"索引号|文号|主题分类|关键词|关键字|字体|打印|关闭窗口|关闭|时效性|有效|日期|浏览次数|阅读次数|点击数|分享到|分享|"
    r"首页|附件|下载)"
)
_DATE_LINE = re.compile(r"^[\d\s:：\-/年月日.]+$")
_PAGE_NO = re.compile(r"^[\s—\-－第页]*\d{1,3}[\s—\-－页]*$")
_HEADING_WORDS = re.compile(r"预算|决算|三公|经费|公开|说明|情况")
_TITLE_END = re.compile(r"(?:预算|决算|预决算|公开|说明|情况|经费|报告|编制说明|明细)[)）]?$")
_SECTION_PREFIX = re.compile(
    r"^(?:第[一二三四五六七八九十\d]+部分|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])\s*"
)

# body and place words
_PROVINCES = [
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
]
_PLACE_TOKEN = re.compile(rf"[{_CJK}]{{1,8}}?(?:自治州|自治县|自治旗|地区|市|州|盟|县|区|旗)(?![市县区州旗])")
_PLACE_END = re.compile(r"(?:市|县|区|州|旗|盟|镇|乡)$")
_ORG_SUFFIX = (
    r"(?:人民政府|委员会|办公室|管理局|管理处|管理委员会|服务中心|中心|局|厅|委|办|院|校|学校|中学|小学|幼儿园|医院|"
    r"保健院|部|所|站|馆|会|社|队|处|镇|乡|街道|街道办事处)"
)
# a named body inside the text: a place, then a short name, then an organisation suffix
_ORG_IN_TEXT = re.compile(
    rf"((?:{'|'.join(_PROVINCES)})?[{_CJK}]{{1,8}}?(?:市|县|区|州|旗)[{_CJK}]{{0,14}}?{_ORG_SUFFIX})"
)
_GENERIC_ORG = re.compile(r"^(?:本|我|该|各|全|某)|部门$|单位$|^(?:县|市|区|省)(?:级|本级)?$")
_ORG_STOP = re.compile(r"[“”\"‘’「」（）()《》]|(?:部门|单位)?(?:预算|决算)|一般公共|财政拨款|三公|收支|公开|关于")

# kind markers
_FULL_STRUCTURE = re.compile(
    r"部门(?:预|决)算表|(?:部门|单位)(?:预|决)算(?:情况)?说明|收入支出(?:预|决)算总|收支总(?:预|决)算|收入(?:预|决)算(?:情况|总)|"
    r"支出(?:预|决)算(?:情况说明|总体)|基本支出|项目支出|机关运行经费|政府采购|部门(?:主要)?职能|主要职能|机构设置|概况|名词解释"
)

# disclosure vocabulary
_CORE_TERMS = ("预算", "决算", "三公", "财政拨款", "预决算")
_VOCAB = (
    "经费",
    "万元",
    "支出",
    "收入",
    "公务接待",
    "公务用车",
    "因公出国",
    "一般公共预算",
    "基本支出",
    "项目支出",
    "财政",
    "拨款",
    "部门",
    "单位",
    "合计",
    "比上年",
    "较上年",
    "同比",
    "增长",
    "下降",
    "减少",
    "增加",
    "运行维护",
    "政府采购",
)
_MONEY = re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:万元|亿元|元|万)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class DocMeta:
    title: str
    org: str
    year: int | None
    kind: str  # 预算 | 决算 | 三公 | other
    region: str | None


def detect_meta(text: str, source: str) -> DocMeta:
    """Title, disclosing body, fiscal year, kind and region of a disclosure (normalised text)."""
    lines = meaningful_lines(text)
    title_line = find_title(lines)
    opening = "\n".join(lines[:40])[:1500]
    year = detect_year(text, title_line, lines)
    kind = detect_kind(text, title_line, opening)
    org = detect_org(text, title_line, lines)
    org = expand_abbreviation(org, text) if org else _placeholder_org(source)
    region = detect_region(org) if not org.startswith(UNNAMED_ORG) else None
    title = title_line or _generated_title(org, year, kind)
    return DocMeta(title=title, org=org, year=year, kind=kind, region=region)


# ---------------------------------------------------------------------------------------------------------------
# lines and title


def meaningful_lines(text: str) -> list[str]:
    """Non-empty lines without website furniture, page numbers and bare dates."""
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip().strip("\f").strip()
        if not line or _PAGE_NO.match(line) or _DATE_LINE.match(line):
            continue
        if _BOILERPLATE.match(line) and len(line) < 80:
            continue
        if ">" in line and line.count(">") >= 2 and len(line) < 120:  # breadcrumb
            continue
        out.append(line)
    return out


def find_title(lines: list[str]) -> str | None:
    """The first heading-like line near the top: short, about a budget/final account, not a sentence.

    A numbered section heading (一、… / 第二部分 …) is not a document title.
    """
    for need_year, depth in ((True, 25), (False, 3)):
        for line in lines[:depth]:
            if _is_title(line, need_year=need_year) and not _SECTION_PREFIX.match(line):
                return line
    return None


def _is_title(line: str, *, need_year: bool) -> bool:
    if len(line) > 70 or len(line) < 6 or "|" in line:
        return False
    if re.search(r"[，,。;；]", line) or not _TITLE_END.search(line):
        return False
    if _MONEY.search(line):
        return False
    if need_year and not _YEAR_RE.search(line):
        return False
    body = _SECTION_PREFIX.sub("", line)
    return bool(re.search(r"预算|决算|三公", body)) and bool(_HEADING_WORDS.search(body))


def _generated_title(org: str, year: int | None, kind: str) -> str:
    label = {"预算": "部门预算", "决算": "部门决算", "三公": "“三公”经费公开"}.get(kind, "预决算公开")
    year_part = f"{year}年" if year else ""
    if org.startswith(UNNAMED_ORG):
        return f"{year_part}{label}（{org}）"
    return f"{org}{year_part}{label}"


# ---------------------------------------------------------------------------------------------------------------
# year


_COMPARE_BEFORE = re.compile(r"(?:上年|比|较|与|同比|相比|对比|同期|较之|低于|高于|截至|截止|自|从|于|在)\s*$")
_YEAR_CONTEXT = re.compile(
    r"预算|决算|三公|收入|支出|经费|收支|财政拨款|部门|单位|全市|全县|全区|本年|项目|政府采购|绩效"
)


def detect_year(text: str, title: str | None, lines: list[str]) -> int | None:
    """The fiscal year the disclosure is about: the title's year, else the best-supported year in the text."""
    if title:
        m = _YEAR_RE.search(title)
        if m:
            return int(m.group(1))
    scores: dict[int, float] = defaultdict(float)
    body = "\n".join(lines)
    for i, m in enumerate(_YEAR_RE.finditer(body)):
        year = int(m.group(1))
        before = body[max(0, m.start() - 6) : m.start()]
        after = body[m.end() : m.end() + 40]
        after = re.split(r"[，。,;；\n]", after, maxsplit=1)[0]
        if re.match(r"\s*\d{1,2}\s*月", after) or "〔" in before[-1:] or re.match(r"修订|印发|起|以来", after):
            continue  # a date, a document number or a reference
        weight = 1.0
        compared = bool(_COMPARE_BEFORE.search(before) or re.match(r"\s*(?:相比|比较|同期)", after))
        if _YEAR_CONTEXT.search(after):
            weight *= 2
        if m.start() < 300:
            weight *= 1.5
        if i == 0:
            weight *= 1.2
        if compared:
            # 较2022年度决算数增加: a base year, and a sign that the document is about the year after
            scores[year] += 0.2 * weight
            scores[year + 1] += 0.6 * weight
        else:
            scores[year] += weight
    if not scores:
        return None
    best = max(scores.values())
    return max(y for y, s in scores.items() if s >= best - 1e-9)


# ---------------------------------------------------------------------------------------------------------------
# kind


_PROGRESS = re.compile(r"收支(?:完成|执行)情况|收入累计完成|支出累计完成")


def detect_kind(text: str, title: str | None, opening: str) -> str:
    """预算, 决算, 三公 (a standalone “三公”经费 statement) or other."""
    head = title or opening[:200]
    structure = len(set(_FULL_STRUCTURE.findall(text)))
    if "三公" in head and not re.search(r"部门(?:预|决)算|单位(?:预|决)算", head):
        return "三公"
    if "三公" in opening[:300] and structure < 2:
        return "三公"
    if title:
        if "决算" in title:
            return "决算"
        if "预算" in title:
            return "预算"
    if _PROGRESS.search(opening) and structure < 2 and not re.search(r"部门|单位", opening[:300]):
        return "other"  # a government's monthly revenue and spending progress, not a department's accounts
    # 与预算相比 / 完成预算 / 预算执行 compare the actual with the budget: words of a final account
    jue = len(re.findall(r"决算|(?:与|比|较)(?:年初)?预算(?:数)?相?比|完成(?:年初)?预算|预算执行", opening))
    yu = len(
        re.findall(
            r"(?<!一般公共)(?<!政府性基金)(?<!国有资本经营)(?<!年初)(?<!完成)(?<![与比较])预算(?!法|单位|数?相比|执行)",
            opening,
        )
    )
    if jue and jue >= yu:
        return "决算"
    if yu:
        return "预算"
    if "三公" in text:
        return "三公"
    if "决算" in text:
        return "决算"
    if "预算" in text:
        return "预算"
    return "other"


# ---------------------------------------------------------------------------------------------------------------
# org and region


def detect_org(text: str, title: str | None, lines: list[str]) -> str | None:
    """The disclosing body when the text names it."""
    if title:
        org = _org_from_heading(title)
        if org:
            return org
    for line in lines[:30]:
        if line is title or not _YEAR_RE.search(line) or len(line) > 70:
            continue
        if _is_title(line, need_year=True):
            org = _org_from_heading(line)
            if org:
                return org
    m = re.search(rf"第一部分\s*([{_CJK}]{{2,30}}?)(?:部门)?概况", text)
    if m and _valid_org(m.group(1)):
        return m.group(1)
    m = re.search(rf"经([{_CJK}]{{1,10}}?(?:市|县|区|州|旗))财政局汇总", text)
    if m:
        return m.group(1)
    m = re.search(rf"纳入([{_CJK}]{{2,30}}?)\s*(?:19|20)\d\d\s*年(?:度)?部门(?:预|决)算", text)
    if m and _valid_org(m.group(1)):
        return m.group(1)
    counts: dict[str, int] = defaultdict(int)
    head = text[:20000]
    for m in _ORG_IN_TEXT.finditer(head):
        name = re.sub(r"^.*?第[一二三四五六七八九十\d]+部分", "", m.group(1))
        if not _valid_org(name) or _ORG_STOP.search(name) or _NOT_A_NAME.search(name):
            continue
        if head[m.end() : m.end() + 1] in _WORD_GOES_ON or head.rfind("《", 0, m.start()) > head.rfind(
            "》", 0, m.start()
        ):
            continue  # part of a longer word (…暂行办法) or of a cited title (《…》)
        # the body that discloses writes its name right before the year: 某县中学2021年一般公共预算…
        counts[name] += 3 if _YEAR_RE.match(head, m.end()) else 1
    if counts:
        return max(counts, key=lambda k: (counts[k], -text.find(k)))
    return None


# words that a sentence puts before a body's name, never inside it (主要用于经市外办批准的…)
_NOT_A_NAME = re.compile(r"用于|主要|批准|按照|根据|关于|落实|要求|其中|包括")
_WORD_GOES_ON = set("法规则例")  # 办法 / 规定 / 条例: the suffix was the start of another word


def expand_abbreviation(org: str, text: str) -> str:
    """The full name when the text also writes the body out (泉州台商区 in the title, 泉州台商投资区 in the body).

    A fuller name keeps the short one's first two characters and its last one, has its characters in order and at most
    four more; the most frequent such name wins.
    """
    if len(org) < 3:
        return org
    gap = rf"[{_CJK}]{{0,4}}?"
    pat = re.compile(re.escape(org[:2]) + "".join(gap + re.escape(c) for c in org[2:]))
    counts: dict[str, int] = defaultdict(int)
    for m in pat.finditer(text[:20000]):
        name = m.group(0)
        if len(org) < len(name) <= len(org) + 4 and _valid_org(name):
            counts[name] += 1
    if not counts:
        return org
    return max(counts, key=lambda k: (counts[k], -text.find(k)))


def _org_from_heading(line: str) -> str | None:
    body = _SECTION_PREFIX.sub("", line).strip()
    m = _YEAR_RE.search(body)
    if not m:
        return None
    before = body[: m.start()].strip(" ：:—-")
    before = re.sub(r"^关于", "", before)
    if _valid_org(before):
        return before
    after = body[m.end() :]
    stop = _ORG_STOP.search(after)
    cand = (after[: stop.start()] if stop else after).strip(" ：:—-")
    if _valid_org(cand):
        return cand
    level = re.match(rf"[{_CJK}]{{1,12}}?本级", cand)  # 2024年中央本级经济分类支出决算: the level's own accounts
    if level and _valid_org(level.group(0)):
        return level.group(0)
    return None


def _valid_org(name: str) -> bool:
    if not name or len(name) < 2 or len(name) > 40:
        return False
    if not re.fullmatch(rf"[{_CJK}（）()·]+", name):
        return False
    if _GENERIC_ORG.search(name) or _ORG_STOP.search(name):
        return False
    if re.search(r"(?:网站|门户|平台|网)$", name):
        return False  # a link on the page (区县政府网站), not a body
    level = re.fullmatch(r"(.+?)本级", name)
    if level:
        return level.group(1) == "中央" or bool(_PLACE_END.search(level.group(1)) and len(level.group(1)) > 1)
    if not (re.search(rf"{_ORG_SUFFIX}$", name) or _PLACE_END.search(name)):
        return False
    return not re.search(r"经费|支出|收入|情况|说明|合计|项目", name)


def _placeholder_org(source: str) -> str:
    stem = PurePath(source).stem if source else ""
    if len(re.findall(rf"[{_CJK}]", stem)) >= 2:
        return f"{UNNAMED_ORG}（据文件名：{stem}）"
    return UNNAMED_ORG


def detect_region(org: str) -> str | None:
    """The place names an org's name starts with (省/市/县/区 …), e.g. 上海市闵行区教育局 → 上海市闵行区."""
    pos = 0
    region = ""
    for prov in _PROVINCES:
        i = org.find(prov)
        if i >= 0:
            pos = i + len(prov)
            region = prov
            break
    while True:
        m = _PLACE_TOKEN.match(org, pos)
        if not m:
            break
        region += m.group(0)
        pos = m.end()
    return region or None


# ---------------------------------------------------------------------------------------------------------------
# is it a disclosure at all?


def disclosure_score(text: str) -> tuple[int, int, int, int]:
    """(Chinese characters, core-term hits, distinct vocabulary terms, money amounts)."""
    cjk = len(re.findall(rf"[{_CJK}]", text))
    core = sum(text.count(t) for t in _CORE_TERMS)
    vocab = sum(1 for t in (*_CORE_TERMS, *_VOCAB) if t in text)
    money = len(_MONEY.findall(text))
    return cjk, core, vocab, money


def ensure_disclosure(text: str, source: str) -> None:
    """Raise NotADisclosure unless the text reads like a budget, final-account or “三公”经费 disclosure."""
    cjk, core, vocab, money = disclosure_score(text)
    advice = "本系统只收录政府部门预算、决算和“三公”经费公开文件，请确认选择的文件是否正确"
    if cjk < 20 or cjk < 0.2 * len(text.strip()):
        raise NotADisclosure(source, "文件内容主要不是中文（本系统只支持中文的预决算公开文件）", advice)
    numbers = len(_NUMBER.findall(text))
    density = (core + money) * 1000 / max(cjk, 1)
    if core >= 2 and vocab >= 6 and (money >= 2 or numbers >= 5) and density >= 2:
        return
    raise NotADisclosure(
        source, "文件内容不像预算、决算或“三公”经费公开（缺少预算、决算、财政拨款等用语和金额）", advice
    )
