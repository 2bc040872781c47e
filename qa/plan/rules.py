"""The rule planner: a parsed question -> which documents (qa.plan.route) -> which tool answers it -> an Answer.

The tools are the deterministic answerers of qa/execute/: compose (figures of one document), crossdoc (one metric over
several documents), sumcheck (a sum the question checks) and textual (sentences, not numbers). qa/ask.py runs the whole
path; the optional LLM planner (qa.plan.llm) is its alternative over the same library and never sees this class.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache

from index.extract.injection import in_spans, suspect_spans
from index.library import Library
from index.types import Chunk, Citation, Document, Fact
from index.units import fmt
from qa.execute import crossdoc, sumcheck
from qa.execute.compose import Composer, asks_now, cite, in_targets
from qa.execute.evidence import Scope
from qa.execute.textual import (
    _DEFINITION_CUE,
    _REASON_CUE,
    Passage,
    best_sentence,
    bigrams,
    citation_for,
    reason_clause,
    sentences,
)
from qa.parse.followup import covered_years, follow_up
from qa.parse.parser import COUNT_UNITS, parse_question
from qa.plan import route
from qa.types import Answer, ParsedQuestion

log = logging.getLogger(__name__)
MAX_DOCS_PER_ANSWER = 6
NUMERIC_OPS = ("lookup", "delta", "rate", "share", "sum", "diff")
EVIDENCE_PASSAGES = 2  # routing: how many of a document's best passages count towards its match with a question


class RulePlanner:
    """Deterministic planning and execution over one library; `answer` is the plan, its helpers the steps."""

    def __init__(self, library: Library) -> None:
        self.lib = library
        self._cache_key: tuple[int, ...] | None = None
        self._orgs: list[str] = []
        self._metrics: list[str] = []
        self._years: list[int] = []
        self._docs: dict[str, Document] = {}
        self._lock = threading.Lock()

    # ---- library views, refreshed when the library changes --------------------------------------------------------
    def _refresh(self) -> None:
        # a cheap change key (no table read per question) and documents whose text is read on first use: at 10,000
        # documents re-reading the list cost ~0.3 s a question and loading every text ~1.5 GB (eval.bench)
        key = self.lib.change_key()
        with self._lock:
            if key == self._cache_key:
                return
            self._orgs = self.lib.orgs()
            self._metrics = [m for m in self.lib.metric_names() if usable_metric_name(m)]
            self._years = self.lib.years()
            self._docs = {d.doc_id: d for d in self.lib.document_list()}
            self._cache_key = key

    def parse(self, question: str, previous: ParsedQuestion | None = None) -> ParsedQuestion:
        self._refresh()
        parsed = parse_question(question, orgs=self._orgs, metrics=self._metrics, years=self._years)
        if not parsed.metrics and parsed.op in (*NUMERIC_OPS, "count"):
            named = closest_metric_names(question, self._metrics)
            if named:
                parsed = replace(parsed, metrics=tuple(named), metric_terms=tuple(named))
        if previous is not None:
            parsed = follow_up(parsed, previous, covered_years(list(self._docs.values())) or None)
        return parsed

    # ---- the plan -------------------------------------------------------------------------------------------------
    def answer(self, parsed: ParsedQuestion, *, doc_ids: Sequence[str] | None = None) -> Answer:
        docs = self.scope_docs(parsed, doc_ids)
        if not docs:
            return refuse(parsed, "资料库中没有找到与问题相关的文件。请先导入相应单位的预算/决算公开文件。")
        if doc_ids is None and parsed.org is None and not parsed.org_mentions and len(self._docs) > 1:
            routed = route.route(
                parsed, list(self._docs.values()), self.mentioning, self.evidence, self.holdings, self.passages
            )
            if routed.missing is not None and routed.candidates:
                text = route.missing_or_unnamed(routed.missing, routed.candidates)
                return Answer(parsed.text, text, "clarify", extra={"candidates": routed.candidates})
            if routed.missing is not None:
                return refuse(parsed, route.missing_body(routed.missing, docs))
            if routed.candidates:
                text = route.clarification(routed.candidates)
                return Answer(parsed.text, text, "clarify", extra={"candidates": routed.candidates})
            docs = list(routed.docs)
            if not docs:
                return refuse(parsed, "资料库中没有找到与问题相关的文件。请先导入相应单位的预算/决算公开文件。")
        elsewhere = other_body(parsed, docs, selected=doc_ids is not None)
        if elsewhere is not None:
            return refuse(parsed, elsewhere)
        beyond = uncovered_year(parsed, docs)
        if beyond is not None:
            return refuse(parsed, beyond)
        if (
            len(docs) == 1 and _ONE_MONTH.search(parsed.text) and not _ONE_MONTH.search(docs[0].text)
            and re.search(r"累计|截至|截止|\d{1,2}\s*[-—~至]\s*\d{1,2}\s*月", docs[0].text)
        ):  # fmt: skip
            return refuse(parsed, "文件只给出年初以来的累计数，没有单列某一个月当月的数据，无法回答。")
        group = _EACH_GROUP.search(parsed.text)
        if group is not None and len(docs) == 1 and group.group(1) not in docs[0].text:
            # “各乡镇分别是多少” of a file that never speaks of its 乡镇: the breakdown is not disclosed
            whole = self.numeric(parsed, Scope((docs[0],)))
            told = f"文件只给出总数：{whole.answer}" if not whole.refused and whole.value is not None else ""
            return refuse(parsed, f"文件没有按{group.group(1)}分别列出数据，无法回答。{told}", list(whole.citations))
        if parsed.op == "compare" or (len(docs) > 1 and parsed.op in ("compare",)):
            return self.compare(parsed, docs)
        if len(docs) == 1 and sumcheck.applies(parsed.text):
            d = docs[0]
            composer = Composer(parsed, Scope((d,)), self.lib.facts(doc_id=d.doc_id), self.lib.findings(d.doc_id))
            checked = sumcheck.check_sum(composer)
            if checked is not None:
                return checked
        if parsed.op in ("reason", "definition", "text"):
            return self.with_figure(parsed, docs, self.textual(parsed, docs))
        paired = self.only_budget_and_actual(parsed, docs)
        if paired is not None:
            # “年初预算完成了多少” / “决算比年初预算多了多少” of a file with one item stated both ways: that item
            parsed = replace(parsed, metrics=(paired,), metric_terms=())
        elif (
            not parsed.metrics
            and not parsed.unknown_terms
            and parsed.op in NUMERIC_OPS
            and re.search(r"预算|总额|盘子", parsed.text)
            and not names_an_item(parsed)
        ):
            parsed = replace(parsed, metrics=("收支总预算",), metric_terms=("预算",))
        elif not parsed.metrics and not parsed.unknown_terms and parsed.op in NUMERIC_OPS and _ALL_SPENT.search(parsed.text):
            # “今年总共花多少钱”: the unit's spending as a whole
            parsed = replace(parsed, metrics=("支出合计",), metric_terms=("支出",))
        if _EXISTS.search(parsed.text) and parsed.op in ("lookup", "count", "text"):
            stated = self.exists_from_facts(parsed, docs)
            return stated if stated is not None else self.textual(parsed, docs, open_question=True)
        if len(docs) == 1 and _LIST_SUM.search(parsed.text):
            listed = self.numeric(parsed, Scope((docs[0],)))
            if not listed.refused:
                return listed
        if not parsed.metrics and parsed.unknown_terms:
            terms = "、".join(parsed.unknown_terms)
            return self.not_found(parsed, Scope(tuple(docs)), f"文件中没有单独披露“{terms}”的数据，无法回答。")
        named = [d for d in docs if d.org in parsed.org_mentions]
        if parsed.metrics and len(parsed.org_mentions) > 1 and len({d.org for d in named}) > 1:
            # two bodies named: 谁多/哪个高/差多少 is a comparison between them, 合计/加起来 their total
            if _TOTAL_ASK.search(parsed.text):
                return self.across(parsed, named, crossdoc.total)
            if _WHICH_MORE.search(parsed.text) or parsed.op in ("diff", "compare"):
                return self.compare_derived(parsed, named) or self.across(parsed, named, crossdoc.ranking)
        if not parsed.metrics or _ENTITY_QUESTION.search(parsed.text):
            found = self.textual(parsed, docs, open_question=True)
            if asks_now(parsed.text) and found.citations and all(in_targets(c.section) for c in found.citations):
                # “公众号目前有多少订阅” answered only by a goal (绩效目标表): not known
                return refuse(parsed, "文件没有给出实际数，只有绩效目标中的目标值，目标不是实际完成情况，无法回答。",
                              list(found.citations[:1]))  # fmt: skip
            if parsed.op == "count" and not parsed.metrics and (found.refused or not _counted_in(found, parsed)):
                # “有几个下属二级单位” where the document says 无下属二级单位: none; a passage that names them but
                # counts nothing (“有多少退役人员”) does not answer how many
                none = self.stated_none(parsed, docs)
                if none is not None:
                    return none
                if not found.refused:
                    return self.not_found(parsed, Scope(tuple(docs)), "文件中没有找到相关的人数或数量，无法回答。")
            return found
        having = self.lib.docs_with_metric(list(parsed.metrics), [d.doc_id for d in docs])  # one query, not one per doc
        with_metric = [d for d in docs if d.doc_id in having]
        if len(with_metric) > 1 and doc_ids is None and parsed.org is None:
            if crossdoc.wants_total(parsed.text, grouped=bool(crossdoc.filter_documents(parsed.text, with_metric)[1])):
                return self.across(parsed, with_metric, crossdoc.total)
            return self.per_document(parsed, with_metric[:MAX_DOCS_PER_ANSWER])
        scope = Scope(tuple(with_metric or docs)[:1] if len(docs) > 1 else tuple(docs))
        return self.numeric(parsed, scope)

    def scope_docs(self, parsed: ParsedQuestion, doc_ids: Sequence[str] | None) -> list[Document]:
        self._refresh()
        docs = list(self._docs.values())
        if doc_ids:
            wanted = set(doc_ids)
            docs = [d for d in docs if d.doc_id in wanted]
        if len(parsed.org_mentions) > 1:
            docs = [d for d in docs if d.org in parsed.org_mentions] or docs
        elif parsed.org:
            docs = [d for d in docs if d.org == parsed.org] or docs
        if len(parsed.org_mentions) <= 1:
            docs = route.by_year(docs, parsed.year)
        return docs

    def mentioning(self, term: str) -> set[str]:
        """Ids of the documents whose text writes `term` (a body the library has no name for: 经开区, 交易中心)."""
        try:
            hits = self.lib.search_index().search_lexical(term, k=route.MENTIONS_READ)
        except Exception as exc:
            log.warning("search failed: %s", exc)
            return set()
        return {h.chunk.doc_id for h in hits if term in h.chunk.text.replace("\n", "")}

    def passages(self, word: str) -> int | None:
        """At most how many passages of the library write `word` (None when the index cannot tell)."""
        try:
            return self.lib.search_index().passages_at_most(word)
        except Exception as exc:
            log.warning("search failed: %s", exc)
            return None

    def holdings(
        self, metrics: Sequence[str], docs: Sequence[Document], year: int | None
    ) -> tuple[set[str], list[Fact]]:
        """Which of `docs` have a fact of `metrics`, and those facts: with a year, only of it and of the next (which
        may state it as 上年), so that a large library reads a few rows, not every year's."""
        wanted = {d.doc_id for d in docs}
        having = self.lib.docs_with_metric(list(metrics), list(wanted) if len(wanted) < len(self._docs) else None)
        if year is None:
            facts = self.lib.facts(metric=list(metrics))
        else:
            facts = [f for y in (year, year + 1) for f in self.lib.facts(metric=list(metrics), year=y)]
        return having & wanted, [f for f in facts if f.doc_id in wanted]

    def evidence(self, question: str, docs: Sequence[Document]) -> dict[str, float]:
        """How well each document's passages match the question's words (BM25 ranks, summed by document)."""
        scores: dict[str, float] = {}
        try:
            index = self.lib.search_index()
            allowed = index.allowed(doc_ids=[d.doc_id for d in docs]) if len(docs) < len(self._docs) else None
            hits = index.search_lexical(question, k=40, allowed=allowed)
        except Exception as exc:
            log.warning("search failed: %s", exc)
            hits = []
        counted: dict[str, int] = {}
        for rank, hit in enumerate(hits):
            doc_id = hit.chunk.doc_id
            counted[doc_id] = counted.get(doc_id, 0) + 1
            if counted[doc_id] <= EVIDENCE_PASSAGES:  # a long document is not likelier for having more passages
                scores[doc_id] = scores.get(doc_id, 0.0) + 3.0 / (rank + 3)
        return scores

    def numeric(self, parsed: ParsedQuestion, scope: Scope) -> Answer:
        facts: list[Fact] = []
        findings = []
        for d in scope.docs:
            facts.extend(self.lib.facts(doc_id=d.doc_id))
            findings.extend(self.lib.findings(d.doc_id))
        composer = Composer(parsed, scope, facts, findings)
        answer = composer.run()
        if answer is not None:
            return answer
        if parsed.op == "count" and parsed.count_unit and len(scope.docs) <= 3:
            # no fact in the table: a sentence that states the count (“国内公务接待共8批次,160人次”) may still say it
            chunks = self.section_passages(list(scope.docs), [h.chunk for h in self.search(parsed.text, scope, k=8)])
            found = self.open_answer(parsed, list(scope.docs), chunks, scope, bare_numbers=False)
            quote = found.citations[0].quote if found.citations else ""
            if (
                found.value is not None
                and _mentions(quote, parsed)
                and f"{fmt(found.value)}{parsed.count_unit}" in quote.replace(" ", "")
            ):
                return found
        none = self.not_arranged(parsed, scope)
        if none is not None:
            return none
        names = "、".join(parsed.metric_terms or parsed.metrics)
        nearby: list[Fact] = []
        for f in facts:
            if (
                f.metric in parsed.metrics
                and f.unit != "%"
                and f.source not in ("suspect", "change")
                and all((f.year, f.value) != (o.year, o.value) for o in nearby)
            ):
                nearby.append(f)
        nearby = nearby[:3]
        names = re.sub(r"[“”\"]", "", names)
        if nearby:
            # the figure exists, not for what was asked (another year, another basis): say what the document does give
            asked = f"{parsed.year}年" if parsed.year else ""
            given = "；".join(
                f"{f.year or ''}{'年' if f.year else ''}{f.metric}{fmt(f.value)}{f.unit}（{f.basis or '未注明口径'}）"
                for f in nearby
            )
            return refuse(
                parsed, f"文件中没有给出{asked}“{names}”的数额，无法回答。文件披露的相关数值：{given}。",
                [cite(f, scope.doc(f.doc_id)) for f in nearby[:2]],
            )  # fmt: skip
        return self.not_found(parsed, scope, f"文件中没有找到“{names}”的相关数据，无法回答。")

    def only_budget_and_actual(self, parsed: ParsedQuestion, docs: Sequence[Document]) -> str | None:
        """The one metric a single file states both as 预算 and as 决算 (of one year), when a question names no metric
        and asks about the two (完成预算, 决算比预算): None when there is no such question or not exactly one."""
        if parsed.metrics or parsed.unknown_terms or len(docs) != 1:
            return None
        if not (parsed.execution or (re.search(r"决算|实际", parsed.text) and "预算" in parsed.text)):
            return None
        by_metric: dict[tuple[str, int | None], set[str]] = {}
        for f in self.lib.facts(doc_id=docs[0].doc_id):
            if f.unit == "万元" and f.basis:
                by_metric.setdefault((f.metric, f.year), set()).add(f.basis[:2])
        both = {m for (m, _), bases in by_metric.items() if {"预算", "决算"} <= bases}
        return both.pop() if len(both) == 1 else None

    def not_arranged(self, parsed: ParsedQuestion, scope: Scope) -> Answer | None:
        """“公务接待费没预算” / “未安排因公出国(境)费”: the document says there is none, without writing a 0."""
        if parsed.op not in ("lookup", "count") or len(scope.docs) > 3:
            return None
        words = [w for w in _metric_words(parsed) if len(w) >= 2 and w not in _BARE_BUDGET_WORDS]
        for chunk in self.section_passages(list(scope.docs), []):
            for text, _ in sentences(chunk):
                for w in words:
                    for at in (m.start() for m in re.finditer(re.escape(w), text)):  # each mention, not the first
                        near = text[max(0, at - 14) : at + len(w) + 14]
                        if not _NONE_CUE.search(near):
                            continue
                        passage = Passage(text, chunk, 1.0)
                        answer = f"文件写明：{text}即未安排这项经费，文件没有列出金额。"
                        return Answer(parsed.text, answer, parsed.op, citations=(citation_for(passage),))
        return None

    def not_found(self, parsed: ParsedQuestion, scope: Scope, message: str) -> Answer:
        hits = self.search(parsed.text, scope, k=3)
        sections = list(dict.fromkeys(h.chunk.section for h in hits if h.chunk.section))[:3]
        text = message
        if sections:
            text += "最相关的章节：" + "；".join(sections) + "。"
        return refuse(
            parsed, text, [citation_for(Passage(h.chunk.text, h.chunk, h.score), h.chunk.text[:120]) for h in hits[:2]]
        )

    def search(self, query: str, scope: Scope, k: int = 6) -> list:  # type: ignore[type-arg]
        try:
            return self.lib.search_index().search(query, k=k, doc_ids=list(scope.doc_ids))
        except Exception as exc:  # retrieval trouble must not lose the numeric answer path
            log.warning("search failed: %s", exc)
            return []

    def per_document(self, parsed: ParsedQuestion, docs: list[Document]) -> Answer:
        parts: list[str] = []
        citations: list[Citation] = []
        warnings: list[str] = []
        for d in docs:
            sub = self.numeric(parsed, Scope((d,)))
            if sub.refused:
                continue
            parts.append(f"【{d.org}，{d.year or ''}年{d.kind}】{sub.answer}")
            citations.extend(sub.citations)
            warnings.extend(sub.warnings)
        if not parts:
            return refuse(parsed, "多个文件都没有相关数据。")
        text = "问题没有指明单位，资料库中有多个文件符合，分别回答如下（也可以在问题中写明单位）：\n" + "\n".join(parts)
        return Answer(parsed.text, text, "clarify", citations=tuple(citations), warnings=tuple(dict.fromkeys(warnings)))

    def compare(self, parsed: ParsedQuestion, docs: list[Document]) -> Answer:
        """A ranking of documents by one metric (谁最高/哪个单位最低/排名)."""
        derived = self.compare_derived(parsed, docs)
        return derived or self.across(parsed, docs, crossdoc.ranking)

    def stated_rate(self, computed: Answer, doc: Document, metric: str, year: int | None) -> Answer:
        """The rate as the document states it (完成预算的68%) when it agrees with the one computed from its figures up to
        the document's rounding: a comparison quotes what each document says."""
        assert computed.value is not None
        for f in self.lib.facts(doc_id=doc.doc_id):
            if (
                f.unit == "%"
                and f.metric.startswith(metric)
                and f.metric.endswith(("完成率", "执行率"))
                and f.year in (year, None)
                and abs(f.value - computed.value) < 1
            ):
                return replace(computed, value=f.value, citations=(cite(f, doc),))
        return computed

    def compare_derived(self, parsed: ParsedQuestion, docs: list[Document]) -> Answer | None:
        """Named bodies compared on a rate (执行率, 占比, 增长率): each asked on its own, scoped to its own document and
        the year written beside its name, then compared. None when that does not give each one a percentage."""
        rate = crossdoc.DERIVED.search(parsed.text)
        metric = crossdoc.subject_metric(parsed)
        bodies = list(parsed.org_mentions)
        if rate is None or metric is None or len(bodies) < 2:
            return None
        years = list(parsed.years) if len(parsed.years) == len(bodies) else [parsed.year] * len(bodies)
        parts: list[crossdoc.Derived] = []
        for org, year in zip(bodies, years, strict=True):
            own = route.by_year([d for d in docs if d.org == org], year)
            if len(own) != 1:
                return None
            sub = self.parse(f"{year or ''}{'年' if year else ''}{metric}{rate.group()}是多少？")
            got = self.answer(sub, doc_ids=[own[0].doc_id])
            if got.refused or got.value is None or got.unit != "%":
                return None
            parts.append(crossdoc.Derived(own[0], year, self.stated_rate(got, own[0], metric, year)))
        return crossdoc.compare_derived(parsed, f"{metric}{rate.group()}", parts)

    def across(
        self,
        parsed: ParsedQuestion,
        docs: list[Document],
        how: Callable[[ParsedQuestion, str, list[crossdoc.Row], Sequence[Document], str], Answer],
    ) -> Answer:
        """One metric over several documents (a ranking or a total), each figure from its own document's facts."""
        metric = crossdoc.subject_metric(parsed)
        if metric is None:
            return refuse(parsed, "请说明要比较或合计的指标，例如“公务接待费”。")
        if parsed.org is None and len(parsed.org_mentions) <= 1:
            docs, said = crossdoc.filter_documents(parsed.text, docs)
        else:
            said = []
        exact_year = parsed.year if len(parsed.years) <= 1 else None

        def pick(d: Document) -> Fact | None:
            composer = Composer(parsed, Scope((d,)), self.lib.facts(doc_id=d.doc_id), self.lib.findings(d.doc_id))
            found = composer.pick(metric, exact_year if exact_year is not None else d.year)
            return found.fact if found is not None else None

        rows, missing = crossdoc.collect(docs, pick)
        scope = f"在{'、'.join(said)}中，" if said else ""
        if not rows:
            return refuse(parsed, f"资料库中{scope}没有找到各单位“{metric}”的数据。")
        if len(rows) < 2:
            f, d = rows[0].fact, rows[0].doc
            return refuse(
                parsed,
                f"{scope}只有一份文件（{d.org}，{f.year or d.year}年）有“{metric}”的数据（{fmt(f.value)}{f.unit}），"
                "没有可以比较、排名或合计的其他单位/年度；文件也未按下属部门分别列示。",
                [cite(f, d)],
            )
        if len({r.doc.org for r in rows}) == 1 and len({r.fact.year or r.doc.year for r in rows}) > 1:
            how = crossdoc.series  # one org over the years its documents cover
        return how(parsed, metric, rows, missing, scope)

    def with_figure(self, parsed: ParsedQuestion, docs: list[Document], reason: Answer) -> Answer:
        """“比上年少了多少？为什么？”: the figure asked first, then the reason the document gives for it."""
        asked = [o for o in parsed.sub_ops if o in NUMERIC_OPS]
        if parsed.op != "reason" or reason.refused or not asked or not parsed.metrics or len(docs) != 1:
            return reason
        figure = self.numeric(replace(parsed, op=asked[0]), Scope((docs[0],)))
        if figure.refused or figure.value is None:
            return reason
        text = f"{figure.answer.rstrip('。')}。原因：{reason.answer.removeprefix('根据文件：')}"
        citations = (*figure.citations, *(c for c in reason.citations if c not in figure.citations))
        return replace(
            reason, answer=text, value=figure.value, unit=figure.unit, formula=figure.formula, citations=citations,
            warnings=(*figure.warnings, *reason.warnings),
        )  # fmt: skip

    def exists_from_facts(self, parsed: ParsedQuestion, docs: list[Document]) -> Answer | None:
        """“收入里有没有事业收入或上年结转？”: each item asked, from its own figure; none of them is 没有, all of them
        有, and a mix lists which. The whole a question looks inside (收入里) is not an item asked."""
        from index.metrics import ancestors

        if len(docs) != 1 or not parsed.metrics:
            return None
        items = [m for m in parsed.metrics if not any(m in ancestors(o) for o in parsed.metrics if o != m)]
        asked = _EXISTS.search(parsed.text)
        if asked is not None and len(parsed.metric_terms) == len(parsed.metrics):
            # “培训项目有没有用上年结转的钱”: what comes before 有没有 is where to look, not an item asked
            after = [m for m, t in zip(parsed.metrics, parsed.metric_terms, strict=True) if parsed.text.find(t) > asked.start()]
            items = [m for m in items if m in after] or items
        found: list[Answer] = []
        for metric in items:
            one = self.numeric(replace(parsed, op="lookup", metrics=(metric,), sub_ops=("lookup",)), Scope((docs[0],)))
            if one.refused or one.value is None:
                return None
            found.append(one)
        values = [a.value for a in found if a.value is not None]
        shown = "，".join(f"{m}{fmt(a.value)}{a.unit or ''}" for m, a in zip(items, found, strict=True) if a.value is not None)
        if all(v == 0 for v in values):
            head = "没有"
        elif all(v > 0 for v in values):
            head = "有"
        else:
            head = "部分有"
        citations = tuple(dict.fromkeys(c for a in found for c in a.citations))
        first = found[0]
        return replace(first, answer=f"{head}：{shown}。", citations=citations, kind="lookup")

    def stated_none(self, parsed: ParsedQuestion, docs: list[Document]) -> Answer | None:
        """“有几个下属二级单位” and the document writes “无下属二级单位”: a count of 0, quoting that sentence."""
        asked = _COUNTED_NOUN.search(parsed.text)
        if asked is None or len(docs) != 1:
            return None
        noun = asked.group(1)
        for passage in self.section_passages(docs, []):
            m = re.search(rf"(?:无|没有|未设|未设置|不设)(?:任何)?{re.escape(noun)}", passage.text)
            if m is None:
                continue
            head = passage.text[: m.start()]
            begin = max(head.rfind(c) for c in "。；;") + 1
            quote = re.sub(r"\s+", "", passage.text[max(begin, m.start() - 120) : m.end()])
            unit = parsed.count_unit or "个"
            citation = citation_for(Passage(quote, passage, 0.0), quote)
            return Answer(parsed.text, f"文件写明“{quote.strip()}”，即{noun}为0{unit}。", "count", Decimal(0), unit,
                          citations=(citation,))  # fmt: skip
        return None

    def section_passages(self, docs: list[Document], ranked: list[Chunk]) -> list[Chunk]:
        """Whole sections as passages (a chunk may cut a sentence), ordered by the best chunk inside each."""
        passages: dict[tuple[str, str], Chunk] = {}
        for d in docs:
            for i, sec in enumerate(self.lib.sections(d.doc_id)):
                passages[(d.doc_id, sec.path_str)] = Chunk(
                    chunk_id=f"{d.doc_id}:s{i}", doc_id=d.doc_id, text=d.text[sec.start : sec.end], section=sec.path_str,
                    start=sec.start, end=sec.end, page=sec.page, org=d.org, year=d.year, kind=d.kind, title=d.title,
                )  # fmt: skip
        order = [passages[key] for key in dict.fromkeys((c.doc_id, c.section) for c in ranked) if key in passages]
        seen = {p.chunk_id for p in order}
        return order + [p for p in passages.values() if p.chunk_id not in seen]

    def textual(self, parsed: ParsedQuestion, docs: list[Document], *, open_question: bool = False) -> Answer:
        scope = Scope(tuple(docs))
        hits = self.search(parsed.text, scope, k=8)
        chunks: list[Chunk] = [h.chunk for h in hits]
        if len(docs) <= 3:  # small scope: every section is a candidate (whole sentences), retrieval order first
            chunks = self.section_passages(docs, chunks)
        inferred = False
        if parsed.op == "reason" and not parsed.metrics and re.search(r"预算|支出|经费|钱", parsed.text):
            parsed, inferred = replace(parsed, metrics=("收支总预算",)), True
        if parsed.op == "reason" and not open_question:
            cue = _PURPOSE_CUE if _PURPOSE_QUESTION.search(parsed.text) else _REASON_CUE
            if _BASIS_QUESTION.search(parsed.text):
                cue = _BASIS_CUE
            terms = (*parsed.metric_terms, *parsed.unknown_terms)
            passage = best_sentence(chunks, parsed.metrics, terms, cue, parsed.text)
            if passage is None and cue is _PURPOSE_CUE:
                passage = best_sentence(chunks, parsed.metrics, terms, _REASON_CUE, parsed.text)
            # about what was asked: the sentence names it, or the section it sits in does (“(一)“三公”经费…说明”)
            if passage is None or not (
                inferred or _mentions(passage.text, parsed) or _mentions(passage.chunk.section or "", parsed)
            ):
                return self.not_found(parsed, scope, "文件没有说明相关原因。")
            text = f"根据文件：{reason_clause(passage.text)}。".replace("。。", "。")
            turned = _opposite_direction(parsed.text, passage.text)
            if turned is not None:  # “为什么少了” where the document explains an increase: the premise is said wrong
                text = f"注意：文件写的是{turned}的原因，这一项并没有{'减少' if turned == '增加' else '增加'}。" + text
            return Answer(parsed.text, text, "reason", citations=(citation_for(passage),))
        if parsed.op == "definition" and not open_question:
            passage = best_sentence(chunks, parsed.metrics, parsed.metric_terms, _DEFINITION_CUE, parsed.text)
            if passage is None:
                return self.not_found(parsed, scope, "文件中没有找到该名词的解释。")
            return Answer(parsed.text, f"根据文件：{passage.text}", "definition", citations=(citation_for(passage),))
        return self.open_answer(parsed, docs, chunks, scope)

    def section_block(self, chunk: Chunk, limit: int = 600) -> str | None:
        """The text of a section and all its subsections, lines joined, cut at `limit` characters."""
        doc = self._docs.get(chunk.doc_id)
        if doc is None:
            return None
        sections = self.lib.sections(doc.doc_id)
        own = next((s for s in sections if s.path_str == chunk.section), None)
        if own is None:
            return None
        end = own.end
        for s in sections:
            if s.start >= own.end and s.path[: len(own.path)] == own.path:
                end = s.end
            elif s.start >= own.end:
                break
        text = re.sub(r"\s*\n\s*", "", doc.text[own.start : end])
        return text[:limit] + ("…" if len(text) > limit else "")

    def open_answer(
        self,
        parsed: ParsedQuestion,
        docs: list[Document],
        chunks: list[Chunk],
        scope: Scope,
        *,
        bare_numbers: bool = True,
    ) -> Answer:
        """The passage that best covers the question's own words (minus the org's name); refuse when none does."""
        focus = _keywords(strip_names(parsed.text, [n for d in docs for n in (d.org, d.title)]))
        corpus = "".join(c.text for c in chunks).replace("\n", "")
        present = [w for w in focus if w in corpus]
        if not focus or len(present) * 3 < len(focus):
            return self.not_found(parsed, scope, "文件中没有找到能回答这个问题的内容。")
        focus = present
        best: tuple[float, int, str, Chunk] | None = None
        exists = bool(_EXISTS.search(parsed.text))
        for rank, chunk in enumerate(chunks):
            for text, _ in sentences(chunk):
                if exists and not re.search(r"有|无|未|没", text):
                    continue  # “有没有X” is answered by a sentence that says whether there is
                hits = sum(1 for w in focus if w in text)
                score = hits - min(rank, 20) * 0.05 - len(text) / 60
                if hits and (best is None or score > best[0]):
                    best = (score, hits, text, chunk)
        if best is None or best[1] * 5 < len(focus) * 3:
            return self.not_found(parsed, scope, "文件中没有找到能回答这个问题的内容。")
        _, _, text, chunk = best
        key = _entity_key(parsed.text)
        if key and key not in text.replace(" ", ""):
            return self.not_found(parsed, scope, f"文件中没有关于“{key}”的内容。")
        if _ACTUAL.search(parsed.text) and re.search(r"目标|计划|预期|预计", text + chunk.section):
            return self.not_found(parsed, scope, "文件只给出目标/计划值，没有披露实际完成数：" + text + "。")
        heading = chunk.section.rsplit(" > ", 1)[-1].replace(" ", "")
        if len(text) <= len(heading) + 2 and text.replace(" ", "") in heading:
            text = self.section_block(chunk) or text  # the question names a section: answer with its content
        passage = Passage(text, chunk, best[0])
        value, unit = number_near(text, focus, parsed.count_unit, bare=bare_numbers)
        doc = next((d for d in docs if d.doc_id == chunk.doc_id), None)
        if doc is not None and in_spans(chunk.start + max(chunk.text.find(text[:20]), 0), suspect_spans(doc.text)):
            value, unit = None, None  # a passage near instruction-like text gives no figure (index.extract.injection)
        if parsed.op not in ("lookup", "count") or _ENTITY_QUESTION.search(parsed.text):
            value, unit = None, None
        elif value is None and bare_numbers and _AMOUNT_ASK.search(parsed.text):
            # an amount asked, a passage that mentions the thing but gives it no figure of its own: never the
            # neighbouring total (“宣讲项目50万元，用于…资料印制”)
            return refuse(
                parsed, f"文件没有单独列出这一项的金额。相关内容：{text.rstrip('。')}。", [citation_for(passage)]
            )  # fmt: skip
        kind = parsed.op if value is not None else "text"
        return Answer(
            parsed.text, f"根据文件：{text}", kind, value=value, unit=unit, citations=(citation_for(passage),)
        )


