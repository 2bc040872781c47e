"""PDF generators for tests: small Chinese disclosures made with reportlab's built-in CID font.

`STSong-Light` ships with reportlab (no font files needed) and produces real, extractable Chinese text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"

SANGONG_TABLE: tuple[tuple[str, ...], ...] = (
    ("项目", "2022年预算数", "2023年预算数"),
    ("合计", "3.56", "3.1"),
    ("因公出国（境）费", "0", "0"),
    ("公务接待费", "0.56", "0.6"),
    ("公务用车购置及运行费", "3", "2.5"),
)


@dataclass(frozen=True)
class PdfPage:
    """One page: paragraphs before the table, an optional ruled table, paragraphs after it."""

    before: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] | None = None
    after: tuple[str, ...] = field(default_factory=tuple)


DEFAULT_PAGES: tuple[PdfPage, ...] = (
    PdfPage(
        before=("武昌区融媒体中心2023年“三公”经费预算公开", "一、“三公”经费预算表（单位：万元）"),
        table=SANGONG_TABLE,
        after=("注：本表反映部门本年度“三公”经费预算情况。",),
    ),
    PdfPage(
        before=(
            "二、“三公”经费预算情况说明",
            "2023年“三公”经费财政拨款预算3.1万元，比上年减少0.46万元。其中公务接待费0.6万元，比上年增加0.04万元。",
        ),
    ),
    PdfPage(before=("三、名词解释", "“三公”经费：指因公出国（境）费、公务用车购置及运行费和公务接待费。")),
)


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def make_disclosure_pdf(path: Path, pages: list[PdfPage] | tuple[PdfPage, ...] = DEFAULT_PAGES) -> Path:
    """A multi-page Chinese disclosure; a page's table is drawn with a full GRID so it has real rules."""
    _register_font()
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=16)
    story: list[object] = []
    for i, page in enumerate(pages):
        if i:
            story.append(PageBreak())
        story.extend(Paragraph(line, body) for line in page.before)
        if page.table is not None:
            story.append(Spacer(1, 8))
            table = Table([list(r) for r in page.table])
            table.setStyle(
                TableStyle(
                    [
                        ("FONTNAME", (0, 0), (-1, -1), FONT),
                        ("FONTSIZE", (0, 0), (-1, -1), 10),
                        ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
                    ]
                )
            )
            story.append(table)
            story.append(Spacer(1, 8))
        story.extend(Paragraph(line, body) for line in page.after)
    SimpleDocTemplate(str(path), pagesize=A4).build(story)  # type: ignore[arg-type]
    return path


def make_encrypted_pdf(path: Path, password: str = "secret") -> Path:
    """A PDF that needs a user password to open."""
    _register_font()
    enc = StandardEncryption(password, ownerPassword="owner-" + password, strength=128)
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=enc)
    c.setFont(FONT, 12)
    c.drawString(72, 760, "2023年部门预算公开（加密）")
    c.showPage()
    c.save()
    return path


def make_owner_password_pdf(path: Path, strength: int = 128) -> Path:
    """A PDF with an owner password only (permissions: no copying or changes): it opens without a password."""
    _register_font()
    enc = StandardEncryption("", ownerPassword="owner-secret", canPrint=1, canModify=0, canCopy=0, strength=strength)
    c = canvas.Canvas(str(path), pagesize=A4, encrypt=enc)
    c.setFont(FONT, 12)
    c.drawString(72, 760, "武昌区融媒体中心2023年“三公”经费预算公开")
    c.drawString(72, 740, "2023年“三公”经费财政拨款预算3.1万元，其中公务接待费0.6万元，比上年增加0.04万元。")
    c.showPage()
    c.save()
    return path


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Pages with drawn shapes only (what a scan looks like to a text extractor): no text layer at all."""
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        c.setFillColor(colors.lightgrey)
        c.rect(60, 500, 470, 250, fill=1, stroke=0)
        c.setStrokeColor(colors.black)
        for y in range(520, 740, 20):
            c.line(80, y, 510, y)
        c.showPage()
    c.save()
    return path


def make_corrupt_pdf(path: Path, keep: float = 0.35) -> Path:
    """A real PDF cut short: the header survives, the page tree and cross-reference table do not."""
    tmp = path.with_suffix(".full.pdf")
    make_disclosure_pdf(tmp)
    data = tmp.read_bytes()
    tmp.unlink()
    path.write_bytes(data[: max(int(len(data) * keep), 16)])
    return path


def make_garbage_pdf(path: Path) -> Path:
    """A `%PDF-` header followed by noise."""
    path.write_bytes(b"%PDF-1.4\n" + bytes((i * 37 + 11) % 256 for i in range(2000)))
    return path


def make_damaged_page_pdf(path: Path, page: int = 2) -> Path:
    """The default disclosure with page `page`'s content stream damaged: still ASCII85, but the Flate data inside is
    broken, so pdfminer decodes it to nothing (silently) while the other pages read as usual."""
    import base64
    import re
    import zlib

    data = make_disclosure_pdf(path).read_bytes()
    contents = re.findall(rb"/Contents (\d+) 0 R", data)
    start = data.index(b"\n" + contents[page - 1] + b" 0 obj") + 1
    body_start = data.index(b"stream\n", start) + len(b"stream\n")
    body_end = data.index(b"endstream", body_start)
    body = data[body_start:body_end].strip()
    packed = bytearray(base64.a85decode(body[:-2] if body.endswith(b"~>") else body))
    assert zlib.decompress(bytes(packed))
    for i in range(10, min(40, len(packed))):
        packed[i] ^= 0x5A
    damaged = base64.a85encode(bytes(packed)) + b"~>\n"
    head = re.sub(rb"/Length \d+", b"/Length %d" % len(damaged), data[start:body_start], count=1)
    path.write_bytes(data[:start] + head + damaged + data[body_end:])
    return path
