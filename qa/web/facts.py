"""The 数据表 tab: the fact table with filters, CSV export, and each document's self-check findings."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from qa.web.context import ALL, ALL_DOCS, WebContext

import gradio as gr  # isort: skip  (after qa.web.context, which sets the offline environment)
import pandas as pd  # isort: skip

from index.units import fmt

if TYPE_CHECKING:
    from index.types import Fact, Finding

CellType = Literal["str", "number", "bool", "date", "markdown", "html"]
FACT_HEADERS = [
    "单位",
    "年度",
    "文件类型",
    "指标",
    "数值",
    "计量单位",
    "原文数值",
    "原文单位",
    "口径",
    "比上年",
    "章节",
    "页码",
    "原文",
    "文档编号",
]
FACT_TYPES: list[CellType] = [
    "str",
    "number",
    "str",
    "str",
    "number",
    "str",
    "str",
    "str",
    "str",
    "str",
    "str",
    "number",
    "str",
    "str",
]
FINDING_TYPES: list[CellType] = ["str", "str", "str", "str", "number", "number", "str", "number"]
FINDING_HEADERS = ["文档", "检查项", "说明", "指标", "应为", "实际", "章节", "页码"]
CHECK_LABELS = {
    "sum_mismatch": "合计不符", "rate_mismatch": "增幅不符", "change_mismatch": "增减额不符",
    "unit_scale": "单位错位", "conflict": "数值矛盾",
}  # fmt: skip
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def comparison_text(fact: Fact) -> str:
    c = fact.comparison
    if c is None:
        return ""
    text = f"比{c.base}{c.direction}"
    if c.amount is not None:
        text += f"{fmt(c.amount)}{fact.unit}"
    if c.rate is not None:
        text += f"，{fmt(c.rate)}%"
    return text


DISPLAY_PLACES = 2  # the table shows 3733.74; the CSV keeps 3733.740764


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _shown(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, DISPLAY_PLACES))


def fact_row(fact: Fact, *, rounded: bool = False) -> list[Any]:
    """One table row; `rounded` for the screen (the CSV keeps full precision)."""
    value = _shown(fact.value) if rounded else _num(fact.value)
    return [
        fact.org, fact.year, fact.kind, fact.metric, value, fact.unit, fact.raw_value, fact.raw_unit,
        fact.basis or "", comparison_text(fact), fact.section, fact.page, fact.quote, fact.doc_id,
    ]  # fmt: skip


def unique_facts(facts: list[Fact]) -> list[Fact]:
    """One row per fact: a figure the document states in several places (table, text, summary) once, the statement
    with a comparison to the year before preferred."""
    best: dict[tuple[Any, ...], Fact] = {}
    for f in facts:
        key = (f.doc_id, f.org, f.year, f.metric, f.value, f.unit, f.basis)
        if key not in best or (best[key].comparison is None and f.comparison is not None):
            best[key] = f
    return list(best.values())


def fact_tables(facts: list[Fact]) -> tuple[pd.DataFrame, str, str]:
    """(the rounded table, the full-precision CSV's path, the count line) for the facts, one row per fact."""
    facts = unique_facts(facts)
    shown = pd.DataFrame([fact_row(f, rounded=True) for f in facts], columns=FACT_HEADERS)
    return shown, write_csv(FACT_HEADERS, [fact_row(f) for f in facts]), f"共 {len(facts)} 条数值。"


def find_facts(
    ctx: WebContext, org: str | None, year: str | int | None, metric: str | None, doc: str | None
) -> list[Fact]:
    """Facts matching the filters; a metric may be a synonym (招待费) or part of a written name."""
    from index.metrics import canonical

    kwargs: dict[str, Any] = {
        "org": None if org in (None, "", ALL) else org,
        "year": None if year in (None, "", ALL) else int(year),
        "doc_id": None if doc in (None, "", ALL, ALL_DOCS) else doc,
    }
    term = (metric or "").strip()
    if not term:
        return ctx.lib.facts(**kwargs)
    return ctx.lib.facts(metric=canonical(term), **kwargs) or ctx.lib.facts(metric_like=term, **kwargs)


def facts_frame(facts: list[Fact]) -> pd.DataFrame:
    return pd.DataFrame([fact_row(f) for f in facts], columns=FACT_HEADERS)


def _csv_cell(value: Any) -> str:
    """A cell as text; text that Excel would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, float):
        return fmt(Decimal(str(value)))
    text = str(value)
    head = unicodedata.normalize("NFKC", text[:1])  # a full-width ＝ ＋ ＠ － starts a formula too
    if head.startswith(_FORMULA_START) or (head == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with BOM, CRLF line ends: Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


_EXPORTS = Path(tempfile.gettempdir()) / f"budgetqa-export-{os.getpid()}"


def write_csv(headers: list[str], rows: list[list[Any]], stem: str = "facts") -> str:
    """The CSV, named by its content: the same selection reuses one file, users never overwrite each other's."""
    data = csv_bytes(headers, rows)
    _EXPORTS.mkdir(parents=True, exist_ok=True)
    path = _EXPORTS / f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}.csv"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=_EXPORTS, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    return str(path)


