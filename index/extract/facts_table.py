"""Figures in flattened tables.

Four shapes arrive from readers and web pages:

* ``|`` tables, one row per line (``合计 | 2378.77 | 2415.44 | 36.67 |``) or one cell per line with ``||`` between
  rows (``“三公”经费合计 |`` … ``79 |``);
* one cell per line without separators: header cells, then the values in column order (``预算数`` / ``决算数``
  repeated under grouped headers), or ``label / 行次 / 金额`` triplets;
* PDF rows of space-separated numbers under year headers some lines above
  (``人员类项目支出 386.73 51% 348.78 358.5`` under ``当年金额 占比 … 2021年 2022年``);
* budget-detail rows ``其他宣传经费 50502-商品和服务支出 63 用于…``.

Headers name the metric (grouped headers: a parent's ``小计`` then its children), the year (``2022年预算数``) and the
basis (预算数/决算数); ``增减`` columns become comparisons; the money unit comes from the table's ``单位:万元`` line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import pairwise

from index.extract.facts_text import Spans, make_fact, resolve_metric, tidy_phrase, unit_kind
from index.metrics import BY_NAME, ancestors, canonical, clean
from index.types import Comparison, Document, Fact
from index.units import NUMBER, normalise, parse_number

_NUM_CELL = re.compile(rf"^(?P<num>{NUMBER})(?P<unit>%|万元|元|亿元)?$")
_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(万元|亿元|千元|元)")
_BASIS_CELL = re.compile(r"^(?:((?:19|20)\d{2})年度?)?(?:全年|年初)?(预算数?|决算数?|执行数?)$")
_YEAR_CELL = re.compile(r"((?:19|20)\d{2})年")
_SKIP_HEADERS = ("项目", "科目", "名称", "项目名称", "科目名称", "收入", "支出", "栏次", "单位:万元", "单位")
_TOTAL = ("合计", "总计", "小计")
_ALIASES = {clean(a): m.name for m in BY_NAME.values() for a in (m.name, *m.synonyms)}
_ROW_TOKEN = rf"(?:{NUMBER})(?:%|万元|亿元|元|万人次|万人|人次|批次|人|名|辆|条|期|次|个)?|无|-|—"
_SPACE_ROW = re.compile(
    rf"^(?P<label>.*?)(?<![0-9A-Za-z.,])(?P<vals>(?:{_ROW_TOKEN})(?:[ \t]+(?:{_ROW_TOKEN}))+)(?P<rest>[^0-9]*)$"
)
_ECON_ROW = re.compile(
    rf"^(?P<label>[^\s\d][^\s]{{1,20}}?)\s*\d{{3,6}}-[\u4e00-\u9fff]{{2,12}}支出\s*(?P<num>{NUMBER})(?![0-9.,%])"
)
# "(一)201-一般公共服务支出23653万元，较…" is a numbered sentence, not a row whose label precedes the code
_ENUMERATOR = re.compile(r"[（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]?")
# a subject code (类: 3 digits, 款: 5, 项: 7; economic classes: 3 or 5): a row's key, never a figure
_CODE_CELL = re.compile(r"^(?:\d{3}|\d{5}|\d{7})$")
_CODE_HEADER = re.compile(r"编码|代码")
_MONEYISH = re.compile(r"(支出|收入|拨款|资金|经费|费|合计|总计|小计|预算|决算|结转|结余)$")


@dataclass(frozen=True, slots=True)
class Cell:
    text: str  # compacted: no spaces, no line breaks
    start: int
    end: int

    @property
    def number(self) -> re.Match[str] | None:
        return _NUM_CELL.match(self.text)


@dataclass(frozen=True, slots=True)
class _Column:
    year: int | None
    basis: str | None
    role: str  # value | change | share | rate | skip


def _compact(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _lines(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _unit_before(text: str, start: int, default: str = "万元") -> str:
    found = list(_UNIT_LINE.finditer(text, max(0, start - 600), start + 40))
    return found[-1].group(1) if found else default


def _column(header: str, doc_year: int | None) -> _Column:
    h = _compact(header)
    y = _YEAR_CELL.search(h)
    year = int(y.group(1)) if y else doc_year
    if not h or any(w in h for w in ("原因", "说明", "行次", "栏次", "序号", "编码", "依据", "分项")):
        return _Column(year, None, "skip")
    if ("增减" in h and ("率" in h or "%" in h)) or h.endswith(("增长率", "增幅", "降幅")):
        return _Column(year, None, "rate")
    if "增减" in h or h.endswith(("增加", "减少", "变动")):
        return _Column(year, None, "change")
    if "占比" in h or "比重" in h:
        return _Column(year, None, "share")
    basis = "决算数" if "决算" in h else "预算数" if "预算" in h else "执行数" if "执行" in h else None
    return _Column(year, basis, "value")


def _label_metric(label: str) -> tuple[str, str]:
    raw = tidy_phrase(re.sub(r"^其中[:：]?", "", _compact(label)))
    raw = re.sub(r"^[（(]?\d{1,2}[)）、.]", "", raw) or raw
    res = resolve_metric(raw, "money")
    return (res[0], raw) if res else (canonical(raw), raw)


def _common_parent(metrics: Sequence[str], strict: bool = False) -> str | None:
    parents = [p for m in metrics if m in BY_NAME and (p := BY_NAME[m].parent)]
    if not parents:
        return None
    known = [m for m in metrics if m in BY_NAME]
    for p in dict.fromkeys(parents):  # the parent every row falls under (三公经费 over 公务接待费 and 公务用车购置费)
        if all(m == p or p in ancestors(m) for m in known):
            return p
    if strict:
        return None
    return max(dict.fromkeys(parents), key=parents.count)  # the most rows' parent, the first on a tie


def _title_metric(doc: Document, start: int) -> str | None:
    from index.metrics import find_metrics

    before = doc.text[max(0, start - 200) : start]
    lines = [ln for ln in before.split("\n") if ln.strip()][-4:]
    for line in reversed(lines):
        found = find_metrics(_compact(line))
        if found:
            return found[-1][0]
    return None


def _fact(
    doc: Document,
    metric: str,
    metric_raw: str,
    cell: Cell,
    unit: str,
    year: int | None,
    basis: str | None,
    quote: str,
    share: Decimal | None = None,
    comparison: Comparison | None = None,
) -> Fact | None:
    m = cell.number
    if m is None:
        return None
    raw_unit = m.group("unit") or unit
    if raw_unit == "%":
        return None
    return make_fact(
        doc,
        metric=metric,
        metric_raw=metric_raw,
        raw_value=m.group("num"),
        raw_unit=raw_unit,
        start=cell.start,
        end=cell.end,
        year=year,
        source="table",
        basis=basis,
        share=share,
        comparison=comparison,
        quote=quote[:120],
    )


# ---------------------------------------------------------------- | tables and one-cell-per-line blocks


def _pipe_blocks(text: str) -> list[tuple[int, int]]:
    lines = _lines(text)
    blocks: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    gap = 0
    for s, e in lines:
        line = text[s:e]
        if "|" in line:
            cur = (cur[0], e) if cur else (s, e)
            gap = 0
        elif cur is not None:
            if line.strip():
                gap += 1
            if gap > 1:
                blocks.append(cur)
                cur = None
    if cur:
        blocks.append(cur)
    return blocks


def _cell_blocks(text: str, taken: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs of short lines without sentence punctuation that hold at least three bare numbers."""
    blocks = []
    run: list[tuple[int, int]] = []
    taken_spans = Spans(taken)

    def close() -> None:
        nums = sum(1 for s, e in run if _NUM_CELL.match(_compact(text[s:e])))
        if nums >= 3 and len(run) >= 6:
            blocks.append((run[0][0], run[-1][1]))

    for s, e in _lines(text):
        line = _compact(text[s:e])
        if not line:
            continue
        inside = taken_spans.holds(s)
        if _UNIT_LINE.search(line) and any(_NUM_CELL.match(_compact(text[a:b])) for a, b in run):
            close()  # a unit line after figures starts the next table (a numbered line may be a row's label)
            run = []
        if (
            not inside
            and len(line) <= 30
            and (not re.search(r"[。,，;；]", line) or _NUM_CELL.match(line))  # 9,876,543.21 alone is a cell
            and not _SPACE_ROW.match(text[s:e].strip())
        ):
            run.append((s, e))
        else:
            close()
            run = []
    close()
    return blocks