# words every budget passage has: they place no figure (“视频号…安排了多少钱” is not the figure after 安排)
_GENERIC_WORDS = frozenset(
    [
        "安排",
        "支出",
        "经费",
        "资金",
        "预算",
        "决算",
        "项目",
        "金额",
        "单独",
        "一共",
        "花了",
        "用了",
        "费用",
        "情况",
        "合计",
        "总额",
        "今年",
        "去年",
        "上年",
        "本年",
        "全年",
        "元钱",
        "多钱",
    ]
)
_AMOUNT_ASK = re.compile(r"多少钱|多少万|多少元|金额是?多少|花了多少|安排了?多少|预算是?多少|拨了?多少|(?:值|额|数)是多少")
_NUMBER_UNIT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(万元|亿元|元|人次|批次|人|名|辆|条|期|次|个|%)")


def number_near(
    text: str, focus: Sequence[str], unit: str | None, *, bare: bool = True
) -> tuple[Decimal | None, str | None]:
    """The first number with a unit after the question's words in a passage (the unit asked for, if any)."""
    salient = [w for w in focus if w in text and w not in _GENERIC_WORDS]
    for w in salient:  # “辖18个行政村”: a count stands before the thing it counts
        before = re.search(rf"(?<![\d.,])(\d[\d,]*)\s*(个|名|位|辆|台|套|家|所|项|条|次|批次|人次|人){re.escape(w)}", text)
        if before and unit in (None, before.group(2)):
            return Decimal(before.group(1).replace(",", "")), before.group(2)
    positions = [text.find(w) for w in (salient or [w for w in focus if w in text])]
    start = min(positions) if positions else 0
    for m in _NUMBER_UNIT.finditer(text, start):
        if salient and re.search(r"[。；;]", text[start : m.start()]):
            break  # the figure of another sentence: the question's own words name nothing with a figure
        later = [w for w in salient if w not in text[: m.start()] and w in text[m.end() :]]
        if later and re.search(r"其中|包括", text[m.end() : text.find(later[0], m.end())]):
            break  # 资产原值合计X，其中…通用设备: X is the whole of a breakdown that names the thing asked, not its figure
        if unit is None or m.group(2) == unit:
            return Decimal(m.group(1).replace(",", "")), m.group(2)  # 3,200批次 is 3200
    if unit is not None and bare:  # a table row: “互联网舆情年报 2 2 2” answers “几期” in the unit asked
        plain = re.search(r"(?<![\d.])(\d{1,6}(?:\.\d+)?)(?![\d.]|年)", text[start:])
        if plain:
            return Decimal(plain.group(1)), unit
    return None, None


