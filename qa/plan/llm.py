"""Optional LLM planner: a chat model drives the same tools (qa.execute.tools); its answer is kept only if every number checks out.

Off unless BUDGETQA_LLM_BASE_URL and BUDGETQA_LLM_MODEL are set (any OpenAI-compatible endpoint; needs the `llm` extra).
`ask_llm` runs a bounded tool-calling loop, then VERIFIES the final text: every number in it must appear in what the
tools returned (facts, passages, calculator results) or in the question. Anything else — an unsupported number, a
refusal where the deterministic path has an answer, a loop that does not finish, any endpoint error — returns None
and the agent answers deterministically.

A planner beside the rule planner (qa.plan.rules.RulePlanner), not a part of the agent: it is given the library and the
deterministic answer and never imports the agent (qa.ask calls it).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from index.errors import MissingExtra
from index.types import Chunk, Citation, Fact
from prompts import render
from qa.execute.calc import Calculation
from qa.execute.compose import cite
from qa.execute.tools import ToolBox
from qa.types import Answer, ParsedQuestion

if TYPE_CHECKING:
    from index.library import Library

log = logging.getLogger(__name__)

MAX_STEPS = 6  # model calls per question
DOCUMENT_LIMIT = 20  # documents listed in the system prompt
DEFAULT_TIMEOUT = 60.0

_OPS = {
    "lookup": "查数", "delta": "变化额", "rate": "增长率/比率", "share": "占比", "sum": "合计", "diff": "差额",
    "count": "计数", "compare": "比较", "reason": "原因", "definition": "名词解释", "text": "文字说明",
}  # fmt: skip


# ---------------------------------------------------------------------------------------------------- the model


def llm_from_env() -> BaseChatModel | None:
    """A ChatOpenAI for BUDGETQA_LLM_BASE_URL / BUDGETQA_LLM_MODEL (BUDGETQA_LLM_API_KEY optional); else None."""
    base_url = os.environ.get("BUDGETQA_LLM_BASE_URL", "").strip()
    model = os.environ.get("BUDGETQA_LLM_MODEL", "").strip()
    if not (base_url and model):
        return None
    try:
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr
    except ImportError as exc:
        raise MissingExtra("使用大模型问答", "pip install 'budget-qa[llm]'") from exc
    try:
        timeout = float(os.environ.get("BUDGETQA_LLM_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        timeout = DEFAULT_TIMEOUT
    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=SecretStr(os.environ.get("BUDGETQA_LLM_API_KEY") or "not-needed"),  # local endpoints take any key
        temperature=0,
        timeout=timeout,
        max_retries=1,
    )


# ---------------------------------------------------------------------------------------------------- numbers

_FULLWIDTH = str.maketrans("０１２３４５６７８９．－％", "0123456789.-%")
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\dA-Za-z])(?!\.\d)(?!,\d{3})")
_YEAR_TAIL = re.compile(r"\s*(?:[-—–~～至到、和与及]\s*\d{4}\s*)*年")
_LIST_MARK = re.compile(r"(?m)^\s*(?:[-*#>]+\s*)?[（(]?\d{1,2}[.、)）](?!\d)|[（(]\d{1,2}[)）]|\[\d{1,2}\]|第\s*\d+")
_ID_MARK = re.compile(r"\s*[\[［【]\s*[FCK]\d+(?:\s*[,，、;；]\s*[FCK]?\d+)*\s*[\]］】]")
_REFUSAL = re.compile(
    r"无法回答|不能回答|没有找到|未找到|找不到|没有相关|未提供|没有提供|未披露|没有披露|不包含|无法确定|无法计算"
)


def _clean(text: str) -> str:
    text = text.translate(_FULLWIDTH)
    return re.sub(r"(?<=\d)，(?=\d{3}(?!\d))", ",", text)


def norm(value: Decimal | str) -> str | None:
    """A number's comparable form: no sign, no thousands separators, no trailing zeros ("1,234.50" -> "1234.5")."""
    try:
        d = value if isinstance(value, Decimal) else Decimal(_clean(str(value)).replace(",", "").strip().rstrip("%"))
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    d = abs(d)
    return f"{d.quantize(Decimal(1)):f}" if d == d.to_integral_value() else f"{d.normalize():f}"


def all_numbers(text: str) -> set[str]:
    """Every number written in a text, normalised (what tool outputs make available)."""
    return {n for m in _NUMBER.finditer(_clean(text)) if (n := norm(m.group())) is not None}


