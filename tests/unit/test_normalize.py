"""Normalising a disclosure's text: figures the PDF text layer broke are whole again, table cells stay apart."""

from __future__ import annotations

import pytest

from index.read.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "whole"),
    [
        ("因公出国（境）费1 850万元,公务接待费2 460万元。", ("1850万元", "2460万元")),  # thousands grouped by spaces
        ("支出12 300.50万元。", ("12300.50万元",)),
        ("非税收入完成5.6 9亿元,同比增长13.4%。", ("5.69亿元",)),  # a space inside a decimal
        ("公务接待费支出决算36.1\n6万元,比上年减少2.4万元。", ("36.16万元",)),  # a line break inside it
        ("本年支出合计3 23,116.18元。", ("323,116.18元",)),
        ("收入合计23,48\n0.17万元。", ("23,480.17万元",)),
    ],
)
def test_a_figure_broken_by_the_text_layer_is_whole_again(raw: str, whole: tuple[str, ...]) -> None:
    text = normalize(raw).text
    assert all(w in text for w in whole), text


@pytest.mark.parametrize(
    "raw",
    [
        "公务接待费\n1.50\n1.20\n-0.30\n",  # one table cell per line
        "合计 51.00 46.83\n运行维护费 36.00 31.57\n",  # a row of cells
        "2023年预算数 12\n5万元",  # after a space: a cell, not a broken figure
        "增长1.5 2.5%",  # two decimal points: two figures
    ],
)
def test_table_cells_are_never_joined(raw: str) -> None:
    text = normalize(raw).text
    digits = [t for t in raw.replace("\n", " ").split(" ") if t]
    assert len([t for t in text.replace("\n", " ").split(" ") if t]) == len(digits), text


def test_offsets_still_point_at_the_written_characters() -> None:
    raw = "公务接待费支出决算36.1\n6万元。"
    m = normalize(raw)
    at = m.text.index("36.16")
    assert raw[m.offsets[at]] == "3" and m.offsets[at + 4] in (raw.index("\n"), raw.index("\n") + 1)
