"""Scoring rules (eval.score), the baseline comparison and reports (eval.run, eval.report), and the integrity of the
project's own gold set eval/seed.jsonl (verbatim evidence, exact arithmetic, superset of the corpus seed questions)."""

from __future__ import annotations

import ast
import json
import operator
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest

from eval.paths import corpus_dir
from eval.report import render_html, render_markdown
from eval.run import Comparison, compare
from eval.score import Outcome, citation_ok, figures, numeric_match, percentile, score, stated_alternatives, summarise

ROOT = Path(__file__).resolve().parents[2]
SEED_SET = ROOT / "eval" / "seed.jsonl"
SEED_DOC = ROOT / "index" / "samples" / "wuchang_rongmeiti_2023.txt"
CORPUS_SEED = corpus_dir() / "qa_seed_dev.jsonl"


def gold(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "t-1", "doc": "seed/wuchang_rongmeiti_2023.txt", "question": "q", "type": "lookup",
        "answer_value": None, "answer_unit": None, "answer_text": "", "evidence": [], "formula": None,
    }  # fmt: skip
    base.update(kw)
    return base


def answer(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "t-1", "question": "q", "answer": "", "value": None, "unit": None, "kind": "lookup", "formula": None,
        "citations": [], "warnings": [], "refused": False,
    }  # fmt: skip
    base.update(kw)
    return base


def cite(quote: str) -> dict[str, Any]:
    return {"doc_id": "d", "title": "t", "org": "o", "year": 2023, "section": "s", "page": None, "quote": quote}


MONEY = gold(answer_value=6.5, answer_unit="万元", answer_text="6.5万元", evidence=["公务接待费 6.5 万元"])


# ---- numeric ------------------------------------------------------------------------------------------------------
def test_right_value_same_unit_passes() -> None:
    assert score(MONEY, answer(value=6.5, unit="万元")).correct


def test_right_value_in_another_unit_passes() -> None:
    assert score(MONEY, answer(value=65000, unit="元")).correct
    assert score(MONEY, answer(value=0.00065, unit="亿元")).correct


def test_wrong_value_fails_with_reason() -> None:
    result = score(MONEY, answer(value=6.4, unit="万元"))
    assert not result.correct
    assert "6.4" in result.reason and "6.5" in result.reason


def test_wrong_unit_or_missing_value_fails() -> None:
    assert not score(MONEY, answer(value=6.5, unit="元")).correct  # 6.5元 is not 6.5万元
    assert not score(MONEY, answer(value=6.5, unit="%")).correct
    assert not score(MONEY, answer(value=6.5, unit=None)).correct
    assert not score(MONEY, answer(value=None, unit="万元", answer="6.5万元")).correct


def test_money_tolerance_is_half_a_unit_of_the_gold_precision() -> None:
    g = gold(answer_value=757.53, answer_unit="万元")
    assert score(g, answer(value=757.534, unit="万元")).correct
    assert not score(g, answer(value=757.54, unit="万元")).correct
    assert score(g, answer(value=7575300, unit="元")).correct
    in_yuan = gold(answer_value=6000, answer_unit="元")
    assert score(in_yuan, answer(value=0.6, unit="万元")).correct
    assert not score(in_yuan, answer(value=0.61, unit="万元")).correct


def test_refusal_on_an_answerable_question_fails() -> None:
    result = score(MONEY, answer(refused=True, answer="文件未披露。"))
    assert not result.correct and "refused" in result.reason


def test_percentage_tolerance() -> None:
    g = gold(type="share", answer_value=82.71, answer_unit="%")
    assert score(g, answer(value=82.7071, unit="%")).correct
    assert score(g, answer(value=82.72, unit="%")).correct
    assert score(g, answer(value=82.71, unit="％")).correct
    assert not score(g, answer(value=82.73, unit="%")).correct
    assert not score(g, answer(value=0.8271, unit=None)).correct