def strip_names(question: str, names: Sequence[str]) -> str:
    """The question without the parts that repeat an org's name or a title (every passage shares those).

    Longest pieces first, each at least three characters and inside one name, never overlapping a piece already taken:
    linear in the question's length (the names bound how far a piece reaches from its start).
    """
    question = question.replace("\x00", " ")
    joined, trigrams = _name_index(tuple(names))
    longest = max((len(n) for n in names), default=0)
    found: list[tuple[int, int]] = []  # (-length, start)
    for i in range(len(question) - 2):
        if question[i : i + 3] not in trigrams:
            continue
        best = 3
        for end in range(i + 4, min(len(question), i + longest) + 1):
            if question[i:end] not in joined:
                break  # a longer piece would contain this one
            best = end - i
        found.append((-best, i))
    taken = [False] * len(question)
    spans: list[tuple[int, int]] = []
    for neg, start in sorted(found):
        end = start - neg
        if not any(taken[start:end]):
            taken[start:end] = [True] * (end - start)
            spans.append((start, end))
    out, pos = [], 0
    for start, end in sorted(spans):
        out.append(question[pos:start] + " ")
        pos = end
    return "".join(out) + question[pos:]


@lru_cache(maxsize=64)
def _name_index(names: tuple[str, ...]) -> tuple[str, frozenset[str]]:
    """The names joined by a separator no question holds, and their three-character pieces."""
    return "\x00".join(names), frozenset(n[i : i + 3] for n in names for i in range(len(n) - 2))


