"""Ranking the documents a clarification offers: what each document can answer, not only what its name says."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from index.library import Library
from index.types import Document
from qa.ask import Agent
from qa.execute import crossdoc
from qa.parse.orgs import match_org, org_words
from qa.plan import route
from qa.plan.rules import usable_metric_name

DOCS = {
    "p.txt": """2021年“三公”经费预算情况说明
本部门2021年“三公”经费预算为12万元。其中:公务接待费预算为5万元,公务用车运行维护费7万元,比上年增加1万元,主要原因是车辆老化维修费用增加。
""",
    "q.txt": """2022年“三公”经费预算情况说明
本部门2022年“三公”经费预算为10万元。其中:公务接待费预算为4万元,比上年减少1万元;公务用车运行维护费6万元,比上年减少1万元,主要原因是压减用车。
""",
    "r.txt": """壬县水务局2021年“三公”经费预算情况说明
壬县水务局2021年“三公”经费预算为30万元。其中:公务接待费预算为10万元,公务用车运行维护费20万元。
""",
    "s.txt": """2022年部门预算
一、收支预算总体情况
2022年教育支出预算为300万元,主要用于教职工工资和学生资助。
二、“三公”经费预算情况
因公出国(境)费、公务接待费均未安排。公务用车运行维护费预算为2万元。
""",
    "t.txt": """癸市第二中学2020年“三公”经费预算情况说明
癸市第二中学2020年“三公”经费预算为3万元。其中:公务接待费预算为1万元,公务用车运行维护费2万元。
""",
    "u.txt": """子市公共资源交易中心2019年部门预算
