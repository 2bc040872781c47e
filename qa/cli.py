"""The `budgetqa` command. It only calls the functions the tests call; errors become messages here, in one place."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from index.errors import BudgetQAError
from index.library import Library
from index.progress import DONE, INDEX, INDEX_STAGES, Step
from index.progress import Progress as IngestProgress
from index.units import fmt

app = typer.Typer(
    help="预算问答：政府部门预算/决算公开文件的离线问答工具。", no_args_is_help=True, add_completion=False
)
out = Console()
err = Console(stderr=True)

LibraryOpt = Annotated[Path | None, typer.Option("--library", help="资料库文件夹（默认 ~/.budgetqa 或 BUDGETQA_HOME）")]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="数值表与文本存储：sqlite（默认，资料库文件夹内）或 postgresql://用户@主机/数据库（多台机器共用；"
        "也可设 BUDGETQA_STORE）。指定一次后会记在资料库文件夹的 config.json 中。",
    ),
]


def open_library(library: Path | None, *, sample: bool = True, store: str | None = None) -> Library:
    lib = Library(library, store=store)
    if sample:
        with progress_bar(transient=True) as cb:
            lib.ensure_sample(progress=cb)
    return lib


@contextmanager
def progress_bar(transient: bool = False) -> Iterator[IngestProgress]:
    """A callback for `Library.ingest` / `sync_index` that draws the files' bar (file, stage, pages) and the search
    index's bar (passages embedded) on stderr."""
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"), TimeElapsedColumn(),
        console=err, transient=transient,
    )  # fmt: skip
    tasks: dict[str, Any] = {}

    def callback(step: Step) -> None:
        phase = "index" if step.stage in INDEX_STAGES else "files"
        if phase not in tasks:
            if step.stage == DONE or (phase == "index" and step.stage == INDEX and not tasks):
                return  # nothing was indexed (or ingested): no bar for it
            tasks[phase] = bar.add_task("", total=1.0, count="")
        count = f"{step.file}/{step.files} 个文件" if phase == "files" else ""
        bar.update(tasks[phase], description=escape(step.text()), completed=step.fraction, count=count, refresh=True)

    with bar:
        yield callback


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="文件或文件夹")],
    library: LibraryOpt = None,
    store: StoreOpt = None,
    org: Annotated[str | None, typer.Option(help="文件没有写明单位时（“本部门”“我镇”），指定单位名称")] = None,
    year: Annotated[int | None, typer.Option(help="文件没有写明年度时，指定年度")] = None,
) -> None:
    """导入披露文件（PDF、TXT、HTML；可给文件夹）。相同内容的文件不会重复导入。"""
    lib = open_library(library, sample=False, store=store)
    with progress_bar() as cb:
        results = lib.ingest(paths, progress=cb, org=org, year=year)
    table = Table("文件", "结果", "章节", "文本块", "数值", "自检发现")
    for r in results:
        status = (
            f"[green]{escape(r.message)}[/]"
            if r.skipped
            else ("[green]成功[/]" if r.ok else f"[red]{escape(r.message)}[/]")
        )
        status += "".join(f"\n[yellow]注意：{escape(w)}[/]" for w in r.warnings)
        table.add_row(escape(r.source), status, str(r.sections), str(r.chunks), str(r.facts), str(r.findings))
    out.print(table)
    failed = [r for r in results if not r.ok]
    ok = len(results) - len(failed)
    where = f"{lib.home}" + (f"（存储：{lib.records.url}）" if lib.store_url else "")
    out.print(f"共 {len(results)} 个文件：成功 {ok} 个，失败 {len(failed)} 个。资料库：{where}", markup=False)
    if not results:
        err.print("没有找到可导入的文件（支持 .pdf .txt .md .html）。", markup=False)
        raise typer.Exit(1)
    if failed:
        raise typer.Exit(2)


@app.command()
def docs(
    library: LibraryOpt = None,
    as_json: JsonOpt = False,
    set_org: Annotated[
        tuple[str, str] | None, typer.Option("--set-org", help="更正文档的单位：--set-org 文档编号或文件名 单位名称")
    ] = None,
    set_year: Annotated[
        tuple[str, int] | None, typer.Option("--set-year", help="更正文档的年度：--set-year 文档编号或文件名 年度")
    ] = None,
) -> None:
    """列出资料库中的文档；--set-org / --set-year 更正没有写明单位或年度的文档，便于按单位提问。"""
    lib = open_library(library)
    for change, field in ((set_org, "org"), (set_year, "year")):
        if change is not None:
            ref, value = change
            lib.set_meta(lib.resolve_doc(ref), **{field: value})  # type: ignore[arg-type]
            out.print(f"已更正“{ref}”的{'单位' if field == 'org' else '年度'}为：{value}")
    rows = lib.documents()
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("编号", "单位", "年度", "类型", "标题", "数值", "自检发现")
    for d in rows:
        table.add_row(
            d["doc_id"][:10],
            escape(d["org"]),
            str(d["year"] or ""),
            escape(d["kind"]),
            escape(d["title"][:40]),
            str(d["facts"]),
            str(d["findings"]),
        )
    out.print(table)
    for d in rows:  # what was read other than as written (a damaged PDF page …), kept with the document
        for warning in d.get("warnings") or ():
            out.print(f"[yellow]注意：[/]{escape(d['source'])}（{d['doc_id'][:10]}）：{escape(warning)}")


