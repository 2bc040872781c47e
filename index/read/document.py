"""From a file's bytes to a normalised Document with its metadata."""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from pathlib import Path

from index.errors import UnreadableFile
from index.read.files import read_file
from index.read.meta import detect_meta, ensure_disclosure
from index.read.normalize import normalize
from index.types import Document, RawDocument


def content_id(data: bytes) -> str:
    """The document id: the first 16 hex digits of the file's sha256 (same bytes, same id)."""
    return hashlib.sha256(data).hexdigest()[:16]


# The text a document may hold: parsing is linear in it (python -m eval.bench_parse: about 5 s and 170 MB per million
# characters on 2 cores, so the cap costs at most ~15 s and ~0.5 GB); a departmental disclosure holds 20,000-200,000.
MAX_TEXT_CHARS = 3_000_000


def build_document(raw: RawDocument, doc_id: str, source: str) -> Document:
    if len(raw.text) > MAX_TEXT_CHARS:
        raise UnreadableFile(
            source,
            f"文字内容过长（{len(raw.text) // 10000} 万字，上限 {MAX_TEXT_CHARS // 10000} 万字），不像单份预算/决算公开文件",
            "请把文件拆分成单个部门、单个年度的公开文件后再导入",
        )
    mapped = normalize(raw.text)
    offsets = mapped.offsets
    page_starts = tuple(bisect_left(offsets, start) for start in raw.page_starts)
    ensure_disclosure(mapped.text, source)
    meta = detect_meta(mapped.text, source)
    return Document(
        doc_id=doc_id,
        source=source,
        title=meta.title,
        org=meta.org,
        year=meta.year,
        kind=meta.kind,
        text=mapped.text,
        raw_text=raw.text,
        offsets=offsets,
        page_starts=page_starts,
        region=meta.region,
    )


def load_document(path: Path) -> Document:
    """Read and normalise one file; raises UnreadableFile / NotADisclosure with a Chinese message."""
    raw = read_file(path)
    return build_document(raw, content_id(path.read_bytes()), path.name)
