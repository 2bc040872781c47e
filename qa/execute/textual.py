"""Answers that are sentences, not numbers: reasons, definitions, open questions — taken from retrieved passages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.metrics import BY_NAME
from index.types import Chunk, Citation

_SENTENCE_END = re.compile(r"(?<=[。！？])")
_REASON_CUE = re.compile(
    r"(主要)?(原因|因为|由于|用于|主要用于|用在|是为了|为确保|为保障|主要情况|主要是|得益于)"
    r"|受[^,，。；;]{1,15}影响|[^,，。；;]{2,15}所致"  # 主要受房地产市场下行影响: a cause without the word 原因
    r"|(?:^|[,，。；;])因(?![公此而])[^,，。；;]{2,12}[,，]"  # “因我县财力不足，…没预算”: a clause that opens with 因
)
_DEFINITION_CUE = re.compile(r"(指|是指|包括|系指)")


@dataclass(frozen=True, slots=True)
class Passage:
    text: str
    chunk: Chunk
    score: float


def sentences(chunk: Chunk) -> list[tuple[str, int]]:
    """Candidate passages of a chunk, (text, offset in the chunk), with PDF line breaks inside sentences removed.

    Whole sentences; a sentence that only gives a reason (主要原因：…) joined with the one before it, which names
    the figure; and single lines of table-like text (a row such as "其他宣传经费 50502-… 63 用于…").
    """
    out: list[tuple[str, int]] = []
    pos = 0
    previous: tuple[str, int] | None = None
    for part in _SENTENCE_END.split(chunk.text):
        if not part:
            continue
        start = chunk.text.find(part, pos)
        pos = max(start, pos) + len(part)
        clean = re.sub(r"\s*\n\s*", "", part).strip()
        if len(clean) < 4:
            continue
        if previous is not None and re.match(r"(主要)?(是)?(.{0,4}原因|用于|用在|系)", clean):
            out.append((previous[0] + clean, previous[1]))
        else:
            out.append((clean, start))
        previous = (clean, start)
    offset = 0
    for line in chunk.text.split("\n"):
        stripped = line.strip()
        # a row (“起始年度 2022 终止年度 2026”), not a PDF-broken line of prose (“29.2%,主要原因:一是…”)
        row_like = "|" in stripped or bool(re.search(r"\S\s+\d", stripped)) or not re.search(r"[，,]", stripped)
        if (
            len(stripped) >= 6
            and row_like
            and re.search(r"\d", stripped)
            and not re.search(r"[。；]|[、，,]$", stripped)
        ):
            out.append((stripped, offset))
        offset += len(line) + 1
    return out


def _terms(metrics: Sequence[str], terms: Sequence[str]) -> list[str]:
    words: list[str] = []
    for m in metrics:
        words.append(m)
        meta = BY_NAME.get(m)
        if meta:
            words.extend(s for s in meta.synonyms if len(s) >= 2)
    words.extend(t for t in terms if len(t) >= 2)
    return [w for w in dict.fromkeys(words) if w]


_LONG_CELL = re.compile(r"\|\s*[^|\d\s][^|]{7,}\|?\s*$")
_NOT_WORDS = re.compile(r"[\s\d.,，。、？?！!“”\"'：:；;%（）()]")
_DOWN = re.compile(r"少|降|减|压缩|砍|下调")
_UP = re.compile(r"多|增|涨|升|翻倍|提高|超")


def bigrams(text: str) -> set[str]:
    """Character pairs of a text without spaces, digits and punctuation: the project's cheap word-overlap measure."""
    text = _NOT_WORDS.sub("", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def best_sentence(
    chunks: Sequence[Chunk], metrics: Sequence[str], terms: Sequence[str], cue: re.Pattern[str], question: str = ""
) -> Passage | None:
    """The sentence that mentions the metric and carries the cue (原因/用于 …), best-ranked chunk first.

    Without a metric, the question's words and its direction (少了 -> 减少/下降) decide between reasons.
    """
    words = _terms(metrics, terms)
    figures = [  # figures the question quotes exactly: not a year, not a bound (增长50%以上, 超过100万)
        m.group(1)
        for m in re.finditer(r"(?<!超过)(?<!不到)(?<![近约])(\d+(?:\.\d+)?)(?![\d.])(?!%?(?:以上|以下|多|左右|余|以内|上下))", question)
        if not re.fullmatch(r"(?:19|20)\d{2}", m.group(1))
    ]
    q_grams = bigrams(question)
    down, up = bool(_DOWN.search(question)), bool(_UP.search(question))
    best: tuple[float, Passage] | None = None
    for rank, chunk in enumerate(chunks):
        reason_column = "原因" in chunk.text and "|" in chunk.text
        in_section = 1.5 if any(w in (chunk.section or "") for w in words) else 0.0  # under “8.上年结转和结余…”
        for text, _ in sentences(chunk):
            has_cue = bool(cue.search(text)) or (reason_column and "|" in text and bool(_LONG_CELL.search(text)))
            hits = sum(1 for w in words if w in text)
            if not has_cue:
                continue
            if figures and not any(f in text.replace(",", "") for f in figures):
                continue  # “那300万用在哪”: the figure the question quotes is in the sentence that explains it
            overlap = len(q_grams & bigrams(text)) if q_grams else 0
            direction = 0.0
            text_dir = re.sub(r"增加[（(]减少[)）]", "", text)
            if down and not up:
                direction = 2.0 if re.search(r"减少|下降|压减|核减|降低", text_dir) else 0.0
            elif up and not down:
                direction = 2.0 if re.search(r"增加|增长|提高|新增", text_dir) else 0.0
            score = (
                hits * 2 + in_section + (1 if has_cue else 0) + overlap * 0.5 + direction
                - min(rank, 10) * 0.2 - len(text) / 150
            )  # fmt: skip
            if best is None or score > best[0]:
                best = (score, Passage(text, chunk, score))
    return best[1] if best else None


def reason_clause(sentence: str) -> str:
    """The part of a sentence that gives the reason, when it says 原因是/主要原因：… (or a table's 原因 cell)"""
    if "|" in sentence:
        cells = [c.strip() for c in sentence.split("|") if c.strip()]
        texts = [c for c in cells if len(c) >= 8 and not re.fullmatch(r"[-\d.,%\s]+", c)]
        if texts:
            return texts[-1].strip("。")
    m = re.search(r"(主要)?(原因|情况)(主要)?(是|为|：|:)+", sentence) or re.search(r"(主要)?原因", sentence)
    if m and m.end() < len(sentence) - 2:
        return sentence[m.end() :].strip("：:，,。 ")
    m = re.search(r"(?:主要)?(?:受[^,，。；;]{1,15}影响|得益于[^,，。；;]+)", sentence)
    if m:
        return sentence[m.start() :].strip("：:，,。 ")
    return sentence.strip()


def citation_for(passage: Passage, quote: str | None = None) -> Citation:
    c = passage.chunk
    return Citation(
        doc_id=c.doc_id, title=c.title, org=c.org, year=c.year, section=c.section, page=c.page,
        quote=(quote or passage.text)[:200], start=c.start, end=c.end,
    )  # fmt: skip
