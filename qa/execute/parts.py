"""The parts of a stated whole, read from the document's own layout: “A加B和总数对得上吗”, “各分项加起来等于总数吗”.

A whole is followed by its breakdown: ``总收入X，其中A、B``, ``X（其中A、B）``, ``X，包括A、B；…``, ``X。其中，A，B。``
or ``X，如下：1.A… 2.B…``. A sub-list inside the breakdown (``A，包括a1、a2；B``) belongs to its item and is skipped.
A change is broken down the same way (``比上年减少830万元。其中：A减少9万元，…``): its parts are the signed changes
of the items. Nothing here knows an item's name; the rules read punctuation, list markers and change verbs only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from index.types import Fact
from index.units import NUMBER, normalise, parse_number

# what opens a breakdown right after a figure
_OPENER = re.compile(
    r"[（(]?\s*(?:其中|包括|分别为|分别是|具体如下|主要[^，,。；;:：]{0,8}如下|如下|含)\s*[:：]?\s*[,，]?"
)
_SUB_OPENER = re.compile(r"^\s*[，,]?\s*[（(]?\s*(?:其中|包括)")
# list markers: 1. 1、 （1） (1) ① （一） (一) 一、
_MARKERS = (
    (re.compile(r"(?<![\d.])(\d{1,2})\s*[.、．](?!\d)"), "arabic"),
    (re.compile(r"[（(](\d{1,2})[)）]"), "paren-arabic"),
    (re.compile(r"[（(]([一二三四五六七八九十])[)）]"), "paren-cn"),
    (re.compile(r"(?<![一二三四五六七八九十])([一二三四五六七八九十])、"), "cn"),
)
_CN_ORDER = "一二三四五六七八九十"
_CHANGE = re.compile(
    r"(?:比|较|同比|与)[^，,。；;]{0,14}?(增加|增长|增|多|\(减少\)|（减少）|\(减\)|（减）|减少|减|下降|少)\s*"
    rf"({NUMBER})\s*(亿元|万元|元)"
)
_PLUS = ("增加", "增长", "增", "多")
_GAP = 36  # characters between a figure and the word that opens its breakdown


@dataclass(frozen=True, slots=True)
class Part:
    """One item of a breakdown: the fact it is, or for a change the signed amount and where it is written."""

    label: str
    value: Decimal  # normalised unit (万元 for money); a change is signed
    unit: str
    fact: Fact | None = None
    start: int = 0
    end: int = 0


def same_unit(a: str, b: str) -> bool:
    return a == b or {a, b} <= {"人", "名", "位"}


def _open(text: str, at: int, figures: Sequence[int]) -> re.Match[str] | None:
    """The opener of a breakdown starting near `at`, when no figure of the same kind (at `figures`) comes first."""
    m = _OPENER.search(text, at, at + _GAP)
    if m is None or any(at <= p < m.start() for p in figures):
        return None
    if text[at : m.start()].count("。") > 1:
        return None
    return m


def _marker(text: str) -> tuple[re.Pattern[str], str, int] | None:
    """The list marker a breakdown starts with (after white space), and the number it gives its first item."""
    stripped = text.lstrip()
    for pattern, style in _MARKERS:
        m = pattern.match(stripped)
        if m:
            first = m.group(1)
            return pattern, style, int(first) if first.isdigit() else _CN_ORDER.index(first) + 1
    return None


def _numbered_items(text: str, start: int, limit: int) -> list[tuple[int, int]]:
    """Spans of the items of a numbered list that begins at `start`: item k runs to where item k+1 begins."""
    found = _marker(text[start:limit])
    if found is None:
        return []
    pattern, _style, n = found
    spans: list[tuple[int, int]] = []
    pos = start
    while True:
        m = pattern.search(text, pos, limit)
        while m is not None and _number(m.group(1)) != n:
            m = pattern.search(text, m.end(), limit)
        if m is None:
            break
        if spans:
            spans[-1] = (spans[-1][0], m.start())
        spans.append((m.start(), limit))
        pos, n = m.end(), n + 1
    if spans:  # the last item ends with its paragraph
        last_start = spans[-1][0]
        stop = text.find("。", last_start, limit)
        spans[-1] = (last_start, stop + 1 if stop >= 0 else limit)
    return spans


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _CN_ORDER.index(token) + 1


def _region_end(text: str, opener: re.Match[str], start: int) -> int:
    word = opener.group(0)
    if word.lstrip().startswith(("（", "(")):
        close = min((i for i in (text.find(")", start), text.find("）", start)) if i >= 0), default=-1)
        return close if close >= 0 else len(text)
    stops = "；;。" if "包括" in word else "。"
    ends = [i for i in (text.find(s, start) for s in stops) if i >= 0]
    return min(ends) if ends else len(text)


def listed_parts(text: str, whole: Fact, facts: Sequence[Fact]) -> list[Part]:
    """The items the document lists right after `whole`, one figure each, in the whole's unit."""
    kin = sorted(
        (f for f in facts if f.doc_id == whole.doc_id and same_unit(f.unit, whole.unit)), key=lambda f: f.start
    )
    after = [f for f in kin if f.start >= whole.end]
    opener = _open(text, whole.end, [f.start for f in after])
    if opener is None:
        return []
    start = opener.end()
    numbered = _numbered_items(text, start, min(len(text), start + 3000))
    if len(numbered) >= 2:
        numbered_parts: list[Part] = []
        for a, b in numbered:
            first = next((f for f in after if a <= f.start < b), None)
            if first is None:
                return []
            numbered_parts.append(_part(first))
        return numbered_parts
    end = _region_end(text, opener, start)
    inside = [f for f in after if start <= f.start < end]
    parts: list[Part] = []
    skip_to = -1
    for f in inside:
        if f.start < skip_to:
            continue
        parts.append(_part(f))
        sub = _SUB_OPENER.search(text[f.end : f.end + 8])
        if sub:
            # a bracketed sub-list ends at its bracket, an open one at the next semicolon
            stops = "）)" if re.search(r"[（(]", sub.group(0)) else "；;"
            ends = [i for i in (text.find(ch, f.end, end) for ch in stops) if i >= 0]
            skip_to = min(ends) if ends else end
    return parts if len(parts) >= 2 else []


