"""Every figure a disclosure states, as typed Facts with their source span, section and page."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace

from index.extract.facts_indicators import extract_indicator_facts
from index.extract.facts_table import extract_table_facts
from index.extract.facts_text import extract_text_facts
from index.extract.injection import in_spans, suspect_spans
from index.types import Document, Fact, Section


def _locate(doc: Document, sections: Sequence[Section], fact: Fact, starts: Sequence[int]) -> Fact:
    k = bisect_right(starts, fact.start) - 1
    section = sections[k] if 0 <= k < len(sections) else None
    page = doc.page_at(fact.start)
    if page is None and section is not None:
        page = section.page
    return replace(fact, section=section.path_str if section else "", page=page)


def extract_facts(doc: Document, sections: Sequence[Section]) -> list[Fact]:
    """Facts from the tables and the running text of `doc`, in document order.

    Tables and indicator rows are read first; the running-text reader skips the spans they took, so a figure is read
    once.
    """
    ordered = sorted(sections, key=lambda s: s.start)
    table_facts, spans = extract_table_facts(doc)
    taken = {(f.start, f.year, f.value) for f in table_facts}
    indicator_facts = [f for f in extract_indicator_facts(doc) if (f.start, f.year, f.value) not in taken]
    text_facts = extract_text_facts(doc, [*spans, *((f.start, f.end) for f in indicator_facts)])
    starts = [s.start for s in ordered]
    facts = [_locate(doc, ordered, f, starts) for f in (*table_facts, *text_facts, *indicator_facts)]
    facts.sort(key=lambda f: (f.start, f.end))
    return mark_suspects(doc, share_comparisons(facts))


def mark_suspects(doc: Document, facts: Sequence[Fact]) -> list[Fact]:
    """Figures near an instruction-like passage are ``source="suspect"``: kept and shown, never an answer's figure."""
    spans = suspect_spans(doc.text)
    if not spans:
        return list(facts)
    return [replace(f, source="suspect") if in_spans(f.start, spans) else f for f in facts]


def share_comparisons(facts: Sequence[Fact]) -> list[Fact]:
    """A figure restated (a summary sentence, then a paragraph of changes) is one figure: a restatement without a
    comparison takes the one stated with its twin (same metric, year, basis, value and unit)."""
    stated: dict[tuple[object, ...], Fact] = {}
    for f in facts:
        if f.comparison is not None:
            stated.setdefault((f.metric, f.year, f.basis, f.value, f.unit), f)
    out = []
    for f in facts:
        twin = stated.get((f.metric, f.year, f.basis, f.value, f.unit)) if f.comparison is None else None
        out.append(replace(f, comparison=twin.comparison) if twin is not None else f)
    return out
