"""Routing a question over a library of several documents: named bodies, abbreviations, unknown bodies, clarification."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from index.library import Library
from qa.ask import Agent
from qa.parse.orgs import org_aliases

DOCS = {
    "a.txt": """甲县司法局2022年“三公”经费预算情况说明
甲县司法局2022年“三公”经费预算为20万元。其中:公务接待费预算为4万元,公务用车运行费16万元。
""",
    "b.txt": """中国人民政治协商会议丁县委员会2022年“三公”经费预算情况说明
丁县政协2022年“三公”经费预算为9万元。其中:公务接待费预算为2.5万元,公务用车运行费6.5万元。
""",
    "c.txt": """丙市第三中学2021年“三公”经费预算情况说明
丙市第三中学2021年“三公”经费预算为5万元。其中:公务接待费预算为1.2万元,公务用车运行费3.8万元。
""",
    "d.txt": """2021年“三公”经费预算情况说明
本部门2021年“三公”经费预算为30万元,其中:公务接待费预算为7.7万元,公务用车运行费22.3万元。
公务接待费比上年减少1万元,主要原因是本部门压减接待批次。
""",
}


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    folder = tmp_path_factory.mktemp("route")
    for name, text in DOCS.items():
        (folder / name).write_text(text, "utf-8")
    lib = Library(folder / "lib", embedding="hash")
    assert all(r.ok for r in lib.ingest(sorted(folder.glob("*.txt"))))
    return Agent(lib)


def test_short_forms_people_use() -> None:
    assert "县政协" in org_aliases("中国人民政治协商会议丁县委员会")
    assert "市委宣传部" in org_aliases("乙市委宣传部")
    assert "区法院" in org_aliases("戊市己区人民法院")
    assert "三中" in org_aliases("丙市第三中学")
    assert "中畈乡政府" in org_aliases("甲县中畈乡")


@pytest.mark.parametrize(
    ("question", "value", "org"),
    [
        ("甲县司法局2022年公务接待费预算是多少？", "4", "甲县司法局"),
        ("甲縣司法局2022年公務接待費預算是多少？", "4", "甲县司法局"),  # traditional characters
        ("县政协2022年公务接待费预算是多少？", "2.5", "中国人民政治协商会议丁县委员会"),
        ("丙市三中2021年公务接待费预算多少？", "1.2", "丙市第三中学"),
    ],
)
def test_a_named_body_goes_to_its_document(agent: Agent, question: str, value: str, org: str) -> None:
    answer = agent.ask(question)
    assert answer.value == Decimal(value), answer.answer
    assert {c.org for c in answer.citations} == {org}


def test_a_body_not_in_the_library_is_said_so(agent: Agent) -> None:
    answer = agent.ask("戊县财政局2022年公务接待费预算是多少？")
    assert answer.refused and answer.value is None and "戊县财政局" in answer.answer


def test_this_department_asks_which_document(agent: Agent) -> None:
    answer = agent.ask("这个部门2021年公务接待费预算是多少？")
    assert answer.kind == "clarify" and answer.value is None and not answer.citations
    offered = answer.to_json()["candidates"]
    assert isinstance(offered, list) and offered[0]["source"] == "d.txt"  # unnamed, calls itself 本部门, 2021
    chosen = agent.ask("这个部门2021年公务接待费预算是多少？", doc_ids=[offered[0]["doc_id"]])
    assert chosen.value == Decimal("7.7")
    follow = agent.ask("那公务用车运行费呢？", doc_ids=[offered[0]["doc_id"]], previous=chosen.extra["parsed"])  # type: ignore[arg-type]
    assert follow.value == Decimal("22.3")


def test_a_question_naming_no_body_is_clarified_not_guessed(agent: Agent) -> None:
    answer = agent.ask("公务接待费预算是多少？")
    assert answer.kind == "clarify" and answer.value is None
    assert len(answer.to_json()["candidates"]) == 4  # type: ignore[arg-type]


def test_a_ranking_over_the_library_is_still_answered(agent: Agent) -> None:
    answer = agent.ask("2022年哪个单位的公务接待费预算最高？")
    assert answer.kind == "compare", answer.answer


def test_the_library_with_one_document_needs_no_choice(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(DOCS["a.txt"], "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest([tmp_path / "a.txt"])
    assert Agent(lib).ask("这个单位公务接待费预算是多少？").value == Decimal("4")


def test_staff_choose_the_document_from_the_command_line(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from index.errors import LibraryError
    from qa.cli import app

    for name, text in DOCS.items():
        (tmp_path / name).write_text(text, "utf-8")
    lib = ["--library", str(tmp_path / "lib")]
    runner = CliRunner()
    ingest = [*(str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")), *lib]
    assert runner.invoke(app, ["ingest", *ingest]).exit_code == 0
    # a file that does not name its body gets one at ingest, and routing reaches it by that name
    assert runner.invoke(app, ["ingest", str(tmp_path / "d.txt"), "--org", "庚县林业局", *lib]).exit_code == 0
    asked = runner.invoke(app, ["ask", "庚县林业局2021年公务接待费预算是多少？", "--json", *lib])
    assert json.loads(asked.output)["value"] == 7.7
    scoped = runner.invoke(app, ["ask", "公务接待费预算是多少？", "--doc", "c.txt", "--json", *lib])
    assert json.loads(scoped.output)["value"] == 1.2
    by_org = runner.invoke(app, ["ask", "公务接待费预算是多少？", "--org", "县政协", "--year", "2022", "--json", *lib])
    assert json.loads(by_org.output)["value"] == 2.5
    unknown = runner.invoke(app, ["ask", "公务接待费预算是多少？", "--doc", "e.txt", *lib])
    assert isinstance(unknown.exception, LibraryError) and "a.txt" in str(unknown.exception)  # near matches listed
    batch = tmp_path / "q.jsonl"
    rows = [
        {"id": "1", "question": "公务接待费预算是多少？", "doc": "a.txt"},
        {"id": "2", "question": "公务接待费预算是多少？"},
    ]
    batch.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    lines = runner.invoke(app, ["ask", "--jsonl", str(batch), *lib]).stdout.splitlines()
    out = [json.loads(line) for line in lines if line.startswith("{")]
    assert out[0]["value"] == 4 and out[1]["kind"] == "clarify"
    # corrected later: the body a document names, and its year
    assert (
        runner.invoke(app, ["docs", "--set-org", "d.txt", "辛县林业局", "--set-year", "d.txt", "2020", *lib]).exit_code
        == 0
    )
    moved = runner.invoke(app, ["ask", "辛县林业局2020年公务接待费预算是多少？", "--json", *lib])
    assert json.loads(moved.output)["value"] == 7.7


def test_the_web_chat_offers_the_candidates_as_one_click_choices(agent: Agent) -> None:
    from qa.web.chat import candidate_choices, respond
    from qa.web.context import ALL_DOCS, WebContext

    ctx = WebContext(agent.lib, agent)
    seen: list = []  # type: ignore[type-arg]
    list(respond(ctx, "这个部门2021年公务接待费预算是多少？", [], None, ALL_DOCS, on_answer=seen.append))
    offered = candidate_choices(seen[-1])
    assert offered and offered[0][1] and "d.txt" in offered[0][0]
    list(respond(ctx, "这个部门2021年公务接待费预算是多少？", [], None, offered[0][1], on_answer=seen.append))
    assert seen[-1].value == Decimal("7.7") and not candidate_choices(seen[-1])


def test_the_upload_form_names_a_document_s_body_and_year(tmp_path: Path) -> None:
    from index.errors import BudgetQAError
    from qa.web.context import WebContext
    from qa.web.docs import ingest_uploads, upload_meta

    assert upload_meta("  ", "") == (None, None)
    assert upload_meta("甲县档案局", "2021") == ("甲县档案局", 2021)
    with pytest.raises(BudgetQAError, match="有效的年份"):
        upload_meta(None, "去年")
    (tmp_path / "d.txt").write_text(DOCS["d.txt"], "utf-8")
    ctx = WebContext(Library(tmp_path / "lib", embedding="hash"))
    [row] = ingest_uploads(ctx, [str(tmp_path / "d.txt")], org="甲县档案局", year=2021)
    assert row[1] == "成功"
    assert [d["org"] for d in ctx.lib.documents()] == ["甲县档案局"]
