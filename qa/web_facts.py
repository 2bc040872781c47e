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

from qa.web_context import ALL, ALL_DOCS, WebContext

import gradio as gr  # isort: skip  (after qa.web_context, which sets the offline environment)
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


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def fact_row(fact: Fact) -> list[Any]:
    return [
        fact.org, fact.year, fact.kind, fact.metric, _num(fact.value), fact.unit, fact.raw_value, fact.raw_unit,
        fact.basis or "", comparison_text(fact), fact.section, fact.page, fact.quote, fact.doc_id,
    ]  # fmt: skip


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
        table = gr.Dataframe(
            value=facts_frame([]), headers=FACT_HEADERS, datatype=FACT_TYPES, interactive=False, wrap=True,
            max_height=560, label="数值（点击表头排序）", elem_id="bqa-facts",
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
        facts = find_facts(ctx, o, y, m, d)
        rows = [fact_row(f) for f in facts]
        return pd.DataFrame(rows, columns=FACT_HEADERS), write_csv(FACT_HEADERS, rows), f"共 {len(rows)} 条数值。"

    def run_findings(d: str) -> pd.DataFrame:
        return pd.DataFrame(finding_rows(ctx, d), columns=FINDING_HEADERS)

    filters = [org, year, metric, doc]
    private: dict[str, Any] = {"api_visibility": "private"}
    for trigger in (search.click, metric.submit, org.change, year.change, doc.change):
        trigger(run_filter, filters, [table, download, count], **private)
    finding_doc.change(run_findings, finding_doc, findings, **private)
    tab = FactsTab(org, year, doc, finding_doc, table, findings, download, count)
    return tab


def refresh_facts(ctx: WebContext) -> list[Any]:
    """Updates for FactsTab (org, year, doc, finding_doc, table, findings, download, count) after the library changed."""
    orgs, years = filter_choices(ctx)
    docs = ctx.doc_choices()
    facts = find_facts(ctx, None, None, None, None)
    rows = [fact_row(f) for f in facts]
    return [
        gr.update(choices=orgs, value=ALL), gr.update(choices=years, value=ALL), gr.update(choices=docs, value=ALL_DOCS),
        gr.update(choices=docs, value=ALL_DOCS), pd.DataFrame(rows, columns=FACT_HEADERS),
        pd.DataFrame(finding_rows(ctx, None), columns=FINDING_HEADERS), write_csv(FACT_HEADERS, rows),
        f"共 {len(rows)} 条数值。",
    ]  # fmt: skip
