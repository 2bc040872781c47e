"""Rebuild the section tree of a Chinese government disclosure from its numbered headings.

Heading schemes, from the outermost rank down (see `_SCHEMES`):

    1  第X部分 / 第X章 / 第X篇
    2  一、  (also 一. 一．)
    3  （一） / (一);  目标 N / 长期目标 N / 年度目标 N (performance-target blocks)
    4  1.  1、  1．
    5  （1） / (1)
    6  ① ② …

Only a line that *starts* with a marker can open a section. A heading closes every open heading of the same or a
lower rank, so the depth of a path is relative: a document that starts at 一、 has 一、 at its top level, and a
（一） right under a 第X部分 sits at depth 2.

Rules that keep flattened tables and in-paragraph lists from breaking the tree (a rejected candidate stays body
text of the current section):

* page-number lines (``9``, ``—5—``, ``- 3 -``, ``第5页``) and lines starting with a plain number
  (``37.96万元``, ``2023年``, ``46.41%``) are never headings: an Arabic marker must be 1–2 digits followed by
  ``.``/``、`` and not by another digit;
* table rows are not headings: a line with a ``|`` cell separator, a line whose text holds two or more bare
  numbers separated by spaces and no sentence punctuation (a PDF table row), and a line followed by two lines
  that are bare numbers (a one-cell-per-line table: ``一、一般公共预算财政拨款收入`` / ``1`` / ``440.55``);
* sequence check: a heading whose scheme is already open at its rank must continue it (number n+1 … n+3), so
  ``一、巩固党史学习教育成果…`` inside a table cell after ``十、整体支出绩效目标表`` is body text, and so are the
  ``二、`` … ``八、`` that follow it; a scheme that starts afresh under a parent must start at 1 or 2; the very
  first heading of a rank in a document that has no parent may have any number (excerpts start mid-document);
* 第X部分 headings are always accepted (a table of contents lists them and the body repeats them).

A heading's label is the marker plus the start of its text, cut at the first ``。；：`` (or ``，`` when that
leaves at least four characters) and at 40 characters; a heading line that fills the document's wrap width
continues on the next line, and a bare marker line (``三、``) takes its text from the next line.

When a document has no `page_starts`, page numbers are inferred from lone page-number lines, read as footers:
the text up to a line ``9`` is page 9, the text after the last such line is the next page. Bare-integer lines
count only when they form an increasing sequence, are well apart and are not cells of a table of numbers.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.types import Document, Section

PREAMBLE = "（正文开头）"
MAX_LABEL = 40

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUM = "零〇一二两三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_WS = " \t\u00a0\u3000\u2002\u2003\u2009"


@dataclass(frozen=True, slots=True)
class _Scheme:
    name: str
    rank: int
    pattern: re.Pattern[str]  # group "num" is the number; the match covers the marker and its delimiter


_SCHEMES: tuple[_Scheme, ...] = (
    _Scheme("part", 1, re.compile(rf"第\s*(?P<num>[{_CN_NUM}\d]{{1,3}})\s*(?P<kind>部分|章|篇)[\s:：、]*")),
    _Scheme("cn", 2, re.compile(rf"(?P<num>[{_CN_NUM}]{{1,3}})\s*(?:、|[．.](?![\d]))\s*")),
    _Scheme("paren_cn", 3, re.compile(rf"[（(]\s*(?P<num>[{_CN_NUM}]{{1,3}})\s*[）)]\s*[、.．]?\s*")),
    _Scheme("goal_long", 3, re.compile(r"长期目标\s*(?P<num>\d{1,2})(?![\d.])\s*[：:、.]?\s*")),
    _Scheme("goal_year", 3, re.compile(r"年度目标\s*(?P<num>\d{1,2})(?![\d.])\s*[：:、.]?\s*")),
    _Scheme("goal", 3, re.compile(r"目标\s*(?P<num>\d{1,2})(?![\d.])\s*[：:、.]?\s*")),
    _Scheme("arabic", 4, re.compile(r"(?P<num>\d{1,2})\s*[.．、](?![\d.．])\s*")),
    _Scheme("paren_arabic", 5, re.compile(r"[（(]\s*(?P<num>\d{1,2})\s*[）)]\s*")),
    _Scheme("circled", 6, re.compile(rf"(?P<num>[{_CIRCLED}])\s*")),
)

_PAGE_STRONG = re.compile(r"[-—–－~]+\s*(\d{1,4})\s*[-—–－~]+|第\s*(\d{1,4})\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?")
_PAGE_BARE = re.compile(r"\d{1,3}")
_BARE_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?%?")
_NUM_TOKEN = re.compile(r"(?<=\s)[-+]?\d[\d,]*(?:\.\d+)?%?")  # a number after a space: a PDF table cell
_CUT_HARD = "。；;：:！？!?"
_CUT_SOFT = "，,"
_SENTENCE_PUNCT = re.compile(r"[，,。；;：:]")
_LONE_SPACE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")
_GAP = re.compile(r"[\s\u00a0\u3000]+")


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading line the tree accepted."""

    offset: int  # start of the heading's line in the text
    scheme: str
    rank: int
    number: int
    label: str


