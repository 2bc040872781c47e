"""The deterministic answerer: a parsed question, the facts in scope, the calculator -> an Answer with citations."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from index.extract.facts_text import CHANGE, COMPLETION
from index.metrics import BY_NAME, EQUIVALENT, ancestors, parts_of
from index.types import Citation, Document, Fact, Finding
from index.units import fmt, is_money_unit
from qa.execute.calc import calculate
from qa.execute.evidence import Pick, Scope, conflict_warning, pick_fact
from qa.execute.funds import FUNDS, fund_asked, fund_cell
from qa.execute.textual import bigrams
from qa.parse.parser import STAFFING
from qa.parse.terms import find_terms, is_subsequence
from qa.types import Answer, ParsedQuestion

HUNDRED = Decimal(100)


def cite(fact: Fact, doc: Document | None) -> Citation:
    return Citation(
        doc_id=fact.doc_id,
        title=doc.title if doc else "",
        org=fact.org,
        year=doc.year if doc else fact.year,
        section=fact.section,
        page=fact.page,
        quote=fact.quote,
        start=fact.start,
        end=fact.end,
    )


def pct(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money_places(*values: Decimal) -> int:
    return max((max(-v.as_tuple().exponent, 0) if isinstance(v.as_tuple().exponent, int) else 0) for v in values)  # type: ignore[operator]


def year_label(year: int | None) -> str:
    return f"{year}年" if year else ""


def v(fact_value: Decimal, unit: str) -> str:
    return f"{fmt(fact_value)}{unit}"


_AS_OF = re.compile(r"(?:截至|截止|截止到|至)\s*(\d{4})\s*年\s*(?:底|末|年底|年末|12\s*月\s*31\s*日)")


def with_stock_dates(facts: list[Fact]) -> list[Fact]:
    """A stock counted at a date (“截至2022年12月31日，资产原值合计…”, in the 2023 budget) is the document year's
    figure and also the figure at the end of the year the date names: each such fact answers for both years."""
    out = list(facts)
    for f in facts:
        m = _AS_OF.search(f.quote)
        if m is None or f.year is None or f.comparison is not None or f.unit == "%":
            continue
        dated = int(m.group(1))
        if dated != f.year and abs(dated - f.year) == 1:
            out.append(replace(f, year=dated))
    return out


class Composer:
    """Answers one question over the facts of the documents in scope."""

    def __init__(
        self, parsed: ParsedQuestion, scope: Scope, facts: Sequence[Fact], findings: Sequence[Finding]
    ) -> None:
        self.q = parsed
        self.asked = parsed  # as parsed, before normalise_metrics narrows the metrics
        self.scope = scope
        stages = {d.doc_id: doc_stage(d) for d in scope.docs}
        self.stated_basis = {(f.doc_id, f.start, f.metric) for f in facts if f.basis}  # not filled from the stage
        self.facts = with_stock_dates(
            [
                replace(f, basis=stages[f.doc_id]) if f.basis is None and stages.get(f.doc_id) else f
                for f in facts
                if f.source
                not in ("suspect", "change")  # suspect: near instruction-like text (index.extract.injection)
            ]
        )
        self.changes = [f for f in facts if f.source == "change"]  # changes stated without their figure
        self.findings = list(findings)
        self.citations: list[Citation] = []
        self.warnings: list[str] = []

    # ---- helpers --------------------------------------------------------------------------------------------------
    @property
    def doc(self) -> Document | None:
        return self.scope.docs[0] if len(self.scope.docs) == 1 else None

    def doc_year(self) -> int | None:
        years = {d.year for d in self.scope.docs if d.year}
        return years.pop() if len(years) == 1 else None

    def target_year(self) -> int | None:
        if self.q.year is not None and self.q.compare_year is not None and self.q.year == self.q.compare_year:
            others = [y for y in self.q.years if y != self.q.compare_year]
            return others[0] if others else self.doc_year()
        if self.q.year is not None:
            return self.q.year
        base = self.doc_year()
        if base is not None and self.q.relative_year is not None:
            return base + self.q.relative_year
        return base

    def base_year(self, year: int | None) -> int | None:
        """The year a change is measured against: 比2021年 -> 2021, else the year before."""
        if self.q.compare_year is not None and self.q.compare_year != year:
            return self.q.compare_year
        if year is not None and self.q.compare_relative is not None:
            return year + self.q.compare_relative
        return None if year is None else year - 1

    def comparison_fits(self, f: Fact, year: int | None) -> bool:
        """A stated comparison answers the question when it is against the year asked about."""
        c = f.comparison
        if c is None:
            return False
        wanted = self.base_year(year)
        if wanted is None or f.year is None:
            return True
        if c.base.isdigit():
            return int(c.base) == wanted
        return wanted == f.year - 1

    def fuzzy_pick(self, metric: str, year: int | None, *, loose: bool = True) -> Pick | None:
        """Facts whose written name contains the metric (or one of its synonyms) in order — “接待记者批次” for
        接待批次, “…安排三公经费预算总额” for 三公经费 — closest to the question's own words first."""
        meta = BY_NAME.get(metric)
        aliases = [metric, *(meta.synonyms if meta else ())]
        if metric in ("收入合计", "支出合计"):
            aliases.append(metric[:2])  # “本单位收入” is the income total
        money = meta.money if meta else (self.q.op != "count" and self.q.count_unit is None)
        q_grams = bigrams(self.q.text)
        scored: list[tuple[float, Fact]] = []
        for f in self.facts:
            if f.metric == metric or (year is not None and f.year != year):
                continue
            known_part = (
                metric in _TOTALS[:2] and metric in self.q.metrics and f.metric in BY_NAME
                and BY_NAME[f.metric].parent in (metric, None) and f.metric.endswith(metric[:2])
                and not self.has_sibling(f, metric)
            )  # fmt: skip  # 支出 asked by name (花的钱比收的钱), not a total budget asked through its balance
            if f.metric in ancestors(metric) or (
                f.metric in BY_NAME and metric in BY_NAME and metric not in f.metric and not known_part
            ):
                continue  # a total never stands in for its part, nor one known item for another (but 一般公共预算财政拨款收入 for 财政拨款收入, and a total's largest part when the total is not written)
            if (f.unit == "万元") != money or f.unit == "%":
                continue
            raw = re.sub(r"[()（）]", "", f.metric + f.metric_raw + f.unit)
            # a generic row (“项目预算 470万”) of a section that names the item (“1.宣讲项目申报表”)
            named_section = len(metric) >= 4 and len(f.metric) <= 4 and metric in f.section.rsplit(" > ", 1)[-1]
            if not named_section and not any(len(a) >= 2 and is_subsequence(a, raw) for a in aliases):
                continue
            bare = metric[:2] if metric in ("收入合计", "支出合计") else None  # “本单位支出” is the total, closely
            if not loose and not named_section and not any((len(a) >= 3 or a == bare) and a in raw for a in aliases):
                continue  # the words of the name spread over another's (实有…离休人员): only when nothing closer
            # ties go to the figure named as a total (实有在职人员总数 over 实有离休人员), then to the first written
            total = 0.5 if _TOTAL_WORD.search(raw) and not _TOTAL_WORD.search(self.q.text) else 0.0
            scored.append((len(q_grams & bigrams(raw)) + total - len(raw) / 100 - f.start / 1e9, f))
        if not scored:
            return None
        if metric in _TOTALS or (meta and meta.name.endswith("合计")):
            scored.sort(key=lambda sf: -sf[1].value)  # a total is the largest of its kind
        else:
            scored.sort(key=lambda sf: -sf[0])
        best = scored[0][1]
        if best.metric in BY_NAME and best.metric != metric and metric in _TOTALS[:2]:
            note = f"文件没有写明{metric}，这里用其中最大的一项{best.metric}代替。"
            if note not in self.warnings:
                self.warnings.append(note)
        basis = self.basis()
        same = [f for _, f in scored if f.metric == best.metric]
        if basis:
            same = [f for f in same if f.basis is None or basis in f.basis] or same
        return pick_fact(same, best.metric, year=year, basis=basis, findings=self.findings)

    def has_sibling(self, f: Fact, total: str) -> bool:
        """Another known part of `total` is stated for f's year: the parts add up to it, none stands in for it."""
        if BY_NAME[f.metric].parent != total:
            return False  # a top-level account (一般公共预算支出) has no siblings under the total
        return any(
            g.metric != f.metric and g.year == f.year and g.metric in BY_NAME and BY_NAME[g.metric].parent == total
            for g in self.facts
        )

    def basis(self) -> str | None:
        if self.q.basis is not None:
            return self.q.basis
        stages = {doc_stage(d) for d in self.scope.docs}
        stage = stages.pop() if len(stages) == 1 else None
        return stage[:2] if stage else None

    def cite(self, *facts: Fact) -> None:
        for f in facts:
            c = cite(f, self.scope.doc(f.doc_id))
            if all((c.doc_id, c.quote) != (o.doc_id, o.quote) for o in self.citations):
                self.citations.append(c)

    def pick(self, metric: str, year: int | None = None) -> Pick | None:
        year = self.target_year() if year is None else year
        names = (metric, *EQUIVALENT.get(metric, ()))
        # the name itself, stated or written inside a longer one (年末实有人数); then an equivalent (在职人数); only
        # then a name whose words are merely spread over another (实有离休人员 is no 实有人员)
        for name, loose in [*((n, False) for n in names), *((n, True) for n in names)]:
            found = self._pick(name, year, loose=loose)
            if found is not None:
                return found
        return self.made_of_parts(metric, year)

    def made_of_parts(self, metric: str, year: int | None, depth: int = 0) -> Pick | None:
        """A total the document never writes whose parts it does, by definition (公务用车购置及运行维护费 is 购置费 and
        运行维护费; “三公”经费 its three items): the parts added up, said so in a warning."""
        parts = parts_of(metric)
        if not parts or depth > 1:
            return None
        found = []
        for part in parts:
            got = pick_fact(self.facts, part, year=year, basis=self.basis(), findings=self.findings)
            got = got or self.made_of_parts(part, year, depth + 1)
            if got is None:
                return None
            found.append(got.fact)
        units = {f.unit for f in found}
        if units != {"万元"} or len({f.year for f in found}) != 1:
            return None
        total = sum((f.value for f in found), Decimal(0))
        written = "+".join(f"{f.metric_raw or f.metric}{fmt(f.value)}万元" for f in found)
        note = f"文件没有直接写出{metric}，这里按其组成部分相加：{written}＝{fmt(total)}万元。"
        if note not in self.warnings:
            self.warnings.append(note)
        self.cite(*found)
        first = found[0]
        return Pick(replace(first, metric=metric, metric_raw=f"{metric}（按组成相加）", value=total, comparison=None,
                            share=None), ())  # fmt: skip

    def _pick(self, metric: str, year: int | None, *, loose: bool = True) -> Pick | None:
        pick = pick_fact(
            self.facts, metric, year=year, basis=self.basis(), findings=self.findings, question=self.q.text
        )
        if pick is None:
            pick = self.fuzzy_pick(metric, year, loose=loose)
        if pick is None and year is not None and year == self.doc_year():
            pick = pick_fact(self.facts, metric, year=None, basis=self.basis(), findings=self.findings)
            if pick is not None and pick.fact.year not in (None, year):
                pick = None
        if pick is not None:
            pick = self.corrected(pick)
            warning = conflict_warning(pick)
            if warning and warning not in self.warnings:
                self.warnings.append(warning)
            for f in self.findings:
                if f.metric == metric and f.message not in self.warnings:
                    self.warnings.append(f.message)
        return pick

    def corrected(self, pick: Pick) -> Pick:
        """A figure the self-check found written ×10,000 (元 in a 万元 table) answers with its corrected value; the
        figure as written appears in the warning only."""
        f = pick.fact
        for finding in self.findings:
            if (
                finding.check == "unit_scale" and finding.metric == f.metric and finding.actual == f.value
                and finding.expected is not None and finding.doc_id == f.doc_id
            ):  # fmt: skip
                value = finding.expected.quantize(Decimal("0.01"), ROUND_HALF_UP)
                note = f"文件中写作{f.raw_value}，是按“元”填进了以“万元”为单位的表格；这里按元折算为{fmt(value)}万元。"
                if note not in self.warnings:
                    self.warnings.append(note)
                alternatives = tuple(a for a in pick.alternatives if a.value != f.value)
                return Pick(replace(f, value=value), alternatives)
        return pick

    def answer(
        self, kind: str, text: str, value: Decimal | None = None, unit: str | None = None, formula: str | None = None
    ) -> Answer:
        return Answer(
            question=self.q.text, answer=text, kind=kind, value=value, unit=unit, formula=formula,
            citations=tuple(self.citations), warnings=tuple(self.warnings),
        )  # fmt: skip

    def refusal(self, text: str) -> Answer:
        """No figure: `text` says why, with the citations of what the document does give."""
        return Answer(
            self.q.text, text, "refuse", None, None, None, tuple(self.citations), tuple(self.warnings), refused=True
        )

    def convert(self, value: Decimal, unit: str) -> tuple[Decimal, str]:
        """Into the unit the user asked for (元/亿元), else 万元 as stored."""
        from index.units import from_wan

        if unit == "万元" and self.q.unit in ("元", "亿元"):
            return from_wan(value, self.q.unit), self.q.unit
        if unit.startswith("万") and unit != "万元" and self.q.count_unit == unit[1:]:
            return value * 10000, unit[1:]  # 15万人 asked in 人
        if unit == "万元" and self.q.unit is None:
            # answer in the unit the document wrote, so 65000.00元 stays 元 for a 元 document
            raw_units = {f.raw_unit for f in self.facts if f.unit == "万元"}
            if raw_units == {"元"}:
                return from_wan(value, "元"), "元"
        return value, unit

    def vv(self, value: Decimal, unit: str) -> str:
        """A figure with its unit as shown to the user."""
        return v(*self.convert(value, unit))

    def dv(self, value: Decimal, unit: str) -> str:
        """A figure as shown to the user (in 元 for a document written in 元), for formulas."""
        return fmt(self.convert(value, unit)[0])

    def du(self, unit: str) -> str:
        return self.convert(Decimal(1), unit)[1]

    def metric_label(self, metric: str, fact: Fact | None = None) -> str:
        return fact.metric_raw if fact is not None and metric not in BY_NAME else metric

    # ---- operations -----------------------------------------------------------------------------------------------
    def year_ratio(self, metric: str) -> Answer | None:
        """“2022年总预算是2023年的几倍” / “占…的比例” between two years of one metric."""
        y1, y2 = self.q.years[0], self.q.years[1]
        a, b = self.pick(metric, y1), self.pick(metric, y2)
        if a is None or b is None or b.fact.value == 0:
            return None
        fa, fb = a.fact, b.fact
        self.cite(fa, fb)
        ratio = self.q.ratio or "倍" in self.q.text
        expr = f"{self.dv(fa.value, fa.unit)}/{self.dv(fb.value, fb.unit)}" + ("" if ratio else "*100")
        calc = calculate(expr)
        value = pct(calc.value)
        unit = "倍" if ratio else "%"
        text = f"{y1}年{self.metric_label(metric, fa)}{self.vv(fa.value, fa.unit)}，{y2}年{self.vv(fb.value, fb.unit)}，前者是后者的{fmt(value)}{unit}。"
        return self.answer("share", text, value, unit, calc.formula)

    def remainder(self) -> Answer | None:
        """“除去宣讲项目，部门预算还剩多少” / “教育支出减去初中和高中教育支出还剩多少”: the whole less its parts.
        The items after the word of taking away are the parts; the whole is named before it (or is the total)."""
        year = self.target_year()
        text = re.sub(r"[（(][^）)]*[）)]", "", self.q.text)  # “（即公用经费）” names the remainder, not an input
        named = sorted(
            (m for m in self.asked.metrics if _written_at(text, m, self.asked) >= 0),
            key=lambda m: _written_at(text, m, self.asked),
        )
        cut = _EXCEPT.search(text)
        # the parts stand after the word of taking away, up to the end of its clause (除去A，B还剩: B is the whole)
        clause_end = len(text)
        word_end = cut.start() + 2 if cut is not None else len(text)  # 除去/扣除/减去…: two characters
        if cut is not None:
            stop = re.search(r"[，,；;。？?]", text[word_end:])
            clause_end = word_end + stop.start() if stop else len(text)
        after = [m for m in named if word_end <= _written_at(text, m, self.asked) < clause_end]
        before = [m for m in named if m not in after]
        if not after and not before:
            after = list(self.asked.metrics[:1])
        if not after:  # “A除去后…”: nothing after the word, the first item is the part
            after, before = before[:1], before[1:]
        whole_name = self.q.whole or (before[0] if before else "收支总预算")
        whole = self.pick(whole_name, year)
        parts = [p.fact for p in (self.pick(m, year) for m in after if m != whole_name) if p is not None]
        if whole is None or not parts or any(p.unit != whole.fact.unit for p in parts):
            return None
        w = whole.fact
        if len(parts) == 1 and w.value < parts[0].value:
            parts, w = [w], parts[0]  # what remains is never negative: the larger figure is the whole
        calc = calculate(f"{self.dv(w.value, w.unit)}-" + "-".join(self.dv(p.value, p.unit) for p in parts))
        self.cite(w, *parts)
        taken = "、".join(f"{self.metric_label(p.metric, p)}{self.vv(p.value, p.unit)}" for p in parts)
        unit = self.du(w.unit)
        text = f"{self.metric_label(w.metric, w)}{self.vv(w.value, w.unit)}，除去{taken}，还剩{v(calc.value, unit)}（{calc.formula}）。"
        return self.answer("diff", text, calc.value, unit, calc.formula)

    def across_years(self) -> Answer | None:
        """“人员类项目支出三年加起来多少”: one metric summed over every year the document gives."""
        metric = self.q.metrics[0]
        years = sorted({f.year for f in self.facts if f.metric == metric and f.year is not None})
        if self.q.years and len(self.q.years) == 2:
            lo, hi = sorted(self.q.years)
            years = list(range(lo, hi + 1)) if hi - lo <= 10 else [y for y in years if lo <= y <= hi]
        picks = [self.pick(metric, y) for y in years]
        found = [p.fact for p in picks if p is not None]
        if len(found) < 2:
            return None
        calc = calculate("+".join(self.dv(f.value, f.unit) for f in found))
        self.cite(*found)
        items = "、".join(f"{f.year}年{self.vv(f.value, f.unit)}" for f in found)
        text = f"{self.metric_label(metric, found[0])}：{items}，合计{v(calc.value, self.du(found[0].unit))}（{calc.formula}）。"
        return self.answer("sum", text, calc.value, self.du(found[0].unit), calc.formula)

    def whole_for_share(self, part: Fact, year: int | None) -> str | None:
        """The total a stated share (占比 9.40%) was taken of: the candidate total whose ratio comes closest."""
        assert part.share is not None
        meta = BY_NAME.get(part.metric)
        candidates = [c for c in (meta.parent if meta else None, "支出合计", "收入合计", "收支总预算") if c]
        best: tuple[Decimal, str] | None = None
        for name in dict.fromkeys(candidates):
            whole = self.pick(name, year)
            if whole is None or whole.fact.value == 0 or whole.fact.unit != part.unit:
                continue
            gap = abs(part.value / whole.fact.value * HUNDRED - part.share)
            if best is None or gap < best[0]:
                best = (gap, name)
        return best[1] if best else None

    def unit_fits(self, f: Fact) -> bool:
        """A figure answers the question only in a fitting unit: “退休费” is money, never a head count; “多少分” is
        not 万元."""
        money_words = [
            t for t in self.q.metric_terms
            if re.search(r"(费|经费|资金|钱)$", t) or re.search(re.escape(t) + r"(费|金|工资|补贴)", self.q.text)
        ]  # fmt: skip
        if money_words and f.unit != "万元":
            return False
        if f.unit not in ("万元", "%") and _MONEY_ASKED.search(self.q.text) and not self.q.count_unit:
            return False  # “花了多少钱” is never answered with a head count
        asked = self.q.count_unit
        if asked and f.unit == "万元":
            return False
        if asked and f.unit == f"万{asked}":
            return True
        if asked and asked not in ("个", "项") and f.unit != asked:
            return any({asked, f.unit} <= same for same in _SAME_COUNT)
        return True

    def lookup(self) -> Answer | None:
        metric = self.q.metrics[0]
        year = self.target_year()
        pick = self.pick(metric, year)
        undated_prior = self.q.relative_year == -1 and self.doc_year() is None  # 上年同期 in an undated report
        if pick is None or undated_prior or (self.q.compute and year != self.doc_year()):
            derived = self.derived_prior_year(metric, year)
            if derived is not None or pick is None:
                return derived or self.whole_from_parts(metric, year) or self.level_from_change(metric, year)
        if not self.unit_fits(pick.fact):
            return None
        if self.q.basis == "预算" and not (pick.fact.basis and "预算" in pick.fact.basis):
            budget = self.derived_budget(metric, pick.fact)
            if budget is not None:
                return budget
        if (
            self.q.basis == "决算"
            and pick.fact.basis and "预算" in pick.fact.basis and "决算" not in pick.fact.basis
            and (
                (pick.fact.doc_id, pick.fact.start, pick.fact.metric) in self.stated_basis
                or not self.writes_actuals(pick.fact.doc_id)
            )
        ):  # fmt: skip
            # “2022年实际花了多少钱（决算）” where the document gives only that year's budget: the budget is no answer
            f = pick.fact
            self.cite(f)
            value, unit = self.convert(f.value, f.unit)
            text = (
                f"文件没有给出{year_label(f.year)}{self.metric_label(metric, f)}的决算数（实际支出），"
                f"只有预算数{v(value, unit)}；预算不是实际支出，无法回答。"
            )
            return self.refusal(text)
        by_fund = self.by_fund(metric, pick.fact)
        if by_fund is not None:
            return by_fund
        f = pick.fact
        self.cite(f)
        value, unit = self.convert(f.value, f.unit)
        text = f"{year_label(f.year)}{self.metric_label(metric, f)}{self.basis_word(f)}为{v(value, unit)}"
        extras = []
        if f.share is not None:
            extras.append(f"占比{fmt(f.share)}%")
        if f.comparison is not None:
            extras.append(self.comparison_text(f))
        for other in self.q.metrics[1:]:
            p2 = self.pick(other, year)
            if p2 is not None:
                self.cite(p2.fact)
                v2, u2 = self.convert(p2.fact.value, p2.fact.unit)
                extras.append(f"{self.metric_label(other, p2.fact)}{v(v2, u2)}")
        text = text + ("，" + "，".join(extras) if extras else "") + "。"
        kind = "count" if self.q.op == "count" or not BY_NAME.get(metric, BY_NAME["收支总预算"]).money else "lookup"
        return self.answer(kind, text, value, unit)

    def writes_actuals(self, doc_id: str) -> bool:
        """Whether the document speaks of actual spending at all (决算, 实际支出); a budget that never does holds no
        actual figure, whatever basis its unlabelled figures were given."""
        doc = self.scope.doc(doc_id)
        return doc is None or bool(re.search(r"决算|实际支出|实际完成|执行数", doc.text))

    def by_fund(self, metric: str, f: Fact) -> Answer | None:
        """“政府性基金安排了多少三公经费”: a fund the figure's own name and context do not name is read from the
        fund's column of the same table row; without such a column the total of all funds is no answer."""
        doc = self.scope.doc(f.doc_id)
        fund = fund_asked(self.q.text, f)
        if doc is None or fund is None:
            return None
        named = {x for x in FUNDS if x in f.section or x in doc.title or x in f.quote.split("|")[0]}
        if named == {fund}:
            return None  # “一般公共预算财政拨款三公经费支出表”: the figure is that fund's own
        rows = [
            f,
            *(g for g in self.facts if g.metric == f.metric and g.year == f.year and g.basis == f.basis and g != f),
        ]
        cells = [
            (g, fund_cell(doc.text, g, fund)) for g in rows if "|" in g.quote
        ]  # a sentence's figure: its table row
        f, cell = next(((g, c) for g, c in cells if c is not None), (f, None))
        if cell is None and len(named) < 2:
            return None  # no sign that the figure mixes funds: it stands, as before
        label = self.metric_label(metric, f)
        self.cite(f)
        if cell is None:
            value, unit = self.convert(f.value, f.unit)
            text = (
                f"文件没有单列{fund}的{label}；{year_label(f.year)}{label}{self.basis_word(f)}合计{v(value, unit)}"
                "是全部资金来源的合计，不能当作该项资金的数额。"
            )
            return self.refusal(text)
        value, unit = self.convert(cell.value, f.unit)
        total, _ = self.convert(f.value, f.unit)
        text = (
            f"{year_label(f.year)}{label}{self.basis_word(f)}中，{fund}为{v(value, unit)}"
            f"（同一行全部资金合计{v(total, unit)}）。"
        )
        return self.answer("lookup", text, value, unit)

    def derived_budget(self, metric: str, actual: Fact) -> Answer | None:
        """The budget asked where the document states only the actual figure and its gap to the budget of the same
        year (决算数57.36万元，比预算数减少17.54万元 → 预算 57.36＋17.54)."""
        if any(
            f.metric == actual.metric and f.year == actual.year and f.basis and "预算" in f.basis for f in self.facts
        ):
            return None  # a stated budget answers itself
        for f in (actual, *(g for g in self.facts if g.metric == actual.metric and g.year == actual.year)):
            c = f.comparison
            if c is None or c.amount is None or f.year is None or c.base != str(f.year) or c.direction == "持平":
                continue
            op = "+" if c.direction == "减少" else "-"
            calc = calculate(f"{self.dv(f.value, f.unit)}{op}{self.dv(c.amount, f.unit)}")
            self.cite(f)
            unit = self.du(f.unit)
            label = self.metric_label(metric, f)
            text = (
                f"文件没有直接写出{year_label(f.year)}{label}的预算数；决算数{self.vv(f.value, f.unit)}比预算数"
                f"{c.direction}{self.vv(c.amount, f.unit)}，所以预算数为{v(calc.value, unit)}（{calc.formula}）。"
            )
            return self.answer("lookup", text, calc.value, unit, calc.formula)
        done = [
            f for f in self.facts
            if f.metric == actual.metric + COMPLETION and f.year == actual.year and f.value > 0
        ]  # fmt: skip
        if done and actual.basis and "决算" in actual.basis:
            # 支出决算为31000元，完成年初预算的15.5%: the budget is the actual ÷ the completion rate
            rate = done[0].value
            calc = calculate(f"{self.dv(actual.value, actual.unit)}/{fmt(rate)}*100")
            value = calc.value.quantize(Decimal("0.01"), ROUND_HALF_UP)
            self.cite(actual, done[0])
            unit = self.du(actual.unit)
            self.warnings.append("预算数由完成率反推，完成率在原文中经过四舍五入，结果可能有细微出入。")
            text = (
                f"文件没有直接写出{year_label(actual.year)}{self.metric_label(metric, actual)}的预算数；决算数"
                f"{self.vv(actual.value, actual.unit)}，完成年初预算的{fmt(rate)}%，推算预算数约为{v(value, unit)}（{calc.formula}）。"
            )
            return self.answer("lookup", text, value, unit, calc.formula)
        return None

    def whole_from_parts(self, metric: str, year: int | None) -> Answer | None:
        """A total the document never writes, only names as the whole its parts are shares of (“基本支出X元，占一般公共
        预算支出的84.06%… 项目支出Y元，占一般公共预算支出的15.94%”): the parts added up. One part alone gives the
        whole only approximately (X ÷ 84.06%), and the answer says so."""
        doc = self.doc
        if doc is None:
            return None
        meta = BY_NAME.get(metric)
        words = {w for w in (metric, *(meta.synonyms if meta else ()), *self.q.metric_terms) if len(w) >= 3}
        parts: list[Fact] = []
        for f in self.facts:
            if f.share is None or f.unit != "万元" or (year is not None and f.year not in (None, year)):
                continue
            named = _SHARE_OF.search(doc.text[f.end : f.end + 40].replace("\n", "").replace(" ", ""))
            if named is None or not any(w in named.group(1) for w in words):
                continue
            if all(f.value != o.value or f.metric != o.metric for o in parts):
                parts.append(f)
        if not parts:
            return None
        self.cite(*parts)
        unit = self.du("万元")
        shares = sum((f.share for f in parts if f.share is not None), Decimal(0))
        label = self.q.metric_terms[0] if self.q.metric_terms else metric
        if len(parts) >= 2:
            calc = calculate("+".join(self.dv(f.value, f.unit) for f in parts))
            items = "＋".join(f"{self.metric_label(f.metric, f)}{self.vv(f.value, f.unit)}" for f in parts)
            if abs(shares - 100) > Decimal("0.1") * len(parts):
                self.warnings.append(f"各部分写明的占比合计为{fmt(shares)}%，不是100%，文件的占比与金额不一致。")
            text = f"文件没有直接写出{year_label(year)}{label}，按其组成部分相加：{items}＝{v(calc.value, unit)}。"
            return self.answer("lookup", text, calc.value, unit, calc.formula)
        part = parts[0]
        assert part.share is not None
        calc = calculate(f"{self.dv(part.value, part.unit)}/{fmt(part.share)}*100")
        approx = calc.value.quantize(Decimal("0.01"))
        self.warnings.append("按四舍五入后的占比推算，结果只是近似值。")
        text = (
            f"文件没有直接写出{year_label(year)}{label}；{self.metric_label(part.metric, part)}"
            f"{self.vv(part.value, part.unit)}占其{fmt(part.share)}%，推算约为{v(approx, unit)}。"
        )
        return self.answer("lookup", text, approx, unit, calc.formula)

    def basis_word(self, f: Fact) -> str:
        if "预算" in f.metric or "决算" in f.metric or f.unit != "万元":
            return ""
        if f.basis and "决算" in f.basis:
            return "决算数"
        if f.basis and "预算" in f.basis:
            return "预算数"
        return ""

    def comparison_text(self, f: Fact) -> str:
        c = f.comparison
        assert c is not None
        base = "上年" if c.base in ("上年", "") else f"{c.base}年" if c.base.isdigit() else c.base
        if c.direction == "持平":
            return f"与{base}持平"
        parts = [f"比{base}{c.direction}"]
        if c.amount is not None:
            amount, unit = self.convert(c.amount, f.unit)
            parts.append(v(amount, unit))
        if c.rate is not None:
            parts.append(f"，{'增长' if c.direction == '增加' else '下降'}{fmt(c.rate)}%")
        return "".join(parts)

    def derived_prior_year(self, metric: str, year: int | None) -> Answer | None:
        """Last year's figure from this year's figure and the stated change (0.6 − 0.04 = 0.56)."""
        base_year = self.doc_year()
        undated = year is None and base_year is None and self.q.relative_year == -1  # 上年同期… of an undated report
        if not undated and (year is None or base_year is None or year >= base_year):
            return None
        pick = self.pick(metric, base_year)
        if pick is None:
            return None

        def fits(f: Fact) -> bool:
            c = f.comparison
            if c is None or (c.amount is None and c.rate is None) or (c.direction == "持平" and c.amount != 0):
                return False
            if c.amount is None and (c.rate is None or (c.direction == "减少" and c.rate >= 100)):
                return False
            if undated or year is None or base_year is None:
                return undated and not c.base.isdigit()
            return int(c.base) == year if c.base.isdigit() else year == base_year - 1

        found = [f for f in (pick.fact, *pick.alternatives) if fits(f)]
        if not found:
            found = [f for f in self.facts if f.metric == pick.fact.metric and f.year == base_year and fits(f)]
        if not found:
            return None
        found.sort(key=lambda f: f.comparison is None or f.comparison.amount is None)  # a stated amount first
        f = found[0]
        c = f.comparison
        assert c is not None
        if self.q.basis == "决算" and (f.basis or "").startswith("预算"):
            return None  # “实际花了多少” of the year before: a budget compared with last year's budget says no actual
        op = "-" if c.direction == "增加" else "+"
        if c.amount is not None:
            calc = calculate(f"{self.dv(f.value, f.unit)}{op}{self.dv(c.amount, f.unit)}")
            change = v(*self.convert(c.amount, f.unit))
        else:
            # only the rate is written (减少50%): last year = this year / (1 ∓ rate)
            assert c.rate is not None
            calc = calculate(f"{self.dv(f.value, f.unit)}/(1{'+' if op == '-' else '-'}{fmt(c.rate)}/100)")
            change = f"{fmt(c.rate)}%"
        self.cite(f)
        value, unit = calc.value, self.du(f.unit)
        stated = pick_fact(self.facts, metric, year=year, basis=None) if not undated else None
        asked = f"{year}年" if year is not None else "上年"
        lead = "" if stated is not None else f"文件未直接列出{asked}的{self.metric_label(metric, f)}，"
        text = (
            f"{lead}按{year_label(base_year) or '本期'}{v(*self.convert(f.value, f.unit))}"
            f"{'比上年' if not c.base.isdigit() else f'比{c.base}年'}{c.direction}{change}推算，"
            f"{asked}为{v(value, unit)}（{calc.formula}）。"
        )
        if c.amount is None:
            text += "由变动率反推，结果受原文百分比舍入的影响。"
        if stated is not None:
            self.cite(stated.fact)
            if stated.fact.value != calc.value:
                text += (
                    f"文件另一处写作{v(*self.convert(stated.fact.value, stated.fact.unit))}，两者不一致，请核对原文。"
                )
        return self.answer("sum" if op == "+" else "diff", text, value, unit, calc.formula)

    def delta(self) -> Answer | None:
        metric = self.q.metrics[0]
        year = self.target_year()
        if _VS_BUDGET.search(re.sub(r"[“”\"]", "", self.q.text)) and not re.search(r"完成|执行", self.q.text):
            against = self.change_against_budget(metric, year, amount=True)
            if against is not None:
                return against
        pick = self.pick(metric, year)
        if (self.q.verify or self.q.compute) and pick is not None:
            checked = self.recomputed_delta(metric, year, pick.fact)
            if checked is not None:
                return checked
        if pick is not None and self.comparison_fits(pick.fact, year):
            f = pick.fact
            c = f.comparison
            assert c is not None
            self.cite(f)
            if c.direction == "持平":
                return self.answer(
                    "delta",
                    f"{year_label(f.year)}{self.metric_label(metric, f)}{self.vv(f.value, f.unit)}，与上年持平。",
                    Decimal(0),
                    f.unit,
                )
            if c.amount is not None:
                amount, unit = self.convert(c.amount, f.unit)
                sign = "-" if c.direction == "增加" else "+"
                prior = calculate(f"{self.dv(f.value, f.unit)}{sign}{self.dv(c.amount, f.unit)}")
                base = "上年" if not c.base.isdigit() else f"{c.base}年"
                text = (
                    f"{year_label(f.year)}{self.metric_label(metric, f)}{v(*self.convert(f.value, f.unit))}，"
                    f"比{base}（{v(prior.value, self.du(f.unit))}）{c.direction}{v(amount, unit)}"
                )
                shown = self.convert(f.value, f.unit)[0]
                formula = f"{fmt(shown)}-{fmt(prior.value)} = {fmt(shown - prior.value)}"
                if c.rate is not None:
                    text += f"，{'增长' if c.direction == '增加' else '下降'}{fmt(c.rate)}%"
                elif prior.value != 0:
                    r = calculate(f"{self.dv(c.amount, f.unit)}/{fmt(prior.value)}*100")
                    text += f"，{'增长' if c.direction == '增加' else '下降'}{fmt(pct(r.value))}%（按{'金额' if is_money_unit(unit) else '数量'}计算：{r.formula}）"
                return self.answer("delta", text + "。", amount, unit, formula)
            if c.rate is not None:
                if self.q.unit is not None or _MONEY_ASKED.search(self.q.text):
                    derived = self.amount_from_rate(metric, f)
                    if derived is not None:
                        return derived
                # 增长了多少 where the document states only the rate (增长27.8%): the rate is the change it gives
                stated = self.comparison_rate(metric, f)
                if stated is not None:
                    return stated
        return self.recomputed_delta(metric, year, None)

    def budget_and_final(self, metric: str, year: int | None) -> tuple[Fact, Fact] | None:
        """The same item's 预算 and 决算 figures of one year, each stated as such; None unless both are."""
        budget = pick_fact(self.facts, metric, year=year, basis="预算", findings=self.findings)
        final = pick_fact(self.facts, metric, year=year, basis="决算", findings=self.findings)
        if budget is None or final is None:
            return None
        if "预算" not in (budget.fact.basis or "") or "决算" not in (final.fact.basis or ""):
            return None
        return budget.fact, final.fact

    def change_against_budget(self, metric: str, year: int | None, *, amount: bool = False) -> Answer | None:
        """“决算比预算下降了百分之几”: the change of the same year's 决算 against its 预算, (决算 − 预算) ÷ 预算; not
        the share of the budget spent (完成预算的X%), which is asked with 完成/执行."""
        pair = self.budget_and_final(metric, year)
        if pair is None or pair[0].value == 0 or pair[0].unit != pair[1].unit:
            return None
        fb, ff = pair
        calc = calculate(
            f"({self.dv(ff.value, ff.unit)}-{self.dv(fb.value, fb.unit)})/{self.dv(fb.value, fb.unit)}*100"
        )
        value = pct(calc.value)
        self.cite(ff, fb)
        moved = "增加" if ff.value >= fb.value else "减少"
        word = "增长" if value >= 0 else "下降"
        text = (
            f"{year_label(ff.year)}{self.metric_label(metric, ff)}决算{self.vv(ff.value, ff.unit)}，预算{self.vv(fb.value, fb.unit)}，"
            f"比预算{moved}{v(abs(ff.value - fb.value), ff.unit)}，{word}{fmt(abs(value))}%。"
        )
        if amount:
            gap = calculate(f"{self.dv(ff.value, ff.unit)}-{self.dv(fb.value, fb.unit)}")
            return self.answer("delta", text, abs(gap.value), self.du(ff.unit), gap.formula)
        return self.answer("rate", text, abs(value), "%", calc.formula)

    def only_change(self, metric: str, year: int | None) -> Fact | None:
        """The change of `metric` stated without its figure (“购置费比上年减少334万元，下降90%”), for `year` or the
        year it is measured against."""
        for f in self.changes:
            c = f.comparison
            if f.metric != metric + CHANGE or c is None:
                continue
            base = int(c.base) if c.base.isdigit() else (f.year - 1 if f.year else None)
            if year is None or year in (f.year, base):
                return f
        return None

    def level_from_change(self, metric: str, year: int | None) -> Answer | None:
        """A figure never written, from its stated change and rate: the earlier year is change ÷ rate, the later
        one that ± the change (rounded rates make both approximate, and the answer says so)."""
        f = self.only_change(metric, year)
        c = f.comparison if f is not None else None
        if f is None or c is None or c.rate is None or c.rate == 0 or c.amount is None:
            return None
        base_year = int(c.base) if c.base.isdigit() else (f.year - 1 if f.year else None)
        prior = calculate(f"{self.dv(c.amount, f.unit)}/{fmt(c.rate)}*100")
        sign = "+" if c.direction == "增加" else "-"
        self.cite(f)
        self.warnings.append("文件没有写出这一项的金额，只写了变动额和变动率；按此推算，结果是近似值。")
        label = self.metric_label(metric, f)
        said = f"文件没有写出{label}的金额，只写了比{year_label(base_year) or '上年'}{c.direction}{self.vv(c.amount, f.unit)}、{'增长' if sign == '+' else '下降'}{fmt(c.rate)}%"
        unit = self.du(f.unit)
        if year is not None and year == base_year:
            value = prior.value.quantize(Decimal("0.01"))
            return self.answer(
                "lookup",
                f"{said}；推算{year_label(year)}约为{v(value, unit)}（{prior.formula}）。",
                value,
                unit,
                prior.formula,
            )
        now = calculate(f"{self.dv(c.amount, f.unit)}/{fmt(c.rate)}*100{sign}{self.dv(c.amount, f.unit)}")
        value = now.value.quantize(Decimal("0.01"))
        return self.answer(
            "lookup",
            f"{said}；推算{year_label(f.year)}约为{v(value, unit)}（{now.formula}）。",
            value,
            unit,
            now.formula,
        )

    def amount_from_rate(self, metric: str, f: Fact) -> Answer | None:
        """“少花了多少万元” where the document states only the rate (下降7.6%): the amount from the figure and the
        rate, prior = figure ÷ (1 ± rate), rounded, and said to be approximate."""
        c = f.comparison
        if (
            c is None
            or c.rate is None
            or c.direction not in ("增加", "减少")
            or (c.direction == "减少" and c.rate >= 100)
        ):
            return None
        sign = "+" if c.direction == "增加" else "-"
        value = self.dv(f.value, f.unit)
        calc = calculate(f"{value}-{value}/(1{sign}{fmt(c.rate)}/100)")
        amount, unit = abs(calc.value), self.du(f.unit)
        self.cite(f)
        self.warnings.append("文件只写了变动率，变动额按数值和变动率推算，是近似值。")
        verb = "增长" if c.direction == "增加" else "下降"
        text = (
            f"文件只写了{year_label(f.year)}{self.metric_label(metric, f)}{self.vv(f.value, f.unit)}、比上年{verb}"
            f"{fmt(c.rate)}%，没有写变动额；按此推算约{c.direction}{v(amount, unit)}（{calc.formula}）。"
        )
        return self.answer("delta", text, amount, unit, calc.formula)

    def recomputed_delta(self, metric: str, year: int | None, stated: Fact | None) -> Answer | None:
        """The change computed from the two years' figures, set against the change the document states (if any)."""
        two = self.two_years(metric, year)
        if two is None:
            return None
        new, old = two
        calc = calculate(f"{self.dv(new.value, new.unit)}-{self.dv(old.value, old.unit)}")
        direction = "增加" if calc.value > 0 else "减少" if calc.value < 0 else "持平"
        amount, unit = abs(calc.value), self.du(new.unit)
        self.cite(new, old)
        change = f"{direction}{v(amount, unit)}" if calc.value else "没有变化（持平）"
        text = (
            f"{'按文中数字计算：' if stated is not None else ''}{new.year}年{self.metric_label(metric, new)}"
            f"{self.vv(new.value, new.unit)}，{old.year}年{self.vv(old.value, old.unit)}，{change}（{calc.formula}）。"
        )
        c = stated.comparison if stated is not None else None
        if stated is not None and c is not None and c.amount is not None:
            written, written_unit = self.convert(c.amount, stated.unit)
            if written != abs(calc.value):
                self.cite(stated)
                text += f"文件写的是{c.direction}{v(written, written_unit)}，与按数字计算的结果不一致。"
                self.warnings.append(f"文件所写变动额{fmt(written)}与两年数字之差{fmt(abs(calc.value))}不一致。")
        return self.answer("delta", text, amount, unit, calc.formula)

    def two_years(self, metric: str, year: int | None) -> tuple[Fact, Fact] | None:
        base = self.base_year(year)
        if year is None or base is None:
            return None
        new = self.pick(metric, year)
        old = self.pick(metric, base)
        if new is None or old is None:
            return None
        return new.fact, old.fact

    def rate(self) -> Answer | None:
        metric = self.q.metrics[0]
        year = self.target_year()
        pick = self.pick(metric, year)
        over_years = bool(_OVER_YEARS.search(self.q.text)) or self.q.compare_year is not None
        if _VS_BUDGET.search(re.sub(r"[“”\"]", "", self.q.text)) and not re.search(r"完成|执行", self.q.text):
            changed = self.change_against_budget(metric, year)
            if changed is not None:
                return changed
        if self.q.execution or (
            not over_years and (self.q.basis == "决算" or "完成" in self.q.text or "执行" in self.q.text)
        ):  # 决算较上年增长: a change over the years, not the execution of the budget
            done = self.execution_rate(metric, year)
            if done is not None:
                return done
        if pick is not None and _VS_BUDGET.search(self.q.text):
            # 比预算增长了多少%: the change the document states against the same year's budget
            against = [
                f for f in (pick.fact, *pick.alternatives, *self.facts)
                if f.metric == pick.fact.metric and f.year == pick.fact.year
                and f.comparison is not None and f.comparison.base == str(f.year)
            ]  # fmt: skip
            stated = self.comparison_rate(metric, against[0]) if against else None
            if stated is not None:
                return stated
        if pick is not None and self.comparison_fits(pick.fact, year):
            stated = self.comparison_rate(metric, pick.fact)
            if stated is not None:
                return stated
        two = self.two_years(metric, year)
        if two is not None:
            new, old = two
            calc = calculate(
                f"({self.dv(new.value, new.unit)}-{self.dv(old.value, old.unit)})/{self.dv(old.value, old.unit)}*100"
            )
            value = pct(calc.value)
            self.cite(new, old)
            word = "增长" if value >= 0 else "下降"
            moved = "增加" if new.value >= old.value else "减少"
            text = (
                f"{new.year}年{self.metric_label(metric, new)}{self.vv(new.value, new.unit)}，{old.year}年{self.vv(old.value, old.unit)}，"
                f"{moved}{v(abs(new.value - old.value), new.unit)}，{word}{fmt(abs(value))}%。"
            )
            return self.answer("rate", text, abs(value), "%", calc.formula)
        asked_base = self.q.compare_year in (None, year) or (year is not None and year + 1 in self.q.years)
        later = self.pick(metric, year + 1) if year is not None and asked_base else None
        if later is not None and (pick is None or pick.fact.comparison is None) and self.based_on(later.fact, year):
            # 2017年…是多少？下降了多少比例？ asked of the year a later figure is compared with: that change's rate
            prior = self.derived_prior_year(metric, year) if pick is None else None
            stated = self.comparison_rate(metric, later.fact)
            if stated is not None:
                if prior is None:
                    return stated
                return replace(stated, answer=f"{prior.answer}{stated.answer}")
        return None

    def based_on(self, f: Fact, year: int | None) -> bool:
        """Whether the comparison stated with `f` is against `year`."""
        c = f.comparison
        if c is None or year is None:
            return False
        if c.base.isdigit():
            return int(c.base) == year
        return f.year is not None and f.year - 1 == year

    def comparison_rate(self, metric: str, f: Fact) -> Answer | None:
        """The rate of the change stated with `f`: recomputed from the amount, the written rate beside it."""
        c = f.comparison
        assert c is not None
        self.cite(f)
        if c.amount is not None and c.direction == "增加" and c.amount == f.value and f.value > 0:
            base = "预算" if c.base == str(f.year) else f"{c.base}年" if c.base.isdigit() else "上年"
            text = (
                f"{base}为0，增长率无法计算（没有可比的基数）：{year_label(f.year)}{self.metric_label(metric, f)}"
                f"{self.vv(f.value, f.unit)}，比{base}增加{self.vv(c.amount, f.unit)}。"
            )
            return self.answer("rate", text, None, None, None)
        if c.amount is not None and c.direction != "持平":
            sign = "-" if c.direction == "增加" else "+"
            base_expr = f"({self.dv(f.value, f.unit)}{sign}{self.dv(c.amount, f.unit)})"  # both in the shown unit
            try:
                calc = calculate(f"{self.dv(c.amount, f.unit)}/{base_expr}*100")
            except Exception:
                calc = None
            if calc is not None:
                value = pct(calc.value)
                stated = f"（原文写作{fmt(c.rate)}%）" if c.rate is not None and pct(c.rate) != value else ""
                if c.rate is not None and abs(c.rate - value) > Decimal("0.51"):
                    self.warnings.append(f"文件写明的变动率{fmt(c.rate)}%与按金额重算的{fmt(value)}%不一致。")
                word = "增长" if c.direction == "增加" else "下降"
                base = "预算" if c.base == str(f.year) else f"{c.base}年" if c.base.isdigit() else "上年"
                text = (
                    f"{year_label(f.year)}{self.metric_label(metric, f)}{self.vv(f.value, f.unit)}，比{base}{c.direction}{self.vv(c.amount, f.unit)}，"
                    f"{word}{fmt(value)}%{stated}。"
                )
                return self.answer("rate", text, value, "%", f"{calc.formula}")
        if c.rate is not None:
            word = "增长" if c.direction == "增加" else "下降" if c.direction == "减少" else "变动"
            return self.answer(
                "rate", f"{year_label(f.year)}{self.metric_label(metric, f)}{word}{fmt(c.rate)}%。", c.rate, "%"
            )
        return None

    def execution_rate(self, metric: str, year: int | None) -> Answer | None:
        final = pick_fact(self.facts, metric, year=year, basis="决算", findings=self.findings)
        budget = pick_fact(self.facts, metric, year=year, basis="预算", findings=self.findings)
        if final is None or budget is None or final.fact.basis is None or "决算" not in final.fact.basis:
            return self.stated_completion(metric, year)
        if budget.fact.basis is None or "预算" not in budget.fact.basis or budget.fact.value == 0:
            return self.execution_from_gap(metric, final.fact)
        self.cite(final.fact, budget.fact)
        if self.q.ratio:  # “实际花的是预算的几倍”
            calc = calculate(f"{self.dv(final.fact.value, final.fact.unit)}/{self.dv(budget.fact.value, budget.fact.unit)}")
            times = calc.value.quantize(Decimal("0.01"), ROUND_HALF_UP)
            text = (
                f"{year_label(final.fact.year)}{self.metric_label(metric, final.fact)}决算{self.vv(final.fact.value, final.fact.unit)}，"
                f"是年初预算{self.vv(budget.fact.value, budget.fact.unit)}的{fmt(times)}倍。"
            )
            return self.answer("rate", text, times, "倍", calc.formula)
        calc = calculate(
            f"{self.dv(final.fact.value, final.fact.unit)}/{self.dv(budget.fact.value, budget.fact.unit)}*100"
        )
        value = pct(calc.value)
        text = (
            f"{year_label(final.fact.year)}{self.metric_label(metric, final.fact)}决算{self.vv(final.fact.value, final.fact.unit)}，"
            f"年初预算{self.vv(budget.fact.value, budget.fact.unit)}，完成预算的{fmt(value)}%。"
        )
        return self.answer("rate", text, value, "%", calc.formula)

    def execution_from_gap(self, metric: str, final: Fact) -> Answer | None:
        """决算数X，决算数大于预算数Y: the budget is X − Y, the execution X ÷ (X − Y); a stated completion rate that
        disagrees (完成年初预算100%) is named in a warning."""
        gaps = [
            f for f in self.facts
            if f.metric == final.metric and f.year == final.year and f.value == final.value and f.comparison is not None
            and f.comparison.amount is not None and f.comparison.base == str(f.year) and f.comparison.direction != "持平"
        ]  # fmt: skip
        if not gaps:
            return None
        f = gaps[0]
        c = f.comparison
        assert c is not None and c.amount is not None
        op = "-" if c.direction == "增加" else "+"
        budget = calculate(f"{self.dv(f.value, f.unit)}{op}{self.dv(c.amount, f.unit)}")
        if budget.value <= 0:
            return None
        calc = calculate(f"{self.dv(f.value, f.unit)}/({self.dv(f.value, f.unit)}{op}{self.dv(c.amount, f.unit)})*100")
        value = pct(calc.value)
        self.cite(f)
        unit = self.du(f.unit)
        stated = [g for g in self.facts if g.metric == f.metric + COMPLETION and g.year == f.year]
        if stated and stated[0].value != value:
            self.warnings.append(
                f"文件写“完成预算{fmt(stated[0].value)}%”，与决算数、预算数之差推算的{fmt(value)}%不一致。"
            )
        text = (
            f"{year_label(f.year)}{self.metric_label(metric, f)}决算{self.vv(f.value, f.unit)}，比预算数{c.direction}"
            f"{self.vv(c.amount, f.unit)}，即预算{v(budget.value, unit)}，完成预算的{fmt(value)}%。"
        )
        return self.answer("rate", text, value, "%", calc.formula)

    def stated_completion(self, metric: str, year: int | None) -> Answer | None:
        """完成年初预算数60999万元的40.4%: the completion rate the document writes, when the two figures are not both
        there to recompute it."""
        stated = [f for f in self.facts if f.metric == metric + COMPLETION and f.year in (year, None)]
        if not stated:
            return None
        f = stated[0]
        self.cite(f)
        return self.answer(
            "rate", f"{year_label(f.year)}{self.metric_label(metric)}完成预算的{fmt(f.value)}%。", f.value, "%"
        )

    def share(self) -> Answer | None:
        metric = self.q.metrics[0]
        year = self.target_year()
        parts = [m for m in self.q.metrics if m != self.q.whole]
        quoted = [Decimal(x) for x in _QUOTED_SHARE.findall(self.q.text)]
        if len(parts) >= 2 and len(quoted) == len(parts) and self.q.verify:
            checked = self.quoted_shares(parts, quoted, year)
            if checked is not None:
                return checked
        if len(parts) >= 2 and _ALTOGETHER.search(self.q.text):
            # “A和B加起来多少？占总预算多少？”: the share of the parts together
            total = self.total()
            if total is not None and total.kind == "sum" and total.value is not None:
                share = self.share_of_sum(total)
                if share is not None:
                    return replace(
                        share, answer=total.answer + share.answer, citations=(*total.citations, *share.citations)
                    )
        pick = self.pick(metric, year)
        if pick is None:
            return None
        part = pick.fact
        if len(self.q.metrics) == 1 and len(self.q.years) == 2 and self.q.whole in (None, metric):
            return self.year_ratio(metric)
        whole_name = self.q.whole or (self.q.metrics[1] if len(self.q.metrics) > 1 else None)
        if whole_name is None and part.share is not None:
            whole_name = self.whole_for_share(part, year)
        if whole_name is None:
            parent = BY_NAME.get(metric)
            whole_name = parent.parent if parent and parent.parent else None
        ratio = self.q.ratio or "倍" in self.q.text
        whole = self.pick(whole_name, year) if whole_name else None
        if whole is None and len(self.q.metrics) > 1 and whole_name != self.q.metrics[1]:
            whole = self.pick(self.q.metrics[1], year)  # 占这个单位三公预算: the written total named a known metric
        if whole is not None and (whole.fact.doc_id, whole.fact.start) == (part.doc_id, part.start):
            return None  # the part found as its own whole (X占X = 100%) answers nothing
        if whole is not None and (whole.fact.unit == "万元") != (part.unit == "万元"):
            whole = None  # an amount is never a share of a count (项目支出 占 事业单位6个)
        if whole is None and whole_name in ("支出合计", "收入合计"):
            whole = self.pick("收支总预算", year)
        if whole is None and part.share is not None and not ratio:
            self.cite(part)
            text = f"{year_label(part.year)}{self.metric_label(metric, part)}{self.vv(part.value, part.unit)}，占比{fmt(part.share)}%。"
            return self.answer("share", text, part.share, "%")
        if whole is None or whole.fact.value == 0:
            return None
        w = whole.fact
        self.cite(part, w)
        if ratio:
            calc = calculate(f"{self.dv(part.value, part.unit)}/{self.dv(w.value, w.unit)}")
            value = pct(calc.value)
            text = f"{self.metric_label(metric, part)}{self.vv(part.value, part.unit)}是{self.metric_label(w.metric, w)}{self.vv(w.value, w.unit)}的{fmt(value)}倍。"
            return self.answer("share", text, value, "倍", calc.formula)
        calc = calculate(f"{self.dv(part.value, part.unit)}/{self.dv(w.value, w.unit)}*100")
        value = pct(calc.value)
        stated = ""
        if part.share is not None and pct(part.share) != value:
            stated = f"（原文写作{fmt(part.share)}%）"
        text = (
            f"{year_label(part.year)}{self.metric_label(metric, part)}{self.vv(part.value, part.unit)}，"
            f"占{self.metric_label(w.metric, w)}{self.vv(w.value, w.unit)}的{fmt(value)}%{stated}。"
        )
        return self.answer("share", text, value, "%", calc.formula)

    def listed_sum(self) -> Answer | None:
        """“四个功能分类科目加起来是多少”: N items listed one after another in one section, summed.

        Candidates are runs of N adjacent figures of one section (same unit and year, distinct items, no totals); the
        run sharing most words with the question wins, and a run whose sum equals a figure stated elsewhere gains."""
        m = _LIST_COUNT.search(self.q.text)
        if m is None:
            return None
        n = _cn_int(m.group(1))
        if n is None or not 2 <= n <= 12:
            return None
        year = self.target_year()
        by_section: dict[tuple[str, str], list[Fact]] = {}
        for f in sorted(self.facts, key=lambda f: (f.doc_id, f.start)):
            if (year is not None and f.year != year) or f.unit == "%" or f.metric in _TOTALS:
                continue
            if re.search(r"合计|总计|小计|总预算|总额", f.metric_raw):
                continue
            group = by_section.setdefault((f.doc_id, f.section), [])
            if not any(g.metric_raw == f.metric_raw and g.value == f.value for g in group):
                group.append(f)
        stated = {f.value for f in self.facts}
        q_grams = bigrams(self.q.text)
        best: tuple[float, list[Fact]] | None = None
        for (_, section), group in by_section.items():
            for i in range(len(group) - n + 1):
                run = group[i : i + n]
                if len({f.unit for f in run}) != 1 or len({f.metric_raw for f in run}) != n:
                    continue
                if (run[0].unit in ("万元", "元", "亿元")) != (self.q.count_unit is None):
                    continue  # “两个项目合计压减多少” adds money, “两类人员一共多少人” heads
                words = section + "".join(f.metric_raw + f.quote for f in run)
                score = len(q_grams & bigrams(words)) + (3 if sum(f.value for f in run) in stated else 0)
                if best is None or score > best[0]:
                    best = (score, run)
        if best is None:
            return None
        run = best[1]
        calc = calculate("+".join(self.dv(f.value, f.unit) for f in run))
        self.cite(*run)
        value, unit = calc.value, self.du(run[0].unit)
        items = "、".join(f"{f.metric_raw}{v(*self.convert(f.value, f.unit))}" for f in run)
        text = f"{items}，合计{v(value, unit)}（{calc.formula}）。"
        whole_name = self.q.whole or next((x for x in self.q.metrics if x in _TOTALS or x == "收支总预算"), None)
        whole = self.pick(whole_name, year) if whole_name else None
        if whole is not None and whole.fact.unit == run[0].unit:
            self.cite(whole.fact)
            same = whole.fact.value == calc.value
            text += f"与{self.metric_label(whole.fact.metric, whole.fact)}{v(*self.convert(whole.fact.value, whole.fact.unit))}{'相等' if same else '不相等'}。"
        return self.answer("sum", text, value, unit, calc.formula)

    def total(self) -> Answer | None:
        if len(self.q.metrics) == 1 and _MULTI_YEAR.search(self.q.text):
            over_years = self.across_years()
            if over_years is not None:
                return over_years
        year = self.target_year()
        metrics = self.q.metrics
        if len(metrics) >= 3:
            # “政府购买服务里A和B加起来”: the item the question looks inside is the scope, not a part
            inside = [m for m in metrics if _scope_of_list(self.q.text, m, self.asked)]
            if inside and len(metrics) - len(inside) >= 2:
                metrics = tuple(m for m in metrics if m not in inside)
        if len(metrics) >= 2:
            picks = [self.pick(m, year) for m in metrics]
            found = [p.fact for p in picks if p is not None]
            if len(found) < 2:
                return None
            if len({_addable(f.unit) for f in found}) > 1:  # 批次 and 人次, or 万元 and 辆, are never added
                self.cite(*found)
                stated = "，".join(f"{self.metric_label(f.metric, f)}{self.vv(f.value, f.unit)}" for f in found)
                units = "、".join(dict.fromkeys(f.unit for f in found))
                return self.refusal(f"{units}是不同的计量单位，不能相加。文件披露的数值：{stated}。")
            calc = calculate("+".join(self.dv(f.value, f.unit) for f in found))
            self.cite(*found)
            value, unit = calc.value, self.du(found[0].unit)
            names = "、".join(self.metric_label(f.metric, f) for f in found)
            return self.answer("sum", f"{names}合计{v(value, unit)}（{calc.formula}）。", value, unit, calc.formula)
        metric = self.q.metrics[0]
        prior = self.derived_prior_year(metric, year)
        if prior is not None:
            return prior
        return self.counted_instances(metric, year) or self.lookup()

    def counted_instances(self, metric: str, year: int | None) -> Answer | None:
        """“国内外公务接待合计多少人次”: one counted metric stated for several groups (国内…接待人次28598人；国外…
        接待人次142人), each in a clause of its own, added up. Only counts, only when the question says 合计/一共."""
        if not _ALTOGETHER.search(self.q.text) and "内外" not in self.q.text:
            return None
        found = [
            f for f in self.facts
            if (f.metric == metric or f.metric.endswith(metric))  # 国内公务接待批次 is a group's 接待批次
            and f.unit not in ("万元", "%") and (year is None or f.year in (None, year))
        ]  # fmt: skip
        distinct: list[Fact] = []
        for f in found:
            if all(f.value != o.value for o in distinct):
                distinct.append(f)
        if len(distinct) < 2 or len({f.unit for f in distinct}) > 1 or len({f.quote for f in distinct}) < len(distinct):
            return None
        calc = calculate("+".join(fmt(f.value) for f in distinct))
        self.cite(*distinct)
        unit = distinct[0].unit
        items = "＋".join(f"{v(f.value, unit)}" for f in distinct)
        text = f"{year_label(year)}{self.metric_label(metric, distinct[0])}合计{v(calc.value, unit)}（{items}）。"
        return self.answer("sum", text, calc.value, unit, calc.formula)

    def only_targets(self) -> Answer | None:
        """“公众号目前有多少订阅”: a figure asked as it is now (当前, 目前, 实际) where the document gives only a goal
        (绩效目标表, 目标值) is not known; the goal is shown, never given as the figure."""
        if not asks_now(self.q.text):
            return None
        metric = self.q.metrics[0]
        found = [f for f in self.facts if f.metric == metric]
        if not found or not all(_is_target(f) for f in found):
            return None
        f = found[0]
        self.cite(f)
        text = (
            f"文件没有给出{self.metric_label(metric, f)}的实际数，只有绩效目标："
            f"{year_label(f.year)}目标值{v(f.value, f.unit)}。目标不是实际完成情况，无法回答。"
        )
        return self.refusal(text)

    def staffing(self) -> Answer | None:
        """“有没有超编”: the staff in post (实有/在职) against the posts approved (编制数/核定), for the kind of post the
        question names (事业编制) when the document gives both figures for it, else for the whole unit."""
        doc = self.doc
        if doc is None:
            return None
        year = self.target_year()
        approved: list[Fact] = []
        actual: list[Fact] = []
        for f in self.facts:
            if (
                f.unit not in ("人", "名", "个")
                or f.comparison is not None
                or (year is not None and f.year not in (None, year))
            ):
                continue
            before = re.split(r"[。；;\n]", doc.text[max(0, f.start - 120) : f.start])[-1]
            in_post = max((before.rfind(w) for w in ("实有", "在职", "现有", "实际")), default=-1)
            posts = max(
                (before.rfind(w) for w in ("编制数", "编制人数", "核定", "编制总数", "定编", "核编", "编制为")),
                default=-1,
            )
            if in_post > posts:
                actual.append(f)
            elif posts >= 0:
                approved.append(f)
        text = self.q.text

        def kind(f: Fact) -> str:  # 公务员(含参照公务员管理事业人员) -> 公务员; 行政编制 / 行政人员 -> 行政
            name = re.sub(r"[(（][^)）]*[)）]", "", f.metric_raw or f.metric)
            return re.sub(r"(?<=..)(?:编制|人员|人数)$", "", name)

        pairs = [(a, b) for a in approved for b in actual if kind(a) == kind(b) and kind(a) in text]
        named = [f for f in (*approved, *actual) if f.metric != "编制人数" and len(kind(f)) >= 2 and kind(f) in text]
        if not pairs and named:
            return None  # the kind asked about lacks one of its two figures: never the whole unit's instead
        if not pairs:
            totals = [a for a in approved if a.metric == "编制人数"]
            whole = [
                b for b in actual if b.metric in ("实有人数", "在职人数") or _TOTAL_WORD.search(b.metric_raw or "")
            ]
            whole.sort(key=lambda b: b.metric != "在职人数")  # posts are filled by the staff in post, not the retired
            if not totals or not whole:
                return None
            pairs = [(totals[0], whole[0])]
        post, staff = pairs[0]

        def shown(f: Fact) -> str:
            return re.sub(r"[(（][^)）]*[)）]", "", f.metric_raw or f.metric)

        over = staff.value > post.value
        calc = calculate(f"{fmt(staff.value)}-{fmt(post.value)}" if over else f"{fmt(post.value)}-{fmt(staff.value)}")
        self.cite(post, staff)
        gap = calc.value if over else -calc.value
        head = (
            f"按文件数字，{year_label(year)}{shown(post)}{v(post.value, post.unit)}，"
            f"{'' if shown(staff).startswith(('实有', '在职')) else '实有'}{shown(staff)}{v(staff.value, staff.unit)}，"
        )
        if gap > 0:
            verdict_text = f"超编{v(gap, '人')}（{calc.formula}）。"
        elif gap < 0:
            verdict_text = f"没有超编，尚有空编{v(-gap, '人')}（{calc.formula}）。"
        else:
            verdict_text = "正好满编，没有超编。"
        return self.answer("diff", head + verdict_text, abs(gap), "人", calc.formula)

    def written_apart(self, year: int | None) -> Answer | None:
        """“总支出比本年支出多多少”: two names the vocabulary reads as one item, each written in the document with a
        figure of its own (总支出125.08万元, 其中本年支出116.12万元): the two written figures, compared."""
        if len(self.q.metrics) != 1 or len(self.q.metric_terms) < 2:
            return None
        found: list[Fact] = []
        for term in self.q.metric_terms[:2]:
            named = [
                f for f in self.facts
                if f.metric == self.q.metrics[0] and (f.metric_raw or "").replace(" ", "") == term
                and f.unit != "%" and (year is None or f.year in (None, year))
            ]  # fmt: skip
            if not named:
                return None
            found.append(named[0])
        a, b = found
        if a.value == b.value or a.unit != b.unit:
            return None
        hi, lo = (a, b) if a.value > b.value else (b, a)
        calc = calculate(f"{self.dv(hi.value, hi.unit)}-{self.dv(lo.value, lo.unit)}")
        self.cite(hi, lo)
        unit = self.du(hi.unit)
        text = (
            f"{year_label(year)}{hi.metric_raw}{self.vv(hi.value, hi.unit)}，{lo.metric_raw}{self.vv(lo.value, lo.unit)}，"
            f"相差{v(calc.value, unit)}（{calc.formula}）。"
        )
        return self.answer("diff", text, calc.value, unit, calc.formula)

    def whole_of_kinds(self, f: Fact, metric: str, year: int | None) -> Fact:
        """A count picked loosely (事业编制 for 编制人数) when the document gives the whole only by kind (行政编制18名,
        事业编制5名): the kinds added up stand for it."""
        if f.metric in (metric, *EQUIVALENT.get(metric, ())) or is_money_unit(f.unit) or f.unit == "%":
            return f
        kinds = self.enumerated_kinds(metric, year)
        if kinds is None or kinds.value is None:
            return f
        return replace(f, metric=metric, metric_raw=f"{metric}（按类别相加）", value=kinds.value)

    def enumerated_kinds(self, metric: str, year: int | None) -> Answer | None:
        """A count the document gives only by kind, in one enumeration and without a total (“共有行政编制4个,参公
        事业编制2个”; “实有行政人员4人,参公事业人员2人”): asked for the whole (多少编制, 实有多少人), the kinds added up.
        The kinds are the first figure whose name holds the asked word and the figures after it in the same sentence
        whose names end alike (…编制, …人员)."""
        if any(f.metric == metric and (year is None or f.year in (None, year, year - 1)) for f in self.facts):
            return None  # the whole is written (a head count at the end of the year before counts for this one)
        meta = BY_NAME.get(metric)
        words = [w for w in (*self.q.metric_terms, metric, *(meta.synonyms if meta else ())) if len(w) >= 2]
        counted = [
            f for f in self.facts
            if f.unit not in ("万元", "元", "亿元", "%") and f.comparison is None and (year is None or f.year in (None, year))
        ]  # fmt: skip
        for first in sorted(counted, key=lambda f: f.start):
            name = first.metric_raw or first.metric
            if not any(w in name and w != name for w in words):
                continue
            tail = name[-2:]
            kinds = [first]
            for f in sorted(counted, key=lambda f: f.start):
                other = f.metric_raw or f.metric
                if f.quote != first.quote or f.start <= first.start or f.unit != first.unit:
                    continue
                if other.endswith(tail) and all(other != (k.metric_raw or k.metric) for k in kinds):
                    kinds.append(f)
            if len(kinds) < 2 or any(_TOTAL_WORD.search(k.metric_raw or k.metric) for k in kinds):
                return None  # a figure named as a total (编制总数, 在职人员合计) is the whole, not a kind of it
            calc = calculate("+".join(fmt(f.value) for f in kinds))
            self.cite(*kinds)
            unit = first.unit
            items = "＋".join(f"{f.metric_raw or f.metric}{v(f.value, unit)}" for f in kinds)
            label = self.q.metric_terms[0] if self.q.metric_terms else metric
            text = f"文件没有写出{year_label(year)}{label}的总数，按类别相加：{items}＝{v(calc.value, unit)}。"
            return self.answer("count", text, calc.value, unit, calc.formula)
        return None

    def difference(self) -> Answer | None:
        year = self.target_year()
        written = self.written_apart(year)
        if written is not None:
            return written
        if len(self.q.metrics) >= 2:
            a, b = self.pick(self.q.metrics[0], year), self.pick(self.q.metrics[1], year)
            if a is None or b is None:
                return None
            fa, fb = self.whole_of_kinds(a.fact, self.q.metrics[0], year), self.whole_of_kinds(b.fact, self.q.metrics[1], year)
            calc = calculate(f"{self.dv(max(fa.value, fb.value), fa.unit)}-{self.dv(min(fa.value, fb.value), fa.unit)}")
            self.cite(fa, fb)
            value, unit = calc.value, self.du(fa.unit)
            hi, lo = (fa, fb) if fa.value >= fb.value else (fb, fa)
            text = (
                f"{self.metric_label(hi.metric, hi)}{self.vv(hi.value, hi.unit)}，{self.metric_label(lo.metric, lo)}{self.vv(lo.value, lo.unit)}，"
                f"相差{v(value, unit)}（{calc.formula}）。"
            )
            return self.answer("diff", text, value, unit, calc.formula)
        metric = self.q.metrics[0]
        budget = pick_fact(self.facts, metric, year=year, basis="预算", findings=self.findings)
        final = pick_fact(self.facts, metric, year=year, basis="决算", findings=self.findings)
        if budget and final and budget.fact.basis and final.fact.basis and budget.fact.value != final.fact.value:
            fb, ff = budget.fact, final.fact
            calc = calculate(f"{self.dv(max(fb.value, ff.value), fb.unit)}-{self.dv(min(fb.value, ff.value), fb.unit)}")
            self.cite(fb, ff)
            value, unit = calc.value, self.du(fb.unit)
            text = f"{self.metric_label(metric, fb)}预算{self.vv(fb.value, fb.unit)}，决算{self.vv(ff.value, ff.unit)}，相差{v(value, unit)}（{calc.formula}）。"
            return self.answer("diff", text, value, unit, calc.formula)
        stated = [
            f for f in self.facts
            if f.metric == metric and (year is None or f.year == year) and f.comparison is not None
            and f.comparison.amount is not None and f.year is not None and f.comparison.base == str(f.year)
        ]  # fmt: skip
        if stated and "预算" in self.q.text:
            # 决算比预算少了多少: the gap the document states against the same year's budget
            f = stated[0]
            c = f.comparison
            assert c is not None and c.amount is not None
            self.cite(f)
            amount, unit = self.convert(c.amount, f.unit)
            text = f"{year_label(f.year)}{self.metric_label(metric, f)}决算数{self.vv(f.value, f.unit)}，比预算数{c.direction}{v(amount, unit)}。"
            return self.answer("diff", text, amount, unit)
        prior = self.derived_prior_year(metric, year)
        if prior is not None:
            return prior
        return None

    def run(self) -> Answer | None:
        if STAFFING.search(self.q.text):
            checked = self.staffing()
            if checked is not None:
                return checked
        if _LIST_COUNT.search(self.q.text) and (
            self.q.op == "sum" or _ALTOGETHER.search(self.q.text) or "等于" in self.q.text
        ):
            listed = self.listed_sum()
            if listed is not None:
                return listed
        if not self.q.metrics:
            return None
        self.q = normalise_metrics(self.q)
        only_targets = self.only_targets()
        if only_targets is not None:
            return only_targets
        if self.q.op in ("lookup", "share", "sum", "diff") and self.q.count_unit is None and len(self.q.metrics) > 1:
            # “下属事业单位2025年事业运行经费总预算多少”: no count asked, so the money item leads (the count qualifies)
            money = {f.metric for f in self.facts if f.unit == "万元"}
            ordered = sorted(self.q.metrics, key=lambda m: m not in money)
            if ordered != list(self.q.metrics) and any(m in money for m in self.q.metrics):
                self.q = replace(self.q, metrics=tuple(ordered))
        op = self.q.op
        handlers = {
            "lookup": self.lookup,
            "count": lambda: (
                self.counted_instances(self.q.metrics[0], self.target_year())
                or self.enumerated_kinds(self.q.metrics[0], self.target_year())
                or self.lookup()
            ),
            "delta": self.delta,
            "rate": self.rate,
            "share": self.share,
            "sum": self.total,
            "diff": self.difference,
        }
        result = self.by_op(op, handlers)
        if result is not None and not result.refused:
            result = self.with_companions(result, op, handlers)
            result = self.with_other_items(result, op, handlers)
            if self.q.verify:
                result = verdict(result, self.q.text)
        return result

    def with_companions(self, main: Answer, op: str, handlers: dict[str, Callable[[], Answer | None]]) -> Answer:
        """A two-part question (“X是多少？比上年少多少？”, “X多少？占比？”) gets every part it asks, in the order
        asked; the headline value stays the main part's. A part whose figure the main answer already shows is not
        repeated, and a part that cannot be answered is left to the main answer's words."""
        others = [o for o in self.q.sub_ops if o != op and o in handlers]
        if not others:
            return main
        texts = {op: main.answer}
        citations, warnings = list(main.citations), list(main.warnings)
        asked = self.q
        for other in others:
            self.q = replace(asked, op=other)
            self.citations, self.warnings = [], []
            try:
                if other == "share" and main.kind == "sum" and main.value is not None:
                    extra = self.share_of_sum(main)  # 这三块加起来多少？占总预算多少？: the sum's share
                else:
                    extra = handlers[other]()
            finally:
                self.q = asked
            if extra is None or extra.refused or extra.value is None or fmt(extra.value) in main.answer:
                continue
            texts[other] = extra.answer
            citations += [c for c in extra.citations if c not in citations]
            warnings += [w for w in extra.warnings if w not in warnings]
        if len(texts) == 1:
            return main
        text = ""
        for part in (texts[o] for o in self.q.sub_ops if o in texts):
            if not set(_NUMBER.findall(part)) <= set(_NUMBER.findall(text)):  # a part that adds no figure is left out
                text += part
        return replace(main, answer=text, citations=tuple(citations), warnings=tuple(warnings))

    def with_other_items(self, main: Answer, op: str, handlers: dict[str, Callable[[], Answer | None]]) -> Answer:
        """“有多少编制、实有多少人”: a question that asks for several items, each on its own, gets each in the order
        asked; the headline value stays the first item's."""
        if op not in ("count", "lookup") or len(self.q.metrics) < 2:
            return main
        text, citations, warnings = main.answer, list(main.citations), list(main.warnings)
        asked = self.q
        for metric in asked.metrics[1:]:
            terms = tuple(t for t in asked.metric_terms if t != (asked.metric_terms[:1] or ("",))[0])
            self.q = replace(asked, metrics=(metric,), metric_terms=terms[:1])
            self.citations, self.warnings = [], []
            try:
                extra = handlers[op]()
            finally:
                self.q = asked
            if extra is None or extra.refused or extra.value is None or fmt(extra.value) + (extra.unit or "") in text:
                continue
            text += extra.answer
            citations += [c for c in extra.citations if c not in citations]
            warnings += [w for w in extra.warnings if w not in warnings]
        if text == main.answer:
            return main
        return replace(main, answer=text, citations=tuple(citations), warnings=tuple(warnings))

    def quoted_shares(self, parts: list[str], quoted: list[Decimal], year: int | None) -> Answer | None:
        """“A占84.06%、B占19.62%，这两个比例对吗？”: each part's share recomputed from the amounts, against the whole the
        question names or, when it names none, the parts together; the headline is the first share that is wrong."""
        picks = [self.pick(m, year) for m in parts]
        facts = [p.fact for p in picks if p is not None]
        if len(facts) != len(parts) or len({f.unit for f in facts}) > 1:
            return None
        whole_pick = self.pick(self.q.whole, year) if self.q.whole else None
        whole = whole_pick.fact.value if whole_pick is not None else sum((f.value for f in facts), Decimal(0))
        if whole == 0:
            return None
        whole_label = (
            f"{self.metric_label(whole_pick.fact.metric, whole_pick.fact)}{self.vv(whole, facts[0].unit)}"
            if whole_pick is not None else f"两者合计{self.vv(whole, facts[0].unit)}"
        )  # fmt: skip
        self.cite(*facts, *([whole_pick.fact] if whole_pick is not None else []))
        lines, headline, formula = [], None, None
        for f, said in zip(facts, quoted, strict=True):
            calc = calculate(f"{self.dv(f.value, f.unit)}/{self.dv(whole, f.unit)}*100")
            value = pct(calc.value)
            ok = abs(value - said) <= Decimal("0.01") + Decimal(5).scaleb(-money_places(said) - 1)
            lines.append(
                f"{self.metric_label(f.metric, f)}{self.vv(f.value, f.unit)}占{fmt(value)}%（问题中为{fmt(said)}%，{'对' if ok else '不对'}）"
            )
            if headline is None and not ok:
                headline, formula = value, calc.formula
            if formula is None:
                formula = calc.formula
        value = headline if headline is not None else pct(facts[0].value / whole * 100)
        verdict_word = "不全对" if headline is not None else "都对"
        text = f"{verdict_word}：按金额计算（以{whole_label}为总额），" + "；".join(lines) + "。"
        return self.answer("share", text, value, "%", formula)

    def share_of_sum(self, total: Answer) -> Answer | None:
        """The share of a sum just computed in the whole the question names (or the total budget)."""
        assert total.value is not None and total.unit is not None
        whole = self.pick(self.q.whole or "收支总预算", self.target_year())
        if (
            whole is None
            or whole.fact.value == 0
            or whole.fact.unit != "万元"
            or total.unit not in ("万元", "元", "亿元")
        ):
            return None
        w = whole.fact
        calc = calculate(f"{fmt(total.value)}/{self.dv(w.value, w.unit)}*100")
        value = pct(calc.value)
        self.cite(w)
        text = f"合计占{self.metric_label(w.metric, w)}{self.vv(w.value, w.unit)}的{fmt(value)}%。"
        return self.answer("share", text, value, "%", calc.formula)

    def unspent(self) -> Answer | None:
        """“三公经费预算还剩多少没花”: the budget less the actual spending of the same item and year."""
        metric = self.q.metrics[0]
        pair = self.budget_and_final(metric, self.target_year())
        if pair is None:
            return None
        b, f = pair
        calc = calculate(f"{self.dv(b.value, b.unit)}-{self.dv(f.value, f.unit)}")
        self.cite(b, f)
        unit = self.du(b.unit)
        left = "结余" if calc.value >= 0 else "超支"
        text = (
            f"{year_label(f.year)}{self.metric_label(metric, f)}年初预算{self.vv(b.value, b.unit)}，决算{self.vv(f.value, f.unit)}，"
            f"{left}{v(abs(calc.value), unit)}（{calc.formula}）。"
        )
        return self.answer("diff", text, abs(calc.value), unit, calc.formula)

    def by_op(self, op: str, handlers: dict[str, Callable[[], Answer | None]]) -> Answer | None:
        handler = handlers.get(op)
        if _UNSPENT.search(self.q.text) and len(self.q.metrics) == 1 and op in ("diff", "lookup"):
            unspent = self.unspent()
            if unspent is not None:
                return unspent
        if _EXCEPT.search(self.q.text) and op in ("diff", "lookup", "sum") and not _VACANCY.search(self.q.text):
            handler = self.remainder
        if handler is None:
            return None
        result = handler()
        if result is None and op not in ("lookup", "count"):
            result = self.lookup()
            if result is not None:
                missing = {"delta": "与上年的比较", "rate": "计算变动率所需的数据", "share": "所占总额的数据",
                           "sum": "相加所需的分项数据", "diff": "比较所需的另一项数据"}.get(op, "所需数据")  # fmt: skip
                # the level is not the change, rate or share asked: no headline figure, the level only as context
                note = f"文件中没有找到{missing}，无法按问题计算。文件披露的相关数值：{result.answer}"
                result = Answer(result.question, note, "refuse", None, None, None, result.citations,
                                (*result.warnings, f"无法按问题要求计算：缺少{missing}。"), refused=True)  # fmt: skip
        return result


