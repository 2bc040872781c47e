"""Which document(s) of a whole library a question is about, or which ones to offer when it does not say.

A question is routed by what it writes: a body the library knows (qa.orgs), a body the library has no name for but
whose text names it (“经开区”, “交易中心”), a place (湛江, 寿县), a year, a kind of disclosure. When that leaves one
document, or one named body, it is answered there. When it leaves several and names none (这个单位, 该部门, or no
body at all), the answer is a clarification listing the best candidates. A body the question names that no document
is about is said so: never answered with another body's figure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.errors import LibraryError
from index.types import Document
from qa import crossdoc
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
_BODY_KINDS = ("镇", "乡", "县", "市", "区", "学校", "中学", "小学", "校", "幼儿园", "法院", "医院", "保健院", "中心")

Mentions = Callable[[str], set[str]]  # a term -> ids of the documents whose text writes it
Evidence = Callable[[str, Sequence[Document]], dict[str, float]]  # question, docs -> doc id -> retrieval score


@dataclass(frozen=True, slots=True)
class Route:
    docs: tuple[Document, ...]  # where to answer (all of them when `candidates` is set)
    candidates: tuple[Document, ...] = ()  # not identified: the documents to offer, best first
    missing: str | None = None  # a body the question names that no document is about


def unnamed(org: str) -> bool:
    return org.startswith(("未注明", "未知"))


def route(parsed: ParsedQuestion, docs: Sequence[Document], mentions: Mentions, evidence: Evidence) -> Route:
    """`docs`: the library's documents left after the org and year filters of `Agent.scope_docs`."""
    everything = tuple(docs)
    if len(everything) <= 1:
        return Route(everything)
    if parsed.org is not None or parsed.org_mentions:
        return Route(everything)  # a named body: its documents (several years are one body's series)
    text = parsed.text
    fits = list(everything)
    terms = [t for t in parsed.org_terms if not DEICTIC.match(t)]
    for term in terms:
        ids = mentions(term)
        if not ids:
            if not any(term in f"{d.region or ''}{d.org}{d.title}" for d in fits):
                return Route((), missing=term)
            continue
        named = [d for d in fits if d.doc_id in ids]
        if named:
            fits = named
    narrowed, said = crossdoc.filter_documents(text, fits)
    if ACROSS.search(text) or parsed.op == "compare" or crossdoc.wants_total(text, grouped=bool(said)):
        return Route(tuple(by_year(fits, parsed.year)))  # the group is narrowed where it is answered
    fits = narrowed
    if parsed.org_candidates:
        fits = [d for d in fits if d.org in parsed.org_candidates] or fits
    fits = by_year(fits, parsed.year)
    if len(fits) == 1:
        return Route(tuple(fits))
    if len({d.org for d in fits}) == 1 and not unnamed(fits[0].org):
        return Route(tuple(fits))  # one body's documents (a place naming one body)
    return Route(tuple(fits), candidates=tuple(rank(parsed, fits, evidence)[:MAX_CANDIDATES]))


def by_year(docs: Sequence[Document], year: int | None) -> list[Document]:
    """The documents of the year asked, else those that disclose it as a prior year; all when neither."""
    if year is None or len(docs) <= 1:
        return list(docs)
    same = [d for d in docs if d.year == year]
    nearby = [d for d in docs if d.year is not None and d.year - 2 <= year <= d.year]
    return same or nearby or list(docs)


def rank(parsed: ParsedQuestion, docs: Sequence[Document], evidence: Evidence) -> list[Document]:
    """The documents most likely meant: the year asked, the kind of body and disclosure, and the question's own words
    and figures found in the text."""
    found = evidence(parsed.text, docs)
    figures = set(_NUMBER.findall(parsed.text))
    deictic = DEICTIC.search(parsed.text)

    def score(d: Document) -> float:
        s = found.get(d.doc_id, 0.0)
        if parsed.year is not None and d.year is not None:
            gap = d.year - parsed.year
            s += {0: 3.0, 1: 2.0, 2: 0.5}.get(gap, -1.0)
        where = f"{d.org}{d.title}"
        s += sum(1.0 for k in _BODY_KINDS if k in parsed.text and k in where)
        if deictic is not None and unnamed(d.org):
            s += 2.0  # “这个单位”: a document that does not name its body is most likely the one meant
            if re.search(rf"(?:本|我){deictic.group(1)[:1]}", d.text[:3000]):
                s += 1.0  # and it calls itself the same way (本部门, 我镇)
        if parsed.basis and d.kind == parsed.basis:
            s += 0.5
        if figures and any(f in d.text for f in figures):
            s += 3.0
        return s

    return sorted(docs, key=lambda d: -score(d))


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


def scope_ids(docs: Sequence[Document], resolve: Callable[[str], str], *, doc: str | None = None,
              org: str | None = None, year: int | None = None) -> list[str] | None:  # fmt: skip
    """The documents a staff member chose (`--doc`, `--org`, `--year`): None for no choice; LibraryError, with the
    near matches, when nothing fits."""
    if doc is None and org is None and year is None:
        return None
    chosen = [d for d in docs if d.doc_id == resolve(doc)] if doc else list(docs)
    if org:
        from qa.orgs import match_org

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
