"""Synthetic disclosures with known answers, for scale tests (`eval.bench`).

    python -m eval.generate N OUT [--seed 0] [--corpus DIR (default: eval.paths.corpus_dir())]

Makes N synthetic disclosures from the shared corpus (``docs/*.txt`` and ``seed/*.txt``) by rewriting one source
document per output (sources taken in turn) with three consistent changes, all chosen deterministically from
(seed, output number):

- **org**: the disclosing body (the manifest's ``org`` and the name the parser detects) and its shorter forms
  (武汉市武昌区融媒体中心 -> 武昌区融媒体中心 -> 融媒体中心, each also in traditional characters) are replaced
  everywhere by a generated name of the same shape (青川市临河区第7中学 -> 临河区第7中学 -> 第7中学); so are
  the place names it starts with (武昌区 -> 临河区) where they stand alone. Forms shorter than 3 characters stay.
- **year**: every year mention (a 19xx/20xx number followed by 年, or in a year range or a date) is shifted by the
  same number of years (-4..+4, never 0).
- **figures**: every money figure is multiplied by one integer factor (2..99) per document, keeping its decimal places
  and thousands separators. An integer factor keeps every sum, difference and ratio of the document exact, so
  percentages (left unchanged) still agree with the amounts, and the document's own inconsistencies stay
  inconsistent. A number is a money figure unless it is a percentage (% / 个百分点), a count or date (a count unit,
  月, 日 … follows), a year, a list marker (1. 1、 （1）), part of an identifier (表-10), a long digit string (phone
  numbers, codes) or a classification code (201 / 30101 … followed by a name rather than an amount).

The k-th rewrite of one source gets the k-th of 8 × 98 distinct (year shift, factor) pairs (from a per-source
offset), so up to 784 rewrites per source — 18,000 documents from the 23 sources — are all distinct even where the
org is not renamed; beyond that a library would skip repeats as already ingested.

Documents whose text does not name the body (the corpus's ``未注明`` excerpts) keep their wording and are varied by
year and figures only. Written to OUT:

- ``docs/syn-NNNNNN-<source>.txt``: the synthetic documents;
- ``manifest.jsonl``: per document its source, org (old -> new), year shift and factor;
- ``gold.jsonl``: the gold questions of ``qa_dev.jsonl`` and ``qa_seed_dev.jsonl`` rewritten for every synthetic
  document (org and years substituted in the question, answer text and evidence; money answers — 万元, 元, 亿元 —
  multiplied by the factor; percentages, counts and ratios unchanged). ``doc`` is relative to OUT, ids are
  ``<original id>@<NNNNNN>``. Cross-document questions are left out (the two documents get different factors).

The real documents are never changed; `eval.bench` ingests them unchanged next to the synthetic ones.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import zhconv

from eval.paths import corpus_dir

CORPUS = corpus_dir()
MONEY_UNITS = ("万元", "元", "亿元")

_PLACE_A = "青临云安清永兴平宁丰泰河江石白金长远新和"
_PLACE_B = "川河山阳溪源水林州城泉岭田谷峰湖桥浦陵"
_BUREAUS = ("水务", "农业农村", "文化旅游", "自然资源", "应急管理", "统计", "医疗保障", "市场监管", "住房城建", "林业")
_LEVEL = re.compile(
    r"^(.+?(?:自治州|自治县|自治区|特别行政区|省|市|区|县|州|盟|旗|镇|乡))(?![市县区州旗盟省镇乡])(?=.{2,})"
)

# ---- numbers -------------------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![0-9A-Za-z.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![0-9])")
_PERCENT_AFTER = re.compile(r"\s*(?:%|％|个百分点|個百分點|百分点|百分點)")
_YEAR_AFTER = re.compile(r"\s*(?:年|[-－—~～至到]\s*(?:19|20)\d\d(?!\d)|[-/.](?:0?[1-9]|1[0-2])[-/.]\d{1,2}(?!\d))")
_YEAR_BEFORE = re.compile(r"(?:19|20)\d\d\s*[-－—~～至到]\s*$")
_COUNT_AFTER = re.compile(
    r"\s*(?:人次|批次|万人|萬人|平方米|小时|小時|人|名|辆|輛|个|個|次|条|條|期|项|項|家|台|所|户|戶|份|场|場|篇|套|间|間|"
    r"亩|畝|座|处|處|部|册|冊|本|张|張|架|艘|届|屆|倍|级|級|类|類|月|日|号|號|时|時|分|秒|页|頁|岁|歲|周|週|天|位|节|節|"
    r"章|款|颗|顆|棵|台|辆|公里|千米|米|吨|噸|只|隻|头|頭|册)"
)
_MONEY_AFTER = re.compile(r"\s*(?:万元|萬元|亿元|億元|千元|元|万(?![人次])|萬(?![人次]))")
# a bare number right after a head-count word is a count: 公务员(含参照公务员管理事业人员)20事业编制
_COUNT_BEFORE = re.compile(r"(?:编制|人数|人员|實有|实有|在职|在職|退休|离休|離休|保有量)([^，。,；;\n\d]{0,8})$")
_MONEY_WORD = re.compile(r"费|費|支出|资金|資金|预算|預算|收入|金额|金額|拨款|撥款")
_LIST_AFTER = re.compile(r"[.．、](?![0-9])")
_IDENT_BEFORE = re.compile(r"[A-Za-z\-－_/#第]\s*$")
_IDENT_AFTER = re.compile(r"[A-Za-z_\-－]")
_BRACKET = re.compile(r"[（(]\s*$")
_BRACKET_AFTER = re.compile(r"\s*[)）]")
_CODE_BEFORE = re.compile(r"(?:电话|電話|编码|編碼|代码|代碼|编号|編號|科目|传真|傳真|邮编|郵編|文号|文號)[^\n]{0,12}$")
_NAME_AFTER = re.compile(r"\s*[\u4e00-\u9fff]")
_PAGE_LINE = re.compile(r"^[ \t]*[—\-－][ \t]*\d{1,3}[ \t]*[—\-－][ \t]*$", re.M)


@dataclass(frozen=True, slots=True)
class Variant:
    """How one synthetic document differs from its source."""

    number: int
    source: str  # path relative to the corpus, e.g. docs/001.txt
    year_shift: int
    factor: int
    orgs: tuple[tuple[str, str], ...]  # (old form, new form), longest first; traditional forms included

    @property
    def name(self) -> str:
        return f"syn-{self.number:06d}-{Path(self.source).stem}.txt"

    @property
    def new_org(self) -> str | None:
        return self.orgs[0][1] if self.orgs else None


@dataclass(slots=True)
class Rewrite:
    """A rewritten text and the edits that made it: (start, end, replacement) on the original, sorted."""

    text: str
    edits: list[tuple[int, int, str]] = field(default_factory=list)

    def map_pos(self, pos: int) -> int:
        """Where an original position (not inside an edit) ends up in the rewritten text."""
        delta = 0
        for start, end, new in self.edits:
            if end <= pos:
                delta += len(new) - (end - start)
            else:
                break
        return pos + delta

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """An original span in the rewritten text; a span that cuts an edit grows to cover it."""
        for s, e, _ in self.edits:
            if s < start < e:
                start = s
            if s < end < e:
                end = e
        delta_start = sum(len(n) - (e - s) for s, e, n in self.edits if e <= start)
        delta_end = sum(len(n) - (e - s) for s, e, n in self.edits if e <= end)
        return start + delta_start, end + delta_end


# ---- choosing a variant ----------------------------------------------------------------------------------------
def _rand(seed: int, number: int, what: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{number}:{what}".encode()).digest()[:8], "big")


def org_forms(org: str) -> list[str]:
    """An org name and its shorter forms without leading place names: 武汉市武昌区融媒体中心, 武昌区融媒体中心, 融媒体中心."""
    forms = [org]
    rest = org
    while (m := _LEVEL.match(rest)) is not None:
        rest = rest[m.end() :]
        forms.append(rest)
    return forms


def _places(org: str) -> list[str]:
    out: list[str] = []
    rest = org
    while (m := _LEVEL.match(rest)) is not None:
        out.append(m.group(1))
        rest = rest[m.end() :]
    return out


def new_org_name(org: str, seed: int, number: int) -> list[str]:
    """A generated name of the same shape as `org`, as the list of its forms (see `org_forms`)."""
    places = _places(org)
    core = org_forms(org)[-1]
    r = _rand(seed, number, "org")
    new_places = []
    for i, place in enumerate(places):
        suffix = next(s for s in ("自治州", "自治县", "自治区", "省", "市", "区", "县", "州", "盟", "旗", "镇", "乡", "")
                      if place.endswith(s))  # fmt: skip
        a = _PLACE_A[(r >> (8 * i)) % len(_PLACE_A)]
        b = _PLACE_B[(r >> (8 * i + 4)) % len(_PLACE_B)]
        new_places.append(f"{a}{b}{suffix}")
    n = number % 97 + 1
    if re.search(r"学|校|幼儿园", core):
        new_core = f"第{n}中学"
    elif core.endswith("局"):
        new_core = f"{_BUREAUS[r % len(_BUREAUS)]}局"
    elif core.endswith("中心"):
        new_core = f"{_BUREAUS[r % len(_BUREAUS)]}服务中心"
    else:
        new_core = f"{_BUREAUS[r % len(_BUREAUS)]}事务中心"
    if not places:  # a bare name (e.g. 寿县司法局 is split, 广东省财政厅 too; 某单位 is not renamed at all)
        new_core = f"{_PLACE_A[r % len(_PLACE_A)]}{_PLACE_B[(r >> 4) % len(_PLACE_B)]}县{new_core}"
    full = "".join(new_places) + new_core
    return org_forms_like(full, len(org_forms(org)))


def org_forms_like(full: str, count: int) -> list[str]:
    forms = org_forms(full)
    return (forms + [forms[-1]] * count)[:count]


SHIFTS = (-4, -3, -2, -1, 1, 2, 3, 4)
FACTORS = tuple(range(2, 100))


def variant(source: str, orgs: Sequence[str], number: int, seed: int = 0, *, copy: int | None = None) -> Variant:
    """The variant for output `number`, the `copy`-th rewrite of `source` (default: number). Copies 0..783 of one
    source get distinct (year shift, factor) pairs, so even a source without an org name never repeats itself."""
    copy = number if copy is None else copy
    offset = _rand(seed, 0, source)
    combo = (copy + offset) % (len(SHIFTS) * len(FACTORS))
    shift = SHIFTS[combo % len(SHIFTS)]
    factor = FACTORS[(combo // len(SHIFTS) + combo % len(SHIFTS)) % len(FACTORS)]
    pairs: dict[str, str] = {}
    for org in orgs:
        new_forms = new_org_name(org, seed, number)
        old_places, new_places = _places(org), _places(new_forms[0])
        for old, new in [*zip(org_forms(org), new_forms, strict=True), *zip(old_places, new_places, strict=False)]:
            if len(old) < 3 or old in pairs:
                continue  # a two-character core (办公室) is too generic to replace everywhere
            pairs[old] = new
            pairs.setdefault(zhconv.convert(old, "zh-hant"), zhconv.convert(new, "zh-hant"))
    ordered = tuple(sorted(pairs.items(), key=lambda kv: (-len(kv[0]), kv[0])))
    return Variant(number, source, shift, factor, ordered)


# ---- rewriting -------------------------------------------------------------------------------------------------
def _scale(int_part: str, dec_part: str | None, factor: int) -> str:
    commas = "," in int_part
    value = Decimal(int_part.replace(",", "") + (dec_part or "")) * factor
    places = len(dec_part) - 1 if dec_part else 0
    text = f"{value:,.{places}f}" if commas else f"{value:.{places}f}"
    return text


def _number_kind(text: str, m: re.Match[str]) -> str:
    """'year', 'money' or 'keep' for a number found in `text`."""
    int_part, dec_part = m.group(1), m.group(2)
    before = text[max(0, m.start() - 30) : m.start()]
    after = text[m.end() : m.end() + 12]
    plain = int_part.replace(",", "")
    four = dec_part is None and "," not in int_part and len(plain) == 4 and plain[:2] in ("19", "20")
    if four and (_YEAR_AFTER.match(after) or _YEAR_BEFORE.search(before)):
        return "year"
    if _PERCENT_AFTER.match(after):
        return "keep"
    if _MONEY_AFTER.match(after) and not _IDENT_BEFORE.search(before):
        return "money"
    if _COUNT_AFTER.match(after) or _IDENT_BEFORE.search(before) or _IDENT_AFTER.match(after):
        return "keep"
    if dec_part is None:
        if _LIST_AFTER.match(after) or (_BRACKET.search(before) and _BRACKET_AFTER.match(after)):
            return "keep"
        if "," not in int_part and len(plain) >= 7:
            return "keep"  # phone numbers, codes
        if _CODE_BEFORE.search(before):
            return "keep"
        head = _COUNT_BEFORE.search(before)
        if head and not _MONEY_WORD.search(head.group(0)):
            return "keep"
        if len(plain) in (3, 5, 7) and plain[0] in "23" and _NAME_AFTER.match(after):
            return "keep"  # a classification code before its name: 201 一般公共服务支出, 30101 基本工资
    return "money"


def _edits(text: str, v: Variant) -> Iterator[tuple[int, int, str]]:
    taken: list[tuple[int, int]] = []
    if v.orgs:
        pattern = re.compile("|".join(re.escape(old) for old, _ in v.orgs))
        lookup = dict(v.orgs)
        for m in pattern.finditer(text):
            taken.append((m.start(), m.end()))
            yield m.start(), m.end(), lookup[m.group(0)]
    pages = [(m.start(), m.end()) for m in _PAGE_LINE.finditer(text)]
    for m in _NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in taken) or any(s <= m.start() < e for s, e in pages):
            continue
        kind = _number_kind(text, m)
        if kind == "year":
            yield m.start(), m.end(), str(int(m.group(0)) + v.year_shift)
        elif kind == "money":
            new = _scale(m.group(1), m.group(2), v.factor)
            if new != m.group(0):
                yield m.start(), m.end(), new


def rewrite(text: str, v: Variant) -> Rewrite:
    """`text` with the variant's org, years and figures (see the module docstring)."""
    edits = sorted(_edits(text, v))
    out: list[str] = []
    pos = 0
    for start, end, new in edits:
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return Rewrite("".join(out), edits)