def claimed_numbers(text: str) -> list[str]:
    """The numbers an answer states: years (2023年), list numbering (1. / （2）), 第N and ids (F3) left out."""
    text = _clean(text)
    skip = {i for m in _LIST_MARK.finditer(text) for i in range(m.start(), m.end())}
    out: list[str] = []
    for m in _NUMBER.finditer(text):
        if m.start() in skip:
            continue
        raw = m.group()
        if re.fullmatch(r"\d{4}", raw) and 1949 <= int(raw) <= 2100 and _YEAR_TAIL.match(text, m.end()):
            continue
        if (n := norm(raw)) is not None:
            out.append(n)
    return out


# ---------------------------------------------------------------------------------------------------- one run


@dataclass
class Run:
    """What happened in one tool-calling loop."""

    final: str | None = None
    steps: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[ToolMessage] = field(default_factory=list)
    error: str | None = None


def _text(message: BaseMessage) -> str:
    return message.text.strip() if isinstance(message, AIMessage) else str(message.content).strip()


def run_tools(model: BaseChatModel, box: ToolBox, messages: list[BaseMessage], *, max_steps: int = MAX_STEPS) -> Run:
    """Call the model until it answers without tool calls (at most `max_steps` calls); run the tools it asks for."""
    run = Run()
    by_name = {t.name: t for t in box.tools}
    bound = model.bind_tools(box.tools)
    for step in range(1, max_steps + 1):
        run.steps = step
        reply = bound.invoke(messages)
        if not isinstance(reply, AIMessage):
            run.error = f"模型返回了 {type(reply).__name__}"
            return run
        messages.append(reply)
        if not reply.tool_calls:
            run.final = _text(reply)
            return run
        for i, call in enumerate(reply.tool_calls):
            call_id = call.get("id") or f"call_{step}_{i}"
            run.calls.append({"name": call["name"], "args": dict(call["args"])})
            tool = by_name.get(call["name"])
            if tool is None:
                out = ToolMessage(f"没有名为“{call['name']}”的工具。", tool_call_id=call_id, status="error")
            else:
                try:
                    out = tool.invoke({**call, "id": call_id, "type": "tool_call"})
                except Exception as exc:  # bad arguments: tell the model, let it retry
                    out = ToolMessage(f"工具调用出错：{exc}", tool_call_id=call_id, status="error")
            if not isinstance(out, ToolMessage):
                out = ToolMessage(str(out), tool_call_id=call_id)
            run.outputs.append(out)
            messages.append(out)
    run.error = f"{max_steps} 轮后仍未给出答案"
    return run


def prompt_messages(lib: Library, parsed: ParsedQuestion, doc_ids: Sequence[str] | None) -> list[BaseMessage]:
    docs = [d for d in lib.documents() if not doc_ids or d["doc_id"] in set(doc_ids)]
    system = render("system", max_steps=MAX_STEPS, documents=docs, document_limit=DOCUMENT_LIMIT)
    hints: list[tuple[str, object]] = []
    if parsed.org:
        hints.append(("单位", parsed.org))
    if parsed.year:
        hints.append(("年度", parsed.year))
    if parsed.metrics:
        hints.append(("指标", "、".join(parsed.metrics)))
    if parsed.op in _OPS:
        hints.append(("问的是", _OPS[parsed.op]))
    if parsed.basis:
        hints.append(("口径", parsed.basis))
    if parsed.unit:
        hints.append(("答案单位", parsed.unit))
    return [SystemMessage(system), HumanMessage(render("answer", question=parsed.text, hints=hints))]


# ---------------------------------------------------------------------------------------------------- checking


def supported_numbers(run: Run, box: ToolBox, question: str) -> set[str]:
    """Every number the model was shown by a tool (content and artifacts) or by the user."""
    allowed = all_numbers(question)
    for out in run.outputs:
        allowed |= all_numbers(str(out.content))
    for f in box.facts.values():
        allowed |= _fact_numbers(f)
    for c in box.calculations.values():
        allowed |= {n for n in (norm(c.value),) if n}
    return allowed


def _fact_numbers(f: Fact) -> set[str]:
    values: list[Decimal | str | None] = [f.value, f.raw_value, f.share]
    if f.comparison is not None:
        values += [f.comparison.amount, f.comparison.rate]
    return {n for v in values if v is not None and (n := norm(v)) is not None}


def unsupported(text: str, allowed: set[str]) -> list[str]:
    return [n for n in dict.fromkeys(claimed_numbers(text)) if n not in allowed]