_STOP = set("的了吗呢是有多少什么怎么哪个哪些为什么这个那个单位部门年度一下请问文件里中和与及或")


def _keywords(question: str) -> list[str]:
    """Two-character words of the question that are not stop words (a cheap, dependency-free keyword set)."""
    text = re.sub(r"[\d\s？?，,。！!“”\"]", "", question)
    grams = [text[i : i + 2] for i in range(len(text) - 1)]
    return [g for g in dict.fromkeys(grams) if not (set(g) & _STOP)]


# questions that ask for a name, a thing or a date, which a money figure never answers
_ALL_SPENT = re.compile(r"(?:总共|一共|总计|全部|全年|合计|整体)[^，。？?]{0,4}(?:花|用|开支|支出)")
_ENTITY_QUESTION = re.compile(
    r"计划是什么|什么计划|是什么[？?]?$|哪家|哪个公司|什么公司|谁|什么设备|什么东西|哪些设备|什么内容|名称|编码|编号|哪年|什么时候|何时|多少分|几分|平方米|面积|地址|电话|"
    r"哪个国家|哪些国家|哪国|去了?哪|到了?哪|哪里|什么地方|哪个地方|哪些地方|哪个项目|哪些项目|什么项目|用在哪|用于哪"
)
_TOTAL_ASK = re.compile(r"合计|总共|一共|加起来|加在一起|总和|共计|之和|相加")
_WHICH_MORE = re.compile(
    r"(?:谁|哪个|哪一个|哪家|哪边|哪方)(?:的)?[^，。?？]{0,16}?(?:多|少|高|低|大|小)|相比[^，。?？]{0,6}(?:哪|谁)|差多少|相差|多多少|高多少"
)
_EXISTS = re.compile(r"有没有|有无|是否有|有.{1,14}吗")
_ACTUAL = re.compile(r"实际|现在|目前|已经|完成了|实现了")
_ENTITY_KEY = re.compile(r"(?:哪家|哪个|哪些|哪座|什么|多少|几)([\u4e00-\u9fff]{1,3})")
_PLACE_OR_NAME = re.compile(r"哪个(城市|省|市|县|区|地方|单位|公司)|哪里|哪儿")
_UNIT_WORDS = set("人名辆条期次个项批元万亿年月日倍钱")


