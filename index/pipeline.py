"""One document through the pipeline: sections -> chunks + facts -> self-check findings. Pure: no storage."""

from __future__ import annotations

from dataclasses import dataclass

from index.checks import check_document
from index.chunks import make_chunks
from index.facts import extract_facts
from index.sections import split_sections
from index.types import Chunk, Document, Fact, Finding, Section


@dataclass(frozen=True, slots=True)
class Analysis:
    document: Document
    sections: list[Section]
    chunks: list[Chunk]
    facts: list[Fact]
    findings: list[Finding]


def analyse(doc: Document) -> Analysis:
    sections = split_sections(doc)
    chunks = make_chunks(doc, sections)
    facts = extract_facts(doc, sections)
    findings = check_document(doc, facts)
    return Analysis(doc, sections, chunks, facts, findings)
