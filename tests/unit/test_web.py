"""The web UI without a browser: the app builds, answers render inert, uploads are checked, CSV opens in Excel."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from index.library import Library
from index.types import Citation
from qa.types import Answer
from qa.web.context import ALL_DOCS, WebContext
from qa.web.render import cited_values, highlight_quote, render_answer, render_error, safe_text, stream_pieces

DATA = Path(__file__).resolve().parents[1] / "data"
EVIL = "<script>alert(1)</script> [x](http://evil) <img src=x onerror=alert(2)> $$x$$ **b**"


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    library = Library(tmp_path_factory.mktemp("weblib"), embedding="hash")
    library.ensure_sample()
    yield library
    library.close()


@pytest.fixture(scope="module")
def ctx(lib: Library) -> WebContext:
    return WebContext(lib)


def evil_answer() -> Answer:
    citation = Citation(
        doc_id="d1", title=f"标题{EVIL}", org="某单位<b>", year=2023, section="第一部分 > [链接](http://evil)", page=3,
        quote=f"公务接待费预算 0.6万元，比 2022年预算增加 0.04万元。{EVIL}",
    )  # fmt: skip
    return Answer(
        question="公务接待费增长多少？", answer=f"增加0.04万元。{EVIL}", kind="delta", value=Decimal("0.04"), unit="万元",
        formula="0.6-0.56 = 0.04", citations=(citation,), warnings=(f"注意{EVIL}",),
    )  # fmt: skip


# ---- rendering -------------------------------------------------------------------------------------------------------
def test_render_escapes_everything_from_documents() -> None:
    html = render_answer(evil_answer())
    for dangerous in ("<script", "<img", "单位<b>", "](", "http://", "$$", "**"):
        assert dangerous not in html, dangerous
    assert "&lt;script&gt;alert&#40;1&#41;&lt;/script&gt;" in html and "单位&lt;b&gt;" in html
    assert "<details" in html and "<summary>" in html and "<mark>0.04</mark>" in html
    assert "⚠" in html and "数值：" in html and "计算：" in html


def test_safe_text_round_trips_as_text() -> None:
    import html as std_html

    assert std_html.unescape(safe_text(EVIL)) == EVIL
    assert safe_text("a\nb") == "a<br>b"
    assert "&#" not in safe_text("公务接待费0.6万元")


def test_highlight_marks_cited_numbers_not_years() -> None:
    quote = "公务接待费预算 0.6万元，比 2022年预算增加 0.04万元，增长 7.14%。"
    marked = highlight_quote(quote, {Decimal("0.04"), Decimal("7.14"), Decimal("2022")})
    assert "<mark>0.04</mark>" in marked and "<mark>7.14</mark>" in marked
    assert "<mark>2022" not in marked and "<mark>0.6" not in marked


def test_cited_values_come_from_value_formula_and_text() -> None:
    values = cited_values(evil_answer())
    assert {Decimal("0.04"), Decimal("0.56"), Decimal("0.6")} <= values


def test_refusal_and_error_render_plainly() -> None:
    refused = Answer("问题", "文件中没有找到相关数据。", "refuse", refused=True, value=Decimal(1))
    html = render_answer(refused)
    assert "bqa-refused" in html and "数值：" not in html
    assert "⚠" in render_error("资料库为空<script>") and "<script>" not in render_error("x<script>")


def test_stream_pieces_grow_to_the_whole_text() -> None:
    pieces = stream_pieces("公务接待费增加0.04万元。", 4)
    assert pieces[-1] == "公务接待费增加0.04万元。"
    assert all(b.startswith(a) for a, b in itertools.pairwise(pieces))
    assert stream_pieces("") == [""]


# ---- uploads ---------------------------------------------------------------------------------------------------------
def test_upload_allow_list_and_size_limit(tmp_path: Path) -> None:
    from qa.web.docs import MAX_UPLOAD_BYTES, validate_upload

    ok = tmp_path / "预算.TXT"
    ok.write_text("内容", "utf-8")
    assert validate_upload(ok) is None
    exe = tmp_path / "evil.exe"
    exe.write_bytes(b"MZ")
    assert "不支持的文件类型" in (validate_upload(exe) or "")
    big = tmp_path / "big.pdf"
    with big.open("wb") as fh:
        fh.truncate(MAX_UPLOAD_BYTES + 1)
    assert "文件过大" in (validate_upload(big) or "")
    empty = tmp_path / "empty.md"
    empty.touch()
    assert "空" in (validate_upload(empty) or "")


def test_ingest_uploads_reports_each_file(ctx: WebContext, tmp_path: Path) -> None:
    from qa.web.docs import ingest_uploads

    bad = tmp_path / "x.docx"
    bad.write_bytes(b"PK")
    rows = ingest_uploads(ctx, [str(DATA / "recipe.txt"), str(bad)])
    assert [r[0] for r in rows] == ["recipe.txt", "x.docx"]
    assert rows[0][1] == "失败" and rows[0][5]  # not a disclosure: a Chinese reason
    assert rows[1][1] == "未导入" and "不支持" in rows[1][5]
    stored = {p.name for p in (ctx.lib.home / "files").iterdir()}
    assert not any("docx" in n or "recipe" in n for n in stored)


def test_ingest_then_remove(ctx: WebContext, tmp_path: Path) -> None:
    from qa.web.docs import document_rows, ingest_uploads, remove_document

    before = len(document_rows(ctx))
    source = tmp_path / "三公<b>经费.txt"
    source.write_bytes((DATA / "sangong_utf8_bom.txt").read_bytes())
    rows = ingest_uploads(ctx, [str(source)])
    assert rows[0][1] == "成功", rows
    assert len(document_rows(ctx)) == before + 1
    doc_id = next(d["doc_id"] for d in ctx.documents() if d["source"] == source.name)
    assert all(p.name.startswith(doc_id) for p in (ctx.lib.home / "files").glob(f"{doc_id}*"))
    assert "已删除" in remove_document(ctx, doc_id)
    assert len(document_rows(ctx)) == before
    assert "不在资料库" in remove_document(ctx, doc_id)


# ---- fact table and CSV ----------------------------------------------------------------------------------------------
def test_facts_filter_by_synonym_and_csv_export(ctx: WebContext) -> None:
    from qa.web.facts import FACT_HEADERS, csv_bytes, fact_row, find_facts, write_csv

    facts = find_facts(ctx, None, "2023", "招待费", ALL_DOCS)
    assert facts and {f.metric for f in facts} == {"公务接待费"}
    rows = [fact_row(f) for f in facts]
    data = csv_bytes(FACT_HEADERS, rows)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == FACT_HEADERS
    assert any(r[3] == "公务接待费" and r[4] == "0.6" for r in table[1:])
    assert Path(write_csv(FACT_HEADERS, rows)).read_bytes() == data


def test_csv_neutralises_formulas() -> None:
    from qa.web.facts import csv_bytes

    text = csv_bytes(["a", "b", "c"], [["=HYPERLINK(1)", "-0.5", -0.5]]).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text and ",-0.5,-0.5" in text
    wide = csv_bytes(["a", "b", "c", "d"], [["＝HYPERLINK(1)", "＋1+1", "＠SUM(A1)", "－1+cmd"]]).decode("utf-8-sig")
    assert wide.splitlines()[1] == "'＝HYPERLINK(1),'＋1+1,'＠SUM(A1),'－1+cmd"


def test_findings_rows(ctx: WebContext) -> None:
    from qa.web.facts import FINDING_HEADERS, finding_rows

    rows = finding_rows(ctx, ALL_DOCS)
    assert all(len(r) == len(FINDING_HEADERS) for r in rows)


# ---- the app and the chat --------------------------------------------------------------------------------------------
def test_build_app_exposes_ask_endpoint(lib: Library) -> None:
    import gradio as gr

    from qa.web.app import build_app

    demo = build_app(lib)
    assert isinstance(demo, gr.Blocks)
    config = demo.get_config_file()
    public = {d.get("api_name") for d in config["dependencies"] if d.get("api_visibility", "public") == "public"}
    assert {"ask", "documents"} <= public
    assert config["analytics_enabled"] is False


def test_respond_streams_then_renders_sources(ctx: WebContext) -> None:
    from qa.web.chat import respond

    updates = list(respond(ctx, "公务接待费增长多少？", [], None, ALL_DOCS))
    assert len(updates) >= 3
    shown, history, parsed, box = updates[-1]
    assert "0.04" in shown[-1]["content"] and "<details" in shown[-1]["content"]
    assert parsed is not None and box == ""
    assert "bqa-context" in shown[-1]["content"] and "依据：武昌区融媒体中心 2023年预算" in shown[-1]["content"]
    follow = list(respond(ctx, "那公用经费呢？", history, parsed, ALL_DOCS))[-1]
    assert "公用经费" in follow[0][-1]["content"]


def test_respond_follow_ups_show_the_year_they_assume(ctx: WebContext) -> None:
    from qa.web.chat import respond

    history: list[dict[str, str]] = []
    parsed = None
    contents = []
    for question in ("2024年预算是多少", "招待费是多少", "那去年呢？"):
        shown, history, parsed, _ = list(respond(ctx, question, history, parsed, ALL_DOCS))[-1]
        contents.append(shown[-1]["content"])
    assert "没有2024年的文件" in contents[0]
    assert "0.6" in contents[1] and "年度：2023年" in contents[1]
    assert "0.56" in contents[2] and "年度：2022年" in contents[2]


def test_respond_keeps_the_question_on_error(ctx: WebContext) -> None:
    from qa.web.chat import respond

    shown, _, _, box = list(respond(ctx, "公务接待费增长多少？", [], None, "no-such-document"))[-1]
    assert (
        "⚠" in shown[-1]["content"] and "找不到文档" in shown[-1]["content"] and "可能已被删除" in shown[-1]["content"]
    )
    assert not isinstance(box, str)  # an update that leaves the box as it was


def test_concurrent_ingest_and_questions_keep_the_library_whole(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from qa.web.docs import ingest_uploads

    library = Library(tmp_path / "lib", embedding="hash")
    library.ensure_sample()
    context = WebContext(library)
    files = [DATA / "sangong_utf8_bom.txt", DATA / "sangong_gb18030.txt"]
    with ThreadPoolExecutor(max_workers=6) as pool:
        ingests = [pool.submit(ingest_uploads, context, [str(f)]) for f in files]
        asks = [pool.submit(context.agent.ask, "公务接待费是多少？") for _ in range(6)]
        rows = [row for future in ingests for row in future.result()]
        answers = [future.result() for future in asks]
    assert all(r[1] in ("成功", "已在资料库中") for r in rows), rows
    assert all(a.answer for a in answers)
    docs = library.documents()
    assert len(docs) == 1 + sum(1 for r in rows if r[1] == "成功")
    assert all(d["facts"] > 0 for d in docs)
    assert len(list((library.home / "files").iterdir())) == len(docs)
    library.close()


def test_respond_too_long_empty_and_english(ctx: WebContext) -> None:
    from qa.parse.guard import MAX_QUESTION_CHARS
    from qa.web.chat import respond

    shown, _, _, box = list(respond(ctx, "公" * (MAX_QUESTION_CHARS + 1), [], None, ALL_DOCS))[-1]
    assert "问题太长" in shown[-1]["content"] and not isinstance(box, str)  # the question stays in the box
    with pytest.warns(UserWarning, match="请输入问题"):  # gr.Warning outside a request: the toast's text
        assert list(respond(ctx, "  ", [], None, ALL_DOCS))[-1][0] == []  # nothing in the conversation
    shown, *_ = list(respond(ctx, "How much is the reception budget?", [], None, ALL_DOCS))[-1]
    assert "请用中文提问" in shown[-1]["content"]


def test_answer_carries_its_plain_text_for_copy() -> None:
    import html as std_html
    import re

    rendered = render_answer(evil_answer())
    block = re.search(r'<div class="bqa-plain">(.*?)</div>', rendered)
    assert block is not None and "<script" not in block.group(1)
    text = std_html.unescape(block.group(1).replace("<br>", "\n"))
    assert text.splitlines()[0].startswith("增加0.04万元。")
    assert "数值：0.04万元" in text and "计算：0.6-0.56 = 0.04" in text and "[1] 某单位<b> 2023年" in text


def test_fact_table_one_row_per_fact_rounded_for_display(ctx: WebContext) -> None:
    from dataclasses import replace

    from qa.web.facts import fact_tables, find_facts, unique_facts

    facts = find_facts(ctx, None, None, None, ALL_DOCS)
    once = unique_facts(facts)
    keys = [(f.doc_id, f.year, f.metric, f.value, f.unit, f.basis) for f in once]
    assert len(keys) == len(set(keys)) < len(facts)  # the seed states 人员经费 386.73 three times
    assert sum(1 for f in once if f.metric == "人员经费" and f.value == Decimal("386.73")) == 1
    precise = replace(once[0], value=Decimal("3733.740764"), metric="测试指标")
    table, csv_path, count = fact_tables([precise, precise])
    assert list(table["数值"]) == [3733.74] and count == "共 1 条数值。"
    rows = list(csv.reader(io.StringIO(Path(csv_path).read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][4] == "3733.740764"


def test_known_files_and_a_batch_summary(ctx: WebContext, tmp_path: Path) -> None:
    from index.library import sample_path
    from qa.web.docs import KNOWN, MAX_UPLOAD_BYTES, ingest_summary, ingest_uploads

    big = tmp_path / "太大.pdf"
    with big.open("wb") as fh:
        fh.truncate(MAX_UPLOAD_BYTES + 1)
    rows = ingest_uploads(ctx, [str(sample_path()), str(big)])
    assert [r[1] for r in rows] == [KNOWN, "未导入"] and "文件过大" in rows[1][5]
    summary = ingest_summary(rows)
    assert "成功导入 0 个" in summary and f"1 个{KNOWN}" in summary and "1 个未能导入" in summary
    assert ingest_summary([]) == "请先选择要导入的文件。"


def test_removal_asks_first(ctx: WebContext) -> None:
    from qa.web.docs import removal_question

    doc = ctx.documents()[0]
    question = removal_question(ctx, doc["doc_id"])
    assert question is not None and doc["source"] in question and "不能恢复" in question
    assert removal_question(ctx, None) is None and removal_question(ctx, "no-such-id") is None
    assert any(d["doc_id"] == doc["doc_id"] for d in ctx.documents())  # asking removes nothing


def test_other_pages_refresh_their_lists_and_keep_the_selection(tmp_path: Path) -> None:
    from qa.web.chat import respond
    from qa.web.refresh import LIST_OUTPUTS, refresh_if_changed

    ctx = WebContext(Library(tmp_path / "lib", embedding="hash"))
    ctx.lib.ensure_sample()
    sample_id = ctx.documents()[0]["doc_id"]
    chosen = [sample_id, "全部", "全部", "", sample_id, ALL_DOCS, None]  # chat doc, org, year, metric, docs, remove
    first = refresh_if_changed(ctx, None, *chosen)
    key = first[0]
    assert len(first) == 1 + LIST_OUTPUTS and "value" not in first[1]  # choices only: the selection stays
    assert all(u == {"__type__": "update"} for u in refresh_if_changed(ctx, key, *chosen))  # nothing redraws

    other = Library(tmp_path / "lib", embedding="hash")  # another page, tab or process ingests
    added = other.ingest([DATA / "sangong_gb18030.txt"])[0]
    later = refresh_if_changed(ctx, key, *chosen)
    assert later[0] != key
    chat_doc, fact_table, documents = later[1], later[6], later[10]
    assert added.doc_id in [v for _, v in chat_doc["choices"]] and "value" not in chat_doc
    assert set(fact_table["文档编号"]) == {sample_id}  # the facts filter (this document) still applies
    assert "sangong_gb18030.txt" in list(documents["文件名"])

    other.remove(sample_id)  # and deletes the document this page asks about
    gone = refresh_if_changed(ctx, later[0], *chosen)
    labels = dict((v, label) for label, v in gone[1]["choices"])
    assert labels[sample_id].endswith("（已删除）") and "武昌区融媒体中心" in labels[sample_id]
    *_, last = respond(ctx, "公务接待费是多少？", [], None, sample_id)
    reply = last[0][-1]["content"]
    assert "已从资料库中删除" in reply and "武昌区融媒体中心" in reply and "找不到文档" not in reply
    other.close()
    ctx.lib.close()


def test_a_refresh_never_undoes_a_removal_pick_it_did_not_see(tmp_path: Path) -> None:
    from qa.web.refresh import refresh_if_changed

    ctx = WebContext(Library(tmp_path / "lib", embedding="hash"))
    ctx.lib.ensure_sample()
    sample_id = ctx.documents()[0]["doc_id"]
    added = ctx.lib.ingest([DATA / "sangong_gb18030.txt"])[0]
    # the refresh read "nothing picked" just before the user picked: it must send choices only
    stale = refresh_if_changed(ctx, None, None, "全部", "全部", "", ALL_DOCS, ALL_DOCS, None)[-1]
    assert "value" not in stale and added.doc_id in [v for _, v in stale["choices"]]
    kept = refresh_if_changed(ctx, None, None, "全部", "全部", "", ALL_DOCS, ALL_DOCS, added.doc_id)[-1]
    assert "value" not in kept
    ctx.lib.remove(added.doc_id)  # the picked file is gone: the pick is cleared
    cleared = refresh_if_changed(ctx, None, None, "全部", "全部", "", ALL_DOCS, ALL_DOCS, added.doc_id)[-1]
    assert cleared["value"] is None and added.doc_id not in [v for _, v in cleared["choices"]]
    assert sample_id in [v for _, v in cleared["choices"]]
    ctx.lib.close()


def test_only_a_users_pick_resets_the_removal_status(lib: Library) -> None:
    """The refresh after a removal clears the removed file's pick; a `.change` handler would then wipe “已删除”."""
    from qa.web.app import build_app

    config = build_app(lib).get_config_file()
    ids = {c["props"].get("elem_id"): c["id"] for c in config["components"] if c["props"].get("elem_id")}
    status = ids["bqa-remove-status"]
    triggers = {event for d in config["dependencies"] if status in d["outputs"] for _, event in d["targets"]}
    assert "change" not in triggers and "input" in triggers
