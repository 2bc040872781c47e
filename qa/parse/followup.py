"""Follow-up questions and the context an answer assumes (which document, which year, which basis).

A follow-up inherits only what it leaves open: a body it does not name, a year it does not name (one the library
covers: an unknown year never carries over), the basis; and, when it asks nothing of its own (“那去年呢？”,
“那公用经费呢？”), the operation and the figure asked before.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace

from index.types import Document
from qa.types import Answer, AnswerContext, ParsedQuestion

_ELLIPTIC = re.compile(r"^(?:那|那么|那个|还有|再问一下|再看看)|呢[？?。]?$")
_YEAR_SHIFTABLE = ("delta", "rate")  # “涨了多少？” → “那去年呢？” asks for last year's figure, not 2021→2022


def covered_years(docs: Sequence[Document]) -> set[int]:
    """The years the documents answer for: their own and the year before (each discloses its comparison)."""
    return {y for d in docs if d.year for y in (d.year, d.year - 1)}


def follow_up(
    parsed: ParsedQuestion, previous: ParsedQuestion, covered: Collection[int] | None = None
) -> ParsedQuestion:
    """`parsed` with what it leaves open taken from `previous`; `covered`: the years the library answers for."""
    changes: dict[str, object] = {}
    names_org = parsed.org is not None or parsed.org_candidates or parsed.org_terms
    if not names_org and previous.org is not None:
        changes["org"] = previous.org
    names_year = parsed.year is not None or parsed.relative_year is not None
    if not names_year:
        if previous.year is not None and (covered is None or previous.year in covered):
            changes["year"] = previous.year
        elif previous.year is None and previous.relative_year is not None:
            changes["relative_year"] = previous.relative_year
    if parsed.basis is None and previous.basis is not None:
        changes["basis"] = previous.basis
    asks_nothing = not parsed.sub_ops and not parsed.verify
    elliptic = asks_nothing or (len(parsed.text) <= 12 and _ELLIPTIC.search(parsed.text.strip()) is not None)
    if asks_nothing and previous.op not in ("text",):
        op = previous.op
        if op in _YEAR_SHIFTABLE and names_year and not parsed.metrics:
            op = "lookup"
        changes["op"] = op
        changes["sub_ops"] = (op,)
        if op == previous.op:
            changes["whole"] = parsed.whole or previous.whole
            changes["count_unit"] = parsed.count_unit or previous.count_unit
    if not parsed.metrics and not parsed.unknown_terms and previous.metrics and elliptic:
        changes["metrics"] = previous.metrics
        changes["metric_terms"] = previous.metric_terms
    return replace(parsed, **changes) if changes else parsed  # type: ignore[arg-type]


def _stage(doc: Document) -> str | None:
    if doc.kind in ("预算", "决算"):
        return doc.kind
    return None


def answer_context(answer: Answer, parsed: ParsedQuestion, docs: Sequence[Document]) -> AnswerContext | None:
    """The document, year and basis an answer stands on: the cited document, else the only one in scope."""
    by_id = {d.doc_id: d for d in docs}
    cited = list(dict.fromkeys(c.doc_id for c in answer.citations if c.doc_id in by_id))
    used = [by_id[i] for i in cited] or (list(docs) if len(docs) == 1 else [])
    if len(used) != 1:
        return AnswerContext(org=None, doc_year=None, kind=None, title=None, doc_id=None, year=parsed.year,
                             basis=parsed.basis, documents=len(used))  # fmt: skip
    doc = used[0]
    year = parsed.year
    if year is None and doc.year is not None:
        year = doc.year + (parsed.relative_year or 0)
    return AnswerContext(
        org=doc.org, doc_year=doc.year, kind=_stage(doc) or doc.kind, title=doc.title, doc_id=doc.doc_id, year=year,
        basis=parsed.basis or _stage(doc), documents=1,
    )  # fmt: skip
