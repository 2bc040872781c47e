"""eval.generate: deterministic synthetic disclosures whose facts and gold answers are known; and the scale fixes
the benchmark (eval.bench) led to: the agent's cheap change key, lazily loaded documents, one-query metric scoping,
one-thread FAISS search."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from eval.generate import MONEY_UNITS, Source, generate, load_sources, rewrite, variant
from eval.paths import corpus_dir
from index.extract.pipeline import analyse
from index.library import LazyDocument, Library, sample_path
from index.read.document import load_document

CORPUS = corpus_dir()
SEED = "seed/wuchang_rongmeiti_2023.txt"
pytestmark = pytest.mark.skipif(not (CORPUS / SEED).is_file(), reason="the shared corpus is not on this machine")


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    return load_sources(CORPUS)


def _facts(text: str, tmp: Path, name: str) -> tuple[str, list]:  # type: ignore[type-arg]
    path = tmp / name
    path.write_text(text, "utf-8")
    doc = load_document(path)
    return doc.org, analyse(doc).facts


def test_the_generator_is_deterministic(tmp_path: Path, sources: list[Source]) -> None:
    n = len(sources) + 3  # every source used, a few twice (the corpus grows)
    a = generate(tmp_path / "a", n, sources=sources)
    b = generate(tmp_path / "b", n, sources=sources)
    assert [g.path.name for g in a] == [g.path.name for g in b]
    for x, y in zip(a, b, strict=True):
        assert x.path.read_bytes() == y.path.read_bytes()
    for name in ("gold.jsonl", "manifest.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # every output differs from its source and from the others (a library never dedups two of them)
    texts = [g.path.read_text("utf-8") for g in a]
    assert len(set(texts)) == len(texts)
    assert {g.variant.source for g in a} == {s.ref for s in sources}
    other_seed = generate(tmp_path / "c", 3, sources=sources, seed=1)
    assert [g.path.read_bytes() for g in other_seed] != [g.path.read_bytes() for g in a[:3]]


def test_the_seed_rewritten_parses_to_the_scaled_facts(tmp_path: Path, sources: list[Source]) -> None:
    src = next(s for s in sources if s.ref == SEED)
    v = variant(src.ref, src.orgs, 5)
    doc = rewrite(src.text, v)
    org, facts = _facts(doc.text, tmp_path, "seed.txt")
    assert "武昌区" not in doc.text and "融媒体中心" not in doc.text and v.new_org and v.new_org in doc.text
    assert org != "武昌区融媒体中心" and org in [new for _, new in v.orgs]
    reception = [f for f in facts if f.metric == "公务接待费"]
    assert [f.value for f in reception] == [Decimal("0.6") * v.factor]
    assert reception[0].year == 2023 + v.year_shift
    assert reception[0].comparison is not None and reception[0].comparison.amount == Decimal("0.04") * v.factor
    assert reception[0].comparison.base == str(2022 + v.year_shift)
    assert "增长 7.14%" in doc.text  # percentages unchanged
    staff = [f for f in facts if f.metric == "在职人数"]
    assert staff and all(f.value == 15 for f in staff)  # counts unchanged


@pytest.mark.parametrize("number", [0, 7, 12])
def test_every_source_keeps_its_facts_scaled(tmp_path: Path, sources: list[Source], number: int) -> None:
    """Money facts x factor, everything else as it was, years shifted: for every corpus document."""
    for src in sources:
        v = variant(src.ref, src.orgs, number)
        org0, before = _facts(src.text, tmp_path, Path(src.ref).name)
        org1, after = _facts(rewrite(src.text, v).text, tmp_path, Path(src.ref).name)

        forms = sorted({x for pair in v.orgs for x in pair}, key=len, reverse=True)

        def key(f, org: str, scale: int, shift: int, forms: list[str] = forms):  # type: ignore[no-untyped-def]
            metric = f.metric.replace(org, "@")
            for form in forms:
                tail = form[-4:] if len(form) > 3 else form[-2:]
                if tail in metric:  # a metric name that quotes (a part of) the org's or place's name
                    metric = "@" + metric.split(tail, 1)[1]
                    break
            value = f.value * scale if f.unit in MONEY_UNITS else f.value
            return metric, f.unit, value, (f.year + shift) if f.year else None

        expected = Counter(key(f, org0, v.factor, v.year_shift) for f in before)
        got = Counter(key(f, org1, 1, 0) for f in after)
        assert expected == got, f"{src.ref}: {(expected - got) + (got - expected)}"


def test_numbers_are_classified(sources: list[Source]) -> None:
    v = variant("x.txt", ("青阳县审计局",), 3)
    text = (
        "青阳县审计局2022年“三公”经费10,537,750.00元，公务接待费0.60万元，比2021年增长7.14%，下降2个百分点。"
        "编制18人，车辆2辆，1.贯彻落实；（2）保障；公开表-10；电话88936391；2080505 机关事业单位养老支出 53.86\n"
    )
    out = rewrite(text, v).text
    f = v.factor
    assert f"{Decimal('10537750.00') * f:,.2f}元" in out and f"{Decimal('0.60') * f:.2f}万元" in out
    assert f"{2022 + v.year_shift}年" in out and f"比{2021 + v.year_shift}年" in out
    for kept in ("7.14%", "2个百分点", "18人", "2辆", "1.贯彻", "（2）", "表-10", "88936391", "2080505 机关"):
        assert kept in out
    assert f"{Decimal('53.86') * f:.2f}" in out
    assert "青阳县审计局" not in out and v.new_org in out  # type: ignore[operator]


def test_gold_answers_are_scaled_consistently(tmp_path: Path, sources: list[Source]) -> None:
    made = generate(tmp_path, len(sources), sources=sources)  # every source once, the seed last
    seed = made[-1]
    assert seed.variant.source == SEED
    text = seed.path.read_text("utf-8")
    gold = {g["synthetic"]["source_id"]: g for g in seed.gold}
    original = {
        json.loads(line)["id"]: json.loads(line) for line in (CORPUS / "qa_seed_dev.jsonl").open(encoding="utf-8")
    }
    f, shift = seed.variant.factor, seed.variant.year_shift
    assert gold["seed-009"]["answer_value"] == pytest.approx(0.6 * f)  # 三公经费 0.6 万元
    assert gold["seed-001"]["answer_value"] == pytest.approx(757.53 * f)
    assert f"{2023 + shift}年" in gold["seed-001"]["question"] and "武昌" not in gold["seed-001"]["question"]
    for qid, g in gold.items():
        o = original[qid]
        if o["answer_value"] is None:
            assert g["answer_value"] is None
        elif o["answer_unit"] in MONEY_UNITS:
            assert Decimal(str(g["answer_value"])) == Decimal(str(o["answer_value"])) * f
        else:
            assert g["answer_value"] == o["answer_value"]  # %, counts, 倍 unchanged
        for quote in g["evidence"]:
            assert quote in text
        assert g["doc"] == f"docs/{seed.path.name}" and g["id"] == f"{qid}@{seed.variant.number:06d}"
    lines = (tmp_path / "gold.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == sum(len(m.gold) for m in made)
    assert not any(isinstance(json.loads(line)["doc"], list) for line in lines)  # crossdoc left out


# ---- the scale fixes -----------------------------------------------------------------------------------------
def test_change_key_follows_writes_from_any_connection(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    k0 = lib.change_key()
    assert lib.change_key() == k0  # reading changes nothing
    lib.ingest([sample_path()], sync=False)
    k1 = lib.change_key()
    assert k1 != k0
    other = Library(tmp_path / "lib", embedding="hash")
    doc = CORPUS / "docs" / "001.txt"
    other.ingest([doc], sync=False)
    assert lib.change_key() != k1  # another connection's commit
    k2 = lib.change_key()
    lib.remove(other.documents()[0]["doc_id"])
    assert lib.change_key() != k2


def test_lazy_documents_behave_as_documents(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest([sample_path(), CORPUS / "docs" / "005.txt"], sync=False)
    listed = lib.document_list()
    assert [d.doc_id for d in listed] == [d["doc_id"] for d in lib.documents()]
    for lazy in listed:
        full = lib.document(lazy.doc_id)
        assert isinstance(lazy, LazyDocument)
        for name in ("doc_id", "source", "title", "org", "year", "kind", "region", "text", "raw_text", "offsets",
                     "page_starts"):  # fmt: skip
            assert getattr(lazy, name) == getattr(full, name), name
        assert lazy.raw_span(10, 40) == full.raw_span(10, 40) and lazy.page_at(100) == full.page_at(100)


def test_docs_with_metric_matches_a_per_document_check(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest([sample_path(), CORPUS / "docs" / "005.txt", CORPUS / "docs" / "009.txt"], sync=False)
    ids = [d["doc_id"] for d in lib.documents()]
    for metrics in (["公务接待费"], ["公务接待费", "公用经费"], ["不存在的指标"]):
        expected = {i for i in ids if lib.facts(metric=metrics, doc_id=i)}
        assert lib.docs_with_metric(metrics) == expected
        assert lib.docs_with_metric(metrics, ids[:1]) == expected & set(ids[:1])


def test_agent_answers_over_lazy_documents_and_sees_new_ones(tmp_path: Path) -> None:
    from qa.ask import Agent

    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest([sample_path()])
    agent = Agent(lib)
    answer = agent.ask("公务接待费增长多少？")
    assert answer.value == Decimal("0.04")
    reason = agent.ask("为什么今年预算少了？")
    assert not reason.refused and reason.citations
    lib.ingest([CORPUS / "docs" / "005.txt"])
    assert len(agent.scope_docs(agent.parse("公务接待费是多少？"), None)) == 2  # the new document is seen


def test_vector_search_restores_the_thread_count(tmp_path: Path) -> None:
    import faiss

    from index.backends import get_embeddings
    from index.search.vectors import VectorIndex

    index = VectorIndex(tmp_path / "v", get_embeddings("hash"))
    index.add([(f"c{i}", f"公务接待费 {i} 万元") for i in range(50)])
    before = faiss.omp_get_max_threads()
    hits = index.search("公务接待费 3 万元", 5)
    assert hits[0][0] == "c3" and faiss.omp_get_max_threads() == before


def test_copies_of_one_source_never_repeat(sources: list[Source]) -> None:
    for src in sources[:3]:
        pairs = {(v.year_shift, v.factor) for v in (variant(src.ref, src.orgs, k) for k in range(784))}
        assert len(pairs) == 784 and all(s != 0 for s, _ in pairs) and all(f >= 2 for _, f in pairs)


def test_fact_lookups_of_one_document_use_its_index(tmp_path: Path) -> None:
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ingest([sample_path(), CORPUS / "docs" / "005.txt", CORPUS / "docs" / "009.txt"], sync=False)
    doc_id = next(d["doc_id"] for d in lib.documents() if d["source"] == sample_path().name)
    everything = lib.facts()
    statements: list[str] = []
    lib.records.conn.set_trace_callback(statements.append)
    try:
        for kwargs in (
            {"metric": "公务接待费"},
            {"metric": ["公务接待费", "公用经费"]},
            {"org": everything[0].org, "year": 2023},
        ):
            got = lib.facts(doc_id=doc_id, **kwargs)  # type: ignore[arg-type]
            metric = kwargs.get("metric")
            names = [metric] if isinstance(metric, str) else metric
            expected = [
                f for f in everything
                if f.doc_id == doc_id and (names is None or f.metric in names)
                and all(getattr(f, k) == v for k, v in kwargs.items() if k in ("org", "year"))
            ]  # fmt: skip
            assert got == expected
        lib.docs_with_metric(["公务接待费"], [doc_id])
    finally:
        lib.records.conn.set_trace_callback(None)
    checked = 0
    for sql in statements:
        if sql.startswith("SELECT") and "FROM facts" in sql:
            plan = " ".join(str(tuple(r)) for r in lib.records.conn.execute("EXPLAIN QUERY PLAN " + sql))
            assert "facts_doc" in plan, (sql, plan)
            checked += 1
    assert checked == 4
