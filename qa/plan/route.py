"""Which document(s) of a whole library a question is about, or which ones to offer when it does not say.

A question is routed by what it writes: a body the library knows (qa.parse.orgs), a body the library has no name for but
whose text names it (“经开区”, “交易中心”), a place (湛江, 寿县), a year, a kind of disclosure. When that leaves one
document, or one named body, it is answered there (a year or a kind of department alone does not pick the file for
“这个单位”). When it leaves several and names none (这个单位, 该部门, or no body at all), the answer is a clarification
listing the candidates ranked by what each document can answer (`rank`). A body the question names that no document
is about is said so: never answered with another body's figure (files that name no body are offered, not answered).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

from index.errors import LibraryError
from index.metrics import BY_NAME, EQUIVALENT
from index.types import Document, Fact
from qa.execute import crossdoc
from qa.parse.orgs import org_words
from qa.types import ParsedQuestion

MAX_CANDIDATES = 5
DEICTIC = re.compile(
    r"(?:这个|这所|这家|这|那个|该|本|我)(单位|部门|县|市|镇|乡|区|校|学校|所学校|保健院|医院|院|中心|机关|局)"
)
# a question over several documents at once: a ranking, a total, a place or kind as a group
ACROSS = re.compile(
    r"哪个单位|哪些单位|哪家单位|哪个部门|哪个县|哪个市|哪个区|排名|各(?:个)?(?:单位|部门|县|市|区|镇|校)"
)
_NUMBER = re.compile(r"\d[\d,]*\.\d+|\d{3,}")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
# kinds of body a question may write outright (学校的…); 县/镇 alone end place names, and count only as 该县/这个镇
_BODY_KINDS = ("学校", "中学", "小学", "幼儿园", "法院", "医院", "保健院", "中心")

Mentions = Callable[[str], set[str]]  # a term -> ids of the documents whose text writes it
Evidence = Callable[[str, Sequence[Document]], dict[str, float]]  # question, docs -> doc id -> retrieval score
# metrics, docs, year -> (ids of the docs with a fact of them, those facts: only of the year and the next when given)
Holdings = Callable[[Sequence[str], Sequence[Document], int | None], tuple[set[str], Sequence[Fact]]]
Passages = Callable[[str], int | None]  # a word -> at most how many passages of the library write it (None: unknown)


@dataclass(frozen=True, slots=True)
class Route:
    docs: tuple[Document, ...]  # where to answer (all of them when `candidates` is set)
    candidates: tuple[Document, ...] = ()  # not identified: the documents to offer, best first
    missing: str | None = None  # a body the question names that no document is about (`candidates`: unnamed files)


def unnamed(org: str) -> bool:
    return org.startswith(("未注明", "未知"))


def route(
    parsed: ParsedQuestion,
    docs: Sequence[Document],
    mentions: Mentions,
    evidence: Evidence,
    holdings: Holdings | None = None,
    passages: Passages | None = None,
) -> Route:
    """`docs`: the library's documents. A year narrows to one document only where the question also says which body
    (a place, a kind, a word its text writes); 这个单位 with a year is still asked back, its candidates ranked."""
    everything = tuple(docs)
    if len(everything) <= 1:
        return Route(everything)
    if parsed.org is not None or parsed.org_mentions:
        return Route(everything)  # a named body: its documents (several years are one body's series)
    text = parsed.text
    fits = list(everything)
    terms = [t for t in parsed.org_terms if not DEICTIC.match(t)]
    for term in terms:
        ids = mentions(term) | named_by_file(term, everything)
        if not ids:
            if not any(term in f"{d.region or ''}{d.org}{d.title}" for d in fits):
                # no file is about it; a file that names no body may still be its own: offered, never answered
                orphans = [d for d in everything if unnamed(d.org) and covers(d, parsed.year)]
                offered = rank(parsed, orphans, evidence, holdings, mentions, passages)[:MAX_CANDIDATES] if orphans else []
                return Route((), candidates=tuple(offered), missing=term)
            continue
        named = [d for d in fits if d.doc_id in ids]
        if named:
            fits = named
    if not terms:
        # no org-like word of its own: a phrase that opens with one (交易中心各岗位…) narrows to the files writing it
        for word in org_words(text):
            ids = mentions(word)
            named = [d for d in fits if d.doc_id in ids]
            if named and len(named) < len(fits):
                fits = named
    named_fits = fits
    narrowed, said = crossdoc.filter_documents(text, fits)
    if ACROSS.search(text) or parsed.op == "compare" or crossdoc.wants_total(text, grouped=bool(said)):
        return Route(tuple(by_year(fits, parsed.year)))  # the group is narrowed where it is answered
    words = crossdoc.department_words(text)
    if words and len(narrowed) < len(fits):
        # a kind of department is judged by the body's name: a document that names none stays when its text
        # writes the kind (这所学校 -> a file that speaks of 本校, 学生)
        kept, body = {d.doc_id for d in narrowed}, body_kind(text)
        narrowed += [
            d
            for d in fits
            if d.doc_id not in kept
            and unnamed(d.org)
            and (any(w in d.text for w in words) or (body is not None and body_in_text(d.text, body)))
        ]
    fits = narrowed
    if parsed.org_candidates:
        fits = [d for d in fits if d.org in parsed.org_candidates] or fits
    dated = by_year(fits, parsed.year)
    # the body identified by a word only its documents write, or a place: not by a kind of department or a year
    identified = len(named_fits) < len(everything) or any(not w.endswith(("类文件", "类单位")) for w in said)
    if identified or not DEICTIC.search(text):
        if len(dated) == 1:
            return Route(tuple(dated))
        if len({d.org for d in dated}) == 1 and not unnamed(dated[0].org):
            return Route(tuple(dated))  # one body's documents (a place naming one body)
    # the year ranks rather than filters: a later document discloses the year before (上年, 年初预算)
    return Route(tuple(dated), candidates=tuple(rank(parsed, fits, evidence, holdings, mentions, passages)[:MAX_CANDIDATES]))


def named_by_file(term: str, docs: Sequence[Document]) -> set[str]:
    """Ids of the documents whose text names no body but whose file name, as the user uploaded it, writes `term`
    (庚县民政局2021年三公.pdf): the user's own word for whose file it is."""
    return {d.doc_id for d in docs if unnamed(d.org) and term in PurePath(d.source).stem}


