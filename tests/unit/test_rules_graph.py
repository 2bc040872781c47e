"""General rules of the fact graph and the answers read from it, each on a text written for the test."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from index.facts import extract_facts, share_comparisons
from index.normalize import normalize
from index.sections import split_sections
from index.store import Library
from index.types import Comparison, Document, Fact
from qa.agent import Agent
from qa.types import Answer

FILLER = "本单位严格执行中央八项规定精神，厉行节约，压缩一般性支出，从严控制各项公务支出，不断提高资金使用效益。" * 6


def doc_of(raw: str) -> Document:
    m = normalize(raw)
    return Document(
        doc_id="t", source="t.txt", title="", org="己县档案馆", year=2022, kind="决算", text=m.text, raw_text=raw,
        offsets=m.offsets,
    )  # fmt: skip


def facts_of(raw: str) -> list[Fact]:
    doc = doc_of(raw)
    return extract_facts(doc, split_sections(doc))


def ask(tmp_path: Path, raw: str, question: str) -> Answer:
    (tmp_path / "x.txt").write_text(raw, "utf-8")
    lib = Library(tmp_path / "lib", embedding="hash")
    try:
        [result] = lib.ingest([tmp_path / "x.txt"])
        assert result.ok, result.message
        return Agent(lib).ask(question, doc_ids=[result.doc_id])
    finally:
        lib.close()


CHANGES_LATER = (
    "2022年己县档案馆部门决算公开\n一、三公经费决算情况\n"
    "2022年度“三公”经费支出决算为6,000.00元。其中：公务用车运行维护费支出决算为1,000.00元；"
    "公务接待费支出决算为5,000.00元。\n" + FILLER + "\n二、增减变化\n"
    "2022年度“三公”经费支出决算数比上年减少4,000.00元。其中：公务用车运行维护费支出决算减少3,000.00元；"
    "公务接待费支出决算减少1,250.00元。\n"
)


def test_a_change_stated_paragraphs_after_its_figure_attaches_to_it() -> None:
    reception = [f for f in facts_of(CHANGES_LATER) if f.metric == "公务接待费"]
    assert reception and all(f.comparison is not None for f in reception)
    assert {(f.comparison.direction, f.comparison.amount) for f in reception if f.comparison} == {
        ("减少", Decimal("0.125"))
    }


def test_a_rate_from_a_stated_change_in_yuan(tmp_path: Path) -> None:
    answer = ask(tmp_path, CHANGES_LATER, "公务接待费比上年下降了百分之几？")
    assert (answer.kind, answer.value, answer.unit) == ("rate", Decimal("20.00"), "%")
    assert answer.formula is not None and "1250/(5000+1250)" in answer.formula  # one unit on both sides


def test_a_restated_figure_shares_the_comparison_of_its_twin() -> None:
    def fact(start: int, comparison: Comparison | None) -> Fact:
        return Fact(
            doc_id="t", org="", year=2022, kind="决算", metric="公务接待费", metric_raw="公务接待费", value=Decimal(5),
            unit="万元", raw_value="5", raw_unit="万元", section="", page=None, start=start, end=start + 3, quote="",
            basis="决算数", comparison=comparison,
        )  # fmt: skip

    cmp = Comparison("上年", "减少", Decimal(1))
    shared = share_comparisons([fact(0, None), fact(50, cmp), fact(90, None)])
    assert [f.comparison for f in shared] == [cmp, cmp, cmp]
    other_value = share_comparisons([fact(0, None), Fact(**{**_fields(fact(50, cmp)), "value": Decimal(6)})])
    assert other_value[0].comparison is None  # another figure is not a restatement


def _fields(f: Fact) -> dict[str, object]:
    return {name: getattr(f, name) for name in f.__slots__}  # type: ignore[attr-defined]
