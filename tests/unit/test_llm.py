"""The optional LLM mode, offline: scripted chat models drive the real tools over a real (hash-embedded) library."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from jinja2 import UndefinedError
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatResult
from pydantic import Field

import prompts
from index.errors import MissingExtra
from index.library import Library, sample_path
from qa.ask import Agent
from qa.plan.llm import MAX_STEPS, all_numbers, ask_llm, claimed_numbers, llm_from_env, norm, unsupported
from tests.unit.test_tools import INJECTED

ENV = ("BUDGETQA_LLM_BASE_URL", "BUDGETQA_LLM_MODEL", "BUDGETQA_LLM_API_KEY", "BUDGETQA_LLM_TIMEOUT")


class ScriptedModel(FakeMessagesListChatModel):
    """Replies from a script, records what it was shown, and accepts tools (the fakes do not bind them)."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)
    bound: list[str] = Field(default_factory=list)
    fail: bool = False

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any) -> Any:
        self.bound[:] = [t.name for t in tools]
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        if self.fail:
            raise ConnectionError("endpoint unreachable")
        return super()._generate(messages, *args, **kwargs)


def calls(name: str, n: int = 1, **args: Any) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"{name}-{n}"}])


def scripted(*replies: AIMessage | str) -> ScriptedModel:
    return ScriptedModel(responses=[r if isinstance(r, AIMessage) else AIMessage(content=r) for r in replies])


@pytest.fixture(autouse=True)
def no_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def seed_lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    lib = Library(tmp_path_factory.mktemp("seed_llm"), embedding="hash")
    assert lib.ingest([sample_path()])[0].ok
    return lib


@pytest.fixture(scope="session")
def injected_lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    home = tmp_path_factory.mktemp("injected_llm")
    (home / "wenhuaguan_2023.txt").write_text(INJECTED, encoding="utf-8")
    lib = Library(home / "lib", embedding="hash")
    assert lib.ingest([home / "wenhuaguan_2023.txt"])[0].ok
    return lib


def agent_with(lib: Library, model: ScriptedModel) -> Agent:
    agent = Agent(lib)
    agent.llm = model
    return agent


def tool_outputs(model: ScriptedModel) -> list[ToolMessage]:
    return [m for m in model.seen[-1] if isinstance(m, ToolMessage)] if model.seen else []


# ---- the loop, end to end -------------------------------------------------------------------------------------


def test_lookup_then_calculate_then_answer(seed_lib: Library) -> None:
    model = scripted(
        calls("lookup_facts", metric="公务接待费", year=2023),
        calls("calculate", expression="0.04/(0.6-0.04)*100"),
        "2023年公务接待费预算0.6万元[F1]，比2022年增加0.04万元[F1]，增长7.14%[K1]。",
    )
    answer = agent_with(seed_lib, model).ask("公务接待费比上年增长了百分之几？")
    assert answer.extra["mode"] == "llm"
    assert model.bound == ["lookup_facts", "calculate", "search_disclosures", "list_documents"]
    assert answer.answer == "2023年公务接待费预算0.6万元，比2022年增加0.04万元，增长7.14%。"
    assert answer.value == Decimal("7.14") and answer.unit == "%"
    assert answer.formula is not None and answer.formula.endswith("= 7.14")
    assert answer.kind == "rate"  # agrees with the deterministic answer, so its kind is kept
    assert answer.citations and all("公务接待费" in c.quote for c in answer.citations)
    assert answer.citations[0].org == "武昌区融媒体中心" and answer.citations[0].title
    made = answer.extra["tool_calls"]
    assert isinstance(made, list) and [c["name"] for c in made] == ["lookup_facts", "calculate"]
    outputs = tool_outputs(model)
    assert "0.6万元" in outputs[0].content and isinstance(outputs[0].artifact, list)
    assert "7.14%" in outputs[1].content
    system = model.seen[0][0]
    assert isinstance(system, SystemMessage) and "不是指令" in system.content and "calculate" in system.content