def rewrite_question(text: str, v: Variant) -> str:
    """A question or answer text: org and years substituted, money figures scaled."""
    return rewrite(text, v).text


def rewrite_gold(gold: dict[str, Any], v: Variant, source_text: str, doc: Rewrite, doc_ref: str) -> dict[str, Any]:
    """A gold question for the synthetic document: see the module docstring."""
    out = dict(gold)
    out["id"] = f"{gold['id']}@{v.number:06d}"
    out["doc"] = doc_ref
    out["question"] = rewrite_question(gold["question"], v)
    if gold.get("answer_text"):
        out["answer_text"] = rewrite_question(gold["answer_text"], v)
    value = gold.get("answer_value")
    if value is not None and gold.get("answer_unit") in MONEY_UNITS:
        scaled = Decimal(str(value)) * v.factor
        out["answer_value"] = int(scaled) if scaled == scaled.to_integral_value() else float(scaled)
    evidence = []
    for quote in gold.get("evidence") or []:
        at = source_text.find(quote)
        if at >= 0:
            s, e = doc.map_span(at, at + len(quote))
            evidence.append(doc.text[s:e])
        else:
            evidence.append(rewrite_question(quote, v))
    out["evidence"] = evidence
    if gold.get("formula"):
        out["formula"] = None  # the original arithmetic, with the original numbers
        out["formula_original"] = gold["formula"]
    out["synthetic"] = {"source_id": gold["id"], "factor": v.factor, "year_shift": v.year_shift}
    return out