子市公共资源交易中心(以下简称“交易中心”)设综合科、业务科两个岗位。
一、收支预算总体情况
2019年收支总预算为80万元,其中财政拨款收入80万元,一般公共预算支出80万元。
""",
}


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    folder = tmp_path_factory.mktemp("rank")
    for name, text in DOCS.items():
        (folder / name).write_text(text, "utf-8")
    lib = Library(folder / "lib", embedding="hash")
    assert all(r.ok for r in lib.ingest(sorted(folder.glob("*.txt"))))
    return Agent(lib)


def offered(agent: Agent, question: str) -> list[str]:
    answer = agent.ask(question)
    assert answer.kind == "clarify" and answer.value is None and not answer.citations, answer.answer
    return [c["source"] for c in answer.to_json()["candidates"]]  # type: ignore[union-attr, index]


def test_a_later_document_that_states_the_year_before_is_offered(agent: Agent) -> None:
    # q.txt is of 2022 but states 2021 through 比上年减少: the year ranks, it does not filter
    assert set(offered(agent, "该部门2021年公务接待费是多少？")[:2]) == {"p.txt", "q.txt"}


def test_the_kind_of_body_asked_reaches_a_file_that_names_none(agent: Agent) -> None:
    # 这所学校: the named school is of another year; the file that speaks of 教职工 and 学生 is asked back, not answered
    assert offered(agent, "这所学校2022年教育支出预算是多少？")[0] == "s.txt"


def test_the_direction_asked_favours_the_figure_that_changed_that_way(agent: Agent) -> None:
    ranked = offered(agent, "该单位公务用车运行维护费为什么增加？")
    assert ranked.index("p.txt") < ranked.index("q.txt")


def test_a_question_about_nothing_arranged_favours_the_file_that_says_so(agent: Agent) -> None:
    assert offered(agent, "为什么该单位没有安排公务接待费？")[0] == "s.txt"


def test_a_total_asked_is_held_by_a_file_that_states_its_income_and_expenditure(tmp_path: Path) -> None:
    # 收支 is 收支总预算; a 决算 writes only 收、支总计 (收入合计, 支出合计), which a balanced budget equals
    head = "2022年部门决算\n一、财政拨款收入支出决算总体情况说明\n2022年度一般公共预算财政拨款支出决算数为40万元。\n"
    final = head + "二、收入支出决算总体情况\n2022年度收入总计50万元,支出总计52万元,与2021年相比分别减少10万元、12万元,主要原因是项目完成。\n"
    other = head + "二、“三公”经费支出决算情况\n2022年公务接待费3万元,比上年减少1万元。因公出国(境)费未安排。\n"
    for name, text in {"a.txt": other, "b.txt": other.replace("3万元", "4万元"), "c.txt": final}.items():
        (tmp_path / name).write_text(text, "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    assert all(r.ok for r in lib.ingest(sorted(tmp_path.glob("*.txt"))))
    assert offered(Agent(lib), "这个单位2022年收支为什么下降？")[0] == "c.txt"
    assert route.holding_metrics(["收支总预算"]) == ["收支总预算", "收入合计", "支出合计"]


def test_direction_and_nothing_arranged_are_read_from_the_words() -> None:
    assert route.asked_direction("为什么下降了？") == "减少" and route.asked_direction("增减情况") is None
    assert route.states_none("公务接待费均未安排。", ["公务接待费"])
    assert route.states_none("因财力不足,公务接待费没预算。", ["公务接待费"])
    assert not route.states_none("公务接待费5万元。会议费未安排。" + "。" * 20, ["公务接待费"])


def test_body_kind_and_department_words() -> None:
    assert route.body_kind("该校2022年预算") == "校" and route.body_kind("这个单位") is None
    assert route.body_in_text("我镇将在实际工作中", "镇") and not route.body_in_text("本部门", "镇")
    assert "中学" in crossdoc.department_words("这所学校的预算") and crossdoc.department_words("预算") == ()


def test_a_phrase_opening_with_a_body_s_short_name_goes_to_the_file_that_writes_it(agent: Agent) -> None:
    assert org_words("交易中心各岗位人数加起来是否等于在职人数？") == ("交易中心",)
    assert org_words("这个单位2019年收支总预算是多少？") == ()
    assert org_words("这是哪个城市的经开区？") == ("经开区",)
    assert org_words("第六部分各组成部分的合计是多少？哪个部门最高？") == ()  # no body: 部分, 哪个部门
    answer = agent.ask("交易中心各岗位的收支总预算是多少？")
    assert answer.kind != "clarify" and {c.doc_id for c in answer.citations} <= {
        d["doc_id"] for d in agent.lib.documents() if d["source"] == "u.txt"
    }, answer.answer


def test_a_body_s_whole_name_inside_an_item_name_still_names_it() -> None:
    text = "工资福利支出占乙省本级支出的比例？"
    at = text.find("乙省本级支出")
    found = match_org(text, ["乙省本级", "丙县财政局"], items=[(at, at + len("乙省本级支出"))])
    assert found.org == "乙省本级"
    assert match_org("政府办公厅事务支出是多少", ["丁区政府办"], items=[(0, 7)]).org is None  # a short form is not


def test_a_line_that_asks_something_is_no_item_name() -> None:
    assert not usable_metric_name("丙乡政府有几个预算单位") and not usable_metric_name("为什么增加")
    assert usable_metric_name("公务接待费")
    assert not usable_metric_name("上年") and not usable_metric_name("同比增长") and not usable_metric_name("辆减至")
    assert not usable_metric_name("医院") and not usable_metric_name("全院")  # a kind of body names no item


def test_two_bodies_compared_on_a_rate_each_from_its_own_document(tmp_path: Path) -> None:
    texts = {
        "a.txt": "甲县档案局2020年“三公”经费支出决算情况说明\n"
        "甲县档案局2020年“三公”经费支出预算为50万元,支出决算为30万元,完成预算的60%。\n",
        "b.txt": "乙县林业局2021年“三公”经费支出决算情况说明\n"
        "乙县林业局2021年“三公”经费支出预算为40万元,支出决算为30万元,完成预算的75%。\n",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    assert all(r.ok for r in lib.ingest(sorted(tmp_path.glob("*.txt"))))
    answer = Agent(lib).ask("甲县档案局2020年和乙县林业局2021年，谁的三公经费预算执行率更高？")
    assert answer.value == Decimal("15") and answer.unit == "个百分点", answer.answer
    assert answer.answer.index("乙县林业局") < answer.answer.index("甲县档案局")
    assert {c.org for c in answer.citations} == {"甲县档案局", "乙县林业局"}
    assert any("年度不同" in w for w in answer.warnings)


def test_a_body_no_file_names_is_offered_only_the_files_that_name_none(agent: Agent) -> None:
    answer = agent.ask("庚县民政局2021年公务接待费是多少？")
    assert answer.kind == "clarify" and answer.value is None and "庚县民政局" in answer.answer, answer.answer
    sources = {c["source"] for c in answer.to_json()["candidates"]}  # type: ignore[union-attr, index]
    assert sources and sources <= {"p.txt", "q.txt", "s.txt"}  # never 壬县水务局's or 癸市第二中学's
    later = agent.ask("庚县民政局2030年公务接待费是多少？")  # no file can hold that year: said so
    assert later.refused and later.value is None and "庚县民政局" in later.answer


def test_a_kind_of_body_written_outright_favours_files_of_that_kind(agent: Agent) -> None:
    assert offered(agent, "中学的公务接待费预算是多少？")[0] == "t.txt"


def test_a_year_alone_does_not_pick_the_file_for_this_unit(agent: Agent) -> None:
    # u.txt is the only file of 2019, but 该单位 names no body: asked back (a later file may state 2019 as 上年)
    assert offered(agent, "该单位2019年收支总预算是多少？")[0] == "u.txt"


def test_the_question_s_rare_words_favour_the_few_files_that_write_them(tmp_path: Path) -> None:
    # only w4 writes 档案库房 (and gives no figure of it); the others hold figures the question does not ask about
    texts = {f"w{i}.txt": f"{2020 + i}年“三公”经费预算情况说明\n本部门{2020 + i}年公务接待费预算为{i + 1}万元,"
             f"公务用车运行维护费{i + 2}万元。\n" for i in range(4)}  # fmt: skip
    texts["w4.txt"] = (
        "2021年部门预算\n一、部门职责\n本部门负责全市档案的收集和保管,现有档案库房三处。\n"
        "二、收支预算总体情况\n2021年收支总预算为60万元,其中财政拨款收入60万元,一般公共预算支出60万元。\n"
    )
    for name, text in texts.items():
        (tmp_path / name).write_text(text, "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    assert all(r.ok for r in lib.ingest(sorted(tmp_path.glob("*.txt"))))
    agent = Agent(lib)
    assert offered(agent, "这个单位的档案库房有多大面积？")[0] == "w4.txt"
    assert offered(agent, "这个单位2021年公务接待费是多少？")[0] != "w4.txt"  # no rare word: the figures rank


def test_question_words_leave_out_asking_words_and_the_budget_vocabulary() -> None:
    words = route.question_words("该单位2021年档案库房和公务接待费分别是多少？")
    assert "档案库房" in "".join(words)
    assert not {"该单位", "单位", "分别", "多少", "是多少", "公务接待费", "接待费"} & set(words)
    docs = [route_doc(i, text) for i, text in enumerate(["档案库房", "预算", "预算", "预算"])]
    found = route.distinctive("该单位档案库房多大？", docs, lambda w: {d.doc_id for d in docs if w in d.text})
    assert set(found) == {"d0"} and found["d0"] >= 1.0  # a word one document of four writes weighs 1
    # `mentions` reads a bounded number of passages: a word more passages may write is common, whatever it returned
    assert route.distinctive("该单位档案库房多大？", docs, lambda w: {"d0"}, lambda w: route.MENTIONS_READ + 1) == {}
    assert set(route.distinctive("该单位档案库房多大？", docs, lambda w: {"d0"}, lambda w: 3)) == {"d0"}


def test_passages_writing_a_word_are_counted_by_the_index(agent: Agent) -> None:
    assert agent.rules.passages("公务接待费") == 5  # p q r s t: every passage writing it writes each of its pairs
    assert agent.rules.passages("档案库房") == 0 and agent.rules.passages("交易中心") == 1


def route_doc(i: int, text: str) -> Document:
    return Document(f"d{i}", f"{i}.txt", "t", "未注明单位", 2021, "预算", text, text, list(range(len(text))))


def test_a_body_written_only_in_the_file_name_routes_to_that_file(tmp_path: Path) -> None:
    # neither text names its body; the user uploaded one as 庚县民政局….txt: a question naming it is answered there
    texts = {
        "p.txt": "2021年“三公”经费预算情况说明\n本部门2021年“三公”经费预算为12万元。其中:公务接待费预算为5万元,"
        "公务用车运行维护费7万元。\n",
        "庚县民政局2021年三公经费.txt": "2021年“三公”经费预算情况说明\n本部门2021年“三公”经费预算为9万元。"
        "其中:公务接待费预算为3万元,公务用车运行维护费6万元。\n",
        "r.txt": "壬县水务局2021年“三公”经费预算情况说明\n壬县水务局2021年“三公”经费预算为30万元。"
        "其中:公务接待费预算为10万元,公务用车运行维护费20万元。\n",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    assert all(r.ok for r in lib.ingest(sorted(tmp_path.glob("*.txt"))))
    answer = Agent(lib).ask("庚县民政局2021年公务接待费是多少？")
    assert answer.kind != "clarify" and answer.value == Decimal("3"), answer.answer
    assert {c.doc_id for c in answer.citations} == {
        d["doc_id"] for d in lib.documents() if d["source"].startswith("庚县")
    }
    other = Agent(lib).ask("辛县民政局2021年公务接待费是多少？")  # a body no file and no file name writes
    assert other.value is None and "辛县民政局" in other.answer


def test_a_long_document_does_not_outweigh_others_by_its_number_of_passages(tmp_path: Path) -> None:
    # routing sums a document's best passages only: a file with ten sections on 会议费 is not ten times as likely
    sections = "".join(
        f"{n}、第{n}项工作\n本部门2022年安排会议费{n}万元,用于召开第{n}次工作会议,会议费严格按标准执行。\n" for n in range(1, 11)
    )
    long = "2022年部门预算\n一、财政拨款收入支出总体情况\n2022年一般公共预算财政拨款支出100万元。\n" + sections
    short = "2022年部门预算\n一、财政拨款收入支出总体情况\n2022年一般公共预算财政拨款支出50万元,其中会议费3万元。\n"
    (tmp_path / "long.txt").write_text(long, "utf-8")
    (tmp_path / "short.txt").write_text(short, "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    assert all(r.ok for r in lib.ingest(sorted(tmp_path.glob("*.txt"))))
    docs = lib.document_list()
    found = Agent(lib).rules.evidence("会议费安排了多少？", docs)
    long_id = next(d.doc_id for d in docs if d.source == "long.txt")
    assert len(lib.search_index().search_lexical("会议费", k=40)) > 3  # the long file has many passages to count
    assert 0 < found[long_id] <= 3 / 3 + 3 / 4


def test_a_rate_the_question_quotes_favours_the_file_that_writes_it(tmp_path: Path) -> None:
    # 44% is too short a number to count as a figure, but a rate written with its % sign singles out a file
    body = (
        "2019年部门预算\n一、预算收支增减变化情况说明\n2019年基本支出预算较上年增{a}万元。"
        "1.工资福利支出较上年增{a}万元,增{r} %。主要原因是:新增人员。\n"
    )
    for name, a, r in (("a.txt", "9.5", "12"), ("b.txt", "20.4", "44"), ("c.txt", "3.1", "8")):
        (tmp_path / name).write_text(body.format(a=a, r=r), "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    assert all(r.ok for r in lib.ingest(sorted(tmp_path.glob("*.txt"))))
    assert offered(Agent(lib), "工资福利支出为什么增加44%？")[0] == "b.txt"