def _addable(unit: str) -> str:
    """What a figure's unit adds up with: any money with money (converted), a count only with its own unit."""
    return "money" if is_money_unit(unit) else {"名": "人"}.get(unit, unit)


_TOTALS = ("支出合计", "收入合计", "收支总预算")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_QUOTED_SHARE = re.compile(r"占(?:比)?\s*(\d+(?:\.\d+)?)\s*[%％]")
_OVER_YEARS = re.compile(r"上年|去年|上一年|同比|前一年|比\d{4}年|较\d{4}年")
_SHARE_OF = re.compile(r"^[^。；;]{0,5}?占([^，,。；;\d%]{2,24})")  # 元,占一般公共预算支出的84.06%


def asks_now(text: str) -> bool:
    """The question asks a figure as it is now (当前, 目前, 实际有), not a goal."""
    return bool(re.search(r"当前|目前|现在|现有|实际有|已有|已经有|截至目前", text)) and not re.search(
        r"目标|指标", text
    )


def in_targets(section: str) -> bool:
    """A section of goals (绩效目标表, 绩效指标): its figures are targets, not results."""
    return bool(re.search(r"绩效目标|目标表|绩效指标", section or ""))


def _is_target(f: Fact) -> bool:
    return "目标" in (f.basis or "") or in_targets(f.section)