# ---------------------------------------------------------------------------------------------------- the answer


def _chunk_citation(c: Chunk) -> Citation:
    return Citation(c.doc_id, c.title, c.org, c.year, c.section, c.page, c.text[:200], c.start, c.end)


def _citations(lib: Library, box: ToolBox, text: str, said: set[str], calcs: Iterable[Calculation]) -> list[Citation]:
    ids = set(re.findall(r"[FCK]\d+", text))
    used = set(said)
    for c in calcs:
        used |= all_numbers(c.expression)
    facts = [f for fid, f in box.facts.items() if fid in ids]
    facts += [f for f in box.facts.values() if f not in facts and _fact_numbers(f) & used]
    chunks = [c for cid, c in box.chunks.items() if cid in ids]
    if not facts and not chunks and said:
        facts = list(box.facts.values())[:3]
        chunks = list(box.chunks.values())[:2]
    out: list[Citation] = []
    for f in facts[:8]:
        try:
            doc = lib.document(f.doc_id)
        except Exception:
            doc = None
        out.append(cite(f, doc))
    out += [_chunk_citation(c) for c in chunks[:4]]
    return list(dict.fromkeys(out))


def build_answer(
    lib: Library, parsed: ParsedQuestion, run: Run, box: ToolBox, deterministic: Answer | None
) -> Answer | None:
    """The verified Answer from a finished run; None when the run's text cannot be trusted."""
    text = run.final or ""
    if not text:
        log.warning("LLM answer rejected: empty final message (%s)", run.error or "no text")
        return None
    bad = unsupported(text, supported_numbers(run, box, parsed.text))
    if bad:
        log.warning("LLM answer rejected: numbers not in any tool output: %s", "、".join(bad))
        return None
    said = set(claimed_numbers(text))
    shown = _ID_MARK.sub("", text).strip()
    if not said and _REFUSAL.search(text):
        if deterministic is not None and not deterministic.refused:
            log.info("LLM declined but the deterministic path has an answer; using that")
            return None
        near = deterministic.citations if deterministic is not None else ()
        return Answer(parsed.text, shown, "refuse", citations=near, refused=True, extra=_extra(run))
    calcs = [c for c in box.calculations.values() if norm(c.value) in said]
    value: Decimal | None = None
    unit: str | None = None
    formula = calcs[-1].formula if calcs else None
    kind = parsed.op if parsed.op in _OPS else "text"
    warnings: tuple[str, ...] = ()
    if deterministic is not None and deterministic.value is not None and norm(deterministic.value) in said:
        value, unit, kind, warnings = (
            deterministic.value,
            deterministic.unit,
            deterministic.kind,
            deterministic.warnings,
        )
        formula = formula or deterministic.formula
    elif calcs:
        value, unit = calcs[-1].value, calcs[-1].unit
    else:
        facts = [f for f in box.facts.values() if norm(f.value) in said]
        if facts:
            value, unit = facts[-1].value, facts[-1].unit
    if value is None and kind not in ("reason", "definition", "text"):
        kind = "text"
    citations = _citations(lib, box, text, said, calcs)
    return Answer(
        parsed.text, shown, kind, value=value, unit=unit, formula=formula, citations=tuple(citations),
        warnings=warnings, extra=_extra(run),
    )  # fmt: skip


def _extra(run: Run) -> dict[str, object]:
    return {"mode": "llm", "steps": run.steps, "tool_calls": run.calls}


def ask_llm(
    lib: Library,
    parsed: ParsedQuestion,
    *,
    doc_ids: Sequence[str] | None = None,
    model: BaseChatModel | None = None,
    deterministic: Answer | None = None,
) -> Answer | None:
    """Answer with the chat model `model` over `lib`'s tools; None means: use the deterministic answer.

    `deterministic` is the rule planner's answer for the same question: the model's answer is checked against it (a
    refusal where it has an answer is not kept) and lends it its value, unit and warnings when the numbers agree."""
    if model is None:
        return None
    box = ToolBox(lib, doc_ids=doc_ids)
    try:
        run = run_tools(model, box, prompt_messages(lib, parsed, doc_ids))
    except Exception as exc:  # endpoint down, timeout, bad response, no tool support …
        log.warning("LLM call failed, answering deterministically: %s: %s", type(exc).__name__, exc)
        return None
    if run.final is None:
        log.warning("LLM answer rejected: %s", run.error)
        return None
    return build_answer(lib, parsed, run, box, deterministic)