@dataclass(frozen=True, slots=True)
class _Line:
    start: int  # offset of the first character of the line
    end: int  # offset just past its last character (before the line break)
    text: str  # stripped


@dataclass(frozen=True, slots=True)
class _Candidate:
    index: int  # line index
    scheme: _Scheme
    number: int
    marker: str
    rest: str


# ---------------------------------------------------------------- small pure helpers


def cn_number(s: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 二十三 → 23; digits pass through; None when not a number."""
    if s in _CIRCLED:
        return _CIRCLED.index(s) + 1
    if s.isascii() and s.isdigit():
        return int(s)
    if not s or any(c not in _CN_NUM for c in s):
        return None
    if "十" not in s:
        return _CN_DIGITS[s] if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    t = _CN_DIGITS[tens] if tens else 1
    return t * 10 + (_CN_DIGITS[ones] if ones else 0)


def page_number_of_line(line: str) -> int | None:
    """The page number a line consisting only of a page number shows (``9``, ``—5—``, ``- 3 -``, ``第5页``)."""
    s = line.strip(_WS)
    m = _PAGE_STRONG.fullmatch(s)
    if m:
        return int(m.group(1) or m.group(2))
    if _PAGE_BARE.fullmatch(s):
        return int(s)
    return None


def _is_bare_number(line: str) -> bool:
    return bool(_BARE_NUMBER.fullmatch(line))


def _split_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    for m in re.finditer(r"[\n\f]", text + "\n"):
        raw = text[pos : m.start()]
        lead = len(raw) - len(raw.lstrip(_WS))
        lines.append(_Line(pos + lead, m.start(), raw.strip(_WS)))
        pos = m.end()
    return lines


def _compact(s: str) -> str:
    """Drop whitespace except a single space between two ASCII letters/digits."""
    return _LONE_SPACE.sub("", _GAP.sub(" ", s.strip(_WS + "\n\f")))


def _cut(title: str) -> tuple[str, bool]:
    """The start of a heading's text and whether it was cut at punctuation (i.e. is complete)."""
    for i, ch in enumerate(title):
        if ch in _CUT_HARD:
            return title[:i], True
        if ch in _CUT_SOFT and i >= 4 and not (title[i - 1].isdigit() and title[i + 1 : i + 2].isdigit()):
            return title[:i], True
    return title, False


def _label(cand: _Candidate, title: str) -> str:
    marker = _compact(cand.marker)
    marker = marker.rstrip(" :：")
    spaced = cand.scheme.name == "part" or cand.scheme.name.startswith("goal")
    sep = " " if spaced and title else ""
    title = title.strip(" 、，,。.；;：:")
    if len(title) > MAX_LABEL:
        title = title[:MAX_LABEL] + "…"
    return f"{marker}{sep}{title}"


def _wrap_width(lines: Sequence[_Line]) -> int | None:
    """The width of a hard-wrapped (PDF) text, or None when lines are paragraphs."""
    lengths = sorted(len(ln.text) for ln in lines if len(ln.text) >= 12)
    if len(lengths) < 10:
        return None
    width = lengths[int(len(lengths) * 0.75)]
    return width if width <= 60 else None


# ---------------------------------------------------------------- candidates and filters


def _parse_marker(text: str) -> tuple[_Scheme, int, str, str] | None:
    for scheme in _SCHEMES:
        m = scheme.pattern.match(text)
        if not m:
            continue
        num = cn_number(m.group("num"))
        if num is None or num == 0:
            return None
        return scheme, num, m.group(), text[m.end() :]
    return None


def _candidate(lines: Sequence[_Line], i: int) -> _Candidate | None:
    text = lines[i].text
    parsed = _parse_marker(text)
    if parsed is None:
        return None
    scheme, num, marker, rest = parsed
    if "|" in text:
        return None
    if len(_NUM_TOKEN.findall(rest)) >= 2 and not _SENTENCE_PUNCT.search(rest):
        return None
    following = [ln.text for ln in lines[i + 1 : i + 8] if ln.text][:2]
    if len(following) == 2 and all(_is_bare_number(t) for t in following):
        return None
    return _Candidate(i, scheme, num, marker, rest)


def _next_text_line(lines: Sequence[_Line], i: int) -> int | None:
    for j in range(i + 1, min(len(lines), i + 6)):
        if lines[j].text:
            return j
    return None


def _title(lines: Sequence[_Line], cand: _Candidate, width: int | None) -> str:
    rest = _compact(cand.rest)
    title, complete = _cut(rest)
    if complete and title:
        return title
    j = _next_text_line(lines, cand.index)
    if j is None:
        return title
    nxt = lines[j].text
    if _parse_marker(nxt) is not None or page_number_of_line(nxt) is not None or _is_bare_number(nxt):
        return title
    more, ends = _cut(_compact(nxt))
    if not title:  # a bare marker line: 三、 / 支出决算情况说明
        return more
    if width is None:
        return title
    if len(lines[cand.index].text) >= 0.8 * width and (ends or len(nxt) >= 0.8 * width):
        return title + more
    return title


# ---------------------------------------------------------------- the tree


@dataclass(frozen=True, slots=True)
class _Open:
    rank: int
    scheme: str
    number: int
    label: str


def _accept(stack: Sequence[_Open], cand: _Candidate, seen: set[str]) -> bool:
    rank, name, num = cand.scheme.rank, cand.scheme.name, cand.number
    if rank == 1:
        return True
    sibling = next((o for o in stack if o.rank == rank), None)
    if sibling is not None and sibling.scheme == name:
        return sibling.number < num <= sibling.number + 3
    has_parent = any(o.rank < rank for o in stack)
    if not has_parent and name not in seen:
        return True
    return num <= 2


def find_headings(text: str) -> list[Heading]:
    """The heading lines of a text, in order, after the filters and sequence checks of the module docstring."""
    lines = _split_lines(text)
    width = _wrap_width(lines)
    stack: list[_Open] = []
    seen: set[str] = set()
    out: list[Heading] = []
    for i, line in enumerate(lines):
        if not line.text:
            continue
        cand = _candidate(lines, i)
        if cand is None or not _accept(stack, cand, seen):
            continue
        label = _label(cand, _title(lines, cand, width))
        rank = cand.scheme.rank
        while stack and stack[-1].rank >= rank:
            stack.pop()
        stack.append(_Open(rank, cand.scheme.name, cand.number, label))
        seen.add(cand.scheme.name)
        out.append(Heading(line.start, cand.scheme.name, rank, cand.number, label))
    return out


def _line_start(text: str, offset: int) -> int:
    return max(text.rfind("\n", 0, offset), text.rfind("\f", 0, offset)) + 1


def split_sections(doc: Document) -> list[Section]:
    """Sections in document order whose spans partition `doc.text`; see the module docstring."""
    text = doc.text
    if not text:
        return []
    page = page_lookup(doc)
    headings = find_headings(text)
    starts = [_line_start(text, h.offset) for h in headings]
    sections: list[Section] = []
    if not headings or text[: starts[0]].strip():
        root = doc.title.strip() or PREAMBLE
        end = starts[0] if headings else len(text)
        sections.append(Section(doc.doc_id, (root,), 0, end, page(0)))
    elif headings:
        starts[0] = 0  # whitespace before the first heading belongs to it
    stack: list[tuple[int, str]] = []
    for k, h in enumerate(headings):
        while stack and stack[-1][0] >= h.rank:
            stack.pop()
        stack.append((h.rank, h.label))
        start = starts[k]
        end = starts[k + 1] if k + 1 < len(headings) else len(text)
        sections.append(Section(doc.doc_id, tuple(lbl for _, lbl in stack), start, end, page(start)))
    return sections


def section_at(sections: Sequence[Section], offset: int) -> Section | None:
    """The section whose span holds `offset` (sections must partition the text, in order)."""
    k = bisect_right([s.start for s in sections], offset) - 1
    if 0 <= k < len(sections) and sections[k].start <= offset < sections[k].end:
        return sections[k]
    return None


# ---------------------------------------------------------------- pages


def page_markers(text: str) -> list[tuple[int, int]]:
    """(offset just past the line, page number) for the lone page-number lines of a text without page breaks."""
    lines = _split_lines(text)
    out: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        if not line.text:
            continue
        num = page_number_of_line(line.text)
        if num is None or num == 0:
            continue
        strong = not line.text.isdigit()
        if not strong:
            texts = [ln.text for ln in lines[max(0, i - 6) : i] if ln.text][-1:] + [
                ln.text for ln in lines[i + 1 : i + 7] if ln.text
            ][:1]
            if any(_is_bare_number(t) or len(t) <= 4 for t in texts):
                continue  # a cell of a table of numbers
            if out and (num <= out[-1][1] or line.start - out[-1][0] < 100):
                continue
        elif out and num <= out[-1][1]:
            continue
        out.append((line.end, num))
    return out


def page_lookup(doc: Document) -> Callable[[int], int | None]:
    """offset → page number: from `doc.page_starts` when known, else from page-number lines.

    Inferred pages are conservative: a page-number line is read as the footer of its page, and a page is known only
    when it is bounded by two footers with consecutive numbers (…—5—, text, —6—: the text is page 6). Elsewhere the
    page is None: text before the first footer, after the last one or between footers that skip numbers (the PDF
    conversion dropped some) may span several pages.
    """
    if doc.page_starts:
        return doc.page_at
    markers = page_markers(doc.text)
    if len(markers) < 2:
        return lambda _offset: None
    ends = [end for end, _ in markers]
    nums = [num for _, num in markers]

    def page(offset: int) -> int | None:
        k = bisect_left(ends, offset + 1)
        if 0 < k < len(nums) and nums[k] == nums[k - 1] + 1:
            return nums[k]
        return None

    return page