_MONEY_ASKED = re.compile(r"多少钱|花了|花多少|少花|多花|省了|万元|亿元|多少元|几万块")  # the question asks an amount
_TOTAL_WORD = re.compile(r"总数|总额|合计|总计|共计|小计|总人数")
_ALTOGETHER = re.compile(r"一共|合计|加起来|总共|共计|总计|加在一起|相加|之和|总和")
_LIST_COUNT = re.compile(r"(?<!第)([两二三四五六七八九十]|\d{1,2})(?:个|类|项|笔|大类|部分|方面|条)(?!人|次|批)")
_MULTI_YEAR = re.compile(
    r"[两三四五六七八九十\d]年(加起来|合计|一共|总共|累计)|历年|近[两三四五\d]年.*(合计|加起来|一共)|\d{4}(年)?(到|至|-)\d{4}年?.*(加起来|合计|一共|总共)"
    r"|(?:19|20)\d{2}年?(?:和|与|及|、)(?:19|20)\d{2}年?.*(加起来|合计|一共|总共|之和)"  # Y1年和Y2年的X加起来
)
_UNSPENT = re.compile(r"没花|未花|没用完|没有用完|未用完|没用掉|还剩[^，。？?]{0,4}没")
_VACANCY = re.compile(r"空着|空缺|缺编|空编|还差几个|还能进几|还空|空了|空几|编制[^，。？?]{0,4}剩|剩[^，。？?]{0,4}编制")
_EXCEPT = re.compile(r"除去|除了|扣除|去掉|减去.*还剩|还剩")
# counters that count the same things: 几批 ~ 批次, 多少人 ~ 名/位 (staff) or 人次 (visitors received)
_VS_BUDGET = re.compile(r"(?:比|较|与|相对于?)(?:年初)?预算(?:数)?(?:相比)?(?:增长|下降|增加|减少|多|少|超)")
_SAME_COUNT = ({"批", "批次", "个"}, {"人", "名", "位"}, {"人", "人次"}, {"辆", "台"})
_CN_DIGITS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


