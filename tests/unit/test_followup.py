"""Follow-ups on the seed: what a question leaves open comes from the one before; an unknown year never carries over."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import pytest

from index.library import Library, sample_path
from qa.ask import Agent
from qa.types import Answer, AnswerContext, ParsedQuestion


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    lib = Library(tmp_path_factory.mktemp("followup") / "lib", embedding="hash")
    lib.ingest([sample_path()])
    yield Agent(lib)
    lib.close()


def chain(agent: Agent, questions: Sequence[str], doc_ids: Sequence[str] | None = None) -> list[Answer]:
    answers: list[Answer] = []
    previous: ParsedQuestion | None = None
    for q in questions:
        answer = agent.ask(q, previous=previous, doc_ids=doc_ids)
        parsed = answer.extra["parsed"]
        assert isinstance(parsed, ParsedQuestion)
        previous = parsed
        answers.append(answer)
    return answers


def context(answer: Answer) -> AnswerContext:
    found = answer.extra["context"]
    assert isinstance(found, AnswerContext)
    return found


@pytest.mark.parametrize("first", ["公务接待费涨了多少", "招待费是多少"])
def test_last_year_and_a_named_year_after_a_figure(agent: Agent, first: str) -> None:
    _, last_year, named, other = chain(agent, [first, "那去年呢？", "那2022年呢？", "那公用经费呢？"])
    for answer in (last_year, named):
        assert not answer.refused and answer.value == Decimal("0.56"), answer.answer
        assert context(answer).year == 2022
    assert other.value == Decimal("76.12") and "公用经费" in other.answer  # 2022 carries on


def test_a_new_figure_keeps_the_operation(agent: Agent) -> None:
    _, follow = chain(agent, ["公务接待费涨了多少", "那公用经费呢？"])
    assert follow.kind in ("delta", "rate") and not follow.refused, follow.answer


def test_an_unknown_year_does_not_block_later_questions(agent: Agent) -> None:
    future, plain, last_year, other = chain(
        agent, ["2024年预算是多少", "公务接待费是多少", "那去年呢", "基本支出是多少"]
    )
    assert future.refused and "2024" in future.answer and "2023" in future.answer
    assert plain.value == Decimal("0.6") and context(plain).year == 2023
    assert last_year.value == Decimal("0.56")
    assert other.value == Decimal("457.53")


def test_a_follow_up_naming_an_unknown_year_is_refused_and_forgotten(agent: Agent) -> None:
    _, future, back = chain(agent, ["招待费是多少", "那2024年呢", "那公用经费呢"])
    assert future.refused and "没有2024年的文件" in future.answer
    assert back.value == Decimal("70.8"), back.answer


def test_a_full_question_asks_its_own_figure(agent: Agent) -> None:
    _, own = chain(agent, ["招待费是多少", "政府采购预算多少？"])
    assert own.value == Decimal("325"), own.answer


def test_every_answer_names_its_body_year_and_basis(agent: Agent) -> None:
    answer = agent.ask("公务接待费增长多少？")
    found = context(answer)
    assert (found.org, found.doc_year, found.year, found.basis) == ("武昌区融媒体中心", 2023, 2023, "预算")
    assert "武昌区融媒体中心" in found.label() and "2023年" in found.label()
    data = answer.to_json()["context"]
    assert isinstance(data, dict) and data["org"] == "武昌区融媒体中心" and data["label"] == found.label()


def test_a_body_other_than_the_selected_document_is_named(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.unit.test_agent import THREE_GONG_A, THREE_GONG_B

    folder = tmp_path_factory.mktemp("two")
    (folder / "a.txt").write_text(THREE_GONG_A, "utf-8")
    (folder / "b.txt").write_text(THREE_GONG_B, "utf-8")
    lib = Library(folder / "lib", embedding="hash")
    lib.ingest([folder / "a.txt", folder / "b.txt"])
    agent = Agent(lib)
    first = next(d for d in lib.document_list() if d.org == "甲县司法局")
    answer = agent.ask("乙县审计局2022年公务接待费预算是多少？", doc_ids=[first.doc_id])
    assert answer.refused and "乙县审计局" in answer.answer and "甲县司法局" in answer.answer
    assert "全部文档" in answer.answer
    own = agent.ask("甲县司法局2022年公务接待费预算是多少？", doc_ids=[first.doc_id])
    assert not own.refused and context(own).org == "甲县司法局"
    lib.close()
