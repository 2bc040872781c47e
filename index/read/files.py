"""Read a file into a RawDocument: text files in any common Chinese encoding, HTML pages, and PDFs.

Every way a file can fail to be read ends in `UnreadableFile` with a Chinese reason and advice; no raw
exception from a decoder or from pdfplumber/pdfminer escapes for bad input.
"""

from __future__ import annotations

import re
import stat
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from index.errors import UnreadableFile
from index.read.paths import why
from index.types import RawDocument, Table

MAX_BYTES = 50 * 1024 * 1024
PAGE_SEP = "\n\f\n"
CELL_SEP = " | "

_EXPORT_ADVICE = "请在原软件中将其导出或另存为 PDF 或 TXT（UTF-8）文件后再导入"
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# (magic bytes at offset 0, description) — checked in order
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office 97-2003 文档（.doc/.xls/.ppt）"),
    (b"\x7fELF", "ELF 可执行程序"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"BZh", "bzip2 压缩包"),
    (b"\xfd7zXZ\x00", "xz 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"Rar!\x1a\x07", "RAR 压缩包"),
    (b"{\\rtf", "RTF 富文本文档"),
    (b"%!PS", "PostScript 文档"),
    (b"SQLite format 3\x00", "SQLite 数据库"),
    (b"OggS", "音频文件"),
    (b"fLaC", "音频文件"),
    (b"ID3", "MP3 音频"),
    (b"\x00\x00\x01\x00", "图标文件"),
    (b"wOFF", "字体文件"),
    (b"\x00asm", "WebAssembly 程序"),
)


def read_file(path: Path, *, max_bytes: int = MAX_BYTES) -> RawDocument:
    """Read `path` as a disclosure: its text, page starts and tables (PDF)."""
    path = Path(path)
    return read_bytes(load_bytes(path, max_bytes=max_bytes), path.name or str(path))


def load_bytes(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a file to ingest; a missing, unreadable, too large or empty file is an `UnreadableFile`."""
    name = path.name or str(path)
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise UnreadableFile(name, "文件不存在", "请检查文件路径和文件名是否正确") from exc
    except OSError as exc:  # e.g. inside a folder without search permission
        raise UnreadableFile(name, f"无法读取文件（{why(exc)}）", "请检查文件及其所在文件夹的读取权限") from exc
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableFile(name, "这不是一个文件（可能是文件夹）", "请选择具体的 PDF 或 TXT 文件")
    if st.st_size > max_bytes:
        raise UnreadableFile(
            name,
            f"文件太大（{_human_size(st.st_size)}，上限为 {_human_size(max_bytes)}）",
            "请只导入预算/决算公开文件本身，或将其拆分为较小的文件后再导入",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(name, f"无法读取文件（{why(exc)}）", "请检查文件是否存在以及是否有读取权限") from exc
    if not data.strip():
        raise UnreadableFile(name, "文件是空的", "请确认文件内容已保存完整，再重新导入")
    return data


def read_bytes(data: bytes, name: str, on_page: Callable[[int, int], None] | None = None) -> RawDocument:
    """Read file content already in memory; `name` is used in messages and as RawDocument.path. `on_page(done, total)`
    is called as a PDF's pages are read."""
    if _pdf_header_at(data) >= 0:
        return _read_pdf(data, name, on_page)
    kind = sniff_format(data)
    if kind is not None:
        raise UnreadableFile(name, f"不支持的文件格式（{kind}）", _EXPORT_ADVICE)
    text, warnings = _decode(data, name)
    if name.lower().endswith(".pdf") and _looks_binary(text):
        raise UnreadableFile(
            name, "PDF 文件已损坏（缺少 PDF 文件头）", "请重新下载原始 PDF 文件，或用 PDF 阅读器打开后另存一份再导入"
        )
    if _looks_binary(text):
        raise UnreadableFile(name, "文件内容是二进制数据，不是文本", _EXPORT_ADVICE)
    if _is_html(name, text):
        text = html_to_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableFile(name, "文件中没有任何文字内容", "请确认文件内容已保存完整，再重新导入")
    return RawDocument(path=name, text=text, fmt="txt", warnings=warnings)


# ---------------------------------------------------------------------------------------------------------------
# format sniffing


def _pdf_header_at(data: bytes) -> int:
    return data.find(b"%PDF-", 0, 1024)


def sniff_format(data: bytes) -> str | None:
    """A description of an unsupported binary format recognised by its magic bytes, or None."""
    head = data[:16]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            if magic == b"BZh" and data[4:10] != b"1AY&SY":
                continue
            if magic == b"ID3" and not any(b < 9 for b in data[3:10]):
                continue
            if magic == b"\x00\x00\x01\x00" and len(data) < 22:
                continue
            return what
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if head.startswith(b"MZ") and b"\x00" in data[:64]:
        return "Windows 可执行程序（.exe/.dll）"
    if head.startswith(b"RIFF") and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "WebP 图片", b"WAVE": "音频文件", b"AVI ": "视频文件"}[data[8:12]]
    if data[4:8] == b"ftyp":
        return "音视频或 HEIC 图片文件"
    if head.startswith(b"BM") and len(data) > 26 and int.from_bytes(data[2:6], "little") == len(data):
        return "BMP 图片"
    return None


