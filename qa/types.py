"""What the answering side passes around: the parsed question and the answer (a stable JSON contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from index.types import Citation, Document

# Answer kinds, the JSON contract's `kind` field.
ANSWER_KINDS = (
    "lookup", "delta", "rate", "share", "sum", "diff", "count", "compare",
    "reason", "definition", "text", "refuse", "clarify",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ParsedQuestion:
    """What the question asks, understood without an LLM."""

    text: str
    op: str  # one of ANSWER_KINDS except refuse/clarify
    metrics: tuple[str, ...] = ()  # canonical metric names, in the order asked
    metric_terms: tuple[str, ...] = ()  # the words the question used for them
    org: str | None = None  # as matched against the library's orgs
    org_terms: tuple[str, ...] = ()  # words in the question that look like an org
    year: int | None = None  # explicit or resolved (今年/上年)
    relative_year: int | None = None  # 0 = 今年, -1 = 上年/去年, -2 = 前年 (resolved against the document)
    whole: str | None = None  # for share: the total asked about (占总预算 -> 收支总预算)
    basis: str | None = None  # 预算 | 决算 when asked ("实际花了" -> 决算)
    unit: str | None = None  # unit the user asked in (元/万元/亿元)
    wants_direction: bool = False  # 涨了还是降了
    # added by the parser (qa/parse/parser.py); all optional
    org_candidates: tuple[str, ...] = ()  # library orgs the (first) org mention fits equally well; org is then None
    org_mentions: tuple[str, ...] = ()  # every library org named, in order (two for a cross-document comparison)
    years: tuple[int, ...] = ()  # every explicit year, in order
    compare_year: int | None = None  # the year compared against ("比2024年少多少" -> 2024)
    compare_relative: int | None = None  # 比上年 -> -1
    bases: tuple[str, ...] = ()  # every basis named, in order ("决算…比年初预算" -> (决算, 预算))
    count_unit: str | None = None  # 辆/人/批次/人次/个/条/次… when a count is asked
    ratio: bool = False  # share asked as a multiple (是…的几倍)
    execution: bool = False  # rate of 决算 against 预算 (完成预算的百分之几)
    verify: bool = False  # the question challenges a stated figure (对吗/到底是/等于…吗)
    compute: bool = False  # asks to compute rather than quote (精确/重算/帮我算)
    unknown_terms: tuple[str, ...] = ()  # metric-looking words that match no known metric ("会议费")
    sub_ops: tuple[str, ...] = ()  # the op of each clause that asks something, in order


@dataclass(frozen=True, slots=True)
class AnswerContext:
    """What an answer assumes: the document it stands on, the year it is about and the basis (预算/决算)."""

    org: str | None
    doc_year: int | None
    kind: str | None  # the document's kind (预算, 决算, …)
    title: str | None
    doc_id: str | None
    year: int | None  # the year the answer is about
    basis: str | None  # 预算 | 决算
    documents: int = 1  # how many documents the answer draws on (0: none, >1: several)

    def label(self) -> str:
        """One line for the reader, e.g. “依据：某区文化馆 2023年预算 · 年度：2022年 · 口径：预算数”."""
        if self.org is None:
            where = f"{self.documents}份文件" if self.documents > 1 else "未限定文件"
        else:
            kind = self.kind if self.kind not in (None, "other") else "公开文件"
            where = f"{self.org} {f'{self.doc_year}年' if self.doc_year else ''}{kind}"
        parts = [f"依据：{where}"]
        if self.year is not None:
            parts.append(f"年度：{self.year}年")
        if self.basis:
            parts.append(f"口径：{self.basis}数")
        return " · ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "org": self.org, "doc_year": self.doc_year, "kind": self.kind, "title": self.title, "doc_id": self.doc_id,
            "year": self.year, "basis": self.basis, "documents": self.documents, "label": self.label(),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answer: str  # Chinese text shown to the user
    kind: str  # one of ANSWER_KINDS
    value: Decimal | None = None
    unit: str | None = None
    formula: str | None = None
    citations: tuple[Citation, ...] = ()
    warnings: tuple[str, ...] = ()
    refused: bool = False
    id: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        value: float | int | None = None
        if self.value is not None:
            value = int(self.value) if self.value == self.value.to_integral_value() else float(self.value)
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "value": value,
            "unit": self.unit,
            "kind": self.kind,
            "formula": self.formula,
            "citations": [c.to_json() for c in self.citations],
            "warnings": list(self.warnings),
            "refused": self.refused,
            "context": context.to_json() if isinstance(context := self.extra.get("context"), AnswerContext) else None,
            "candidates": [_candidate(d) for d in self.extra.get("candidates") or ()],  # type: ignore[attr-defined]
        }


def _candidate(doc: Document) -> dict[str, object]:
    """A document a clarification offers (kind "clarify"): ask again with its doc_id to answer from it."""
    return {
        "doc_id": doc.doc_id, "org": doc.org, "year": doc.year, "kind": doc.kind, "title": doc.title,
        "source": doc.source,
    }  # fmt: skip
