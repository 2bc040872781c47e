"""Scoring one answer against one gold question (pure functions; the gold format is /work/shared/corpus/README.md).

    score(gold, answer_json) -> Score(correct, reason, citation_ok)

* numeric gold (`answer_value` not null): the answer's value and unit must equal the gold after unit normalisation —
  money in 万元 within half a unit of the gold's last decimal place, percentages (% / 个百分点) within 0.01,
  counts exactly (人 = 名, 万人 = 10000 人, 个 = 项), 倍 within 0.01. A rounded figure the gold `answer_text` quotes
  from the document ("原文四舍五入写作9%") is accepted too, but only when it really is a rounding of the gold.
  delta/diff/rate golds are magnitudes, so a signed answer (-656.1) is compared by its size.
* refuse gold: correct only when the answer is refused.
* text gold (reason, names, consistency without a value): the answer text, warnings and citation quotes must
  recall at least 70 % of the character bigrams of the gold evidence (or of the gold answer text).
* citation_ok: some citation quote contains one of the figures of the gold evidence; None when the gold evidence
  has no figures or the gold is a refusal.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from index.read.normalize import normalize
from index.units import COUNT_UNITS, MONEY_TO_WAN

# Recall of gold bigrams needed for a text answer. Faithful (near-verbatim) answers score ≥ 0.8 and unrelated ones
# < 0.3 on the dev and seed sets; a reason cut off mid-sentence ("2022年融媒体平台建设完成,2023年。") scores 0.5–0.6,
# so 0.5 would pass it.
OVERLAP_THRESHOLD = 0.7
PERCENT_TOLERANCE = Decimal("0.01")
TIMES_TOLERANCE = Decimal("0.01")
_EPS = Decimal("1e-9")

PERCENT_UNITS = {"%": "%", "％": "%", "个百分点": "%", "百分点": "%"}
# count units that mean the same thing: (canonical unit, factor)
COUNT_ALIASES: dict[str, tuple[str, Decimal]] = {
    "人": ("人", Decimal(1)),
    "名": ("人", Decimal(1)),
    "万人": ("人", Decimal(10000)),
    "个": ("个", Decimal(1)),
    "项": ("个", Decimal(1)),
}
MAGNITUDE_TYPES = {"delta", "diff", "rate"}
# words in a gold answer_text that introduce the document's own (rounded) figure
_STATED_CUE = re.compile(r"原文|文中|文件|正文|表中|表内|写作|写为|写成|四舍五入|约为")
_CLAUSE_SPLIT = re.compile(r"[，。；;（）()、,]")
_NUMBER_WITH_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*(个百分点|万元|亿元|元|%|％|倍|人|名|辆|条|期|次|个|项|批次|人次)?")


@dataclass(frozen=True, slots=True)
class Score:
    correct: bool
    reason: str  # Chinese/English short explanation, shown in reports
    citation_ok: bool | None


# ---- numbers ------------------------------------------------------------------------------------------------------
def to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None


def places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def half_unit(value: Decimal) -> Decimal:
    """Half a unit in the last decimal place written: 757.53 -> 0.005, 300 -> 0.5."""
    return Decimal(5).scaleb(-places(value) - 1)


def canonical_unit(unit: str | None) -> tuple[str, Decimal] | None:
    """(unit class, factor to that class's base unit); money -> 万元, percentages -> %, 人/名 -> 人."""
    if unit is None:
        return None
    unit = unit.strip()
    if unit in MONEY_TO_WAN:
        return "万元", MONEY_TO_WAN[unit]
    if unit in PERCENT_UNITS:
        return "%", Decimal(1)
    if unit in COUNT_ALIASES:
        return COUNT_ALIASES[unit]
    return unit, Decimal(1)


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def stated_alternatives(gold: Mapping[str, Any]) -> list[Decimal]:
    """Rounded figures of the document that the gold answer_text quotes ("原文四舍五入写作9%") and that are roundings
    of the gold value; they count as correct answers too."""
    value = to_decimal(gold.get("answer_value"))
    unit = gold.get("answer_unit")
    text = gold.get("answer_text") or ""
    if value is None or not text:
        return []
    gold_cls = canonical_unit(unit)
    out: list[Decimal] = []
    for clause in _CLAUSE_SPLIT.split(text):
        if not _STATED_CUE.search(clause):
            continue
        for m in _NUMBER_WITH_UNIT.finditer(clause.replace(",", "")):
            alt = Decimal(m.group(1))
            alt_unit = m.group(2) or unit
            if canonical_unit(alt_unit) != gold_cls or alt == value:
                continue
            if abs(alt - value) <= half_unit(alt) + _EPS:
                out.append(alt)
    return out


def numeric_match(gold: Mapping[str, Any], value: Any, unit: str | None) -> tuple[bool, str]:
    """Whether (value, unit) answers a numeric gold; with the reason."""
    gold_value = to_decimal(gold.get("answer_value"))
    gold_unit = gold.get("answer_unit")
    got = to_decimal(value)
    assert gold_value is not None
    expected = f"{_fmt(gold_value)}{gold_unit or ''}"
    if got is None:
        return False, f"no value (expected {expected})"
    if gold.get("type") in MAGNITUDE_TYPES:
        got = abs(got)
    gold_cls = canonical_unit(gold_unit)
    got_cls = canonical_unit(unit)
    if gold_cls is not None and got_cls is None:
        return False, f"value {_fmt(got)} without a unit (expected {expected})"
    if gold_cls is not None and gold_cls[0] == "个" and unit in COUNT_UNITS:
        got_cls = gold_cls  # a generic count (几项/几个) may be answered with any counter: 8项, 8条
    if gold_cls is not None and got_cls is not None and gold_cls[0] != got_cls[0]:
        return False, f"unit {unit} does not match {gold_unit} (got {_fmt(got)}{unit}, expected {expected})"
    kind = gold_cls[0] if gold_cls else None
    for candidate in [gold_value, *stated_alternatives(gold)]:
        if _close(kind, candidate, gold_cls, got, got_cls):
            note = "" if candidate == gold_value else f" (the document's rounded figure {_fmt(candidate)})"
            return True, f"value matches{note}: {_fmt(got)}{unit or ''}"
    # the document states a rounded percentage (92.8%) and the answer gives the exact computation (92.77%)
    stated_rounded = kind == "%" and bool(gold.get("stated_in_doc")) and places(gold_value) < 2
    if stated_rounded and got.quantize(Decimal(1).scaleb(-places(gold_value)), ROUND_HALF_UP) == gold_value:
        return True, f"value rounds to the document's figure {expected}: {_fmt(got)}{unit or ''}"
    return False, f"wrong value: got {_fmt(got)}{unit or ''}, expected {expected}"


def _close(
    kind: str | None,
    gold_value: Decimal,
    gold_cls: tuple[str, Decimal] | None,
    got: Decimal,
    got_cls: tuple[str, Decimal] | None,
) -> bool:
    gold_factor = gold_cls[1] if gold_cls else Decimal(1)
    got_factor = got_cls[1] if got_cls else Decimal(1)
    g = gold_value * gold_factor
    a = got * got_factor
    if kind == "%":
        return abs(a - g) <= PERCENT_TOLERANCE + _EPS
    if kind == "倍":
        return abs(a - g) <= TIMES_TOLERANCE + _EPS
    if kind == "万元":
        return abs(a - g) <= half_unit(gold_value) * gold_factor + _EPS
    return a == g  # counts and anything else: exact


# ---- text ---------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def normalise_text(text: str) -> str:
    """Simplified characters, no pinyin glosses, no whitespace or punctuation (decimal points and % stay)."""
    flat = normalize(text).text
    return "".join(
        ch for ch in flat
        if ch in ".%" or not unicodedata.category(ch).startswith(("P", "Z", "C", "S"))
    )  # fmt: skip


def bigrams(text: str) -> set[str]:
    norm = normalise_text(text)
    return {norm[i : i + 2] for i in range(len(norm) - 1)}


def recall(reference: str, candidate: str) -> float:
    """Share of the reference's character bigrams that the candidate contains."""
    ref = bigrams(reference)
    if not ref:
        return 0.0
    return len(ref & bigrams(candidate)) / len(ref)


def text_overlap(gold: Mapping[str, Any], candidate: str) -> float:
    """The better of: recall of the gold evidence's bigrams, recall of the gold answer_text's bigrams."""
    evidence = "\n".join(gold.get("evidence") or [])
    answer_text = gold.get("answer_text") or ""
    return max(recall(evidence, candidate) if evidence else 0.0, recall(answer_text, candidate) if answer_text else 0.0)


def answer_text_pool(answer: Mapping[str, Any]) -> str:
    parts = [str(answer.get("answer") or "")]
    parts.extend(str(w) for w in answer.get("warnings") or [])
    parts.extend(str(c.get("quote") or "") for c in answer.get("citations") or [] if isinstance(c, Mapping))
    return "\n".join(parts)


# ---- citations ----------------------------------------------------------------------------------------------------
_DIGIT_GAP = re.compile(r"(?<=\d)\s+(?=\d)")
_OTHER_SPACE = re.compile(r"(?<!\d)\s+|\s+(?!\d)")
_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_FIGURE = re.compile(r"(?<![\d.A-Za-z])\d+(?:\.\d+)?(?!\d)")


def _number_text(text: str) -> str:
    """Normalised text where only the gaps between two numbers survive (as one space); thousands separators go."""
    flat = _DIGIT_GAP.sub(" ", normalize(text).text)
    return _THOUSANDS.sub("", _OTHER_SPACE.sub("", flat))


def figures(text: str, *, strict: bool = True) -> set[Decimal]:
    """The numbers in a text; `strict` leaves out years (2022年), dates, list markers (3. / 目标 1：/ (1)) and codes."""
    flat = _number_text(text)
    out: set[Decimal] = set()
    for m in _FIGURE.finditer(flat):
        if strict:
            before = flat[m.start() - 1] if m.start() else ""
            after = flat[m.end()] if m.end() < len(flat) else ""
            if after in ("年", "月", "日", ".", "、", "：", ":", ")", "）") or before in ("(", "（"):
                continue
            if re.fullmatch(r"(19|20)\d\d", m.group(0)):
                continue
        out.add(Decimal(m.group(0)))
    return out


def gold_figures(gold: Mapping[str, Any]) -> set[Decimal]:
    found: set[Decimal] = set()
    for quote in gold.get("evidence") or []:
        found |= figures(str(quote))
    nonzero = {f for f in found if f != 0}
    return nonzero or found


def citation_ok(gold: Mapping[str, Any], answer: Mapping[str, Any]) -> bool | None:
    if gold.get("type") == "refuse":
        return None
    wanted = gold_figures(gold)
    if not wanted:
        return None
    for citation in answer.get("citations") or []:
        if isinstance(citation, Mapping) and figures(str(citation.get("quote") or ""), strict=False) & wanted:
            return True
    return False


# ---- the score ----------------------------------------------------------------------------------------------------
def score(gold: Mapping[str, Any], answer: Mapping[str, Any]) -> Score:
    cited = citation_ok(gold, answer)
    refused = bool(answer.get("refused"))
    gold_type = gold.get("type")
    if gold_type == "refuse":
        if refused:
            return Score(True, "refused as expected", cited)
        return Score(False, "answered a question the document cannot answer (expected a refusal)", cited)
    if refused:
        return Score(False, "refused an answerable question", cited)
    if gold.get("answer_value") is not None:
        ok, why = numeric_match(gold, answer.get("value"), _str_or_none(answer.get("unit")))
        return Score(ok, why, cited)
    overlap = text_overlap(gold, answer_text_pool(answer))
    ok = overlap >= OVERLAP_THRESHOLD
    return Score(ok, f"text overlap {overlap:.2f} ({'≥' if ok else '<'} {OVERLAP_THRESHOLD})", cited)


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# ---- summaries ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Outcome:
    """One scored question, as the summary needs it."""

    qid: str
    qtype: str
    correct: bool
    refused: bool
    citation_ok: bool | None
    ms: float


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5 - 1e-9)))
    return ordered[rank - 1]


