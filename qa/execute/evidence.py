"""Choosing facts for a question and turning them into citations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from index.types import Document, Fact, Finding
from index.units import fmt
from qa.execute.textual import bigrams


@dataclass(frozen=True, slots=True)
class Scope:
    """The documents a question is about."""

    docs: tuple[Document, ...]

    @property
    def doc_ids(self) -> tuple[str, ...]:
        return tuple(d.doc_id for d in self.docs)

    def doc(self, doc_id: str) -> Document | None:
        return next((d for d in self.docs if d.doc_id == doc_id), None)


def basis_matches(fact: Fact, basis: str | None) -> bool:
    if basis is None or fact.basis is None:
        return True
    return basis in fact.basis


@dataclass(frozen=True, slots=True)
class Pick:
    fact: Fact
    alternatives: tuple[Fact, ...]  # other values stated for the same metric, year and basis

    @property
    def conflicting(self) -> bool:
        return any(f.value != self.fact.value for f in self.alternatives)


def pick_fact(
    facts: Sequence[Fact],
    metric: str,
    *,
    year: int | None,
    basis: str | None = None,
    findings: Sequence[Finding] = (),
    unit: str | None = None,
    question: str = "",
) -> Pick | None:
    """The best fact for a metric and year; others for the same metric/year/basis come along as alternatives."""
    candidates = [f for f in facts if f.metric == metric]
    if unit:
        candidates = [f for f in candidates if f.unit == unit] or candidates
    if year is not None:
        candidates = [f for f in candidates if f.year == year]
    if not candidates:
        return None
    matching = [f for f in candidates if basis_matches(f, basis)]
    if basis and any(f.basis and basis in f.basis for f in candidates):
        matching = [f for f in candidates if f.basis and basis in f.basis]
    candidates = matching or candidates
    # a stated basis-less 预算/决算 figure loses against one whose basis is stated when the question asks none
    if basis is None:
        plain = [f for f in candidates if f.basis is None or "预算" in (f.basis or "")]
        candidates = plain or candidates
    counts = Counter(f.value for f in candidates)
    # a figure that its own parts confirm (sum checks) wins over one a conflict merely mentions
    expected = {
        f.expected for f in findings if f.metric == metric and f.expected is not None and f.check == "sum_mismatch"
    }

    q_grams = bigrams(question) - bigrams(metric)

    def rank(f: Fact) -> tuple[int, int, int, int, int, int, int]:
        return (
            -len(q_grams & bigrams(f.metric_raw or "")) if len(counts) > 1 else 0,  # 支出总计 asked, not 本年支出合计
            0 if f.value in expected else 1,
            -len(q_grams & bigrams(f.quote))
            if len(counts) > 1
            else 0,  # “实行绩效目标管理的财政拨款” picks its sentence
            -counts[f.value],
            0 if f.comparison is not None or f.share is not None else 1,
            0 if f.source == "text" else 1,
            f.start,
        )

    ordered = sorted(candidates, key=rank)
    return Pick(ordered[0], tuple(ordered[1:]))


def conflict_warning(pick: Pick) -> str | None:
    if not pick.conflicting:
        return None
    values = sorted({f"{fmt(f.value)}{f.unit}" for f in (pick.fact, *pick.alternatives)})
    return (
        f"注意：文件中“{pick.fact.metric_raw}”出现了不同的数值（{'、'.join(values)}），"
        f"这里采用 {fmt(pick.fact.value)}{pick.fact.unit}，请核对原文。"
    )