def covers(doc: Document, year: int | None) -> bool:
    """The document may hold figures of `year`: its own year or the next (上年), or a year unknown."""
    return year is None or doc.year is None or doc.year in (year, year + 1)


def by_year(docs: Sequence[Document], year: int | None) -> list[Document]:
    """The documents of the year asked, else those that disclose it as a prior year; all when neither."""
    if year is None or len(docs) <= 1:
        return list(docs)
    same = [d for d in docs if d.year == year]
    nearby = [d for d in docs if d.year is not None and d.year - 2 <= year <= d.year]
    return same or nearby or list(docs)


def rank(
    parsed: ParsedQuestion,
    docs: Sequence[Document],
    evidence: Evidence,
    holdings: Holdings | None = None,
    mentions: Mentions | None = None,
    passages: Passages | None = None,
) -> list[Document]:
    """The documents best able to answer, best first: what their figures hold (the metric asked, in the year asked, on
    the basis asked), the year and kind of disclosure, the kind of body the question speaks of, and the question's
    own words and figures in their text, the rare ones (written by few documents: `distinctive`) most. Two passes: every document on what the library keeps about it (facts, the
    search index, its name and year), then the best `_READ` of them on their own text too. Ties keep library order."""
    found = evidence(strip_deictic(parsed.text), docs)
    none_asked = bool(_NONE_ASKED.search(parsed.text))  # “为什么没有安排…”: a file that arranged none holds no figure
    held = _holding_scores(parsed, docs, holdings) if holdings is not None and parsed.metrics and not none_asked else {}
    body = body_kind(parsed.text)
    deictic = DEICTIC.search(parsed.text)
    kinds = [k for k in _BODY_KINDS if k in parsed.text]
    rare = distinctive(parsed.text, docs, mentions, passages) if mentions is not None else {}

    def first(d: Document) -> float:
        s = found.get(d.doc_id, 0.0) + held.get(d.doc_id, 0.0) + RARE_WEIGHT * rare.get(d.doc_id, 0.0)
        if parsed.year is not None and d.year is not None:
            s += year_fit(d, parsed.year)
        where = f"{d.org}{d.title}"
        if body is not None and not unnamed(d.org) and any(w in where for w in _body_words(body)):
            s += 2.0
        s += sum(1.0 for k in kinds if k in where)  # 学校、镇… written anywhere in the question
        if deictic is not None and unnamed(d.org):
            s += 2.0  # “这个单位”: a document that does not name its body is the likelier one meant
        if parsed.basis and d.kind == parsed.basis:
            s += 0.5
        return s

    scored = sorted(((first(d), i, d) for i, d in enumerate(docs)), key=lambda t: (-t[0], t[1]))
    head, rest = scored[:_READ], scored[_READ:]
    words = _metric_words(parsed) if parsed.metrics else ()
    figures = {n for n in _NUMBER.findall(parsed.text) if not _YEAR.fullmatch(n)}  # a year is not a figure
    # a rate the question quotes (增加44%): whole percentages are too short to be figures, but few files write them
    rates = [re.compile(rf"(?<![\d.]){re.escape(r)}\s*[%％]") for r in _PERCENT.findall(parsed.text)]

    def second(s: float, d: Document) -> float:
        if deictic is not None and unnamed(d.org) and re.search(rf"(?:本|我){deictic.group(1)[:1]}", d.text):
            s += 1.0  # it calls itself the way the question does (本部门, 我镇)
        if body is not None and unnamed(d.org) and body_in_text(d.text, body):
            s += 3.0  # 该镇 and a file that says 我镇
        if words and held and held.get(d.doc_id, 0.0) < 0 and any(w in d.text for w in words):
            s += 2.0  # no fact read, but the text writes the metric (a table not read into facts)
        if (figures and any(f in d.text for f in figures)) or any(r.search(d.text) for r in rates):
            s += 3.0
        if none_asked and states_none(d.text, words):
            s += 4.0  # “为什么没有安排…” and a file that says it arranged none (no figure to hold)
        return s

    again = sorted(((second(s, d), i, d) for s, i, d in head), key=lambda t: (-t[0], t[1]))
    return [d for _, _, d in again] + [d for _, _, d in rest]