_RULE_CELL = re.compile(r":?-{3,}:?")


def _cells_of_pipe_block(text: str, start: int, end: int) -> tuple[list[list[Cell]], bool]:
    """Rows of cells; True when the block has one row per line (cells keep their column positions)."""
    block = text[start:end]
    line_rows = []
    for s, e in _lines(block):
        line = block[s:e]
        if "|" not in line:
            continue
        parts = []
        pos = s
        for piece in line.split("|"):
            lead = len(piece) - len(piece.lstrip())
            parts.append(Cell(_compact(piece), start + pos + lead, start + pos + len(piece.rstrip())))
            pos += len(piece) + 1
        line_rows.append(parts)
    # a Markdown table: rows opened by a pipe (a leading empty cell) and a |---|---| rule under the header
    line_rows = [
        r for r in line_rows if not any(c.text for c in r) or not all(_RULE_CELL.fullmatch(c.text) for c in r if c.text)
    ]
    if line_rows and all(not r[0].text for r in line_rows if len(r) > 1):
        line_rows = [r[1:] if len(r) > 1 else r for r in line_rows]
    multi = [r for r in line_rows if sum(1 for c in r if c.text) >= 2]
    if len(multi) >= max(2, len(line_rows) // 2):
        return [r if r[-1].text else r[:-1] for r in line_rows], True
    single = [r for r in line_rows if sum(1 for c in r if c.text) == 1]
    if not multi and len(single) >= 4 and len(single) * 4 >= len(line_rows) * 3:
        # one cell per line, each closed by a pipe (“合计 |” / “4432 |”): a label followed by its numbers, as in a
        # table flattened to one cell per line
        flat = [c for r in line_rows for c in r if c.text]
        return _code_rows(flat) or _group_cells(flat), False
    rows: list[list[Cell]] = [[]]
    pos = 0
    for piece in block.split("|"):
        c = _compact(piece)
        if c:
            lead = len(piece) - len(piece.lstrip())
            rows[-1].append(Cell(c, start + pos + lead, start + pos + len(piece.rstrip())))
        elif rows[-1]:
            rows.append([])
        pos += len(piece) + 1
    return [r for r in rows if r], False


def _is_code_header(c: Cell) -> bool:
    return bool(c.text) and c.number is None and bool(_CODE_HEADER.search(c.text))


def _drop_code_column(rows: list[list[Cell]]) -> list[list[Cell]]:
    """A code column before the name column (rows ``2079901 | 甲乙事务 | 301.20 …``): the code is dropped so the name
    labels the row; a total row's empty name cell (``合计 | | 356.20``) goes with it, and so does the code's header."""
    coded = [r for r in rows if len(r) > 2 and _CODE_CELL.match(r[0].text) and r[1].text and r[1].number is None]
    if not coded:
        return rows
    out = []
    for r in rows:
        if r in coded:
            out.append(r[1:])
        elif len(r) > 2 and r[0].text and r[0].number is None and not r[1].text:
            out.append([r[0], *r[2:]])
        elif len(r) > 1 and _is_code_header(r[0]):
            out.append(r[1:])
        else:
            out.append(r)
    return out


def _code_rows(cells: list[Cell], loose: bool = False) -> list[list[Cell]] | None:
    """One cell per line under a header with a code column (a header cell naming 编码/代码): a 3-, 5-
    or 7-digit cell that starts a row (the previous row has all its figures) and precedes a name is the row's code,
    and the name starts the row. None when the header names no code column.

    `loose` (cells of space-separated rows, where a row may leave its empty cells out): a code before a name starts a
    row once the previous row has any figure; a total's name (合计) after it keeps it a figure."""
    first = next((i for i, c in enumerate(cells) if c.number), len(cells))
    header = cells[:first]
    named = any(_is_code_header(c) for c in header)
    if named:
        width = sum(
            1
            for c in header
            if not _is_code_header(c) and c.text not in _SKIP_HEADERS and "名称" not in c.text
            and not _UNIT_LINE.search(c.text) and not c.text.endswith("表")
        )  # fmt: skip
    elif (
        first + 2 < len(cells)
        and _CODE_CELL.match(cells[first].text)
        and not cells[first + 1].number
        and cells[first + 2].number
    ):
        # no header names the codes: the first figure is a code before a name, and the figures after the name
        # give the width
        width = 0
        for k in range(first + 2, len(cells)):
            if not cells[k].number or (
                _CODE_CELL.match(cells[k].text) and k + 1 < len(cells) and not cells[k + 1].number
            ):
                break
            width += 1
    else:
        return None
    if not width:
        return None
    rows: list[list[Cell]] = [[c for c in header if not _is_code_header(c)]]
    count = width
    codes = 0
    for i in range(first, len(cells)):
        c = cells[i]
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        full = count >= width or (loose and count >= 1 and nxt is not None and nxt.text not in _TOTAL)
        if c.number and _CODE_CELL.match(c.text) and full and nxt is not None and not nxt.number:
            codes += 1
            continue
        if c.number:
            count += 1
            rows[-1].append(c)
        else:
            count = 0
            rows.append([c])
    if not named and codes < 2:
        return None  # one integer before a name is not yet a code column
    return [r for r in rows if r]


def _merge_fragments(cells: list[Cell]) -> list[Cell]:
    """'因公出国' + '(境)费' -> '因公出国(境)费' when the pieces only make sense together."""
    out: list[Cell] = []
    for c in cells:
        if out and not out[-1].number and not c.number:
            joined = clean(out[-1].text + c.text)
            a, b = clean(out[-1].text), clean(c.text)
            whole_a, whole_b = a in BY_NAME, b in BY_NAME
            if (joined in _ALIASES and not (whole_a or whole_b)) or (joined in _ALIASES and b.startswith("(")):
                out[-1] = Cell(out[-1].text + c.text, out[-1].start, c.end)
                continue
        out.append(c)
    return out


def _leaves(doc: Document, header_rows: list[list[Cell]], block_start: int) -> tuple[list[tuple[str, str]], list[Cell]]:
    """Leaf columns (metric, written name) of grouped headers, and the basis cells (预算数/决算数) under them."""
    basis_cells: list[Cell] = []
    rows: list[list[Cell]] = []
    flat_all = [c for r in header_rows for c in r]
    cut = max((i for i, c in enumerate(flat_all) if c.text.endswith("表") or _UNIT_LINE.search(c.text)), default=-1)
    if cut >= 0:
        keep = {id(c) for c in flat_all[cut + 1 :]}
        header_rows = [[c for c in r if id(c) in keep] for r in header_rows]
    for row in header_rows:
        kept = []
        for c in row:
            if _BASIS_CELL.match(c.text):
                basis_cells.append(c)
            elif c.text not in _SKIP_HEADERS and not _UNIT_LINE.search(c.text) and not c.text.endswith("表"):
                kept.append(c)
        if kept:
            rows.append(_merge_fragments(kept))
    if len(rows) == 1:
        flat = rows[0]
        k = next((i for i, c in enumerate(flat) if c.text == "小计"), None)
        rows = [flat[:k], flat[k:]] if k else [flat]
    # '一般公共预算财政拨款“三公”经费' + '合计' -> one leaf
    top: list[tuple[str, str]] = []
    first = rows[0]
    i = 0
    while i < len(first):
        c = first[i]
        if i + 1 < len(first) and first[i + 1].text in _TOTAL:
            m, raw = _label_metric(c.text)
            top.append((m, raw + first[i + 1].text))
            i += 2
            continue
        if c.text in _TOTAL:
            title = _title_metric(doc, block_start) or c.text
            top.append((title, c.text))
        else:
            top.append(_label_metric(c.text))
        i += 1
    if len(rows) < 2:
        return top, basis_cells
    children = [_label_metric(c.text) if c.text not in _TOTAL else ("小计", c.text) for c in rows[1]]
    leaves: list[tuple[str, str]] = []
    used = False
    for metric, raw in top:
        kids = [k for k in children if k[0] in BY_NAME and BY_NAME[k[0]].parent == metric]
        if kids and not used:
            if any(k[0] == "小计" for k in children):
                leaves.append((metric, raw))
            leaves.extend(kids)
            used = True
        else:
            leaves.append((metric, raw))
    return leaves, basis_cells


def _column_mode(doc: Document, header_rows: list[list[Cell]], values: list[Cell], start: int, unit: str) -> list[Fact]:
    leaves, basis_cells = _leaves(doc, header_rows, start)
    if not leaves:
        return []
    per = len(basis_cells) // len(leaves) if basis_cells and len(basis_cells) % len(leaves) == 0 else 0
    out: list[Fact] = []
    if per and len(values) == len(basis_cells):
        for k, v in enumerate(values):
            metric, raw = leaves[k // per]
            col = _column(basis_cells[k].text, doc.year)
            f = _fact(doc, metric, raw, v, unit, col.year, col.basis, f"{raw} {basis_cells[k].text}：{v.text}")
            if f:
                out.append(f)
    elif len(values) == len(leaves):
        for (metric, raw), v in zip(leaves, values, strict=True):
            f = _fact(doc, metric, raw, v, unit, doc.year, None, f"{raw}：{v.text}")
            if f:
                out.append(f)
    return out


def _row_mode(
    doc: Document, header: list[Cell], rows: list[list[Cell]], positional: bool, start: int, unit: str
) -> list[Fact]:
    """Rows ``label value value …``: columns from the header row."""
    head = header[1:] if positional else [c for c in header if c.text not in _SKIP_HEADERS]
    if not positional:
        head = [c for c in head if c.text not in ("行次",)] if not any(c.text == "行次" for c in header) else head
        # the table's title and unit line stand before its column headers, as in _leaves
        cut = max((i for i, c in enumerate(head) if c.text.endswith("表") or _UNIT_LINE.search(c.text)), default=-1)
        head = head[cut + 1 :]
    columns = [_column(c.text, doc.year) for c in head]
    if any(
        c.text in _TOTAL for c in head
    ):  # 合计 | 一般公共预算 | 政府性基金预算: a fund's share is not the row's figure
        columns = [
            replace(col, role="skip") if _FUND_COLUMN.match(c.text) else col
            for c, col in zip(head, columns, strict=True)
        ]
    # a 合计 column, then columns named for known parts: the 合计 column is the row's figure, the others split it
    split: list[str | None] = [None] * len(head)
    if any(c.text in _TOTAL or c.text.endswith("合计") for c in head):
        for i, c in enumerate(head):
            part = _label_metric(c.text)[0]
            if columns[i].role == "value" and c.text not in _TOTAL and part in BY_NAME and not c.text.endswith("合计"):
                split[i] = part
    labelled = []
    for row in rows:
        label = row[0].text
        cells = row[1:]
        if not label or label in ("行次", "栏次") or row[0].number:
            continue
        labelled.append((_label_metric(label) if label not in _TOTAL else (label, label), label, cells))
    metrics = [m for (m, _raw), _l, _c in labelled]
    # the parent all rows share, else the table's title, else the most rows' parent
    parent = _common_parent(metrics, strict=True) or _title_metric(doc, start) or _common_parent(metrics)
    out: list[Fact] = []
    for (metric, raw), label, cells in labelled:
        if label in _TOTAL:
            metric = parent or label
            raw = label
        if not positional:
            cells = [c for c in cells if c.number]
            if any(split) and len(cells) < len(columns):
                cells = cells[:1]  # a row that leaves cells out: only its 合计 is known to be in its column
            cols = (
                columns[: len(cells)] if len(columns) >= len(cells) else [_Column(doc.year, None, "value")] * len(cells)
            )
            if any(c.text == "行次" for c in header) and len(cells) == 2:
                cols = [_Column(doc.year, None, "skip"), _Column(doc.year, None, "value")]
        else:
            cols = columns[: len(cells)]
            cells = cells[: len(cols)]
        row_text = " | ".join([label, *(c.text for c in cells)])
        values: list[tuple[Cell, _Column]] = []
        parts: list[str | None] = []
        change: Cell | None = None
        for i, (c, col) in enumerate(zip(cells, cols, strict=False)):
            if not c.number:
                continue
            if col.role == "value":
                values.append((c, col))
                parts.append(split[i] if i < len(split) else None)
            elif col.role == "change":
                change = c
        for k, (c, col) in enumerate(values):
            cmp = None
            if change is not None and k == len(values) - 1 and len(values) >= 2:
                amount = parse_number(change.number.group("num"))  # type: ignore[union-attr]
                if amount is not None:
                    amount, _u = normalise(amount, unit)
                    prev = values[k - 1][1].year
                    direction = "持平" if amount == 0 else "减少" if amount < 0 else "增加"
                    cmp = Comparison(str(prev) if prev else "上年", direction, abs(amount))
            own, own_raw = metric, raw
            share_of = parts[k]
            if share_of is not None and label in _TOTAL:  # the total row's split is the part itself
                own, own_raw = share_of, share_of
            elif share_of is not None:  # another row's is its share of the part
                own, own_raw = f"{metric}-{share_of}", f"{raw}{share_of}"
            f = _fact(doc, own, own_raw, c, unit, col.year, col.basis, row_text, comparison=cmp)
            if f:
                out.append(f)
    return out


_FUND_COLUMN = re.compile(r"^(?:一般公共预算|政府性基金(?:预算)?|国有资本经营(?:预算)?)(?:财政拨款)?$")


def _grouped_header(top: list[Cell], sub: list[Cell], width: int) -> list[Cell] | None:
    """``项目 | 预算数 | 决算数`` over ``合计 | 一般公共预算 | 政府性基金 | 合计 | …``: each sub-column under its group
    (预算数合计, 决算数合计 …); a fund's share beside its group's 合计 is not the figure itself and is skipped."""
    groups = [c for c in top[1:] if c.text]
    subs = [c for c in sub if c.text]
    if len(subs) == width + 1:
        subs = subs[1:]  # the sub row has its own label cell
    if len(groups) < 2 or len(subs) != width or width % len(groups) or width == len(groups):
        return None
    size = width // len(groups)
    out = [top[0]]
    for i, c in enumerate(subs):
        group = subs[(i // size) * size : (i // size + 1) * size]
        skip = _FUND_COLUMN.match(c.text) and any(g.text in _TOTAL for g in group)
        out.append(Cell("分项" if skip else groups[i // size].text + c.text, c.start, c.end))
    return out


def _read_block(doc: Document, rows: list[list[Cell]], positional: bool, start: int) -> list[Fact]:
    unit = _unit_before(doc.text, start)
    for row in rows:
        for c in row:
            u = _UNIT_LINE.search(c.text)
            if u:
                unit = u.group(1)
    rows = [r for r in rows if not (len([c for c in r if c.text]) == 1 and _UNIT_LINE.search(r[0].text))]
    if positional:
        rows = _drop_code_column(rows)
    # drop 栏次 markers: '栏次' followed by its number
    clean_rows = []
    for r in rows:
        kept = []
        skip_next = False
        for c in r:
            if skip_next and c.number:
                skip_next = False
                continue
            skip_next = c.text == "栏次"
            if not skip_next:
                kept.append(c)
        if kept:
            clean_rows.append(kept)
    rows = clean_rows
    if not rows:
        return []
    first_num = next((i for i, r in enumerate(rows) if any(c.number for c in r)), None)
    if first_num is None:
        return []
    header_rows = rows[:first_num]
    data = rows[first_num:]
    labelled = [r for r in data if _labelled(r)]
    if labelled and not positional and _totals_under_metrics(doc, header_rows, labelled):
        # 项目 | 甲项收入 | 乙项收入 over one 合计 row: the columns are the figures' names
        return _column_mode(doc, header_rows, [c for c in labelled[0][1:] if c.number], start, unit)
    if labelled:
        header = [c for hr in header_rows for c in hr] if not positional else (header_rows[-1] if header_rows else [])
        side = _second_side(header) if positional else None
        if side is not None:
            # 项目 | 决算数 | 项目 | 决算数: two tables side by side (收入 on the left, 支出 on the right); each label
            # takes the figures after it, up to the other side's label
            out: list[Fact] = []
            for lo, hi in ((0, side), (side, None)):
                rows_of_side = [r[lo:hi] for r in data]
                out.extend(_row_mode(doc, header[lo:hi], [r for r in rows_of_side if _labelled(r)], True, start, unit))
            return out
        if positional and len(header_rows) >= 2:
            header = _grouped_header(header_rows[-2], header_rows[-1], max(len(r) for r in labelled) - 1) or header
        return _row_mode(doc, header, labelled, positional, start, unit)
    values = [c for c in data[0] if c.number]
    return _column_mode(doc, header_rows, values, start, unit)


def _labelled(row: list[Cell]) -> bool:
    return bool(row) and bool(row[0].text) and not row[0].number and any(c.number for c in row[1:])


_ROW_HEADS = ("项目", "科目", "项目名称", "科目名称", "收入项目", "支出项目")


def _second_side(header: list[Cell]) -> int | None:
    """The column where a second table starts on the same rows: the header names the rows again (项目 | 决算数 | 项目
    | 决算数) after a column of figures."""
    if len(header) < 4 or header[0].text not in _ROW_HEADS:
        return None
    return next((i for i in range(2, len(header) - 1) if header[i].text in _ROW_HEADS), None)


def _totals_under_metrics(doc: Document, header_rows: list[list[Cell]], labelled: list[list[Cell]]) -> bool:
    """One row, a total, under columns that each name a figure (no year, basis or change): a one-row table read
    across."""
    if len(labelled) != 1 or labelled[0][0].text not in _TOTAL:
        return False
    head = [c for r in header_rows for c in r if c.text not in _SKIP_HEADERS and not _UNIT_LINE.search(c.text)]
    cut = max((i for i, c in enumerate(head) if c.text.endswith("表")), default=-1)
    head = head[cut + 1 :]
    figures = [c for c in labelled[0][1:] if c.number]
    if len(head) < 2 or len(head) != len(figures) or any(_BASIS_CELL.match(c.text) for c in head):
        return False
    cols = [_column(c.text, doc.year) for c in head]
    return all(
        c.role == "value" and c.basis is None and not _YEAR_CELL.search(h.text) for c, h in zip(cols, head, strict=True)
    )


def _basis_blocks(doc: Document, start: int, end: int) -> list[Fact] | None:
    """One cell per line in column blocks, each under its own basis (``预算数`` / 合计 / 甲费 / 12.00 / 12.00 /
    ``决算数`` / 合计 / 甲费 / 8.75 / 8.75): each block is a header row and one row of figures, and its basis word is
    the basis (and year) of its figures. None unless two or more such blocks follow one another."""
    text = doc.text
    cells = [
        Cell(t, start + a, start + b)
        for a, b in _lines(text[start:end])
        if (t := _compact(text[start + a : start + b]))
    ]
    heads = [
        i
        for i, c in enumerate(cells)
        if _BASIS_CELL.match(c.text)
        and i + 1 < len(cells)
        and not cells[i + 1].number
        and (i == 0 or cells[i - 1].number or not any(x.number for x in cells[:i]))
    ]
    if len(heads) < 2 or any(not any(c.number for c in cells[a:b]) for a, b in pairwise(heads)):
        return None
    unit = _unit_before(text, start)
    for c in cells[: heads[0]]:
        if u := _UNIT_LINE.search(c.text):
            unit = u.group(1)
    out: list[Fact] = []
    for a, b in zip(heads, [*heads[1:], len(cells)], strict=True):
        block = cells[a + 1 : b]
        first = next(i for i, c in enumerate(block) if c.number)
        header, values = block[:first], block[first:]
        if b == len(cells):  # the last block ends with its figures (a heading may follow in the same run of lines)
            values = values[: next((i for i, c in enumerate(values) if not c.number), len(values))]
        if not all(c.number for c in values):
            return None
        col = _column(cells[a].text, doc.year)
        titled = cells[heads[0]].start  # the title may be a line of the run: the 合计 is named from above the blocks
        leaves = _flat_leaves(doc, header, titled)
        if len(leaves) != len(values):
            leaves = _leaves(doc, [header], titled)[0]
        if len(leaves) != len(values):
            return None
        for (metric, raw), v in zip(leaves, values, strict=True):
            f = _fact(doc, metric, raw, v, unit, col.year, col.basis, f"{raw} {cells[a].text}：{v.text}")
            if f:
                out.append(f)
    return out


def _flat_leaves(doc: Document, header: list[Cell], start: int) -> list[tuple[str, str]]:
    """Column names of a one-line header in which a group's own figure stands under the 小计 after its name
    (合计 | 甲费 | 乙类费 | 小计 | 乙一费 | 乙二费): the 小计 column is the group's."""
    cells = _merge_fragments([c for c in header if c.text not in _SKIP_HEADERS and not _UNIT_LINE.search(c.text)])
    out: list[tuple[str, str]] = []
    for i, c in enumerate(cells):
        if c.text == "小计" and i > 0 and cells[i - 1].text not in _TOTAL:
            continue
        if i + 1 < len(cells) and cells[i + 1].text == "小计":
            out.append(_label_metric(c.text))
        elif c.text in _TOTAL:
            out.append((_title_metric(doc, start) or c.text, c.text))
        else:
            out.append(_label_metric(c.text))
    return out


def _rows_of_cell_block(text: str, start: int, end: int) -> list[list[Cell]]:
    cells: list[Cell] = []
    for s, e in _lines(text[start:end]):
        t = _compact(text[start + s : start + e])
        if t:
            cells.append(Cell(t, start + s, start + e))
    return _code_rows(cells) or _group_cells(cells)


def _group_cells(cells: list[Cell]) -> list[list[Cell]]:
    """Header cells, then rows: a label followed by its numbers; a run of numbers after the header is one row."""
    rows: list[list[Cell]] = [[]]
    for c in cells:
        if not c.number and rows[-1] and rows[-1][-1].number:
            rows.append([])
        if c.number and rows[-1] and not rows[-1][-1].number and len(rows) == 1:
            if not _is_label(rows[-1][-1].text):
                rows.append([])
            elif len(rows[-1]) > 1:
                rows.append([rows[-1].pop()])  # 项目 | 预算数 | 合计 | 4432: the headers, then the first row's label
        rows[-1].append(c)
    rows = [r for r in rows if r]
    # 项目 | Y1年预算数 | Y2年预算数 | 增减额 | 甲类会务费 | a | b | b-a | 乙类培训费 | …: when the rows
    # after the first are a label and as many figures as the first, the last header cell is the first row's label
    if len(rows) >= 3 and len(rows[0]) >= 2 and not rows[0][-1].number and all(c.number for c in rows[1]):
        later = [r for r in rows[2:] if not r[0].number]
        if later and all(len(r) - 1 == len(rows[1]) and all(c.number for c in r[1:]) for r in later):
            rows[1].insert(0, rows[0].pop())
    return rows


def _is_label(text: str) -> bool:
    """A row's label rather than a column header: a numbered item, an income/expense line or a total."""
    return (
        bool(re.match(r"^(?:[一二三四五六七八九十]+、|\d{1,2}[.、．](?!\d))", text))
        or text.endswith(("收入", "支出", "收入合计", "支出合计", "收入总计", "支出总计"))
        or text in ("合计", "总计", "小计", "共计", "总额")
    )


# ---------------------------------------------------------------- tables whose cells are separated by spaces

_SPACE_HEAD = ("项目", "项目名称", "科目", "科目名称", "科目编码", "功能分类科目编码", "经济分类科目编码")
_PAGE_MARK = re.compile(r"^[-—–－\s]*(?:第\s*)?\d{1,4}(?:\s*页)?[-—–－\s]*$")
_SENTENCE = re.compile(r"[。，；;]|,(?!\d{3})")


def _space_cells(doc: Document, s: int, e: int) -> list[Cell]:
    """The cells of a line: runs of characters between spaces, including the spaces normalisation took out between
    two words (``科目名称 合计`` as written reads ``科目名称合计``)."""
    text, raw, offsets = doc.text, doc.raw_text, doc.offsets
    cells = []
    begin: int | None = None
    for i in range(s, e + 1):
        if i < e and not text[i].isspace():
            if begin is None:
                begin = i
            elif i < len(offsets) and any(ch.isspace() for ch in raw[offsets[i - 1] + 1 : offsets[i]]):
                cells.append(Cell(text[begin:i], begin, i))
                begin = i
            continue
        if begin is not None:
            cells.append(Cell(text[begin:i], begin, i))
            begin = None
    return cells


def _space_blocks(doc: Document, taken: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """PDF tables read as text, several cells on a line separated by spaces: a header line (``项目 2030年预算数 …``,
    ``科目编码 科目名称 合计 …``) whose first cell names the rows and whose next cells name two or more columns,
    then lines of labels and figures (a row may continue on the header's line, or several rows share a line)."""
    text = doc.text
    blocks = []
    taken_spans = Spans(taken)
    lines = _lines(text)
    i = 0
    while i < len(lines):
        s, e = lines[i]
        cells = _space_cells(doc, s, e)
        heads = 0
        for k, c in enumerate(cells[1:], 1):
            if c.number or (_is_label(c.text) and k + 1 < len(cells) and cells[k + 1].number):
                break
            heads += 1
        if (
            taken_spans.holds(s)
            or len(cells) < 3
            or cells[0].text not in _SPACE_HEAD
            or heads < 2
            or _SENTENCE.search(text[s:e])
        ):
            i += 1
            continue
        end = e
        j = i + 1
        while j < len(lines):
            a, b = lines[j]
            row = _space_cells(doc, a, b)
            if not row:
                j += 1
                continue
            if (
                taken_spans.holds(a)
                or len(row) < 2
                or not any(c.number for c in row)
                or _SENTENCE.search(text[a:b])
                or _PAGE_MARK.match(text[a:b].strip())
            ):
                break
            end = b
            j += 1
        figures = sum(1 for c in _space_cells(doc, s, end) if c.number)
        if figures >= 2:
            blocks.append((s, end))
        i = j
    return blocks


def _rows_of_space_block(doc: Document, start: int, end: int) -> list[list[Cell]]:
    cells = [c for a, b in _lines(doc.text[start:end]) for c in _space_cells(doc, start + a, start + b)]
    return _code_rows(cells, loose=True) or _group_cells(cells)


# ---------------------------------------------------------------- PDF rows of space-separated numbers


def _space_rows(doc: Document, taken: Sequence[tuple[int, int]]) -> tuple[list[Fact], list[tuple[int, int]]]:
    text = doc.text
    lines = [(s, e) for s, e in _lines(text) if text[s:e].strip()]
    out: list[Fact] = []
    spans: list[tuple[int, int]] = []
    taken_spans = Spans(taken)
    for i, (s, e) in enumerate(lines):
        if taken_spans.holds(s):
            continue
        line = text[s:e]
        econ = _ECON_ROW.match(line.strip())
        if econ and not _ENUMERATOR.fullmatch(econ.group("label")):
            lead = len(line) - len(line.lstrip())
            cs = s + lead + econ.start("num")
            cell = Cell(econ.group("num"), cs, cs + len(econ.group("num")))
            metric, raw = _label_metric(econ.group("label"))
            f = _fact(doc, metric, raw, cell, _unit_before(text, s), doc.year, None, line.strip())
            if f:
                out.append(f)
                spans.append((s, e))
            continue
        m = _SPACE_ROW.match(line.strip())
        if not m:
            continue
        lead = len(line) - len(line.lstrip())
        label = _compact(m.group("label"))
        tokens = []
        for t in re.finditer(r"\S+", m.group("vals")):
            tokens.append(
                Cell(t.group(0), s + lead + m.start("vals") + t.start(), s + lead + m.start("vals") + t.end())
            )
        if label.endswith("无"):
            label = label[:-1]
            tokens.insert(0, Cell("无", s, s))
        if not label and i > 0:
            prev = _compact(text[lines[i - 1][0] : lines[i - 1][1]])
            if i > 1 and (prev.count("”") > prev.count("“") or len(prev) <= 6):
                prev = _compact(text[lines[i - 2][0] : lines[i - 2][1]]) + prev
            label = prev
        if not label or re.search(r"\d", label):
            continue
        facts = _space_row(doc, lines, i, label, tokens)
        spans.append((s, e))
        out.extend(facts)
    return out, spans


def _space_row(doc: Document, lines: list[tuple[int, int]], i: int, label: str, tokens: list[Cell]) -> list[Fact]:
    text = doc.text
    years: list[int] = []
    header_text = ""
    for k in range(i - 1, max(-1, i - 14), -1):
        ln = _compact(text[lines[k][0] : lines[k][1]])
        ys = [int(y) for y in _YEAR_CELL.findall(ln)]
        rest = _YEAR_CELL.sub("", ln)
        if len(ys) >= 2 and len(rest) <= 12:
            years = ys
            header_text = "".join(_compact(text[a:b]) for a, b in lines[max(0, k - 4) : k + 1])
            break
    values = [t for t in tokens if not t.text.endswith("%")]
    shares = {k: t for k, t in enumerate(tokens) if t.text.endswith("%")}
    if years and len(values) == len(years) + 1:
        cur_first = header_text.rfind("当年") < header_text.rfind("近两年") or "近两年" not in header_text
        if "当年" in header_text and header_text.rfind("当年") > header_text.rfind("近两年") >= 0:
            cur_first = False
        order = [doc.year, *years] if cur_first else [*years, doc.year]
    elif len(values) == 1:
        order = [doc.year]
    else:
        return []
    metric, raw = _label_metric(label)
    if label in _TOTAL:
        group = _group_label(doc, lines, i)
        metric, raw = canonical(group + label), group + label
    unit = _unit_before(text, lines[i][0]) if _is_money_label(metric, raw) else ""
    out: list[Fact] = []
    row_text = " ".join([label, *(t.text for t in tokens)])
    k = 0
    for idx, t in enumerate(tokens):
        if t.text.endswith("%"):
            continue
        year = order[k]
        k += 1
        if t.text in ("无", "-", "—"):
            continue
        share = None
        nxt = shares.get(idx + 1)
        if nxt is not None:
            share = parse_number(nxt.text.rstrip("%"))
        m = t.number
        if m is None:
            continue
        if not m.group("unit") and not unit:
            u = re.match(rf"^({NUMBER})(万人次|万人|人次|批次|人|名|辆|条|期|次|个)$", t.text)
            if not u:
                continue
            f = make_fact(
                doc, metric=metric, metric_raw=raw, raw_value=u.group(1), raw_unit=u.group(2), start=t.start,
                end=t.end, year=year, source="table", quote=row_text[:120],
            )  # fmt: skip
        else:
            f = _fact(doc, metric, raw, t, unit, year, None, row_text, share=share)
        if f:
            out.append(f)
    if not unit:
        out = [f for f in out if unit_kind(f.raw_unit) == "count"]
    return out


def _is_money_label(metric: str, raw: str) -> bool:
    known = BY_NAME.get(metric)
    if known is not None:
        return known.money
    return bool(_MONEYISH.search(raw))


def _group_label(doc: Document, lines: list[tuple[int, int]], i: int) -> str:
    for k in range(i - 1, max(-1, i - 8), -1):
        ln = _compact(doc.text[lines[k][0] : lines[k][1]])
        for word in ("收入", "支出"):
            if ln.startswith(word):
                return word
    return ""


# ---------------------------------------------------------------- entry point


# ---------------------------------------------------------------- whole tables on one line (PDF pages read as text)

_INLINE_COL = (
    r"(?:(?:19|20)\d{2}年度?)?(?:全年|年初)?(?:预算数|决算数|执行数|上年数|本年数|预算|决算|增减额|增减率|增减)"
)
_INLINE_HEAD = re.compile(
    rf"(?:项目名称|科目名称|项目|科目)(?P<cols>(?:{_INLINE_COL}(?:[(（](?:万元|元|%)[)）])?\s*){{2,6}})"
)


def _inline_tables(doc: Document, taken: Sequence[tuple[int, int]]) -> tuple[list[Fact], list[tuple[int, int]]]:
    """``项目预算数决算数合计 65.00 64.87公务接待费 21.00 21.00…``: a header, then labels each followed by one number
    per column, all on one line."""
    text = doc.text
    facts: list[Fact] = []
    spans: list[tuple[int, int]] = []
    taken_spans = Spans(taken)
    for head in _INLINE_HEAD.finditer(text):
        if taken_spans.holds(head.start()):
            continue
        cols = [_column(c.group(0), doc.year) for c in re.finditer(_INLINE_COL, head.group("cols"))]
        k = len(cols)
        nums = rf"(?P<nums>(?:\s*(?:{NUMBER})%?){{{k}}})(?![\d.,%年月])"
        row = re.compile(rf"\s*(?P<label>(?:其中[:：])?[\u4e00-\u9fff（）()、“”]{{2,30}}?){nums}")
        orphan = re.compile(rf"(?:\s*(?:{NUMBER})%?){{{k}}}(?![\d.,%年月])")
        unit = _unit_before(text, head.start())
        titled = _YEAR_CELL.search(text[max(0, head.start() - 80) : head.start()])
        if titled:  # the year in the table's title (2017年…决算表) dates columns without their own
            cols = [replace(c, year=int(titled.group(1))) if not _YEAR_CELL.search(h.group(0)) else c
                    for c, h in zip(cols, re.finditer(_INLINE_COL, head.group("cols")), strict=True)]  # fmt: skip
        pos, rows = head.end(), 0
        while True:
            m = row.match(text, pos)
            if m is None or "\n" in m.group(0) or _SECTION_START.search(m.group("label")):
                lone = orphan.match(text, pos)
                if lone is None or "\n" in lone.group(0):
                    break
                pos = lone.end()  # numbers whose label the page moved elsewhere: not guessed
                continue
            metric, raw = _label_metric(m.group("label"))
            if _compact(m.group("label")) in _TOTAL:
                metric = _title_metric(doc, head.start()) or metric
            quote = _compact(m.group(0))
            for col, cell in zip(cols, re.finditer(NUMBER, m.group("nums")), strict=False):
                if col.role != "value":
                    continue
                c = Cell(cell.group(0), m.start("nums") + cell.start(), m.start("nums") + cell.end())
                f = _fact(doc, metric, raw, c, unit, col.year, col.basis, quote)
                if f is not None:
                    facts.append(f)
            rows += 1
            pos = m.end()
        if rows >= 2:
            spans.append((head.start(), pos))
        else:
            facts = facts[: len(facts) - rows * k]
    return facts, spans


_SECTION_START = re.compile(r"[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分")


def extract_table_facts(doc: Document) -> tuple[list[Fact], list[tuple[int, int]]]:
    """Facts from the tables of `doc`, and the spans the tables take (the running-text reader skips them)."""
    text = doc.text
    facts: list[Fact] = []
    spans: list[tuple[int, int]] = []
    for s, e in _pipe_blocks(text):
        rows, positional = _cells_of_pipe_block(text, s, e)
        facts.extend(_read_block(doc, rows, positional, s))
        spans.append((s, e))
    for s, e in _cell_blocks(text, spans):
        blocks = _basis_blocks(doc, s, e)
        facts.extend(blocks if blocks is not None else _read_block(doc, _rows_of_cell_block(text, s, e), False, s))
        spans.append((s, e))
    for s, e in _space_blocks(doc, spans):
        facts.extend(_read_block(doc, _rows_of_space_block(doc, s, e), False, s))
        spans.append((s, e))
    row_facts, row_spans = _space_rows(doc, spans)
    facts.extend(row_facts)
    spans.extend(row_spans)
    inline_facts, inline_spans = _inline_tables(doc, spans)
    facts.extend(inline_facts)
    spans.extend(inline_spans)
    return facts, spans
