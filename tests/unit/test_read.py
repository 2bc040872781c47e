from __future__ import annotations

import gzip
import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eval.paths import corpus_dir
from index.errors import UnreadableFile
from index.read.files import CUT_WARNING, PAGE_SEP, decode_text, html_to_text, read_file
from tests.pdfs import (
    PdfPage,
    make_corrupt_pdf,
    make_disclosure_pdf,
    make_encrypted_pdf,
    make_garbage_pdf,
    make_scanned_pdf,
)

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS = corpus_dir()
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _unreadable(path: Path, *, needle: str) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as info:
        read_file(path)
    err = info.value
    message = str(err)
    assert path.name in message, message
    assert _CHINESE.search(err.reason) and _CHINESE.search(err.advice), message
    assert needle in message, message
    return err


# --------------------------------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def disclosure_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_disclosure_pdf(tmp_path_factory.mktemp("pdf") / "三公经费.pdf")


def test_pdf_pages_come_through(disclosure_pdf: Path) -> None:
    doc = read_file(disclosure_pdf)
    assert doc.fmt == "pdf"
    assert doc.path == "三公经费.pdf"
    assert len(doc.page_starts) == 3
    assert doc.page_starts[0] == 0
    assert doc.text[doc.page_starts[1] :].startswith("二、“三公”经费预算情况说明")
    assert doc.text[doc.page_starts[2] :].startswith("三、名词解释")
    assert doc.text.count(PAGE_SEP) == 2
    offset = doc.text.index("比上年减少0.46万元")
    assert doc.page_at(offset) == 2
    assert doc.page_at(doc.text.index("名词解释")) == 3


def test_pdf_table_kept_as_rows_and_as_lines(disclosure_pdf: Path) -> None:
    doc = read_file(disclosure_pdf)
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.page == 1
    assert table.rows[0] == ("项目", "2022年预算数", "2023年预算数")
    assert ("公务接待费", "0.56", "0.6") in table.rows
    assert ("合计", "3.56", "3.1") in table.rows
    lines = doc.text.split("\n")
    assert "项目 | 2022年预算数 | 2023年预算数" in lines
    assert "公务接待费 | 0.56 | 0.6" in lines
    # the table sits where it is on the page: after the heading above it, before the note below it
    first_page = doc.text[: doc.page_starts[1]]
    assert first_page.index("预算表") < first_page.index("公务接待费 | 0.56") < first_page.index("注：本表")
    # the table's characters are not also in the running text
    assert first_page.count("公务接待费") == 1


def test_pdf_multiline_cells_joined(tmp_path: Path) -> None:
    rows = (("项目", "预算数"), ("公务用车\n购置费", "25"), ("Vehicle\nfees", "3"))
    pdf = make_disclosure_pdf(tmp_path / "cells.pdf", [PdfPage(before=("2023年预算表",), table=rows)])
    doc = read_file(pdf)
    assert doc.tables[0].rows[1] == ("公务用车购置费", "25")
    assert doc.tables[0].rows[2] == ("Vehicle fees", "3")
    assert "公务用车购置费 | 25" in doc.text


def test_encrypted_pdf(tmp_path: Path) -> None:
    err = _unreadable(make_encrypted_pdf(tmp_path / "加密.pdf"), needle="加密")
    assert "解除密码" in err.advice


def test_scanned_pdf(tmp_path: Path) -> None:
    err = _unreadable(make_scanned_pdf(tmp_path / "scan.pdf"), needle="扫描件")
    assert "OCR" in err.advice and "ocrmypdf" in err.advice


@pytest.mark.parametrize("keep", [0.05, 0.4, 0.9])
def test_truncated_pdf(tmp_path: Path, keep: float) -> None:
    _unreadable(make_corrupt_pdf(tmp_path / "cut.pdf", keep=keep), needle="损坏")


def test_garbage_pdf(tmp_path: Path) -> None:
    _unreadable(make_garbage_pdf(tmp_path / "garbage.pdf"), needle="损坏")