def _entity_key(question: str) -> str | None:
    """For “哪家公司 / 什么设备 / 多少平方米”: the thing asked for, which the answer passage must contain."""
    if not (_ENTITY_QUESTION.search(question) or _PLACE_OR_NAME.search(question)):
        return None
    m = _ENTITY_KEY.search(question)
    if m is None:
        return None
    key = re.sub(r"[的了呢吗啊？?]+.*$", "", m.group(1))
    if len(key) < 2 or key[0] in _UNIT_WORDS or key in ("时候", "意思", "内容"):
        return None
    return key


_LIST_SUM = re.compile(
    r"(?<!第)([两二三四五六七八九十]|\d{1,2})(个|类|项|笔|大类).{0,12}(加起来|合计|之和|总和|相加|一共|等于)"
)
_BASIS_QUESTION = re.compile(r"依据|根据什么|怎么算|如何测算|测算")
_BASIS_CUE = re.compile(r"依据|根据|测算|通知|规范|办法")
_PURPOSE_QUESTION = re.compile(
    r"用在哪|用在什么|干什么用|做什么用|用于什么|用于哪|用途|花在哪|主要用于|用来干什么|用来做什么|用来干嘛|拿来干什么|花在什么"
)
_PURPOSE_CUE = re.compile(r"用于|用在|用途")