def test_document_rounded_figure_is_accepted_only_when_it_is_a_rounding() -> None:
    g = gold(type="share", answer_value=9.09, answer_unit="%", answer_text="约9.09%（原文四舍五入写作9%）")
    assert stated_alternatives(g) == [Decimal(9)]
    assert score(g, answer(value=9, unit="%")).correct
    assert not score(g, answer(value=10, unit="%")).correct
    conflict = gold(
        type="share", answer_value=9.35, answer_unit="%", answer_text="约9.35%；绩效表中写作9.40%，与计算不符"
    )
    assert stated_alternatives(conflict) == []
    assert not score(conflict, answer(value=9.4, unit="%")).correct


def test_counts_are_exact_and_ren_equals_ming() -> None:
    g = gold(type="count", answer_value=18, answer_unit="名")
    assert score(g, answer(value=18, unit="人")).correct
    assert not score(g, answer(value=17, unit="人")).correct
    assert not score(g, answer(value=18, unit="辆")).correct
    fans = gold(type="count", answer_value=150000, answer_unit="人")
    assert score(fans, answer(value=15, unit="万人")).correct
    items = gold(type="count", answer_value=8, answer_unit="个")
    assert score(items, answer(value=8, unit="项")).correct and score(items, answer(value=8, unit="条")).correct


def test_times_within_a_hundredth() -> None:
    g = gold(type="share", answer_value=1.87, answer_unit="倍")
    assert score(g, answer(value=1.866, unit="倍")).correct
    assert not score(g, answer(value=1.85, unit="倍")).correct


def test_delta_compares_magnitudes() -> None:
    g = gold(type="delta", answer_value=656.1, answer_unit="万元", answer_text="减少656.1万元")
    assert score(g, answer(value=-656.1, unit="万元")).correct
    lookup = gold(type="lookup", answer_value=656.1, answer_unit="万元")
    assert not score(lookup, answer(value=-656.1, unit="万元")).correct


def test_numeric_match_accepts_strings_and_decimals() -> None:
    assert numeric_match(MONEY, "6.50", "万元")[0]
    assert numeric_match(MONEY, Decimal("65000"), "元")[0]


# ---- refusals and text --------------------------------------------------------------------------------------------
REFUSE = gold(
    type="refuse",
    answer_text="文件未单独披露会议费预算。",
    evidence=["（二）公用经费 70.8 万元，主要用于办公费、印刷费"],
)


def test_refusal_on_refuse_passes_and_an_answer_fails() -> None:
    assert score(REFUSE, answer(refused=True, kind="refuse")).correct
    result = score(REFUSE, answer(value=70.8, unit="万元", answer="会议费70.8万元"))
    assert not result.correct
    assert result.citation_ok is None  # citations are not judged on refusals


REASON = gold(
    type="reason",
    answer_text="2022年融媒体平台建设完成，2023年减少了一次性项目融媒体综合平台建设项目经费。",
    evidence=["主要原\n\n因是 2022 年融媒体平台建设完成，2023 年减少了一次性项\n\n目融媒体综合平台建设项目经费"],
)


def test_reason_overlap_passes_on_a_faithful_paraphrase() -> None:
    got = answer(
        kind="reason", answer="主要原因是2022年融媒体平台建设已完成，今年减少了一次性的融媒体综合平台建设项目经费。"
    )
    result = score(REASON, got)
    assert result.correct, result.reason


def test_reason_overlap_passes_through_the_citation_quote() -> None:
    got = answer(
        kind="reason",
        answer="原因如下：",
        citations=[cite("主要原因是 2022 年融媒体平台建设完成，2023 年减少了一次性项目融媒体综合平台建设项目经费")],
    )
    assert score(REASON, got).correct


def test_reason_overlap_fails_on_an_unrelated_answer_or_a_refusal() -> None:
    assert not score(REASON, answer(kind="reason", answer="因为严格执行中央八项规定，压减一般性支出。")).correct
    assert not score(REASON, answer(refused=True, answer=REASON["answer_text"])).correct


def test_overlap_normalises_traditional_characters_and_pinyin() -> None:
    g = gold(type="reason", answer_text="严格执行中央八项规定，严控公务接待开支。",
             evidence=["嚴(yán)格執(zhí)行中央“八項(xiàng)規(guī)定“,嚴(yán)控公務(wù)接待開(kāi)支"])  # fmt: skip
    assert score(g, answer(answer="主要是严格执行中央八项规定，严控公务接待开支")).correct