@app.command()
def facts(
    library: LibraryOpt = None,
    org: Annotated[str | None, typer.Option(help="单位名称")] = None,
    year: Annotated[int | None, typer.Option(help="年度")] = None,
    metric: Annotated[str | None, typer.Option(help="指标（可用同义词，如“招待费”）")] = None,
    doc: Annotated[str | None, typer.Option(help="文档编号")] = None,
    as_json: JsonOpt = False,
) -> None:
    """查询数值表。"""
    from index.metrics import canonical

    lib = open_library(library)
    chosen = _scope(lib, doc, org, None)
    scope: list[str | None] = [*chosen] if chosen is not None else [None]
    found = [
        f
        for doc_id in scope
        for f in lib.facts(metric=canonical(metric) if metric else None, year=year, doc_id=doc_id)
        or (lib.facts(metric_like=metric, year=year, doc_id=doc_id) if metric else [])
    ]
    if as_json:
        out.print_json(json.dumps([_fact_json(f) for f in found], ensure_ascii=False))
        return
    table = Table("单位", "年度", "指标", "数值", "单位", "原文", "比较", "章节", "页")
    for f in found:
        cmp = ""
        if f.comparison:
            c = f.comparison
            cmp = (
                f"比{c.base}{c.direction}"
                + (f"{fmt(c.amount)}" if c.amount is not None else "")
                + (f" {fmt(c.rate)}%" if c.rate is not None else "")
            )
        table.add_row(
            escape(f.org),
            str(f.year or ""),
            escape(f.metric),
            fmt(f.value),
            escape(f.unit),
            escape(f"{f.raw_value}{f.raw_unit}"),
            escape(cmp),
            escape(f.section[-40:]),
            str(f.page or ""),
        )
    out.print(table)
    out.print(f"共 {len(found)} 条。")


def _scope(lib: Library, doc: str | None, org: str | None, year: int | None) -> list[str] | None:
    """The documents chosen with --doc / --org / --year (None: the whole library)."""
    from qa.plan.route import scope_ids

    if doc is None and org is None and year is None:
        return None
    return scope_ids(lib.document_list(), lib.resolve_doc, doc=doc, org=org, year=year)


