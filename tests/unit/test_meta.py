from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from eval.paths import corpus_dir
from index.errors import NotADisclosure, UnreadableFile
from index.read.files import read_file
from index.read.meta import UNNAMED_ORG, DocMeta, detect_meta, detect_region, ensure_disclosure
from index.read.normalize import normalize

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS = corpus_dir()
SEED = CORPUS / "seed" / "wuchang_rongmeiti_2023.txt"

needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="corpus not available")


def _norm(text: str) -> str:
    return normalize(text).text


def _manifest() -> list[dict[str, object]]:
    if not CORPUS.exists():
        return []
    return [json.loads(line) for line in (CORPUS / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]


def _corpus_text(rel: str) -> str:
    return _norm(read_file(CORPUS / rel).text)


# --------------------------------------------------------------------------------------------------- corpus


@needs_corpus
@pytest.mark.parametrize("row", _manifest(), ids=lambda r: str(r["file"]))
def test_corpus_meta(row: dict[str, object]) -> None:
    rel = str(row["file"])
    text = _corpus_text(rel)
    meta = detect_meta(text, Path(rel).name)
    # the manifest knows some years and names from the page's address; the text alone cannot tell them
    assert meta.year == (row["year"] if str(row["year"]) in text else None)
    assert meta.kind == row["kind"]
    gold = str(row["org"]).replace("中国共产党", "中共")
    named = re.sub(r"（.*?）", "", gold)
    if gold.startswith("未注明") or named.startswith("某"):
        assert meta.org.startswith(UNNAMED_ORG)
        assert meta.region is None
    elif meta.org.startswith(UNNAMED_ORG):
        assert named not in text.replace("中国共产党", "中共"), "the text names the body"
    else:
        org = meta.org.replace("中国共产党", "中共")
        assert named in org or org in named, (meta.org, gold)
    assert meta.title


@needs_corpus
def test_seed_meta() -> None:
    meta = detect_meta(_norm(SEED.read_text(encoding="utf-8")), SEED.name)
    assert meta == DocMeta(
        title="武昌区融媒体中心2023年部门预算", org="武昌区融媒体中心", year=2023, kind="预算", region="武昌区"
    )


@needs_corpus
def test_traditional_with_pinyin_glosses() -> None:
    meta = detect_meta(_corpus_text("docs/001.txt"), "001.txt")
    assert meta.org == "湛江市委宣传部"
    assert meta.title == "2017年湛江市委宣传部“三公”经费增减情况说明"


@needs_corpus
def test_corpus_is_accepted() -> None:
    for path in [*sorted((CORPUS / "docs").glob("*.txt")), SEED]:
        ensure_disclosure(_norm(read_file(path).text), path.name)


# --------------------------------------------------------------------------------------------------- synthetic


def test_boilerplate_is_skipped() -> None:
    text = _norm(
        "当前位置：首页 > 信息公开 > 财政资金\n"
        "来源：某某区教育局  发布时间：2021年8月27日\n"
        "索引号：000014348/2021-00924\n"
        "上海市闵行区教育局2020年“三公”经费决算公开\n"
        "2020年度“三公”经费财政拨款支出决算为358.18万元，比2019年度减少233.34万元。\n"
    )
    meta = detect_meta(text, "page.html")
    assert meta == DocMeta(
        title="上海市闵行区教育局2020年“三公”经费决算公开",
        org="上海市闵行区教育局",
        year=2020,
        kind="三公",
        region="上海市闵行区",
    )


@pytest.mark.parametrize(
    ("title", "org", "year", "kind"),
    [
        ("关于青阳县财政局2023年部门预算公开的说明", "青阳县财政局", 2023, "预算"),
        ("2024年梧州市民政局部门预算", "梧州市民政局", 2024, "预算"),
        ("寿县司法局2022年度部门决算", "寿县司法局", 2022, "决算"),
        ("六安市工商业联合会2021年度一般公共预算财政拨款“三公”经费支出决算", "六安市工商业联合会", 2021, "三公"),
        ("2019年度鹿寨县“三公”经费支出决算情况", "鹿寨县", 2019, "三公"),
    ],
)
def test_title_forms(title: str, org: str, year: int, kind: str) -> None:
    body = f"{title}\n一、总体情况\n{year}年收入合计100万元，支出合计90万元，比上年减少5万元。\n"
    meta = detect_meta(_norm(body), "x.txt")
    assert (meta.title, meta.org, meta.year, meta.kind) == (title, org, year, kind)


def test_unnamed_org_and_generated_title() -> None:
    text = _norm("一、2022年“三公”经费预算安排情况\n2022年度“三公”经费预算总计21.8万元，其中公务接待11.8万元。\n")
    meta = detect_meta(text, "sangong.txt")
    assert meta.org == UNNAMED_ORG and meta.year == 2022 and meta.kind == "三公" and meta.region is None
    assert meta.title == "2022年“三公”经费公开（未注明单位）"


def test_unnamed_org_hint_from_file_name() -> None:
    meta = detect_meta(_norm("2023年本年收入合计3765.66万元，支出决算合计3000万元。"), "/tmp/某保健院2023决算.txt")
    assert meta.org == "未注明单位（据文件名：某保健院2023决算）"
    assert meta.kind == "决算"


def test_year_prefers_fiscal_year_over_comparisons() -> None:
    text = _norm(
        "工资福利支出预算 905709.06 元，同比增加 21557.64 元，增长原因是 2021 年因人员调动未能编报，"
        "2022 年已按实有人员编报。\n2022 年一般公共预算基本支出 1133753.33 元，与2021年相比增加。\n"
    )
    assert detect_meta(text, "x.txt").year == 2022


def test_year_ignores_document_numbers_and_dates() -> None:
    text = _norm(
        "根据《关于印发预决算公开操作规程（2022年修订）的通知》（川财预〔2022〕12号），"
        "经绵竹市财政局汇总，2025年全市“三公”经费预算总额为1969万元，较2024年的2190万元减少221万元。"
    )
    meta = detect_meta(text, "x.txt")
    assert (meta.year, meta.org, meta.kind) == (2025, "绵竹市", "三公")


def test_department_budget_with_sangong_section_is_budget() -> None:
    text = _norm(
        "第一部分 天水市档案馆概况\n一、主要职能\n负责档案管理。\n第二部分 2023年部门预算表\n"
        "第三部分 2023年部门预算情况说明\n一、收支预算总体情况\n2023年收支总预算500万元。\n"
        "二、“三公”经费预算情况\n2023年“三公”经费预算5万元，基本支出400万元，项目支出100万元。\n"
    )
    meta = detect_meta(text, "x.txt")
    assert (meta.org, meta.year, meta.kind) == ("天水市档案馆", 2023, "预算")


def test_org_named_only_in_running_text() -> None:
    text = _norm("第一部分 某某单位概况\n2023年部门预算收入合计100万元。天水市档案馆下属共有2个事业单位。\n")
    assert detect_meta(text, "x.txt").org == "天水市档案馆"


def test_only_base_years_point_to_the_year_after() -> None:
    text = _norm(
        "1.财政拨款收入50.00万元，较2021年度决算数增加2.00万元，主要原因是人员增加，与预算相比无变化。\n"
        "2.其他收入0.00万元，较2021年度决算数增加0.00万元，与预算相比无变化。\n"
        "3.事业收入0.00万元，较2021年度决算数增加0.00万元，为预算单位开展业务活动取得的收入。\n"
    )
    meta = detect_meta(text, "x.txt")
    assert (meta.year, meta.kind) == (2022, "决算")


def test_monthly_revenue_progress_is_not_a_department_disclosure() -> None:
    text = _norm(
        "一、一般公共预算收支完成情况\n5月，一般公共预算收入累计完成3000万元，完成年初预算数9000万元的33.3%。\n"
        "一般公共预算支出累计完成8000万元，完成预算数20000万元的40%。\n"
    )
    assert detect_meta(text, "x.txt").kind == "other"


def test_body_names_in_sentences_citations_and_links_are_not_the_discloser() -> None:
    text = _norm(
        "一、2021年“三公”经费预算表\n东川县实验小学2021年一般公共预算“三公”经费支出预算为3万元。\n"
        "严格执行《东川县机关公务接待管理暂行办法》等规定。出国经费主要用于经市外办批准的交流活动。\n"
        "国务院部门网站\n区县政府网站\n"
    )
    meta = detect_meta(text, "x.txt")
    assert (meta.org, meta.region) == ("东川县实验小学", "东川县")
    bare = _norm("2021年“三公”经费预算为3万元。出国经费主要用于经市外办批准的活动。\n区县政府网站\n")
    assert detect_meta(bare, "x.txt").org == UNNAMED_ORG


def test_level_accounts_and_abbreviated_titles() -> None:
    central = detect_meta(_norm("关于2024年中央本级经济分类支出决算的说明\n2024年中央本级支出决算数为100亿元。"), "x")
    assert central.org == "中央本级"
    zone = detect_meta(
        _norm("东港新区2022年政府预决算相关重要事项说明\n一、东港经济开发新区支出决算说明\n"
              "2022年度东港经济开发新区一般公共预算支出数为300万元，比2021年度决算数增加3万元。"),
        "x",
    )  # fmt: skip
    assert zone.org == "东港经济开发新区"


def test_no_year() -> None:
    meta = detect_meta(_norm("部门预算说明\n本部门收入合计100万元，支出合计90万元。"), "x.txt")
    assert meta.year is None
    assert meta.kind == "预算"


@pytest.mark.parametrize(
    ("org", "region"),
    [
        ("上海市闵行区教育局", "上海市闵行区"),
        ("梧州市民政局", "梧州市"),
        ("绵阳市安州区千佛镇人民政府", "绵阳市安州区"),
        ("中国人民政治协商会议云南省寻甸回族彝族自治县委员会", "云南省寻甸回族彝族自治县"),
        ("鹿寨县", "鹿寨县"),
        ("湛江市委宣传部", "湛江市"),
        ("广东省财政厅", "广东省"),
    ],
)
def test_region(org: str, region: str) -> None:
    assert detect_region(org) == region


def test_docmeta_is_frozen() -> None:
    meta = DocMeta("t", "o", 2023, "预算", None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        meta.year = 2024  # type: ignore[misc]


# --------------------------------------------------------------------------------------------------- not a disclosure


@pytest.mark.parametrize(
    "name", ["news_article.txt", "novel_excerpt.txt", "recipe.txt", "company_news.txt", "english_budget.txt"]
)
def test_non_disclosures_rejected(name: str) -> None:
    text = _norm(read_file(DATA / name).text)
    with pytest.raises(NotADisclosure) as info:
        ensure_disclosure(text, name)
    err = info.value
    assert isinstance(err, UnreadableFile)
    assert name in str(err) and "预算" in str(err)


def test_long_prose_mentioning_budget_rejected() -> None:
    prose = read_file(DATA / "novel_excerpt.txt").text * 40
    text = _norm(prose + "\n他听说村里今年的预算是50万元，决算还没出来，财政拨款也不多。\n")
    with pytest.raises(NotADisclosure):
        ensure_disclosure(text, "novel.txt")


def test_small_disclosures_accepted() -> None:
    for name in ("sangong_gb18030.txt", "sangong_page.html"):
        ensure_disclosure(_norm(read_file(DATA / name).text), name)
