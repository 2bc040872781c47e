"""Questions across documents over the fact table: rankings both ways, totals over a group (by place, kind of
disclosure, kind of department), each figure cited from its own document, 元 and 万元 added correctly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from index.library import Library
from qa.ask import Agent
from qa.execute.crossdoc import filter_documents, wants_total

DOCS = {
    "a.txt": "2022年甲县司法局“三公”经费预算情况说明\n"
    "甲县司法局2022年一般公共预算“三公”经费支出预算为79万元,比上年预算减少49万元,下降38.28%。\n"
    "其中:因公出国(境)费支出预算为0万元,公务接待费支出预算为4万元,公务用车购置及运行费支出预算为75万元。\n",
    "b.txt": "2022年乙县审计局“三公”经费预算情况说明\n"
    "乙县审计局2022年“三公”经费支出预算11.4万元,比2021年增加0.6万元。其中:因公出国(境)费0万元,\n"
    "公务接待费7.4万元,较2021年预算减少0.4万元。公务用车运行费4万元。\n",
    "c.txt": "丙市第一中学2022年度“三公”经费决算情况说明\n"
    "丙市第一中学2022年“三公”经费支出决算为52000.00元。其中:公务接待费支出决算为31000.00元,"
    "公务用车运行维护费支出决算为21000.00元。\n",
    "d.txt": "2021年甲县司法局“三公”经费预算情况说明\n"
    "甲县司法局2021年“三公”经费支出预算为128万元。其中:公务接待费支出预算为8万元,公务用车购置及运行费支出预算为120万元。\n",
}


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    folder = tmp_path_factory.mktemp("cross")
    for name, text in DOCS.items():
        (folder / name).write_text(text, "utf-8")
    lib = Library(folder / "lib", embedding="hash")
    results = lib.ingest(sorted(folder.glob("*.txt")))
    assert all(r.ok for r in results), results
    return Agent(lib)


def orgs_cited(answer: object) -> list[str]:
    return [c.org for c in answer.citations]  # type: ignore[attr-defined]


def test_total_over_every_document_of_a_year(agent: Agent) -> None:
    answer = agent.ask("各单位2022年公务接待费合计是多少？")
    assert answer.kind == "sum" and not answer.refused
    assert answer.value == Decimal("14.5") and answer.unit == "万元"  # 4 + 7.4 + 3.1 (31000元)
    assert answer.formula is not None and answer.formula.endswith("= 14.5")
    assert sorted(orgs_cited(answer)) == sorted(["甲县司法局", "乙县审计局", "丙市第一中学"])
    assert any("预算数也有决算数" in w for w in answer.warnings)  # 丙's figure is an actual


def test_rankings_go_both_ways(agent: Agent) -> None:
    high = agent.ask("2022年哪个单位的公务接待费最高？")
    assert high.kind == "compare" and "最高的是乙县审计局" in high.answer and high.value == Decimal("3.4")
    low = agent.ask("2022年公务接待费最低的是哪个单位？")
    assert low.kind == "compare" and "最低的是丙市第一中学" in low.answer and low.value == Decimal("0.9")
    assert len(low.citations) == 3  # every document used is cited; 2021's figure is not ranked with 2022's


def test_a_kind_of_department_narrows_the_group(agent: Agent) -> None:
    answer = agent.ask("学校类单位2022年公务接待费合计多少？")
    # only one school: nothing to add up, said so with the one figure and its source
    assert answer.refused and "只有一份文件" in answer.answer and orgs_cited(answer) == ["丙市第一中学"]


def test_filters_of_a_question() -> None:
    from index.types import Document

    def doc(org: str, kind: str, region: str | None) -> Document:
        return Document("x" + org, "s", org, org, 2022, kind, "", "", (), (), region)

    docs = [doc("甲县司法局", "三公", "甲县"), doc("丙市第一中学", "决算", "丙市"), doc("丙市公安局", "三公", "丙市")]
    assert [d.org for d in filter_documents("丙市各单位的公务接待费加起来多少", docs)[0]] == [
        "丙市第一中学",
        "丙市公安局",
    ]
    assert [d.org for d in filter_documents("决算文件里各单位公务接待费合计", docs)[0]] == ["丙市第一中学"]
    assert [d.org for d in filter_documents("教育系统各单位公务接待费合计", docs)[0]] == ["丙市第一中学"]
    assert [d.org for d in filter_documents("公安部门公务接待费", docs)[0]] == ["丙市公安局"]
    assert filter_documents("乌有县各单位合计", docs)[0] == docs  # a filter that leaves nothing is not applied
    assert wants_total("各单位公务接待费合计是多少") and wants_total("这些部门加起来多少")
    assert not wants_total("三公经费合计是多少") and not wants_total("各项支出是多少")


def test_one_org_across_years_is_not_a_total(agent: Agent) -> None:
    answer = agent.ask("甲县司法局公务接待费是多少？")
    assert not answer.refused and answer.value in (Decimal("4"), Decimal("8"))
    assert set(orgs_cited(answer)) == {"甲县司法局"}


def test_total_unit_stays_yuan_when_every_figure_is_in_yuan(tmp_path: Path) -> None:
    for name in ("e.txt", "f.txt"):
        org = "戊镇" if name == "e.txt" else "己镇"
        (tmp_path / name).write_text(
            f"{org}人民政府2023年度“三公”经费决算情况说明\n{org}人民政府2023年一般公共预算财政拨款“三公”经费支出"
            f"决算为5000.00元。其中:公务接待费支出决算为{'1200' if org == '戊镇' else '800'}.00元,"
            "公务用车运行维护费支出决算为3000.00元。\n",
            "utf-8",
        )
    lib = Library(tmp_path / "lib", embedding="hash")
    results = lib.ingest([tmp_path / "e.txt", tmp_path / "f.txt"])
    assert all(r.ok for r in results), results
    answer = Agent(lib).ask("各单位公务接待费加起来多少？")
    assert answer.kind == "sum" and answer.value == Decimal("2000") and answer.unit == "元", answer.answer


def test_one_org_over_the_years_is_a_series(agent: Agent) -> None:
    answer = agent.ask("甲县司法局近两年公务接待费变化情况？")
    assert answer.kind == "delta" and answer.value == Decimal("-4") and answer.formula == "4-8 = -4"
    assert answer.answer.index("- 2021年") < answer.answer.index("- 2022年")  # oldest first
    assert "比2021年减少4万元，下降50%" in answer.answer
    assert sorted(c.year for c in answer.citations) == [2021, 2022]
