"""One document through the pipeline: sections -> chunks + facts -> self-check findings. Pure: no storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index.extract.checks import check_document
from index.extract.chunks import make_chunks
from index.extract.facts import extract_facts
from index.extract.sections import split_sections
from index.types import Chunk, Document, Fact, Finding, Section


@dataclass(frozen=True, slots=True)
class Analysis:
    document: Document
    sections: list[Section]
    chunks: list[Chunk]
    facts: list[Fact]
    findings: list[Finding]


def analyse(doc: Document, on_stage: Callable[[str], None] | None = None) -> Analysis:
    """`on_stage` is told, in Chinese, which part starts (for a progress bar)."""
    say = on_stage or (lambda _: None)
    say("分节")
    sections = split_sections(doc)
    say("切分文本块")
    chunks = make_chunks(doc, sections)
    say("提取数值")
    facts = extract_facts(doc, sections)
    say("自检")
    findings = check_document(doc, facts)
    return Analysis(doc, sections, chunks, facts, findings)
