"""The 文档 tab: upload and ingest disclosures, list and remove documents.

Uploads are checked before the library sees them (type allow-list, size limit). The library stores each file by its
content hash, so an uploaded name is only ever shown (as text), never used as a path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.web.context import WebContext

import gradio as gr  # isort: skip  (after qa.web.context, which sets the offline environment)
import pandas as pd  # isort: skip

from index.errors import BudgetQAError, LibraryError
from index.progress import Step

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")
MAX_UPLOAD_MB = 50
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
# What the server accepts at all. Above MAX_UPLOAD_BYTES a file is refused by validate_upload, in Chinese and alone:
# Gradio's own limit would refuse the whole batch, the valid files with it, with an English message.
SERVER_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
KNOWN = "已在资料库中"
RESULT_HEADERS = ["文件", "结果", "章节", "数值", "自检发现", "说明"]
DOC_HEADERS = [
    "编号",
    "单位",
    "年度",
    "类型",
    "标题",
    "文件名",
    "数值",
    "文本块",
    "自检发现",
    "导入时间",
    "导入时的注意事项",
]
WRITE_QUEUE = "library-write"  # ingest and remove run one at a time


def display_name(path: str | Path) -> str:
    """The uploaded file's own name, for display only."""
    return Path(str(path)).name


def validate_upload(path: str | Path) -> str | None:
    """None when the file may be ingested, else a Chinese message saying why not."""
    p = Path(str(path))
    name = p.name
    suffix = p.suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        kind = f"“{suffix}”" if suffix else "无扩展名"
        return f"不支持的文件类型（{kind}）：请上传 PDF、TXT、MD 或 HTML 格式的预算/决算公开文件。"
    try:
        size = p.stat().st_size
    except OSError:
        return f"无法读取上传的文件“{name}”，请重新上传。"
    if size > MAX_UPLOAD_BYTES:
        return f"文件过大（{size / 1024 / 1024:.1f} MB）：单个文件不能超过 {MAX_UPLOAD_MB} MB。"
    if size == 0:
        return "文件是空的，请检查后重新上传。"
    return None


def _paths(files: Any) -> list[str]:
    if not files:
        return []
    items = files if isinstance(files, list) else [files]
    return [str(getattr(f, "name", f)) for f in items]


def upload_meta(org: str | None, year: Any) -> tuple[str | None, int | None]:
    """The body and year typed on the upload form (for files that do not name them): blanks are None; a year must be a
    four-digit year (BudgetQAError with a Chinese message otherwise)."""
    body = (org or "").strip() or None
    if year in (None, ""):
        return body, None
    try:
        value = int(float(str(year).strip()))
    except ValueError:
        value = 0
    if not 1990 <= value <= 2100:
        raise LibraryError(f"年度“{year}”不是有效的年份，请填写四位数的年份，例如 2023，或留空。")
    return body, value


def ingest_uploads(
    ctx: WebContext, files: Any, progress: Any = None, *, org: str | None = None, year: int | None = None
) -> list[list[Any]]:
    """Validate, then ingest the valid files in one library call; one result row per uploaded file, in order.
    `org`/`year`: given on the form for files that do not name their body or year (本部门, 我镇)."""
    paths = _paths(files)
    rows: dict[int, list[Any]] = {}
    valid: list[tuple[int, str]] = []
    for i, path in enumerate(paths):
        problem = validate_upload(path)
        if problem:
            rows[i] = [display_name(path), "未导入", 0, 0, 0, problem]
        else:
            valid.append((i, path))

    def report(step: Step) -> None:
        if progress is not None:
            progress(step.fraction, desc=step.text())

    if valid:
        try:
            results = ctx.lib.ingest([p for _, p in valid], progress=report, org=org, year=year)
        except BudgetQAError as exc:
            results = []
            for i, path in valid:
                rows[i] = [display_name(path), "失败", 0, 0, 0, str(exc)]
        for (i, path), r in zip(valid, results, strict=False):
            status = KNOWN if r.skipped else ("成功" if r.ok else "失败")
            note = f"与《{r.same_as}》内容相同，未重复导入。" if r.skipped else r.message
            rows[i] = [display_name(path), status, r.sections, r.facts, r.findings, note]
    return [rows[i] for i in range(len(paths)) if i in rows]


def document_rows(ctx: WebContext) -> list[list[Any]]:
    return [
        [d["doc_id"][:10], d["org"], d["year"], d["kind"], d["title"], d["source"], d["facts"], d["chunks"],
         d["findings"], (d.get("ingested_at") or "")[:19].replace("T", " "), "\n".join(d.get("warnings") or ())]
        for d in ctx.documents()
    ]  # fmt: skip


def documents_frame(ctx: WebContext) -> pd.DataFrame:
    return pd.DataFrame(document_rows(ctx), columns=DOC_HEADERS)


def ingest_summary(rows: list[list[Any]]) -> str:
    """One line about a batch: what landed, what was already there, what was refused."""
    if not rows:
        return "请先选择要导入的文件。"
    counts = {status: sum(1 for r in rows if r[1] == status) for status in ("成功", KNOWN)}
    parts = [f"成功导入 {counts['成功']} 个"]
    if counts[KNOWN]:
        parts.append(f"{counts[KNOWN]} 个{KNOWN}（未重复导入）")
    failed = len(rows) - counts["成功"] - counts[KNOWN]
    if failed:
        parts.append(f"{failed} 个未能导入（原因见下表“说明”）")
    return f"本次处理 {len(rows)} 个文件：" + "，".join(parts) + "。"