def _zip_kind(data: bytes) -> str:
    window = data[:4096] + data[-65536:]
    if b"word/" in window:
        return "Word 文档 .docx"
    if b"xl/" in window:
        return "Excel 表格 .xlsx"
    if b"ppt/" in window:
        return "PowerPoint 演示文稿 .pptx"
    if b"opendocument" in window:
        return "OpenDocument 文档"
    return "ZIP 压缩包"


# ---------------------------------------------------------------------------------------------------------------
# text decoding


CUT_WARNING = "文件末尾有一个不完整的字符（文件可能没有完整保存或下载），已用“\ufffd”代替，其余内容正常导入。"


def decode_text(data: bytes, name: str = "") -> str:
    """Decode text bytes: BOMs first, then strict UTF-8, GB18030 or Big5, whichever reads as plausible text; a text cut
    inside its last character keeps the rest, with U+FFFD for the broken tail."""
    return _decode(data, name)[0]


def _strict_or_cut(data: bytes, codec: str) -> tuple[str, bool]:
    """`data` decoded strictly, except that an incomplete character at the very end becomes U+FFFD (True)."""
    try:
        return data.decode(codec), False
    except UnicodeDecodeError as exc:
        if exc.end != len(data) or exc.start < len(data) - 3:
            raise
        return data[: exc.start].decode(codec) + "\ufffd", True


# Big5 (traditional Chinese) is tried last: its bytes are nearly always valid GB18030 too, so it must read as clearly
# more plausible text. Measured on the 56 corpus texts converted to traditional and saved as Big5 (cp950): the Big5
# reading scores 0.17-0.3 above the GB18030 one; none of the GB18030 originals decodes as Big5 at all.
BIG5 = ("cp950", "big5hkscs")
BIG5_MARGIN = 0.1


