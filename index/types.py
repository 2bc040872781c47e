"""The plain, typed, immutable things that flow through ingestion and answering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

# Disclosure kinds: 预算 (budget), 决算 (final accounts), 三公 (a “三公”经费 statement on its own), other.
KINDS = ("预算", "决算", "三公", "other")


@dataclass(frozen=True, slots=True)
class Table:
    """A table as the reader found it: rows of cells (None for an empty cell)."""

    page: int | None
    rows: tuple[tuple[str | None, ...], ...]


@dataclass(frozen=True, slots=True)
class RawDocument:
    """What a reader returns: the text as written, and where each page starts."""

    path: str
    text: str
    page_starts: tuple[int, ...] = ()  # char offset in `text` where page i+1 starts; empty when unknown
    tables: tuple[Table, ...] = ()
    fmt: str = "txt"  # txt | pdf
    warnings: tuple[str, ...] = ()  # Chinese: what was read other than as written (shown with the ingest result)

    def page_at(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i + 1
            else:
                break
        return page or 1


@dataclass(frozen=True, slots=True)
class Document:
    """One ingested disclosure.

    `text` is the normalised text (simplified characters, pinyin glosses and spaces between Chinese characters
    removed) that every span (`start`, `end`) in sections, chunks and facts points into; `raw_text` is the text
    as written and `offsets[i]` is the index in `raw_text` of `text[i]`, so a quote can always be shown as written.
    """

    doc_id: str  # content hash (sha256 of the file bytes, first 16 hex digits)
    source: str  # file name as given
    title: str
    org: str
    year: int | None
    kind: str  # one of KINDS
    text: str
    raw_text: str
    offsets: Sequence[int]  # an array("i") (`index.read.normalize.offsets_array`): 4 bytes a character
    page_starts: tuple[int, ...] = ()  # offsets into `text`
    region: str | None = None

    def page_at(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        page = 1
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i + 1
            else:
                break
        return page

    def raw_span(self, start: int, end: int) -> str:
        """The text as written between two offsets of the normalised text."""
        if not self.offsets:
            return self.text[start:end]
        raw_start = self.offsets[start] if start < len(self.offsets) else len(self.raw_text)
        raw_end = self.offsets[end - 1] + 1 if 0 < end <= len(self.offsets) else raw_start
        return self.raw_text[raw_start:raw_end]


@dataclass(frozen=True, slots=True)
class Section:
    """A node of the section tree. `path` holds the headings from the root down, this one last."""

    doc_id: str
    path: tuple[str, ...]
    start: int  # span of the section's own text (heading included) in Document.text
    end: int
    page: int | None = None

    @property
    def level(self) -> int:
        return len(self.path)

    @property
    def path_str(self) -> str:
        return " > ".join(self.path)


@dataclass(frozen=True, slots=True)
class Chunk:
    chunk_id: str  # doc_id + ":" + running number
    doc_id: str
    text: str
    section: str  # section path, " > " joined
    start: int
    end: int
    page: int | None
    org: str
    year: int | None
    kind: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Citation:
    doc_id: str
    title: str
    org: str
    year: int | None
    section: str  # 第三部分 > 七、… > （二）… > 3.
    page: int | None
    quote: str
    start: int | None = None
    end: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "org": self.org,
            "year": self.year,
            "section": self.section,
            "page": self.page,
            "quote": self.quote,
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """A comparison a document states next to a figure: 比上年增加 X 万元，增长 Y%."""

    base: str  # "上年" or a year such as "2022"
    direction: str  # 增加 | 减少 | 持平
    amount: Decimal | None = None  # in the fact's normalised unit
    rate: Decimal | None = None  # percent


@dataclass(frozen=True, slots=True)
class Fact:
    doc_id: str
    org: str
    year: int | None  # the year the figure refers to (a table column may be an earlier year)
    kind: str  # 预算 | 决算 | 三公 | other (of the document)
    metric: str  # canonical name (see index.metrics); the written name is `metric_raw`
    metric_raw: str
    value: Decimal  # normalised: 万元 for money, counts stay counts, percent for rates
    unit: str  # normalised unit: 万元 | % | 人 | 辆 | 条 | 期 | 次 | 个 | 批次 | 人次 | 名 | …
    raw_value: str  # as written, e.g. "10,537,750.00"
    raw_unit: str  # as written, e.g. "元"
    section: str
    page: int | None
    start: int
    end: int
    quote: str
    source: str = "text"  # text | table
    basis: str | None = None  # 预算数 | 决算数 | 执行数 when the document says which
    share: Decimal | None = None  # 占比 Z% stated next to the figure
    comparison: Comparison | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A place where a disclosure does not agree with itself."""

    doc_id: str
    check: str  # sum_mismatch | rate_mismatch | change_mismatch | unit_scale | conflict
    message: str  # Chinese, shown to users as is
    metric: str | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    quotes: tuple[str, ...] = field(default_factory=tuple)
    section: str = ""
    page: int | None = None


@dataclass(frozen=True, slots=True)
class IngestResult:
    source: str
    ok: bool
    doc_id: str | None = None
    message: str = ""  # Chinese; the reason when not ok
    sections: int = 0
    chunks: int = 0
    facts: int = 0
    findings: int = 0
    skipped: bool = False  # already in the library (the same bytes, or the same normalised text)
    same_as: str | None = None  # when skipped: the file name of the document already holding it
    warnings: tuple[str, ...] = ()  # Chinese: ingested, but something was read other than as written
