"""Questions too long, empty or without Chinese: a clear Chinese message, at once, from every edge."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from index.library import Library
from qa.ask import Agent
from qa.parse.guard import EMPTY_HINT, MAX_QUESTION_CHARS, NOT_CHINESE_HINT, QuestionTooLong, hint
from qa.plan.rules import strip_names

NAMES = ["武昌区融媒体中心", "武昌区融媒体中心2023年部门预算"]


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    lib = Library(tmp_path_factory.mktemp("question"), embedding="hash")
    lib.ensure_sample()
    yield Agent(lib)
    lib.close()


@pytest.mark.parametrize(
    ("question", "stripped"),
    [
        ("武昌区融媒体中心的职能是什么", " 的职能是什么"),
        ("融媒体中心2023年部门预算有几个部分", " 有几个部分"),
        ("融媒体中心和武昌区教育局", " 和 教育局"),  # 武昌区 alone is a piece of the name too
        ("公务接待费", "公务接待费"),
        ("", ""),
    ],
)
def test_strip_names(question: str, stripped: str) -> None:
    assert strip_names(question, NAMES) == stripped


def test_strip_names_is_linear() -> None:
    text = "武昌区融媒体中心的主要职能和机构设置是怎样的，媒体宣传项目做了哪些工作？" * 600  # ~22,000 characters
    started = time.perf_counter()
    strip_names(text, NAMES)
    assert time.perf_counter() - started < 0.5


def test_too_long_is_refused_at_once(agent: Agent) -> None:
    agent.ask("公务接待费是多少？")
    text = "公务接待费是多少？" * 600
    started = time.perf_counter()
    with pytest.raises(QuestionTooLong, match=f"{MAX_QUESTION_CHARS}字以内"):
        agent.ask(text)
    assert time.perf_counter() - started < 0.1
    assert not agent.ask(("公务接待费是多少？" * 60)[:MAX_QUESTION_CHARS]).refused


@pytest.mark.parametrize(
    ("question", "expected"), [("", EMPTY_HINT), ("  ", EMPTY_HINT), ("How much?", NOT_CHINESE_HINT)]
)
def test_hints(agent: Agent, question: str, expected: str) -> None:
    assert hint(question) == expected
    answer = agent.ask(question)
    assert answer.kind == "clarify" and answer.answer == expected and "公务接待费" in answer.answer
    assert hint("公务接待费 budget?") is None


def test_cli_says_so(tmp_path: Path) -> None:
    from qa.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["ask", "公" * (MAX_QUESTION_CHARS + 1), "--library", str(tmp_path / "lib")])
    assert isinstance(result.exception, QuestionTooLong) and "问题太长" in str(result.exception)
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "a", "question": "' + "公" * 501 + '"}\n{"id": "b", "question": "公务接待费是多少？"}\n')
    result = runner.invoke(app, ["ask", "--jsonl", str(batch), "--library", str(tmp_path / "lib")])
    assert result.exit_code == 0, result.output
    assert '"error": "问题太长' in result.output and '"id": "b"' in result.output
