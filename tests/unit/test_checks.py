"""Self-consistency findings on the seed and on excerpts with known inconsistencies."""

from __future__ import annotations

from decimal import Decimal

from index.extract.checks import check_document
from index.types import Document, Fact, Finding
from tests.unit.test_facts import doc_facts, needs_corpus, seed_facts


def findings_of(doc: Document, facts: tuple[Fact, ...]) -> list[Finding]:
    return check_document(doc, facts)


def test_seed_basic_expenditure_does_not_add_up() -> None:
    found = findings_of(*seed_facts())
    sums = [f for f in found if f.check == "sum_mismatch" and f.metric == "基本支出"]
    assert sums and sums[0].actual == Decimal("757.53") and sums[0].expected == Decimal("457.53")
    assert "人员经费" in sums[0].message and "公用经费" in sums[0].message and sums[0].quotes
    conflicts = [f for f in found if f.check == "conflict" and f.metric == "基本支出"]
    assert conflicts and "457.53" in conflicts[0].message and "757.53" in conflicts[0].message


def test_seed_unit_scale_in_2021_column() -> None:
    found = findings_of(*seed_facts())
    scale = [f for f in found if f.check == "unit_scale"]
    assert scale and "10,537,750.00" in scale[0].message and "1,053.77" in scale[0].message


def test_seed_2022_total_implied_by_text() -> None:
    found = findings_of(*seed_facts())
    change = [f for f in found if f.check == "change_mismatch"]
    assert change and "1413.62" in change[0].message and "1413.63" in change[0].message
    assert "舍入" in change[0].message


def test_seed_has_no_other_findings() -> None:
    found = findings_of(*seed_facts())
    assert {f.check for f in found} <= {"sum_mismatch", "conflict", "unit_scale", "change_mismatch"}
    assert len(found) <= 5


@needs_corpus
def test_009_subtotal_rounding() -> None:
    found = findings_of(*doc_facts("009"))
    sums = [f for f in found if f.check == "sum_mismatch"]
    assert len(sums) == 1
    assert sums[0].expected == Decimal("316.58") and sums[0].actual == Decimal("316.57")
    assert "舍入" in sums[0].message


@needs_corpus
def test_011_stated_change_against_own_figures() -> None:
    found = findings_of(*doc_facts("011"))
    change = [f for f in found if f.check == "change_mismatch" and f.metric == "公务接待费"]
    assert change
    assert "0.58" in change[0].message and "12.39" in change[0].message and "0.59" in change[0].message
    assert "舍入" not in change[0].message


@needs_corpus
def test_005_table_contradicts_prose() -> None:
    found = findings_of(*doc_facts("005"))
    assert {f.metric for f in found if f.check == "conflict"} == {"公务用车购置费", "公务用车运行维护费"}


@needs_corpus
def test_rate_findings() -> None:
    assert any(f.check == "rate_mismatch" and "5.56" in f.message for f in findings_of(*doc_facts("031")))
    assert any(f.check == "rate_mismatch" and "1052.55" in f.message for f in findings_of(*doc_facts("041")))
    assert any(f.check == "rate_mismatch" and "38.29" in f.message for f in findings_of(*doc_facts("016")))


@needs_corpus
def test_consistent_excerpts_stay_quiet() -> None:
    # (045 writes 15% for 0.28 / 1.80 = 15.56%: a cut rate, reported like 031's)
    for name in ("001", "003", "006", "014", "023", "025", "027", "029", "033", "038", "047", "052"):
        assert findings_of(*doc_facts(name)) == [], name


def test_a_rate_cut_to_whole_percent_is_named_as_such() -> None:
    from index.extract.facts import extract_facts
    from tests.unit.test_facts import make_doc, sections_of

    def rate_findings(text: str) -> list[Finding]:
        doc = make_doc(text, "t", "某局", 2022, "决算")
        return [f for f in findings_of(doc, tuple(extract_facts(doc, sections_of(doc)))) if f.check == "rate_mismatch"]

    # 0.28 / 1.80 = 15.56%: written 15% it is cut, written 14% it is wrong, written 16% it is right
    cut = rate_findings("公务接待费支出1.52万元，与2021年度相比，减少0.28万元，下降15%。")
    assert cut and "15.56" in cut[0].message and "截去" in cut[0].message
    wrong = rate_findings("公务接待费支出1.52万元，与2021年度相比，减少0.28万元，下降14%。")
    assert wrong and "15.56" in wrong[0].message and "截去" not in wrong[0].message
    assert rate_findings("公务接待费支出1.52万元，与2021年度相比，减少0.28万元，下降16%。") == []