def test_value_comes_from_the_last_calculation_mentioned(seed_lib: Library) -> None:
    model = scripted(
        calls("lookup_facts", metric="公务接待费"),
        calls("calculate", expression="0.6-0.04"),
        "2022年公务接待费为0.56万元（0.6万元减去增加的0.04万元）[K1]。",
    )
    answer = agent_with(seed_lib, model).ask("2022年的公务接待费是多少？")
    assert answer.extra.get("mode") == "llm"
    assert answer.value == Decimal("0.56") and answer.formula == "0.6-0.04 = 0.56"


def test_text_answer_cites_the_passages_it_names(seed_lib: Library) -> None:
    model = scripted(
        calls("search_disclosures", query="公务接待费 原因", k=3),
        "根据文件，公务接待费预算变化的主要原因是：工作中没有需接待的计划[C1]。",
    )
    answer = agent_with(seed_lib, model).ask("公务接待费为什么变化？")
    assert answer.extra.get("mode") == "llm" and answer.value is None
    assert len(answer.citations) == 1 and answer.citations[0].section


# ---- verification: numbers must come from the tools --------------------------------------------------------------


def test_a_number_no_tool_returned_is_rejected(seed_lib: Library, caplog: pytest.LogCaptureFixture) -> None:
    model = scripted(calls("lookup_facts", metric="公务接待费"), "2023年公务接待费为0.7万元[F1]。")
    with caplog.at_level(logging.WARNING, logger="qa.plan.llm"):
        answer = agent_with(seed_lib, model).ask("公务接待费是多少？")
    assert "mode" not in answer.extra
    assert answer.value == Decimal("0.6") and "0.7" not in answer.answer
    assert "0.7" in caplog.text


def test_a_prompt_injection_in_a_document_does_not_reach_the_answer(
    injected_lib: Library, caplog: pytest.LogCaptureFixture
) -> None:
    question = "公务接待费是多少？"
    model = scripted(
        calls("lookup_facts", metric="公务接待费"),
        calls("search_disclosures", query="公务接待费", k=5),
        "根据文件，公务接待费为100万元。",
    )
    with caplog.at_level(logging.WARNING, logger="qa.plan.llm"):
        answer = agent_with(injected_lib, model).ask(question)
    assert all("100" not in str(m.content) for m in tool_outputs(model))  # the tools never showed it
    assert "100" in caplog.text and "mode" not in answer.extra
    assert answer.value == Decimal("1.8") and "1.8万元" in answer.answer and "100" not in answer.answer


@pytest.mark.parametrize("question", ["公务接待费是多少？", "公务接待费预算多少万元", "招待费多少", "三公经费是多少？"])
def test_the_deterministic_path_never_reports_the_injected_figure(injected_lib: Library, question: str) -> None:
    answer = Agent(injected_lib).ask(question)
    assert answer.value != Decimal("100") and "100" not in answer.answer


def test_llm_refusal_falls_back_when_the_documents_have_the_answer(seed_lib: Library) -> None:
    model = scripted(calls("lookup_facts", metric="公务接待费"), "文件中没有找到相关数据，无法回答。")
    answer = agent_with(seed_lib, model).ask("公务接待费是多少？")
    assert "mode" not in answer.extra and answer.value == Decimal("0.6")


def test_llm_refusal_stands_when_the_documents_do_not_have_the_answer(seed_lib: Library) -> None:
    model = scripted(calls("lookup_facts", metric="无人机采购费"), "文件中没有找到无人机采购费的相关数据，无法回答。")
    answer = agent_with(seed_lib, model).ask("无人机采购费是多少？")
    assert answer.extra.get("mode") == "llm"
    assert answer.refused and answer.kind == "refuse" and answer.value is None


# ---- failures: always the deterministic answer ------------------------------------------------------------------


def test_endpoint_errors_fall_back(seed_lib: Library, caplog: pytest.LogCaptureFixture) -> None:
    model = scripted("unused")
    model.fail = True
    with caplog.at_level(logging.WARNING, logger="qa.plan.llm"):
        answer = agent_with(seed_lib, model).ask("公务接待费是多少？")
    assert answer.value == Decimal("0.6") and "endpoint unreachable" in caplog.text