_NONE_CUE = re.compile(
    r"没预算|没有预算|未安排|没有安排|不安排|未列支|未编列|未发生|无(?:此项|该项)?(?:预算|支出|安排)(?![\d.])|"
    r"(?:^|[,，。；;])(?:因此|故|所以)?(?:本单位|本部门)?(?:没有|无)(?=[\u4e00-\u9fff]{2,12}(?:经费|费|支出)[。；;，,]|$)"
)


_ONE_MONTH = re.compile(r"当月|单月|本月")
_EACH_GROUP = re.compile(r"各(?:个)?(乡镇|街道|社区|村|科室|股室|学校|医院|下属单位|二级单位|分局|所属单位)")
_BARE_BUDGET_WORDS = frozenset(("预算", "决算", "支出", "收入", "经费", "总额"))  # every “未安排X预算” writes them
_ITEM_BEFORE_BUDGET = re.compile(r"([\u4e00-\u9fff]{2,8})(?:的)?(?:预算|总额)")
_WHOLE_WORDS = re.compile(r"^(?:今年|本年|明年|去年|上年|当年|全年|本年度|年度|总|整体|全部|部门|单位|本单位|本部门|这个单位|该单位|该部门|这个部门|收支|财政|年初|一共|总共|全年的)+$")


def names_an_item(parsed: ParsedQuestion) -> bool:
    """“办公设备购置预算花了多少”: the words before 预算 name a thing of its own, not the budget as a whole."""
    text = parsed.text
    for term in parsed.org_terms:
        text = text.replace(term, " ")
    text = re.sub(r"(?:19|20)\d{2}年度?|[\d.]+", " ", text)
    m = _ITEM_BEFORE_BUDGET.search(text)
    return m is not None and not _WHOLE_WORDS.match(m.group(1))