def finding_rows(ctx: WebContext, doc: str | None) -> list[list[Any]]:
    titles = {d["doc_id"]: f"{d['org']} {d['year'] or ''}（{d['source']}）" for d in ctx.documents()}
    doc_id = None if doc in (None, "", ALL, ALL_DOCS) else doc
    found: list[Finding] = ctx.lib.findings(doc_id)
    return [
        [titles.get(f.doc_id, f.doc_id), CHECK_LABELS.get(f.check, f.check), f.message, f.metric or "",
         _num(f.expected), _num(f.actual), f.section, f.page]
        for f in found
    ]  # fmt: skip


def filter_choices(ctx: WebContext) -> tuple[list[str], list[str]]:
    """(orgs, years) for the filter dropdowns, each starting with 全部."""
    return [ALL, *ctx.lib.orgs()], [ALL, *(str(y) for y in ctx.lib.years())]


@dataclass
class FactsTab:
    org: gr.Dropdown
    year: gr.Dropdown
    metric: gr.Textbox
    doc: gr.Dropdown
    finding_doc: gr.Dropdown
    table: gr.Dataframe
    findings: gr.Dataframe
    download: gr.DownloadButton
    count: gr.Markdown


def build_facts_tab(ctx: WebContext) -> FactsTab:
    orgs, years = filter_choices(ctx)
    with gr.Tab("数值表"):
        with gr.Row():
            org = gr.Dropdown(choices=orgs, value=ALL, label="单位", interactive=True)
            year = gr.Dropdown(choices=years, value=ALL, label="年度", interactive=True)
            metric = gr.Textbox(label="指标", placeholder="如：公务接待费、招待费、基本支出", elem_id="bqa-metric")
            doc = gr.Dropdown(choices=ctx.doc_choices(), value=ALL_DOCS, label="文档", interactive=True)
        with gr.Row():
            search = gr.Button("筛选", variant="primary", size="sm")
            download = gr.DownloadButton("下载 CSV（Excel 可直接打开）", size="sm", elem_id="bqa-download")
        count = gr.Markdown("")
        all_columns = gr.Checkbox(
            label="显示全部列（窄屏默认只显示单位、年度、指标、数值、计量单位）", value=False, elem_id="bqa-all-columns"
        )
        table = gr.Dataframe(
            value=facts_frame([]), headers=FACT_HEADERS, datatype=FACT_TYPES, interactive=False, wrap=True,
            max_height=560, label="数值（点击表头排序，再点一次倒序；显示保留两位小数，CSV 为原始精度）", elem_id="bqa-facts",
            column_widths=["9%", "5%", "5%", "9%", "6%", "5%", "6%", "4%", "4%", "8%", "13%", "4%", "18%", "4%"],
        )  # fmt: skip
    with gr.Tab("自检发现"):
        gr.Markdown("文件自身前后不一致之处（合计不符、增幅不符、单位错位等），按文档查看。")
        finding_doc = gr.Dropdown(choices=ctx.doc_choices(), value=ALL_DOCS, label="文档", interactive=True)
        findings = gr.Dataframe(
            value=pd.DataFrame([], columns=FINDING_HEADERS), headers=FINDING_HEADERS, interactive=False, wrap=True,
            datatype=FINDING_TYPES,
            column_widths=["15%", "7%", "44%", "8%", "6%", "6%", "10%", "4%"], label="自检发现",
            elem_id="bqa-findings",
        )  # fmt: skip

    def run_filter(o: str, y: str, m: str, d: str) -> tuple[pd.DataFrame, str, str]:
        return fact_tables(find_facts(ctx, o, y, m, d))

    def run_findings(d: str) -> pd.DataFrame:
        return pd.DataFrame(finding_rows(ctx, d), columns=FINDING_HEADERS)

    all_columns.change(
        lambda on: gr.update(elem_classes=[ALL_COLUMNS_CLASS] if on else []), all_columns, table,
        queue=False, api_visibility="private",
    )  # fmt: skip
    filters = [org, year, metric, doc]
    private: dict[str, Any] = {"api_visibility": "private"}
    for trigger in (search.click, metric.submit, org.change, year.change, doc.change):
        trigger(run_filter, filters, [table, download, count], **private)
    finding_doc.change(run_findings, finding_doc, findings, **private)
    tab = FactsTab(org, year, metric, doc, finding_doc, table, findings, download, count)
    return tab