def test_pdf_extension_without_pdf_content(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(bytes(range(256)) * 8)
    _unreadable(path, needle="二进制")


# --------------------------------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path: Path) -> None:
    _unreadable(tmp_path / "不存在.txt", needle="不存在")


@pytest.mark.parametrize("content", [b"", b"   \n\r\n\t  ", "\u3000\n".encode(), b"\xef\xbb\xbf  \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    _unreadable(path, needle="空" if not content.strip() else "没有任何文字")


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes("预算".encode() * 2000)
    with pytest.raises(UnreadableFile) as info:
        read_file(path, max_bytes=1000)
    message = str(info.value)
    assert "太大" in message and "11.7 KB" in message and "1000 字节" in message


def _docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>预算</w:document>")
    return buf.getvalue()


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "label"),
    [
        ("预算.docx", _docx_bytes(), "Word"),
        ("预算.xlsx", _xlsx_bytes(), "Excel"),
        ("预算.txt", _docx_bytes(), "Word"),  # extension lies: the magic bytes decide
        ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64), "PNG"),
        ("scan.pdf.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), "JPEG"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "Office 97-2003"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ".xls"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120), "可执行"),
        ("run", b"\x7fELF\x02\x01\x01" + bytes(120), "ELF"),
        ("a.txt.gz", gzip.compress("预算".encode()), "gzip"),
        ("a.zip", b"PK\x05\x06" + bytes(18), "ZIP"),
    ],
)
def test_unsupported_format(tmp_path: Path, name: str, content: bytes, label: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    err = _unreadable(path, needle="不支持的文件格式")
    assert label in err.reason
    assert "PDF" in err.advice and "TXT" in err.advice


def test_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(bytes((i * 131 + 7) % 256 for i in range(4000)))
    _unreadable(path, needle="二进制")


def test_text_with_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "ctl.txt"
    path.write_bytes(("预算" + "\x01\x02\x03\x04\x05\x06").encode() * 50)
    _unreadable(path, needle="二进制")


# --------------------------------------------------------------------------------------------------- text


def test_gb18030_file() -> None:
    doc = read_file(DATA / "sangong_gb18030.txt")
    assert doc.fmt == "txt" and doc.page_starts == () and doc.tables == ()
    assert doc.text.startswith("青阳县审计局2022年“三公”经费预算")
    assert "公务接待费支出预算为7.4万元" in doc.text


def test_utf8_bom_file() -> None:
    doc = read_file(DATA / "sangong_utf8_bom.txt")
    assert doc.text.startswith("青阳县审计局")  # BOM gone
    assert doc.text == read_file(DATA / "sangong_gb18030.txt").text


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8", "gb18030", "gbk", "gb2312"])
def test_encodings(tmp_path: Path, codec: str) -> None:
    text = "2023年“三公”经费预算3.1万元，比上年减少0.46万元。\n公务接待费0.6万元。\n"
    path = tmp_path / f"{codec}.txt"
    data = text.encode(codec)
    if codec == "utf-16-le":
        data = b"\xff\xfe" + data
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    assert read_file(path).text == text


@pytest.mark.parametrize("codec", ["utf-8", "gb18030"])
@pytest.mark.parametrize("cut", [1, 2])
def test_a_text_cut_inside_its_last_character_keeps_the_rest(tmp_path: Path, codec: str, cut: int) -> None:
    text = (DATA / "sangong_utf8_bom.txt").read_text("utf-8-sig")
    whole = (text.rstrip() + "合计").encode(codec)
    if codec == "gb18030" and cut == 2:
        pytest.skip("a GB18030 Chinese character has two bytes")
    path = tmp_path / "cut.txt"
    path.write_bytes(whole[:-cut])
    doc = read_file(path)
    assert doc.text == text.rstrip() + "合\ufffd"
    assert doc.warnings == (CUT_WARNING,) and "不完整的字符" in CUT_WARNING
    assert decode_text(whole[:-cut]) == doc.text
    assert read_file(DATA / "sangong_utf8_bom.txt").warnings == ()


def test_a_broken_character_inside_the_text_is_still_rejected(tmp_path: Path) -> None:
    data = "公务接待费0.6万元。".encode() * 50
    path = tmp_path / "broken.txt"
    path.write_bytes(data[:10] + b"\xff\xfe\x80" + data[10:])
    with pytest.raises(UnreadableFile):
        read_file(path)


def test_windows_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes("第一行预算\r\n第二行决算\r\n".encode("gbk"))
    assert read_file(path).text == "第一行预算\n第二行决算\n"


def test_gbk_is_not_read_as_latin1() -> None:
    assert decode_text("公务接待费".encode("gbk")) == "公务接待费"
    assert decode_text("经费".encode("gbk")) == "经费"


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet="预算决算三公经费公务接待用车购置运行维护财政拨款支出收入合计万元比上年增加减少，。0123456789",
        min_size=1,
    )
)
def test_chinese_roundtrip_gb18030_and_utf8(text: str) -> None:
    assert decode_text(text.encode("gb18030")) == text
    assert decode_text(text.encode("utf-8")) == text


def test_corpus_reads() -> None:
    if not CORPUS.exists():
        pytest.skip("corpus not available")
    files = [*sorted((CORPUS / "docs").glob("*.txt")), CORPUS / "seed" / "wuchang_rongmeiti_2023.txt"]
    for path in files:
        doc = read_file(path)
        assert doc.text == path.read_text(encoding="utf-8").replace("\r\n", "\n").removeprefix("\ufeff")


# --------------------------------------------------------------------------------------------------- HTML


def test_html_file() -> None:
    doc = read_file(DATA / "sangong_page.html")  # GBK, declared by <meta charset>
    lines = doc.text.splitlines()
    assert lines[0] == "寿县司法局2022年“三公”经费预算情况"
    assert "不应出现的脚本文字" not in doc.text and "document.write" not in doc.text
    assert "font-size" not in doc.text and "请启用脚本" not in doc.text
    assert "“三公”经费合计 | 79" in lines
    assert "公务接待费 | 4" in lines
    assert "当前位置：首页 > 财政资金" in lines
    assert any(line.startswith("2022年“三公”经费预算79万元，比上年减少1万元") for line in lines)
    assert "<" not in doc.text and "&" not in doc.text


def test_html_block_breaks_and_entities() -> None:
    html = "<div>第一段<p>第二段&amp;附注</p>行内<span>文字</span><br>换行后</div><script>alert(1)</script>"
    assert html_to_text(html) == "第一段\n第二段&附注\n行内文字\n换行后\n"


def test_html_sniffed_without_extension(tmp_path: Path) -> None:
    path = tmp_path / "page"
    path.write_text("<!DOCTYPE html><html><body><p>2023年部门预算</p><script>x=1</script></body></html>")
    assert read_file(path).text == "2023年部门预算\n"