def summarise(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    items = list(outcomes)
    by_type: dict[str, dict[str, Any]] = {}
    for o in items:
        row = by_type.setdefault(o.qtype, {"n": 0, "correct": 0})
        row["n"] += 1
        row["correct"] += int(o.correct)
    for row in by_type.values():
        row["accuracy"] = row["correct"] / row["n"] if row["n"] else 0.0
    cited = [o.citation_ok for o in items if o.citation_ok is not None]
    refused = [o for o in items if o.refused]
    should_refuse = [o for o in items if o.qtype == "refuse"]
    latencies = [o.ms for o in items]
    n = len(items)
    correct = sum(o.correct for o in items)
    return {
        "n": n,
        "correct": correct,
        "accuracy": correct / n if n else 0.0,
        "by_type": dict(sorted(by_type.items())),
        "citation_accuracy": sum(cited) / len(cited) if cited else None,
        "citations_checked": len(cited),
        "refusal_precision": sum(o.qtype == "refuse" for o in refused) / len(refused) if refused else None,
        "refusal_recall": sum(o.refused for o in should_refuse) / len(should_refuse) if should_refuse else None,
        "refused": len(refused),
        "latency_ms_p50": round(percentile(latencies, 50), 1),
        "latency_ms_p95": round(percentile(latencies, 95), 1),
        "latency_ms_mean": round(statistics.fmean(latencies), 1) if latencies else 0.0,
    }