# Narrow screens (phones): the fact table keeps 单位, 年度, 指标, 数值, 计量单位 (columns 1, 2, 4, 5, 6); 显示全部列 adds
# the class below and with it every column back. Gradio sizes the cells inline, so the widths need !important.
ALL_COLUMNS_CLASS = "bqa-all-columns"
PHONE_COLUMNS = {1: 28, 2: 14, 4: 28, 5: 16, 6: 14}  # column (1-based) -> width %
PHONE_MARGIN_PX = 66  # the page's side padding and the table's borders at phone widths (390 px -> a 324 px table)


def _phone_css() -> str:
    table = f"#bqa-facts:not(.{ALL_COLUMNS_CLASS})"
    cells = (f"{table} thead th:nth-child({{n}})", f"{table} .virtual-row > .body-cell:nth-child({{n}})")
    hidden = [c.format(n=n) for n in range(1, len(FACT_HEADERS) + 1) if n not in PHONE_COLUMNS for c in cells]
    rules = [", ".join(hidden) + " { display: none !important; }"]
    for n, width in PHONE_COLUMNS.items():
        size = f"calc((100vw - {PHONE_MARGIN_PX}px) * {width / 100})"  # table cells ignore % min/max widths
        rules.append(
            ", ".join(c.format(n=n) for c in cells)
            + f" {{ width: {size} !important; min-width: {size} !important; max-width: {size} !important;"
            f" flex: 0 0 {size} !important; }}"
        )
    return (
        "@media (max-width: 640px) {\n"
        + "\n".join(rules)
        + "\n}\n@media (min-width: 641px) { #bqa-all-columns { display: none; } }\n"
    )


FACTS_CSS = _phone_css()


# Gradio's table sorts only through the ⋮ menu of a header: a click on the header itself opens that menu and picks
# 升序 (first item), a second click on the same header 降序 (second item), in any interface language.
SORT_SCRIPT = """
<script>
(() => {
  const state = new Map();
  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!event.isTrusted || !(target instanceof Element)) return;
    const th = target.closest("#bqa-facts thead th, #bqa-findings thead th");
    if (!th || target.closest(".cell-menu-button")) return;
    const menu = th.querySelector(".cell-menu-button");
    const table = th.closest("#bqa-facts, #bqa-findings");
    if (!menu || !table) return;
    const key = table.id + ":" + Array.prototype.indexOf.call(th.parentElement.children, th);
    const order = state.get(key) === "asc" ? "desc" : "asc";
    state.clear();
    state.set(key, order);
    setTimeout(() => {  // after the table's own click handling, which would close a menu opened now
      menu.click();
      setTimeout(() => {
        const item = document.querySelectorAll(".cell-menu button")[order === "asc" ? 0 : 1];
        if (item) item.click();
      }, 50);
    }, 0);
  }, true);
})();
</script>
"""