def _metric_words(parsed: ParsedQuestion) -> list[str]:
    from index.metrics import BY_NAME

    words = [*parsed.metric_terms, *parsed.metrics]
    for m in parsed.metrics:
        if m in BY_NAME:
            words.extend(BY_NAME[m].synonyms)
    return list(dict.fromkeys(words))


_COUNTED_NOUN = re.compile(r"(?:几|多少)(?:个|家|所|名|位|辆|台|项)?([\u4e00-\u9fff]{2,12}?)(?:[？?。，,]|吗|呢|$)")


def _opposite_direction(question: str, sentence: str) -> str | None:
    """The direction a reason sentence explains (增加 / 减少) when it is the opposite of the one the question assumes
    (为什么少了 / 为什么增加), else None."""
    down = re.search(r"少了|减少|下降|降低|压缩|少这么多|减了", question)
    up = re.search(r"多了|增加|增长|上升|提高|涨了|多这么多|增了", question)
    if bool(down) == bool(up):
        return None
    says_up = re.search(r"(?:增加|增长|上升|提高)的?(?:主要)?原因", sentence)
    says_down = re.search(r"(?:减少|下降|降低|压缩)的?(?:主要)?原因", sentence)
    if down and says_up and not says_down:
        return "增加"
    if up and says_down and not says_up:
        return "减少"
    return None