_CLAIM = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(%|％|万元|亿元|元|人|辆|个|批次|人次)")


def _written_at(text: str, metric: str, q: ParsedQuestion) -> int:
    """Where the question writes a metric (by the words it used for it), -1 when not found."""
    exact = text.find(metric)
    if exact >= 0:
        return exact
    for term in q.metric_terms:
        if term in q.metrics:
            continue  # another item's own name (教育支出 is not where 高中教育支出 is written)
        at = text.find(term)
        if at >= 0 and ((len(term) >= 2 and is_subsequence(term, metric)) or canonical_term(term) == metric):
            return at
    return -1


def _scope_of_list(text: str, metric: str, q: ParsedQuestion) -> bool:
    """Whether the question writes `metric` as the place it looks inside (X里 / X中 / X当中 …)."""
    at = _written_at(text, metric, q)
    if at < 0:
        return False
    term = next((t for t in (metric, *q.metric_terms) if text.startswith(t, at)), metric)
    return text[at + len(term) : at + len(term) + 2].startswith(("里", "中", "当中", "之中"))


def canonical_term(term: str) -> str:
    found = find_terms(term)
    return found[0].metric if found else term


def verdict(answer: Answer, question: str) -> Answer:
    """A check question (“增长10.63%，对吗？”) answered 对/不对 up front: the figure it quotes against the one computed,
    equal within the precision the question writes it in."""
    if answer.value is None or answer.unit is None or answer.answer.startswith(("对", "不对", "不全对", "都对")):
        return answer
    money = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
    for m in _CLAIM.finditer(question):
        claimed, unit = Decimal(m.group(1)), m.group(2).replace("％", "%")
        if unit == answer.unit:
            got = answer.value
        elif unit in money and answer.unit in money:
            got = answer.value * money[answer.unit] / money[unit]
        else:
            continue
        tolerance = Decimal(5).scaleb(-money_places(claimed) - 1)
        if abs(got) == claimed:
            return replace(answer, answer=f"对。{answer.answer}")
        if abs(abs(got) - claimed) <= tolerance:
            return replace(answer, answer=f"对（{m.group(0)}是{fmt(abs(got))}{unit}四舍五入后的写法）。{answer.answer}")
        return replace(
            answer, answer=f"不对：问题中的{m.group(0)}与文件数据计算的{fmt(got)}{unit}不符。{answer.answer}"
        )
    return answer