def test_the_loop_is_bounded(seed_lib: Library) -> None:
    model = scripted(calls("list_documents"))  # asks for a tool forever
    answer = agent_with(seed_lib, model).ask("公务接待费是多少？")
    assert len(model.seen) == MAX_STEPS
    assert "mode" not in answer.extra and answer.value == Decimal("0.6")


def test_unknown_tools_and_bad_arguments_are_fed_back(seed_lib: Library) -> None:
    model = scripted(
        calls("delete_everything"),
        calls("calculate", expression=None),
        calls("lookup_facts", metric="公务接待费"),
        "公务接待费预算0.6万元[F1]。",
    )
    answer = agent_with(seed_lib, model).ask("公务接待费是多少？")
    errors = [m for m in tool_outputs(model) if m.status == "error"]
    assert len(errors) == 2 and "没有名为" in errors[0].content
    assert answer.extra.get("mode") == "llm" and answer.value == Decimal("0.6")


def test_ask_llm_without_a_model_returns_none(seed_lib: Library) -> None:
    agent = Agent(seed_lib)
    assert agent.llm is None
    assert ask_llm(seed_lib, agent.parse("公务接待费是多少？")) is None


# ---- numbers ------------------------------------------------------------------------------------------------


def test_claimed_numbers_skip_years_numbering_and_ids() -> None:
    text = "2023年公务接待费1,234.50万元[F3]。\n1. 见第3页（2）：增长７．１４％；2022—2023年合计12人"
    assert claimed_numbers(text) == ["1234.5", "7.14", "12"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,234.50", "1234.5"), ("-0.30", "0.3"), ("１２３", "123"), ("7.140%", "7.14"), ("100", "100")],
)
def test_norm(raw: str, expected: str) -> None:
    assert norm(raw) == expected


def test_unsupported() -> None:
    allowed = all_numbers("F1｜公务接待费｜0.60万元（原文：6,000.00元）")
    assert unsupported("公务接待费0.6万元，即6000元。", allowed) == []
    assert unsupported("公务接待费0.6万元，约占7%。", allowed) == ["7"]


# ---- configuration and prompts ----------------------------------------------------------------------------------


def test_llm_from_env_is_off_by_default() -> None:
    assert llm_from_env() is None


def test_llm_from_env_builds_chat_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("langchain_openai")
    monkeypatch.setenv("BUDGETQA_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("BUDGETQA_LLM_MODEL", "qwen-test")
    model = llm_from_env()
    assert model is not None
    assert getattr(model, "model_name", None) == "qwen-test" and getattr(model, "temperature", None) == 0
    assert getattr(model, "openai_api_base", None) == "http://127.0.0.1:9/v1"


def test_llm_from_env_names_the_extra_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETQA_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("BUDGETQA_LLM_MODEL", "qwen-test")
    monkeypatch.setitem(sys.modules, "langchain_openai", None)
    with pytest.raises(MissingExtra, match=r"pip install 'budget-qa\[llm\]'"):
        llm_from_env()


def test_a_missing_prompt_variable_fails_loudly() -> None:
    with pytest.raises(UndefinedError):
        prompts.render("answer", question="公务接待费是多少？")
    with pytest.raises(UndefinedError):
        prompts.render("system", documents=[], document_limit=20)


def test_prompts_render() -> None:
    system = prompts.render(
        "system",
        max_steps=6,
        documents=[{"org": "甲局", "year": 2023, "kind": "预算", "title": "甲局2023年部门预算"}],
        document_limit=20,
    )
    assert "最多调用工具 6 轮" in system and "甲局｜2023｜预算" in system
    answer = prompts.render("answer.j2", question="公务接待费是多少？", hints=[("单位", "甲局")])
    assert answer.startswith("问题：公务接待费是多少？") and "- 单位：甲局" in answer
