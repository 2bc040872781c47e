"""The one answer path, top to bottom: question -> parse -> plan -> execute -> render.

    Agent(library).ask("公务接待费增长多少？")  # an Answer (qa.types), the stable JSON contract

1. guard    qa/parse/guard.py: too long, empty, not a budget question -> a hint to ask instead
2. parse    qa/parse/parser.py with the library's orgs, metrics and years; qa/parse/followup.py fills what a
            follow-up leaves open
3. plan     qa/plan/rules.py (`RulePlanner`): which documents (qa/plan/route.py), which deterministic tool answers
4. execute  the tools of qa/execute/: compose, crossdoc, sumcheck, textual, with calc for every computed figure
   LLM      optional, a second planner over the same library (qa/plan/llm.py with qa/execute/tools.py): its answer
            replaces the rule planner's only when every number it writes came out of a tool
5. render   the context the answer assumes (qa/parse/followup.py) and its latency; text and HTML at the edges
            (qa/render.py, qa/web/render.py)

Nothing here is imported back by a step: the planners know the library, not the agent.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from index.library import Library
from qa.parse.followup import answer_context
from qa.parse.guard import check_length, hint
from qa.plan.rules import RulePlanner
from qa.types import Answer, ParsedQuestion


class Agent:
    """Answers questions over one library: the rule planner always, the LLM planner when one is configured."""

    def __init__(self, library: Library) -> None:
        self.lib = library
        self.rules = RulePlanner(library)
        from qa.plan.llm import llm_from_env  # langchain's chat models load only here

        self.llm = llm_from_env()

    def ask(
        self,
        question: str,
        *,
        qid: str | None = None,
        doc_ids: Sequence[str] | None = None,
        previous: ParsedQuestion | None = None,
    ) -> Answer:
        started = time.perf_counter()
        # 1. guard
        question = question.strip()
        check_length(question)
        hinted = hint(question)
        if hinted is not None:
            return Answer(question, hinted, "clarify", id=qid)
        # 2. parse
        parsed = self.parse(question, previous)
        # 3-4. plan and execute (milliseconds; an LLM answer is checked against this one)
        answer = self.rules.answer(parsed, doc_ids=doc_ids)
        if answer.refused and previous is not None:
            # a year carried over from an earlier question must not block this one: try the question's own year
            own = self.parse(question)
            if (own.year, own.relative_year) != (parsed.year, parsed.relative_year):
                loose = replace(parsed, year=own.year, relative_year=own.relative_year)
                retried = self.rules.answer(loose, doc_ids=doc_ids)
                if not retried.refused:
                    parsed, answer = loose, retried
        if self.llm is not None:
            from qa.plan.llm import ask_llm

            answer = ask_llm(self.lib, parsed, doc_ids=doc_ids, model=self.llm, deterministic=answer) or answer
        # 5. render: what the answer assumes, how long it took
        extra = dict(answer.extra)
        extra["parsed"] = parsed
        extra["context"] = answer_context(answer, parsed, self.rules.scope_docs(parsed, doc_ids))
        extra["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return replace(answer, id=qid, extra=extra)

    # the steps on their own, for callers that want one (benchmarks, tests, the web's follow-up handling)
    def parse(self, question: str, previous: ParsedQuestion | None = None) -> ParsedQuestion:
        return self.rules.parse(question, previous)

    def answer(self, parsed: ParsedQuestion, *, doc_ids: Sequence[str] | None = None) -> Answer:
        return self.rules.answer(parsed, doc_ids=doc_ids)

    def scope_docs(self, parsed: ParsedQuestion, doc_ids: Sequence[str] | None) -> list:  # type: ignore[type-arg]
        return self.rules.scope_docs(parsed, doc_ids)