def test_name_lookup_uses_text_overlap() -> None:
    g = gold(answer_text="项目负责人李东，联系电话88936391", evidence=["项目负责人 李东 联系电话 88936391"])
    assert score(g, answer(answer="媒体宣传项目的负责人是李东，联系电话88936391。")).correct
    assert not score(g, answer(answer="填报人是葛理思。")).correct


# ---- citations ----------------------------------------------------------------------------------------------------
def test_figures_skip_years_markers_and_codes_and_join_thousands() -> None:
    assert figures("3.公务接待费预算 0.6 万元，比 2022 年预算增加 0.04") == {Decimal("0.6"), Decimal("0.04")}
    assert Decimal("10537750") in figures("财政拨款 757.53 100% 10,537,750.00 1,413.62")
    assert Decimal("1413.62") in figures("财政拨款 757.53 100% 10,537,750.00 1,413.62")
    assert figures("目标 1：微信公众号发布数量 500\n\n条") == {Decimal(500)}
    assert Decimal(30) in figures("公務(wù)接待費(fèi)30萬(wàn)元")


def test_citation_rule() -> None:
    g = gold(answer_value=757.53, answer_unit="万元", evidence=["2023 年部门收支总预算 757.53 万"])
    assert citation_ok(g, answer(citations=[cite("2023年部门收支总预算757.53万元，比2022年预算减少656.1万元")])) is True
    assert citation_ok(g, answer(citations=[cite("部门预算支出 757.530 万元")])) is True
    assert (
        citation_ok(g, answer(citations=[cite("2023 年一般公共服务支出 626.54 万元")])) is False
    )  # the year is no figure
    assert citation_ok(g, answer(citations=[])) is False
    assert citation_ok(gold(evidence=["武昌区融媒体中心无下属二级单位"]), answer()) is None
    assert score(g, answer(value=757.53, unit="万元")).citation_ok is False


def test_zero_figures_only_count_when_there_is_nothing_else() -> None:
    g = gold(answer_value=0, answer_unit="万元", evidence=["1.因公出国(境)经费预算 0 万元"])
    assert citation_ok(g, answer(citations=[cite("因公出国（境）经费预算0万元")])) is True
    mixed = gold(answer_value=0.6, answer_unit="万元", evidence=["出国 0 万元，接待费 0.6 万元"])
    assert citation_ok(mixed, answer(citations=[cite("公务用车 0 万元")])) is False


# ---- summary, baseline, reports ------------------------------------------------------------------------------------
def test_summary_metrics() -> None:
    items = [
        Outcome("a", "lookup", True, False, True, 10),
        Outcome("b", "lookup", False, False, False, 30),
        Outcome("c", "refuse", True, True, None, 20),
        Outcome("d", "refuse", False, False, None, 40),
        Outcome("e", "sum", False, True, None, 50),
    ]
    s = summarise(items)
    assert s["n"] == 5 and s["correct"] == 2
    assert s["by_type"]["lookup"]["accuracy"] == 0.5
    assert s["citation_accuracy"] == 0.5
    assert s["refusal_precision"] == 0.5 and s["refusal_recall"] == 0.5
    assert s["latency_ms_p50"] == 30 and s["latency_ms_p95"] == 50
    assert percentile([], 50) == 0.0


def test_compare_lists_regressions_and_fixes() -> None:
    cmp = compare({"a": True, "b": False, "c": True, "gone": True}, {"a": False, "b": True, "c": True, "new": False})
    assert cmp == Comparison(newly_failing=["a"], newly_passing=["b"], not_in_baseline=["new"], missing=["gone"])