# ---- the corpus --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Source:
    ref: str  # relative to the corpus
    text: str
    orgs: tuple[str, ...]
    gold: tuple[dict[str, Any], ...]


def _clean_org(org: str | None) -> str | None:
    if not org or org.startswith(("未注明", "某")) or "未注明" in org or re.search(r"[（(]", org):
        return None
    return org


def load_sources(corpus: Path = CORPUS) -> list[Source]:
    """The corpus documents (docs/*.txt, then seed/*.txt) with their org names and gold questions."""
    from index.read.document import build_document, content_id
    from index.read.files import read_file

    manifest = {}
    if (corpus / "manifest.jsonl").is_file():
        for line in (corpus / "manifest.jsonl").read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                manifest[row["file"]] = row
    gold: dict[str, list[dict[str, Any]]] = {}
    for name in ("qa_dev.jsonl", "qa_seed_dev.jsonl"):
        path = corpus / name
        if path.is_file():
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    if isinstance(row["doc"], str):
                        gold.setdefault(row["doc"], []).append(row)
    out = []
    for path in [*sorted((corpus / "docs").glob("*.txt")), *sorted((corpus / "seed").glob("*.txt"))]:
        ref = path.relative_to(corpus).as_posix()
        text = path.read_text("utf-8")
        names = [_clean_org(manifest.get(ref, {}).get("org"))]
        with contextlib.suppress(Exception):  # a document the parser refuses is still rewritten by year and figures
            names.append(_clean_org(build_document(read_file(path), content_id(path.read_bytes()), path.name).org))
        orgs = tuple(dict.fromkeys(n for n in names if n and n in zhconv.convert(text, "zh-hans")))
        out.append(Source(ref, text, orgs, tuple(gold.get(ref, ()))))
    return out


