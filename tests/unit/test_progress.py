"""Ingest progress that moves: each file through reading (a PDF page by page), parsing and storing, then the passages
embedded in counted batches; the web UI and the CLI show it as it happens."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from index.library import Library, sample_path
from index.progress import DONE, EMBED, INDEX, PARSE, READ, STORE, Step

DATA = Path(__file__).resolve().parents[1] / "data"


def test_steps_name_the_file_the_stage_and_the_counts(tmp_path: Path) -> None:
    from tests.pdfs import make_disclosure_pdf

    pdf = make_disclosure_pdf(tmp_path / "三公.pdf")
    lib = Library(tmp_path / "lib", embedding="hash")
    steps: list[Step] = []
    results = lib.ingest(
        [sample_path(), pdf, DATA / "sangong_gb18030.txt", DATA / "sangong_utf8_bom.txt"], progress=steps.append
    )
    assert [r.skipped for r in results] == [False, False, False, True]
    files = [s for s in steps if s.files]
    assert {(s.file, s.files) for s in files} == {(1, 4), (2, 4), (3, 4), (4, 4)}
    first = [s.stage for s in files if s.file == 1]
    assert first[0] == READ and PARSE in first and first[-1] == STORE
    assert {s.detail for s in files if s.stage == PARSE} >= {"规范化文字", "分节", "提取数值", "自检"}
    pages = [s for s in files if s.file == 2 and s.stage == READ and s.unit == "页"]
    assert pages and pages[-1].total >= 1
    assert [s.stage for s in files if s.file == 4] == [READ, PARSE]  # a twin is not parsed further
    fractions = [s.fraction for s in files]
    assert fractions == sorted(fractions) and fractions[0] >= 0 and fractions[-1] <= 1
    embedded = [s for s in steps if s.stage == EMBED]
    assert len({s.done for s in embedded}) >= 4 and embedded[-1].done == embedded[-1].total > 16
    assert [s.stage for s in steps[-2:]] == [INDEX, DONE]
    assert files[0].text() == f"第 1/4 个文件《{sample_path().name}》：读取"
    assert embedded[1].text() == f"向量化：{embedded[1].done}/{embedded[1].total} 段"
    assert Step(PARSE, 2, 3, "a.pdf", detail="提取数值").text() == "第 2/3 个文件《a.pdf》：解析（提取数值）"
    lib.close()


def test_upload_progress_reaches_gradio_as_it_moves(tmp_path: Path) -> None:
    from qa.web.context import WebContext
    from qa.web.docs import ingest_uploads

    seen: list[tuple[float, str]] = []

    def progress(value: Any, desc: str = "") -> None:
        seen.append((float(value), desc))

    ctx = WebContext(Library(tmp_path / "lib", embedding="hash"))
    rows = ingest_uploads(ctx, [str(sample_path()), str(DATA / "sangong_gb18030.txt")], progress)
    assert [r[1] for r in rows] == ["成功", "成功"]
    descs = [d for _, d in seen]
    assert f"第 1/2 个文件《{sample_path().name}》：读取" in descs
    assert any(d.startswith("第 2/2 个文件《sangong_gb18030.txt》：解析（提取数值）") for d in descs)
    assert any(d.startswith("第 2/2 个文件《sangong_gb18030.txt》：写入资料库") for d in descs)
    counts = [d for d in descs if d.startswith("向量化：")]
    assert len(counts) >= 3 and counts[0] != counts[-1]
    assert descs[-1] == "完成" and all(0 <= v <= 1 for v, _ in seen)
    ctx.lib.close()


def test_budgetqa_ingest_draws_each_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import qa.cli

    screen = io.StringIO()
    monkeypatch.setattr(qa.cli, "err", Console(file=screen, force_terminal=True, width=160))
    args = ["ingest", str(sample_path()), str(DATA / "sangong_utf8_bom.txt"), "--library", str(tmp_path / "lib")]
    out = CliRunner().invoke(qa.cli.app, args, env={"COLUMNS": "200", "BUDGETQA_EMBEDDING": "hash"})
    assert out.exit_code == 0, out.output
    drawn = screen.getvalue()
    for part in (
        f"第 1/2 个文件《{sample_path().name}》：读取",
        "解析（提取数值）",
        "写入资料库",
        "向量化：16/",
        "完成",
    ):
        assert part in drawn, part