def test_reports_show_failures() -> None:
    row = {
        "id": "s-1", "set": "seed", "type": "lookup", "question": "总预算<多少>？", "doc": "x",
        "expected": {"value": 757.53, "unit": "万元", "text": "757.53万元", "evidence": ["总预算 757.53 万"]},
        "got": answer(value=700, unit="万元", answer="700万元", citations=[cite("总预算 700 万元")]),
        "correct": False, "reason": "wrong value", "citation_ok": False, "ms": 3.0,
    }  # fmt: skip
    report = {"created": "now", "sets": ["eval/seed.jsonl"], "embedding": "hash", "questions": [row],
              "summary": summarise([Outcome("s-1", "lookup", False, False, False, 3.0)]),
              "comparison": {"baseline": "b.json", "newly_failing": ["s-1"], "newly_passing": [], "not_in_baseline": [], "missing": []}}  # fmt: skip
    html = render_html(report)
    assert (
        "总预算&lt;多少&gt;？" in html
        and "757.53万元" in html
        and "总预算 700 万元" in html
        and "newly failing" in html
    )
    md = render_markdown(report)
    assert "| s-1 | lookup |" in md


# ---- the project's gold set ----------------------------------------------------------------------------------------
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _evaluate(node: ast.AST) -> Decimal:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return Decimal(_OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right)))
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return Decimal(str(node.value))
    raise ValueError(f"unsupported formula element {ast.dump(node)}")


def _seed_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SEED_SET.read_text("utf-8").splitlines() if line.strip()]


def test_seed_set_is_well_formed_and_covers_every_type() -> None:
    rows = _seed_rows()
    assert len(rows) >= 120
    assert len({r["id"] for r in rows}) == len(rows)
    types = {r["type"] for r in rows}
    assert types >= {"lookup", "count", "delta", "rate", "share", "sum", "diff", "reason", "refuse", "consistency"}
    for r in rows:
        assert r["doc"] == "seed/wuchang_rongmeiti_2023.txt"
        assert r["answer_text"] and r["evidence"], r["id"]
        if r["type"] == "refuse":
            assert r["answer_value"] is None and r["stated_in_doc"] is False, r["id"]


def test_seed_evidence_is_verbatim() -> None:
    text = SEED_DOC.read_text("utf-8")
    missing = [(r["id"], e) for r in _seed_rows() for e in r["evidence"] if e not in text]
    assert not missing


def test_seed_values_follow_from_their_formulas() -> None:
    wrong = []
    for r in _seed_rows():
        if not r["formula"]:
            continue
        with localcontext() as ctx:
            ctx.prec = 40
            computed = _evaluate(ast.parse(r["formula"], mode="eval"))
        expected = Decimal(str(r["answer_value"]))
        if r["answer_unit"] in ("%", "倍") or "/" in r["formula"]:
            digits = (
                max(2, -int(expected.as_tuple().exponent))
                if r["answer_unit"] in ("%", "倍")
                else -int(expected.as_tuple().exponent)
            )
            computed = computed.quantize(Decimal(1).scaleb(-max(digits, 0)), ROUND_HALF_UP)
        if computed != expected:
            wrong.append((r["id"], r["formula"], computed, expected))
    assert not wrong


@pytest.mark.skipif(not CORPUS_SEED.is_file(), reason="the shared corpus is not on this machine")
def test_seed_set_is_a_superset_of_the_corpus_seed_questions() -> None:
    ours = {r["id"]: r for r in _seed_rows()}
    for line in CORPUS_SEED.read_text("utf-8").splitlines():
        if line.strip():
            theirs = json.loads(line)
            assert ours.get(theirs["id"]) == theirs


def test_exact_computation_of_a_stated_rounded_percentage_passes() -> None:
    g = gold(answer_value=92.8, answer_unit="%", answer_text="完成预算的92.8%", stated_in_doc=True)
    assert score(g, answer(value=92.77, unit="%")).correct
    assert not score(g, answer(value=92.74, unit="%")).correct
    computed = gold(type="rate", answer_value=50, answer_unit="%", stated_in_doc=False)
    assert not score(computed, answer(value=50.4, unit="%")).correct


def test_a_reason_cut_off_mid_sentence_fails() -> None:
    got = answer(
        kind="reason",
        answer="根据文件：2022年融媒体平台建设完成,2023年。",
        citations=[cite("46.41%,下降原因：2022年融媒体平台建设完成,2023年")],
    )
    assert not score(REASON, got).correct