def _decode(data: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                text, cut = _strict_or_cut(data[len(bom) :], codec)
                return text, (CUT_WARNING,) if cut else ()
            except UnicodeDecodeError as exc:
                raise UnreadableFile(
                    name,
                    f"文件声明为 {codec.upper()} 编码，但内容无法按此编码读取",
                    "请将文件另存为 UTF-8 编码的文本后再导入",
                ) from exc
    bomless16 = _utf16_without_bom(data)
    if bomless16 is not None:
        return bomless16, ()
    if _binary_bytes(data):
        raise UnreadableFile(name, "文件内容是二进制数据，不是文本", _EXPORT_ADVICE)
    declared = _declared_charset(data)
    codecs = [c for c in (declared, "utf-8", "gb18030", *BIG5) if c]
    scored: list[tuple[float, int, str]] = []
    for rank, codec in enumerate(codecs):
        try:
            text, cut = _strict_or_cut(data, codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = _plausibility(text) - (BIG5_MARGIN if codec in BIG5 and codec != declared else 0.0)
        scored.append((score, -rank - 10 * cut, codec))  # a whole reading wins a tie
        del text  # one whole reading in memory at a time; the winner is decoded again
    if not scored:
        raise UnreadableFile(
            name,
            "无法识别文件的文字编码（不是 UTF-8、GBK/GB18030，也不是繁体 Big5）",
            "请用文本编辑器将文件另存为 UTF-8 编码后再导入",
        )
    scored.sort(reverse=True)
    text, cut = _strict_or_cut(data, scored[0][2])
    return text, (CUT_WARNING,) if cut else ()


_CONTROL_BYTES = frozenset(range(0x20)) - frozenset(b"\t\n\r\f\v\x1b")


def _binary_bytes(data: bytes) -> bool:
    """NUL or other control bytes that no UTF-8/GB18030 text contains (beyond a stray few)."""
    sample = data[:100000]
    bad = sum(1 for b in sample if b in _CONTROL_BYTES)
    return b"\x00" in sample or bad > max(3, len(sample) // 200)


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    codec = "utf-16-le" if odd_nuls > 0.3 * half and even_nuls < 0.05 * half else None
    if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        codec = "utf-16-be"
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _declared_charset(data: bytes) -> str | None:
    m = _CHARSET_RE.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    return "gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name


def _plausibility(text: str) -> float:
    """Share of characters that ordinary Chinese or English text consists of (common CJK via GB2312, ASCII …)."""
    sample = text[:20000]
    if not sample:
        return 0.0
    good = 0.0
    for ch in sample:
        o = ord(ch)
        if 0x20 <= o < 0x7F or ch in "\n\r\t\f":
            good += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or 0x2010 <= o <= 0x2027:
            # common Chinese characters and punctuation; rare characters count half
            try:
                ch.encode("gb2312")
                good += 1
            except UnicodeEncodeError:
                good += 0.5 if 0x4E00 <= o <= 0x9FFF else 0.8
    return good / len(sample)


def _looks_binary(text: str) -> bool:
    """NUL bytes, or more than a few control characters that no text file contains."""
    sample = text[:100000]
    if "\x00" in sample:
        return True
    bad = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
    return bad > max(3, len(sample) // 200)


# ---------------------------------------------------------------------------------------------------------------
# HTML


def _is_html(name: str, text: str) -> bool:
    if name.lower().endswith((".html", ".htm", ".xhtml", ".shtml")):
        return True
    head = text[:1000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text[:5000])


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "title",
        "tr",
        "ul",
    ]
)
_SKIP_TAGS = frozenset(["script", "style", "noscript", "template", "svg", "head", "iframe", "object"])


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_title = False
        self.cells_in_row = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if tag == "pre":
            self.pre += 1
        if tag == "tr":
            self.cells_in_row = 0
        if tag in ("td", "th"):
            if self.cells_in_row:
                self.parts.append(CELL_SEP)
            self.cells_in_row += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr") and not self.skip:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
            self.parts.append("\n")
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCK_TAGS and not self.skip:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            # the <title> sits in <head>, which is skipped; keep it as the first line
            self.parts.append(re.sub(r"\s+", " ", data).strip())
            return
        if self.skip:
            return
        if self.pre:
            self.parts.append(data)
        else:
            self.parts.append(re.sub(r"[ \t\r\n\f\v]+", " ", data))


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: scripts/styles dropped, a line break at each block element, entities unescaped."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; anything it still chokes on leaves what was parsed
        pass
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line.strip(" |"):
            out.append(line)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# PDF


def _read_pdf(data: bytes, name: str, on_page: Callable[[int, int], None] | None = None) -> RawDocument:
    import io

    import pdfplumber

    start = _pdf_header_at(data)
    corrupt_advice = "请重新下载原始 PDF 文件，或用 PDF 阅读器打开后另存一份再导入"
    try:
        pdf = pdfplumber.open(io.BytesIO(data[start:]))
    except Exception as exc:
        if _is_password_error(exc) or b"/Encrypt" in data:
            raise UnreadableFile(name, "PDF 文件已加密，需要密码才能打开", "请在 PDF 阅读器中解除密码后再导入") from exc
        raise UnreadableFile(name, "PDF 文件已损坏或不完整，无法解析", corrupt_advice) from exc
    texts: list[str] = []
    tables: list[Table] = []
    warnings: list[str] = []
    try:
        with pdf:
            try:
                pages = list(pdf.pages)
            except Exception as exc:
                raise UnreadableFile(name, "PDF 文件已损坏或不完整，无法读取页面", corrupt_advice) from exc
            if not pages:
                raise UnreadableFile(name, "PDF 文件中没有任何页面（文件可能已损坏或不完整）", corrupt_advice)
            encrypted = getattr(pdf.doc, "encryption", None) is not None  # an owner password: opens, is read
            for number, page in enumerate(pages, start=1):
                if on_page:
                    on_page(number - 1, len(pages))
                if encrypted:
                    _name_cid_orderings(page)
                text, page_tables, warning = _read_page(page, number, name)
                texts.append(text)
                tables.extend(page_tables)
                if warning:
                    warnings.append(warning)
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(name, "PDF 文件已损坏或不完整，无法解析", corrupt_advice) from exc
    if _undecoded_share("".join(texts)) > 0.3:
        raise UnreadableFile(
            name,
            "PDF 中的文字无法解码（字体缺少文字编码信息）",
            "请用 PDF 阅读器打开后“打印”为新的 PDF，或另存为 TXT（UTF-8）后再导入",
        )
    if not any(t.strip() for t in texts):
        if len(warnings) == len(texts) and all(PAGE_BROKEN in w for w in warnings):
            raise UnreadableFile(name, "PDF 文件的每一页都已损坏，无法解析", corrupt_advice)
        raise UnreadableFile(
            name,
            "PDF 中没有可提取的文字（可能是扫描件或图片）",
            "请先做 OCR 文字识别（例如 ocrmypdf），生成带文字层的 PDF 后再导入",
        )
    page_starts: list[int] = []
    pos = 0
    for i, t in enumerate(texts):
        if i:
            pos += len(PAGE_SEP)
        page_starts.append(pos)
        pos += len(t)
    return RawDocument(
        path=name, text=PAGE_SEP.join(texts), page_starts=tuple(page_starts), tables=tuple(tables), fmt="pdf",
        warnings=tuple(warnings),
    )  # fmt: skip


PAGE_BROKEN = "页已损坏，无法解析"
_CID_GLYPH = re.compile(r"\(cid:\d+\)")
# the character collection a predefined CMap belongs to, by the start of its name (Adobe's CMap names)
_ORDERINGS = (("UniGB", b"GB1"), ("GB", b"GB1"), ("UniCNS", b"CNS1"), ("B5", b"CNS1"), ("ETen", b"CNS1"),
              ("HKscs", b"CNS1"), ("UniJIS", b"Japan1"), ("UniKS", b"Korea1"))  # fmt: skip


def _undecoded_share(text: str) -> float:
    """Share of the text that pdfminer could only give as "(cid:N)" (a glyph without a known character)."""
    return sum(len(m) for m in _CID_GLYPH.findall(text)) / len(text) if text else 0.0


def _name_cid_orderings(page: Any) -> None:
    """In an encrypted PDF, a CID font's Registry/Ordering strings may come out of pdfminer still encrypted (seen with
    reportlab's owner-password PDFs), and without an ordering it cannot map glyphs to characters: every character
    becomes "(cid:N)". The font's predefined CMap (UniGB-UCS2-H …) names its collection: set it from that."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSLiteral

    try:
        fonts = resolve1(resolve1(page.page_obj.resources or {}).get("Font")) or {}
        for spec in fonts.values():
            font = resolve1(spec)
            encoding = resolve1(font.get("Encoding")) if isinstance(font, dict) else None
            if not isinstance(encoding, PSLiteral):
                continue
            ordering = next((o for prefix, o in _ORDERINGS if str(encoding.name).startswith(prefix)), None)
            for descendant in resolve1(font.get("DescendantFonts")) or ():
                info = resolve1(resolve1(descendant).get("CIDSystemInfo"))
                if ordering and isinstance(info, dict) and not _readable(resolve1(info.get("Ordering"))):
                    info["Registry"], info["Ordering"] = b"Adobe", ordering
    except Exception:  # a repair only: whatever it cannot read stays as it was
        return


def _readable(value: object) -> bool:
    return isinstance(value, bytes) and value.isascii() and value.isalnum()


_STREAM_BYTES = 32  # a content stream longer than this that decodes to nothing was damaged, not empty


def _read_page(page: Any, number: int, name: str) -> tuple[str, list[Table], str | None]:
    """One page's text and tables, and a warning (Chinese) when the page gave no text although it has content: it
    failed to parse, its content stream is damaged, or it is an image. A blank page gives no warning."""
    try:
        text, page_tables = _page_text(page, number)
        if text.strip():
            return text, page_tables, None
        return text, page_tables, _empty_page_warning(page, number)
    except UnreadableFile:
        raise
    except Exception as exc:
        if _is_password_error(exc):
            raise UnreadableFile(name, "PDF 文件已加密，需要密码才能打开", "请在 PDF 阅读器中解除密码后再导入") from exc
        return "", [], f"第 {number} {PAGE_BROKEN}，该页内容没有导入（其余各页正常导入）。"
    finally:
        page.close()


def _empty_page_warning(page: Any, number: int) -> str | None:
    from pdfminer.pdftypes import resolve1

    try:
        contents = resolve1(page.page_obj.attrs.get("Contents"))
        streams = [resolve1(s) for s in (contents if isinstance(contents, list) else [contents]) if s is not None]
        damaged = any(
            int(resolve1(s.attrs.get("Length", 0)) or 0) > _STREAM_BYTES and not s.get_data() for s in streams
        )
        images = bool(page.images)
    except Exception:
        damaged, images = True, False
    if damaged:
        return f"第 {number} {PAGE_BROKEN}（内容数据损坏），该页内容没有导入（其余各页正常导入）。"
    if images:
        return f"第 {number} 页只有图片、没有文字层（可能是扫描页），该页内容没有导入；如需导入请先做 OCR 文字识别。"
    return None


def _is_password_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        label = type(cur).__name__ + " " + " ".join(str(a) for a in cur.args[:1])
        if "Password" in label or "Encrypt" in label:
            return True
        inner = cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None
        cur = inner or cur.__cause__ or cur.__context__
    return False


def _page_text(page: Any, number: int) -> tuple[str, list[Table]]:
    """One page's text with its ruled tables cut out of the flow and put back as ` | ` lines at their position."""
    found = page.find_tables()
    boxes: list[tuple[float, float, float, float]] = []
    items: list[tuple[float, int, str]] = []  # (top, order, text)
    page_tables: list[Table] = []
    for table in found:
        rows = tuple(tuple(_clean_cell(c) for c in row) for row in table.extract())
        rows = tuple(r for r in rows if any(c for c in r))
        if not rows:
            continue
        boxes.append(table.bbox)
        page_tables.append(Table(page=number, rows=rows))
        lines = [CELL_SEP.join(c or "" for c in r) for r in rows]
        items.append((float(table.bbox[1]), 1, "\n".join(lines)))
    if boxes:

        def outside(obj: dict[str, Any]) -> bool:
            if obj.get("object_type") != "char":
                return True
            cx = (obj["x0"] + obj["x1"]) / 2
            cy = (obj["top"] + obj["bottom"]) / 2
            return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

        body = page.filter(outside)
    else:
        body = page
    for line in body.extract_text_lines(return_chars=False):
        items.append((float(line["top"]), 0, line["text"]))
    items.sort(key=lambda it: (it[0], it[1]))
    text = "\n".join(t for _, _, t in items)
    return text, page_tables


def _clean_cell(cell: str | None) -> str | None:
    """Cell text on one line: a break between Chinese characters disappears, any other becomes a space."""
    if cell is None:
        return None
    out = re.sub(r"\s*\n\s*", lambda m: _join(cell, m), cell)
    return out.strip()


def _join(cell: str, m: re.Match[str]) -> str:
    before = cell[m.start() - 1] if m.start() > 0 else ""
    after = cell[m.end()] if m.end() < len(cell) else ""
    if (_CJK_RE.match(before) or not before) and (_CJK_RE.match(after) or not after):
        return ""
    if before in "，。、；：（）“”" or after in "，。、；：（）“”":
        return ""
    return " "


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} 字节"