def _cn_int(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return _CN_DIGITS.get(text)


def normalise_metrics(q: ParsedQuestion) -> ParsedQuestion:
    """Make the metric list fit the operation: totals named beside their parts in a sum go, a diff compares the last
    two named items (“政府采购里服务类比货物类多多少” -> 服务类, 货物类), and several counts asked “一共” are a sum."""
    metrics = list(q.metrics)
    op = q.op
    if _VACANCY.search(q.text) and metrics:
        # “编制还空着几个” = 编制 − 在职
        staff = "在职人数"
        metrics = [*[m for m in metrics if m != staff][:1], staff]
        op = "diff"
    if op in ("count", "lookup") and len(metrics) >= 2 and len(q.metric_terms) >= 2 and _ALTOGETHER.search(q.text):
        op = "sum"  # two things named and added; not one word read as two counts (接待 -> 批次, 人次)
    elif op in ("count", "lookup") and len(metrics) == 1 and _MULTI_YEAR.search(q.text):
        op = "sum"  # “2023和2024两年接待费一共多少”: one item over the years named
    if op == "sum" and len(metrics) >= 2:
        parts = [m for m in metrics if m not in _TOTALS]
        parents = {BY_NAME[m].parent for m in parts if m in BY_NAME}
        parts = [m for m in parts if m not in parents] if len(parts) > 2 else parts
        metrics = parts if len(parts) >= 2 else metrics
    if op == "diff" and len(metrics) > 2:
        metrics = metrics[-2:]
    if op in ("lookup", "count") and len(metrics) >= 2 and len(q.metric_terms) == len(metrics):
        # “政府采购中货物类多少钱” / “宣讲项目里资料印制这一项”: the first names where, the second what
        first, second = q.metric_terms[0], q.metric_terms[1]
        i, j = q.text.find(first), q.text.find(second)
        if 0 <= i < j and re.fullmatch(r"(中|里|里面|里的|中的|的|下|下的|之中|项目里)?", q.text[i + len(first) : j]):
            metrics = metrics[1:]
    if metrics == list(q.metrics) and op == q.op:
        return q
    return replace(q, op=op, metrics=tuple(metrics))


_FUND_NAMES = re.compile(
    r"一般公共预算|政府性基金预算|国有资本经营预算|社会保险基金预算|预算单位|部门预算编制|预算管理"
)


def doc_stage(doc: Document) -> str | None:
    """预算数 or 决算数: what an unqualified figure of this document is (a “三公” statement says so in its title or
    its opening, else by which word dominates)."""
    if doc.kind in ("预算", "决算"):
        return f"{doc.kind}数"
    if "年初预算" in doc.text:  # figures set against the initial budget are actuals
        return "决算数"
    body = _FUND_NAMES.sub("", doc.text)
    for text in (_FUND_NAMES.sub("", doc.title), body[:300]):
        found = [stage for stage in ("决算", "预算") if stage in text]
        if len(found) == 1:
            return f"{found[0]}数"
    finals, budgets = body.count("决算"), body.count("预算")
    if finals > budgets:
        return "决算数"
    return "预算数" if budgets > finals else None