def removal_question(ctx: WebContext, doc_id: str | None) -> str | None:
    """The confirmation asked before a document is removed; None when nothing is selected."""
    if not doc_id:
        return None
    doc = next((d for d in ctx.documents() if d["doc_id"] == doc_id), None)
    if doc is None:
        return None
    year = f" {doc['year']}年" if doc.get("year") else ""
    return (
        f"确定要删除“{doc['source']}”（{doc['org']}{year}）吗？"
        f"它的 {doc['facts']} 条数值和全部文本将从资料库中移除，不能恢复。"
    )


def remove_document(ctx: WebContext, doc_id: str | None) -> str:
    if not doc_id:
        return "请先选择要删除的文档。"
    try:
        title = next((d["source"] for d in ctx.documents() if d["doc_id"] == doc_id), doc_id)
        removed = ctx.lib.remove(doc_id)
    except BudgetQAError as exc:
        return f"⚠ {exc}"
    return f"已删除“{title}”。" if removed else "该文档已不在资料库中（可能已被其他用户删除）。"


@dataclass
class DocsTab:
    upload: gr.File
    ingest: gr.Button
    results: gr.Dataframe
    documents: gr.Dataframe
    remove_choice: gr.Dropdown
    remove: gr.Button
    confirm: gr.Button
    status: gr.Markdown
    ingest_event: Any
    remove_event: Any


def build_docs_tab(ctx: WebContext) -> DocsTab:
    gr.Markdown(
        f"上传预算/决算公开文件（PDF、TXT、MD、HTML，单个不超过 {MAX_UPLOAD_MB} MB，可多选）。"
        "导入后即可在“问答”和“数据表”中使用。内容相同的文件不会重复导入。"
    )
    upload = gr.File(label="选择或拖入文件", file_count="multiple", type="filepath", elem_id="bqa-upload")
    with gr.Row():
        org_box = gr.Textbox(
            label="单位（可选）", placeholder="文件里没写单位名称（如“本部门”“我镇”）时填写，例如：某县某局",
            elem_id="bqa-upload-org", scale=3,
        )  # fmt: skip
        year_box = gr.Textbox(label="年度（可选）", placeholder="如 2023", elem_id="bqa-upload-year", scale=1)
    ingest = gr.Button("导入", variant="primary", elem_id="bqa-ingest")
    ingest_status = gr.Markdown("", elem_id="bqa-ingest-status")
    results = gr.Dataframe(
        value=pd.DataFrame([], columns=RESULT_HEADERS), headers=RESULT_HEADERS, interactive=False, wrap=True,
        datatype=["str", "str", "number", "number", "number", "str"], label="导入结果", elem_id="bqa-results",
    )  # fmt: skip
    gr.Markdown("### 资料库中的文档")
    documents = gr.Dataframe(
        value=documents_frame(ctx), headers=DOC_HEADERS, interactive=False, wrap=True, label="文档列表",
        datatype=["str", "str", "number", "str", "str", "str", "number", "number", "number", "str"], elem_id="bqa-docs",
    )  # fmt: skip
    with gr.Row():
        remove_choice = gr.Dropdown(
            choices=ctx.doc_choices(include_all=False), value=None, label="选择要删除的文档", interactive=True, scale=3
        )
        remove = gr.Button("删除所选文档", variant="stop", scale=1, elem_id="bqa-remove")
    with gr.Row(visible=False, elem_id="bqa-confirm-row") as confirm_row:
        confirm = gr.Button("确认删除", variant="stop", scale=1, elem_id="bqa-confirm-remove")
        cancel = gr.Button("取消", variant="secondary", scale=1, elem_id="bqa-cancel-remove")
    status = gr.Markdown("", elem_id="bqa-remove-status")

    def run_ingest(
        files: Any,
        org: str | None,
        year: str | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[pd.DataFrame, Any, str]:
        try:
            body, fiscal = upload_meta(org, year)
        except BudgetQAError as exc:
            return pd.DataFrame([], columns=RESULT_HEADERS), gr.update(), str(exc)
        rows = ingest_uploads(ctx, files, progress, org=body, year=fiscal)
        return pd.DataFrame(rows, columns=RESULT_HEADERS), None, ingest_summary(rows)

    def ask_removal(doc_id: str | None) -> tuple[str, Any]:
        question = removal_question(ctx, doc_id)
        if question is None:
            return "请先选择要删除的文档。", gr.update(visible=False)
        return f"⚠ {question}", gr.update(visible=True)

    def run_remove(doc_id: str | None) -> tuple[str, Any]:
        return remove_document(ctx, doc_id), gr.update(visible=False)

    write: dict[str, Any] = {"concurrency_limit": 1, "concurrency_id": WRITE_QUEUE, "api_visibility": "private"}
    private: dict[str, Any] = {"api_visibility": "private", "queue": False}
    ingest_event = ingest.click(run_ingest, [upload, org_box, year_box], [results, upload, ingest_status], **write)
    remove.click(ask_removal, remove_choice, [status, confirm_row], **private)
    cancel.click(lambda: ("已取消删除。", gr.update(visible=False)), None, [status, confirm_row], **private)
    # only the user's own pick withdraws a pending confirmation: a refresh that clears the pick of a removed file (its
    # value changes too) must not wipe the “已删除” the removal just showed
    remove_choice.input(lambda: ("", gr.update(visible=False)), None, [status, confirm_row], **private)
    remove_event = confirm.click(run_remove, remove_choice, [status, confirm_row], **write)
    return DocsTab(
        upload, ingest, results, documents, remove_choice, remove, confirm, status, ingest_event, remove_event
    )