def _counted_in(answer: Answer, parsed: ParsedQuestion) -> bool:
    """The passage an open answer quotes holds a figure in the unit the count asks (any count unit if none)."""
    unit = re.escape(parsed.count_unit) if parsed.count_unit else COUNT_UNITS
    text = answer.answer + " ".join(c.quote for c in answer.citations)
    return bool(re.search(rf"\d[\d,.]*\s*(?:{unit})", text))


_TOTAL_SUFFIX = re.compile(r"(?:总计|合计|总额|总数)$")


def _mentions(sentence: str, parsed: ParsedQuestion) -> bool:
    """The sentence is about what was asked: the metric, a synonym, one of its parts, or the question's own term."""
    if not parsed.metrics and not parsed.metric_terms:
        return True
    from index.metrics import BY_NAME, METRICS

    sentence = re.sub(r"[、\s“”\"]", "", sentence)
    words = [*parsed.metrics, *parsed.metric_terms, *parsed.unknown_terms]
    for m in parsed.metrics:
        if m in BY_NAME:
            words.extend(BY_NAME[m].synonyms)
        words.extend(c.name for c in METRICS if c.parent == m)  # 公务接待费 speaks for 三公经费
    # “收支总计…” then “收、支与上年相比…”: a total is spoken of by its head alone
    words.extend(_TOTAL_SUFFIX.sub("", t) for t in parsed.metric_terms if _TOTAL_SUFFIX.search(t))
    if any(len(w) >= 2 and w in sentence for w in words):
        return True
    grams = {sentence[i : i + 2] for i in range(len(sentence) - 1)}
    for term in parsed.metric_terms:  # “财政拨款收支” against “财政拨款收入、支出”
        own = {term[i : i + 2] for i in range(len(term) - 1)}
        if len(own) >= 3 and len(own & grams) * 5 >= len(own) * 3:
            return True
    return False


def _doc_names(docs: Sequence[Document]) -> str:
    return "、".join(
        dict.fromkeys(f"{d.org}{f' {d.year}年' if d.year else ''}{d.kind if d.kind != 'other' else ''}" for d in docs)
    )


def other_body(parsed: ParsedQuestion, docs: Sequence[Document], *, selected: bool) -> str | None:
    """A question naming a body the selected document is not about: say so rather than answer with another's figure."""
    if not selected:
        return None
    orgs = {d.org for d in docs}
    named = [o for o in parsed.org_mentions if o not in orgs]
    if parsed.org is not None and parsed.org not in orgs:
        named = [parsed.org, *named]
    if not named or any(o in orgs for o in parsed.org_mentions):
        return None
    return (
        f"问题问的是“{named[0]}”，但当前选定的文档是{_doc_names(docs)}。"
        "请在“文档范围”中选择该单位的文件，或选择“全部文档”。"
    )


def uncovered_year(parsed: ParsedQuestion, docs: Sequence[Document]) -> str | None:
    """A year later than every document in scope (“2024年预算” over a 2023 budget): no figure can answer it."""
    years = [d.year for d in docs if d.year]
    if parsed.year is None or not years or len(years) < len(docs) or parsed.year <= max(years):
        return None
    return (
        f"资料库中没有{parsed.year}年的文件：当前范围内的文件是{_doc_names(docs)}"
        f"（可回答{min(years) - 1}—{max(years)}年的数据）。请换一个年度提问，或先导入{parsed.year}年的文件。"
    )


def refuse(parsed: ParsedQuestion, text: str, citations: list | None = None) -> Answer:  # type: ignore[type-arg]
    return Answer(parsed.text, text, "refuse", refused=True, citations=tuple(citations or ()))


_JUNK_METRIC = re.compile(
    r"^[(（]|^(增长|增加|减少|下降|其中|合计|小计|人数|项目|其他|本单位|经营|外交|国防|原创|年报)$"
    r"|^(?:上年|上一年|去年|同期|同比|比上年|较上年)"  # a comparison's words (上年为…, 同比增长) name no item
    r"|(?:减至|增至|降至|升至)$"
    r"|^(?:本|全|该)?(?:医院|学校|中学|小学|单位|部门|院|校|镇|乡|街道|机关)$"  # a kind of body names no item
    r"|几个|多少|为什么|[吗？?]$"  # a line that asks something (a FAQ line read as an item) names no item
)


def usable_metric_name(name: str) -> bool:
    """A metric name found in the documents that may stand for a question's words (not a verb or a fragment)."""
    return len(name) >= 2 and not _JUNK_METRIC.search(name)


def closest_metric_names(question: str, names: Sequence[str], limit: int = 2) -> list[str]:
    """Item names of the documents that the question spells differently (“微信公众号发布数量” for
    “官方公众号某某发布数量”): at least four shared character pairs, covering most of the question's side."""
    q = bigrams(question)
    scored = []
    for name in names:
        g = bigrams(name)
        shared = len(g & q)
        if shared >= 4 and shared * 2 >= len(g) and name[-2:] in question:  # the head noun must be asked for
            scored.append((shared, -len(name), name))
    scored.sort(reverse=True)
    return [name for _, _, name in scored[:limit] if name][:1]