_READ = 40  # documents whose text the second pass reads (at 10,000 documents reading every text is seconds)


RARE_WEIGHT = 4.0  # a word of the question only one document writes outweighs a figure of the metric asked (+2)
MENTIONS_READ = 50  # passages `mentions` reads (RulePlanner.mentioning)
RARE_SHARE = 0.1  # a word written by more than this share of the documents (and more than 2) is common vocabulary
# words of asking, not of the thing asked: few disclosures write them, so they would look distinctive
_ASKING_WORDS = (
    "多少 是多少 什么 为什么 为何 怎么 怎样 如何 哪些 哪个 哪里 是否 有没有 有无 具体 一下 请问 这个 那个 这些 本年 今年 "
    "去年 上年 多大 几个 几项 几辆 几次 几人 主要 原因 情况 单位 部门 没有 没 未 完成 全部 所有 总共 一共 分别 各自 比例 占比"
)
_ASKING = frozenset(_ASKING_WORDS.split())


@cache
def _budget_vocabulary() -> tuple[str, ...]:
    """The metrics' names and synonyms: words every disclosure writes in some form (“三公”经费, 项目支出)."""
    return tuple(n for m in BY_NAME.values() for n in (m.name, *m.synonyms))


def question_words(text: str) -> list[str]:
    """The question's own words (jieba), without deictic phrases, asking words, the budget vocabulary (a metric's
    name or a part of one: whether a document holds the metric is its figures' part), years and figures: the words
    that may single out a document (通用设备, 退役人员)."""
    from index.search.lexical import jieba_words

    vocabulary = _budget_vocabulary()
    words: list[str] = []
    for w in jieba_words(strip_deictic(text)):
        if len(w) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", w) or w in _ASKING or w in words:
            continue
        if not any(w in v for v in vocabulary):
            words.append(w)
    return words


def distinctive(
    text: str, docs: Sequence[Document], mentions: Mentions, passages: Passages | None = None
) -> dict[str, float]:
    """Per document, how much of the question's rare vocabulary its text writes: each word of the question written
    by at most `RARE_SHARE` of the documents (2 at least) weighs its inverse document frequency, scaled to 1 for a
    word only one document writes. Common budget words (支出, 三公经费) are written by many and weigh nothing.
    `mentions` reads a bounded number of passages: a word that more passages may write (`passages`) is not rare,
    though the passages read may come from a few documents only."""
    n = len(docs)
    if n < 3:
        return {}
    ids = {d.doc_id for d in docs}
    limit = max(2, int(n * RARE_SHARE))
    out: dict[str, float] = {}
    for word in question_words(text):
        most = passages(word) if passages is not None else None
        if most is not None and most > MENTIONS_READ:
            continue
        having = mentions(word) & ids
        if not having or len(having) > limit:
            continue
        weight = math.log(n / len(having)) / math.log(n)
        for doc_id in having:
            out[doc_id] = out.get(doc_id, 0.0) + weight
    return out