def _part(f: Fact) -> Part:
    return Part(f.metric_raw, f.value, f.unit, f, f.start, f.end)


def change_parts(text: str, at: int, unit: str = "万元") -> list[Part]:
    """The signed changes that break down a change written at `at` (比上年减少830万元。其中：A减少9万元…)."""
    opener = _open(text, at, [m.start() for m in _CHANGE.finditer(text, at, at + _GAP)])
    if opener is None:
        return []
    start = opener.end()
    numbered = _numbered_items(text, start, min(len(text), start + 3000))
    spans = numbered if len(numbered) >= 2 else None
    parts: list[Part] = []
    if spans is None:  # parallel sentences of one paragraph, each with its own change
        paragraph = text.find("\n\n", start)
        limit = paragraph if paragraph >= 0 else len(text)
        for m in _CHANGE.finditer(text, start, limit):
            parts.append(_change_part(text, m, unit))
        return parts if len(parts) >= 2 else []
    for a, b in spans:
        found = _CHANGE.search(text, a, b)
        if found is None:
            return []
        parts.append(_change_part(text, found, unit))
    return parts


def _change_part(text: str, m: re.Match[str], unit: str) -> Part:
    amount = parse_number(m.group(2)) or Decimal(0)
    value, _ = normalise(amount, m.group(3))
    sign = 1 if m.group(1) in _PLUS else -1
    head = max(text.rfind(c, 0, m.start()) for c in "，,。；;:：\n")
    label = re.sub(
        r"^\s*(?:\d{1,2}[.、．]|[（(][一二三四五六七八九十\d]+[)）])", "", text[head + 1 : m.start()]
    ).strip()
    label = re.sub(r"(?:同口径|同比)$", "", label)
    return Part(label or "分项", sign * value, unit, None, m.start(), m.end())


def change_positions(text: str, amount: Decimal) -> list[int]:
    """Where the document writes a change of `amount` (in 万元 when money)."""
    out = []
    for m in _CHANGE.finditer(text):
        value = parse_number(m.group(2))
        if value is not None and normalise(value, m.group(3))[0] == amount:
            out.append(m.end())
    return out


_TABLE_TOTAL = re.compile(r"^(?:合计|总计)")


def table_rows(text: str, whole: Fact, facts: Sequence[Fact]) -> list[Part]:
    """The rows of the table whose total row holds `whole`, in the whole's column: the table's facts run without a
    sentence between them; rows nested under another row (其中, or a metric under another row's metric) are left out,
    as are other total rows."""
    if whole.source != "table" or not (_TABLE_TOTAL.match(whole.metric_raw or "合计") or whole.metric_raw == ""):
        return []
    from index.metrics import ancestors

    ordered = sorted((f for f in facts if f.doc_id == whole.doc_id), key=lambda f: (f.start, f.end))
    if not any(f is whole for f in ordered):
        return []
    k = next(i for i, f in enumerate(ordered) if f is whole)

    def joined(a: Fact, b: Fact) -> bool:
        gap = text[a.end : b.start]
        return a.source == b.source == "table" and len(gap) < 200 and "。" not in gap and "\n\n" not in gap

    lo = k
    while lo > 0 and joined(ordered[lo - 1], ordered[lo]):
        lo -= 1
    hi = k
    while hi + 1 < len(ordered) and joined(ordered[hi], ordered[hi + 1]):
        hi += 1
    table = ordered[lo : hi + 1]
    rows: list[list[Fact]] = []
    for f in table:  # a row: consecutive figures quoting the same row
        if rows and rows[-1][-1].quote == f.quote:
            rows[-1].append(f)
        else:
            rows.append([f])
    own = next(r for r in rows if any(f is whole for f in r))
    col = next(i for i, f in enumerate(own) if f is whole)
    picked: list[Fact] = []
    for r in rows:
        if r is own or len(r) != len(own):
            continue
        f = r[col]
        if _TABLE_TOTAL.match(f.metric_raw) or f.metric_raw == "" or f.year != whole.year or f.basis != whole.basis:
            continue
        if not same_unit(f.unit, whole.unit):
            return []
        picked.append(f)
    # a row the next rows add up to is a subtotal: its rows are inside it (a 类 over its 款 and 项 rows)
    flat: list[Fact] = []
    i = 0
    while i < len(picked):
        f = picked[i]
        flat.append(f)
        j, acc = i + 1, Decimal(0)
        while j < len(picked) and acc < f.value:
            acc += picked[j].value
            j += 1
        i = j if j > i + 1 and acc == f.value and f.value > 0 else i + 1
    picked = flat
    names = {f.metric for f in picked}
    parts = [
        _part(f) for f in picked
        if not f.metric_raw.startswith("其中") and not f.quote.startswith("其中")
        and not (set(ancestors(f.metric)) & (names - {f.metric}))
    ]  # fmt: skip
    return parts if len(parts) >= 2 else []
