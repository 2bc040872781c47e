"""Cut a document into retrieval chunks, section by section.

A chunk never crosses a section boundary. A section longer than `max_chars` is cut greedily: each cut is the last
break of the best kind inside the window [min_chars, max_chars] from the chunk's start (and leaving at least
`min_chars` behind), trying in order

    1. a sentence end          。！？!? (and a closing quote or bracket right after it)
    2. a clause end or a paragraph break   ；; or a blank line
    3. a line end              (table rows flattened one per line)
    4. a comma or enumeration comma (never the thousands separator inside a number)
    5. a space
    6. a hard cut, moved back so that it does not split a number.

Every chunk's text is the stripped span: `doc.text[chunk.start:chunk.end] == chunk.text`; whitespace-only pieces
are dropped, so every non-space character of the document is in exactly one chunk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.extract.sections import page_lookup
from index.types import Chunk, Document, Section

_BREAKS: tuple[re.Pattern[str], ...] = (
    re.compile(r"[。！？!?][”’」』）)]*"),
    re.compile(r"[；;]|\n[ \t\u3000]*\n"),
    re.compile(r"[\n\f]"),
    re.compile(r"[，、]|(?<!\d),|,(?!\d)"),
    re.compile(r"[ \t\u3000]"),
)
_NUMBER_CHAR = re.compile(r"[\d.,%]")


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_point(text: str, start: int, end: int, max_chars: int, min_chars: int) -> int:
    """Where to end the chunk that starts at `start` inside a section ending at `end` (end - start > max_chars)."""
    lo = start + min_chars
    hi = min(start + max_chars, end - min_chars)
    if hi <= lo:
        hi = min(start + max_chars, end)
        lo = start + 1
    for pattern in _BREAKS:
        best = -1
        for m in pattern.finditer(text, lo - 1, min(hi + 2, len(text))):  # +2: let look-aheads see past hi
            if lo <= m.end() <= hi:
                best = m.end()
        if best > 0:
            return best
    cut = hi
    while cut > lo and _NUMBER_CHAR.match(text[cut - 1]) and _NUMBER_CHAR.match(text[cut]):
        cut -= 1
    return cut


def split_span(text: str, start: int, end: int, max_chars: int = 350, min_chars: int = 40) -> list[tuple[int, int]]:
    """Stripped, non-empty sub-spans of text[start:end], each at most `max_chars` long, cut at good breaks."""
    spans: list[tuple[int, int]] = []
    cur = start
    while cur < end:
        cur, _ = _strip_span(text, cur, end)
        if cur >= end:
            break
        cut = end if end - cur <= max_chars else _cut_point(text, cur, end, max_chars, min_chars)
        s, e = _strip_span(text, cur, cut)
        if s < e:
            spans.append((s, e))
        cur = cut
    return spans


def make_chunks(
    doc: Document, sections: Sequence[Section], *, max_chars: int = 350, min_chars: int = 40
) -> list[Chunk]:
    """Chunks of each section in order; ids are f"{doc.doc_id}:{n:04d}" counting from 0."""
    page = page_lookup(doc)
    chunks: list[Chunk] = []
    for section in sections:
        path = section.path_str
        for start, end in split_span(doc.text, section.start, section.end, max_chars, min_chars):
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}:{len(chunks):04d}",
                    doc_id=doc.doc_id,
                    text=doc.text[start:end],
                    section=path,
                    start=start,
                    end=end,
                    page=page(start),
                    org=doc.org,
                    year=doc.year,
                    kind=doc.kind,
                    title=doc.title,
                )
            )
    return chunks