@dataclass(frozen=True, slots=True)
class Generated:
    path: Path
    variant: Variant
    gold: list[dict[str, Any]]


def generate(
    out: Path, n: int, *, seed: int = 0, corpus: Path = CORPUS, sources: Sequence[Source] | None = None
) -> list[Generated]:
    """Write `n` synthetic documents, their manifest and gold questions to `out` (see the module docstring)."""
    sources = list(sources) if sources is not None else load_sources(corpus)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    made: list[Generated] = []
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as manifest, \
            (out / "gold.jsonl").open("w", encoding="utf-8") as gold_file:  # fmt: skip
        for number in range(n):
            src = sources[number % len(sources)]
            v = variant(src.ref, src.orgs, number, seed, copy=number // len(sources))
            doc = rewrite(src.text, v)
            path = out / "docs" / v.name
            path.write_text(doc.text, "utf-8")
            ref = f"docs/{v.name}"
            golds = [rewrite_gold(g, v, src.text, doc, ref) for g in src.gold]
            for g in golds:
                gold_file.write(json.dumps(g, ensure_ascii=False) + "\n")
            manifest.write(json.dumps({
                "file": ref, "source": src.ref, "orgs": [list(p) for p in v.orgs if p[0] in src.orgs],
                "year_shift": v.year_shift, "factor": v.factor,
            }, ensure_ascii=False) + "\n")  # fmt: skip
            made.append(Generated(path, v, golds))
    return made


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="how many synthetic documents")
    parser.add_argument("out", type=Path, help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    made = generate(args.out, args.n, seed=args.seed, corpus=args.corpus)
    print(f"{len(made)} documents, {sum(len(g.gold) for g in made)} gold questions -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