def _fact_json(f: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(f)
    return json.loads(json.dumps(data, default=lambda v: format(v, "f") if isinstance(v, Decimal) else str(v)))


@app.command()
def check(
    doc: Annotated[str | None, typer.Argument(help="文档编号或文件名（默认全部）")] = None,
    library: LibraryOpt = None,
    as_json: JsonOpt = False,
    index: Annotated[
        bool, typer.Option("--index", help="检查检索索引是否与数值表一致（不一致时修复，见 --report-only）")
    ] = False,
    report_only: Annotated[bool, typer.Option("--report-only", help="与 --index 同用：只报告，不修复")] = False,
) -> None:
    """显示文档自身不一致之处（合计不符、增幅不符、单位错位等）；加 --index 检查检索索引。"""
    if index:
        raise typer.Exit(check_index(library, repair=not report_only, as_json=as_json))
    lib = open_library(library)
    doc_id = lib.resolve_doc(doc) if doc else None
    found = lib.findings(doc_id)
    if as_json:
        out.print_json(json.dumps([_fact_json(f) for f in found], ensure_ascii=False))
        return
    titles = {d["doc_id"]: f"{d['org']} {d['year'] or ''}" for d in lib.documents()}
    for f in found:
        out.print(f"[bold]{escape(titles.get(f.doc_id, f.doc_id))}[/]  {escape(f'[{f.check}]')} {escape(f.message)}")
        if f.section:
            out.print(f"    章节：{f.section}" + (f"  第{f.page}页" if f.page else ""), markup=False)
    out.print(f"共 {len(found)} 处。")


def check_index(library: Path | None, *, repair: bool, as_json: bool) -> int:
    """Report the search index against the fact table and repair it when asked; 0 when they match at the end."""
    lib = open_library(library, sample=False)
    before = lib.index_status()
    after = before
    if repair and not before.current:
        with progress_bar(transient=True) as cb:
            lib.sync_index(progress=cb)
        after = lib.index_status()
    if as_json:
        rows = {"before": _status_json(before), "after": _status_json(after), "repaired": after is not before}
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return 0 if after.current else 1
    out.print(_status_line("数值表与检索索引", before), markup=False)
    if before.current:
        out.print("一致。")
    elif after is before:
        out.print("不一致：下一次检索时会自动补齐；也可运行 budgetqa check --index 立即修复。")
    else:
        out.print(_status_line("已修复，现在", after), markup=False)
    return 0 if after.current else 1


def _status_line(label: str, s: Any) -> str:
    built = "没有记录版本" if s.built_at is None else f"建于第 {_generation_number(s.built_at, s.generation)} 版"
    return (
        f"{label}：数值表第 {_generation_number(s.generation, s.generation)} 版，文本块 {s.table} 个；"
        f"索引{built}，文档库 {s.docstore} / 向量 {s.vectors} / 关键词 {s.lexical} 个。"
    )


def _generation_number(generation: str, of: str) -> str:
    store, _, number = generation.rpartition(":")
    return number if store == of.rpartition(":")[0] else f"{number}（另一个数值表）"


def _status_json(s: Any) -> dict[str, Any]:
    return {"generation": s.generation, "built_at": s.built_at, "table_chunks": s.table, "docstore_chunks": s.docstore,
            "vector_chunks": s.vectors, "lexical_chunks": s.lexical, "current": s.current}  # fmt: skip


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="查询")],
    k: Annotated[int, typer.Option("--k", help="返回条数")] = 5,
    org: Annotated[str | None, typer.Option(help="单位")] = None,
    year: Annotated[int | None, typer.Option(help="年度")] = None,
    doc: Annotated[str | None, typer.Option(help="文档编号或文件名")] = None,
    library: LibraryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """检索相关段落（语义 + 关键词混合检索）。"""
    lib = open_library(library)
    doc_ids = _scope(lib, doc, org, year)
    hits = lib.search_index().search(query, k=k, doc_ids=doc_ids)
    if as_json:
        rows = [
            {"chunk_id": h.chunk.chunk_id, "doc_id": h.chunk.doc_id, "org": h.chunk.org, "year": h.chunk.year, "section": h.chunk.section,
             "page": h.chunk.page, "score": h.score, "text": h.chunk.text}
            for h in hits
        ]  # fmt: skip
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    for i, h in enumerate(hits, 1):
        page = f" 第{h.chunk.page}页" if h.chunk.page else ""
        head = f"{i}. {h.chunk.org} {h.chunk.year or ''}"
        out.print(f"[bold]{escape(head)}[/] {escape(h.chunk.section)}{page}  (得分 {h.score:.4f})")
        out.print("   " + h.chunk.text.replace("\n", " ")[:200], markup=False)


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="问题")] = None,
    jsonl: Annotated[
        Path | None, typer.Option("--jsonl", help='批量提问：每行一个 {"id","question"}，可加 "doc"、"org"、"year"')
    ] = None,
    doc: Annotated[str | None, typer.Option(help="只在这份文档中回答（文档编号或文件名）")] = None,
    org: Annotated[str | None, typer.Option(help="只在这个单位的文档中回答")] = None,
    year: Annotated[int | None, typer.Option(help="只在这个年度的文档中回答")] = None,
    library: LibraryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """提问。默认不使用大模型；设置 BUDGETQA_LLM_BASE_URL 等环境变量后可启用大模型模式。"""
    from qa.ask import Agent

    lib = open_library(library)
    agent = Agent(lib)
    scope = _scope(lib, doc, org, year)
    if jsonl is not None:
        for line in jsonl.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            try:
                own = _scope(lib, item.get("doc"), item.get("org"), item.get("year"))
                row = agent.ask(item["question"], qid=item.get("id"), doc_ids=own or scope).to_json()
            except BudgetQAError as exc:  # one unanswerable line (too long, unknown document …) must not stop the batch
                row = {"id": item.get("id"), "question": item["question"], "error": str(exc)}
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if not question:
        err.print("请给出问题，或用 --jsonl 指定问题文件。")
        raise typer.Exit(1)
    answer = agent.ask(question, doc_ids=scope)
    if as_json:
        sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) + "\n")
        return
    from qa.render import render_text

    out.print(render_text(answer), markup=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 7860,
    library: LibraryOpt = None,
) -> None:
    """启动网页问答（Gradio）。"""
    from qa.web.ports import check_port

    check_port(host, port)  # before the library is opened and Gradio imported: a busy port is said at once
    from qa.web.app import launch

    launch(open_library(library), host=host, port=port)


@app.command("eval")
def evaluate(
    sets: Annotated[list[Path], typer.Argument(help="金标问题集（JSONL）")],
    library: LibraryOpt = None,
    report: Annotated[Path | None, typer.Option(help="报告 JSON 路径")] = None,
    html: Annotated[Path | None, typer.Option(help="报告 HTML 路径")] = None,
    baseline: Annotated[Path | None, typer.Option(help="基线 JSON；有回退时退出码非零")] = None,
) -> None:
    """评测：逐题提问、打分，按题型输出准确率；与基线比较。"""
    from eval.run import run_cli

    raise typer.Exit(run_cli(sets, library=library, report=report, html=html, baseline=baseline))


def main() -> None:
    try:
        app()
    except BudgetQAError as exc:
        err.print(f"[red]错误：[/]{escape(str(exc))}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