def year_fit(doc: Document, year: int) -> float:
    """How likely a document of `doc.year` holds figures of `year`: its own year, then the year before (a budget's
    上年 column, a 决算's comparison), hardly an earlier or a later one."""
    assert doc.year is not None
    return {0: 1.5, 1: 1.0, 2: 0.2}.get(doc.year - year, -1.5)


def _holding_scores(parsed: ParsedQuestion, docs: Sequence[Document], holdings: Holdings) -> dict[str, float]:
    """Per document, how well its own figures answer: the metric asked (+2), for the year asked (+3: a figure of that
    year, or of the next year compared with 上年), on the basis asked (+1), changed the way asked (+2: 为什么增加 and 比上年增加). A document without such a figure whose
    has none gets -1 (the second pass of `rank` gives some back when its text writes the metric's name)."""
    having, facts = holdings(holding_metrics(parsed.metrics), docs, parsed.year)
    direction = asked_direction(parsed.text)
    by_doc: dict[str, list[Fact]] = {}
    for f in facts:
        by_doc.setdefault(f.doc_id, []).append(f)
    out: dict[str, float] = {}
    for d in docs:
        if d.doc_id not in having:
            out[d.doc_id] = -1.0
            continue
        own = by_doc.get(d.doc_id, [])
        s = 2.0
        in_year = [f for f in own if parsed.year is None or parsed.year in fact_years(f)]
        if parsed.year is not None and in_year:
            s += 3.0
        if parsed.basis and any((f.basis or "").startswith(parsed.basis) for f in in_year or own):
            s += 1.0
        if direction and any(f.comparison is not None and f.comparison.direction == direction for f in in_year or own):
            s += 2.0  # “为什么增加” and a figure stated as 比上年增加
        out[d.doc_id] = s
    return out


def holding_metrics(metrics: Sequence[str]) -> list[str]:
    """The metrics asked and those a document may state them as: a balanced budget's 收支总预算 is its 收入合计 and
    its 支出合计 (a 决算 writes 收、支总计, never 总预算), 实有人数 its 在职人数 (`index.metrics.EQUIVALENT`); a count, the
    spending on what it counts (a file that gives only the money spent on cars bought is still about them)."""
    counted = [c for m in metrics if m in BY_NAME and (c := BY_NAME[m].counts) is not None]  # 几辆 and its 购置费
    return list(dict.fromkeys([*metrics, *(e for m in metrics for e in EQUIVALENT.get(m, ())), *counted]))


_UP = re.compile(r"增加|增长|上升|提高|上涨|涨了|多了")
_DOWN = re.compile(r"减少|下降|降低|压减|下调|降了|少了")
_NONE_ASKED = re.compile(r"没有?安排|未安排|不安排|没有?预算|没有?列支|未列支|为零|是0")
_NONE_STATED = re.compile(r"未安排|没有安排|不安排|没有?预算|未列支|未编列|未发生|无此项|无该项")


def states_none(text: str, words: Sequence[str]) -> bool:
    """The text says one of `words` (a metric's names) was not arranged: 未安排公务接待费, 公务接待费未列支."""
    for m in _NONE_STATED.finditer(text):
        near = re.split(r"[。；;\n]", text[max(0, m.start() - 14) : m.start()])[-1] + m.group()
        near += re.split(r"[。；;\n]", text[m.end() : m.end() + 14])[0]  # within its sentence
        if any(w in near for w in words):
            return True
    return False


def asked_direction(text: str) -> str | None:
    """增加 or 减少 when the question asks about a change that way (为什么增加, 下降了多少), else None."""
    up, down = _UP.search(text), _DOWN.search(text)
    if bool(up) == bool(down):
        return None
    return "增加" if up else "减少"


def fact_years(f: Fact) -> set[int]:
    """The years a fact answers: its own, and the one it is compared with (比上年减少14.6万元 gives 上年 too)."""
    years = {f.year} if f.year is not None else set()
    c = f.comparison
    if c is not None and (c.amount is not None or c.rate is not None):
        if c.base == "上年" and f.year is not None:
            years.add(f.year - 1)
        elif c.base.isdigit():
            years.add(int(c.base))
    return years


# the kind of body a question speaks of (这所学校, 该镇, 本院) and the words that mark a document as one
_BODY_WORDS: dict[str, tuple[str, ...]] = {
    "校": ("学校", "中学", "小学", "幼儿园", "学院", "学生", "教职工", "教师"),
    "镇": ("镇",),
    "乡": ("乡",),
    "县": ("县",),
    "市": ("市",),
    "区": ("区",),
    "院": ("院",),
    "局": ("局",),
    "中心": ("中心",),
}
_BODY_ASKED = re.compile(r"(?:这个|这所|这家|这|那个|该|本|我)(学校|所学校|校|镇|乡|县|市|区|保健院|医院|院|局|中心)")


def body_kind(text: str) -> str | None:
    """The kind of body a deictic question names (这所学校 -> 校, 该镇 -> 镇), None for 单位/部门 or none."""
    m = _BODY_ASKED.search(text)
    if m is None:
        return None
    word = m.group(1)
    return "校" if word.endswith("校") else ("院" if word.endswith("院") else word)


def _body_words(kind: str) -> tuple[str, ...]:
    return _BODY_WORDS.get(kind, (kind,))


def body_in_text(text: str, kind: str) -> bool:
    """A document's text speaks of itself as such a body: 本镇/我校, or for a school its words (学生, 教职工…)."""
    return any(f"{p}{kind[-1]}" in text for p in ("本", "我")) or (
        kind == "校" and any(w in text for w in _body_words(kind))
    )


def _metric_words(parsed: ParsedQuestion) -> list[str]:
    words = [w for m in parsed.metrics for w in (m, *(BY_NAME[m].synonyms if m in BY_NAME else ()))]
    return [*words, *(t for t in parsed.metric_terms if len(t) >= 2)]


def strip_deictic(text: str) -> str:
    """The question without 这个单位/该部门…, words every document would match."""
    return DEICTIC.sub(" ", text)


def label(doc: Document) -> str:
    """One candidate as the reader sees it: body, year, kind, and the file when the body is not named."""
    kind = "“三公”经费" if doc.kind == "三公" else ("公开文件" if doc.kind == "other" else doc.kind)
    year = f"{doc.year}年" if doc.year else ""
    if unnamed(doc.org):
        return f"{doc.title}（{doc.source}）"
    return f"{doc.org} {year}{kind}（{doc.source}）"


def clarification(candidates: Sequence[Document]) -> str:
    lines = [f"{i}. {label(d)}" for i, d in enumerate(candidates, 1)]
    return (
        "资料库中有多份文件可能符合，问题没有指明是哪一份。请选择一份文件后再问（或在问题中写明单位和年度）：\n"
        + "\n".join(lines)
    )


def missing_body(term: str, docs: Sequence[Document]) -> str:
    return (
        f"资料库中没有“{term}”的公开文件，无法回答（不会用其他单位的数据代替）。"
        f"资料库共有{len(docs)}份文件，可用 budgetqa docs 或“文档”页查看；如果某份文件没有写明单位，"
        "可用 budgetqa docs --set-org 补上单位名称。"
    )


def missing_or_unnamed(term: str, candidates: Sequence[Document]) -> str:
    """A body no file names, with the files that name none and might be its own."""
    lines = [f"{i}. {label(d)}" for i, d in enumerate(candidates, 1)]
    return (
        f"资料库中没有写明“{term}”的文件（不会用其他单位的数据代替）。以下文件没有写明单位，可能其中一份就是它的；"
        "如果是，请选择该文件后再问，并可用 budgetqa docs --set-org 给文件补上单位名称：\n" + "\n".join(lines)
    )


def scope_ids(docs: Sequence[Document], resolve: Callable[[str], str], *, doc: str | None = None,
              org: str | None = None, year: int | None = None) -> list[str] | None:  # fmt: skip
    """The documents a staff member chose (`--doc`, `--org`, `--year`): None for no choice; LibraryError, with the
    near matches, when nothing fits."""
    if doc is None and org is None and year is None:
        return None
    chosen = [d for d in docs if d.doc_id == resolve(doc)] if doc else list(docs)
    if org:
        from qa.parse.orgs import match_org

        found = match_org(org, sorted({d.org for d in chosen}))
        names = {found.org} if found.org else set(found.candidates) or {d.org for d in chosen if org in d.org}
        if not names:
            near = sorted({d.org for d in docs if any(ch in d.org for ch in org)})[:5]
            raise LibraryError(f"资料库中没有单位“{org}”的文件。" + (f"相近的有：{'、'.join(near)}。" if near else ""))
        chosen = [d for d in chosen if d.org in names]
    if year is not None:
        years = sorted({d.year for d in chosen if d.year})
        chosen = [d for d in chosen if d.year == year]
        if not chosen:
            have = "、".join(f"{y}年" for y in years)
            raise LibraryError(f"所选范围内没有{year}年的文件" + (f"（有{have}）。" if have else "。"))
    return [d.doc_id for d in chosen]
