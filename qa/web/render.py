"""Answers as safe HTML for the web chat. No Gradio here, so it is cheap to test.

Everything that comes from a document (answer text, titles, section paths, quotes, file names) goes through
`safe_text`: HTML is escaped and the characters Markdown or LaTeX would act on become numeric entities, so a
disclosure containing <script>, HTML, `[x](http://evil)` or `$$…$$` renders as inert text in the chat bubble.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from index.types import Citation
from index.units import fmt
from qa.render import render_text
from qa.types import Answer, AnswerContext

# One pass over the text: the HTML specials (as html.escape does) and the characters Markdown, GFM autolinks or KaTeX
# would interpret, all as entities. A single str.translate, so no entity is escaped twice.
_MARKUP_CHARS = "\\`*_[](){}#!|~$:^=+-"
_ESCAPES = {ord(c): html.escape(c, quote=True) for c in "&<>\"'"} | {ord(c): f"&#{ord(c)};" for c in _MARKUP_CHARS}
_NUMBER_RE = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")
_YEAR_AFTER = re.compile(r"\s*年")
_UNIT_AFTER = re.compile(r"\s*(?:万元|亿元|千元|元|%|％|个百分点|人|辆|个|项)")

KIND_LABELS = {
    "lookup": "查数", "delta": "增减额", "rate": "增减率", "share": "占比", "sum": "合计", "diff": "差额",
    "count": "计数", "compare": "比较", "reason": "原因", "definition": "名词解释", "text": "原文",
    "refuse": "无法回答", "clarify": "需要澄清",
}  # fmt: skip


def safe_text(text: str | None) -> str:
    """Inert HTML for any untrusted text; line breaks become <br>."""
    if not text:
        return ""
    escaped = str(text).translate(_ESCAPES)
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def cited_values(answer: Answer) -> set[Decimal]:
    """The numbers an answer rests on: its value, the numbers of its formula, and amounts with a unit in its text."""
    values: set[Decimal] = set()
    if answer.value is not None:
        values.add(abs(answer.value))
    for source, needs_unit in ((answer.formula or "", False), (answer.answer, True)):
        for m in _NUMBER_RE.finditer(source):
            if _YEAR_AFTER.match(source, m.end()) or (needs_unit and not _UNIT_AFTER.match(source, m.end())):
                continue
            value = _number(m.group())
            if value is not None:
                values.add(abs(value))
    return values


def _spans(quote: str, values: set[Decimal]) -> Iterator[tuple[str, bool]]:
    """The quote split into (text, highlighted) pieces; numbers equal to a cited value are highlighted."""
    pos = 0
    for m in _NUMBER_RE.finditer(quote):
        value = _number(m.group())
        if value is None or abs(value) not in values or _YEAR_AFTER.match(quote, m.end()):
            continue
        if m.start() > pos:
            yield quote[pos : m.start()], False
        yield m.group(), True
        pos = m.end()
    if pos < len(quote):
        yield quote[pos:], False


def highlight_quote(quote: str, values: set[Decimal]) -> str:
    """The quote as safe HTML with the cited numbers in <mark>."""
    return "".join(f"<mark>{safe_text(t)}</mark>" if hit else safe_text(t) for t, hit in _spans(quote, values))


def citation_summary(citation: Citation) -> str:
    parts = [
        citation.org or "",
        f"{citation.year}年" if citation.year else "",
        f"《{citation.title}》" if citation.title else "",
    ]
    if citation.page:
        parts.append(f"第{citation.page}页")
    return " · ".join(p for p in parts if p)


def render_citation(index: int, citation: Citation, values: set[Decimal]) -> str:
    rows = [
        ("文档", f"《{citation.title}》" if citation.title else ""),
        ("单位", citation.org),
        ("年度", f"{citation.year}年" if citation.year else ""),
        ("章节", citation.section),
        ("页码", f"第{citation.page}页" if citation.page else ""),
    ]
    body = "".join(
        f'<div class="bqa-row"><span class="bqa-key">{key}：</span>{safe_text(value)}</div>'
        for key, value in rows
        if value
    )
    quote = (
        f'<blockquote class="bqa-quote">{highlight_quote(citation.quote, values)}</blockquote>'
        if citation.quote
        else ""
    )
    return (
        f'<details class="bqa-source"><summary>来源 {index}：{safe_text(citation_summary(citation))}</summary>'
        f"{body}{quote}</details>"
    )


def render_figure(answer: Answer) -> str:
    if answer.refused or answer.kind == "clarify":
        return ""
    parts = []
    if answer.value is not None:
        parts.append(
            f'<span class="bqa-key">数值：</span><b>{safe_text(fmt(answer.value))}</b> {safe_text(answer.unit or "")}'
        )
    if answer.formula:
        parts.append(f'<span class="bqa-key">计算：</span><code>{safe_text(answer.formula)}</code>')
    if not parts:
        return ""
    return '<div class="bqa-figure">' + "　".join(parts) + "</div>"


def render_warnings(warnings: Iterable[str]) -> str:
    return "".join(f'<div class="bqa-warning">⚠ {safe_text(w)}</div>' for w in warnings)


def render_context(answer: Answer) -> str:
    """The line that says which document, year and basis the answer assumes (follow-ups inherit it)."""
    context = answer.extra.get("context")
    if not isinstance(context, AnswerContext):
        return ""
    return f'<div class="bqa-context">{safe_text(context.label())}</div>'


def render_answer(answer: Answer) -> str:
    """The whole answer as one HTML block (no blank lines, so Markdown leaves it alone)."""
    values = cited_values(answer)
    css = "bqa-answer bqa-refused" if answer.refused else "bqa-answer"
    head = f'{render_context(answer)}<div class="bqa-text">{safe_text(answer.answer)}</div>'
    sources = "".join(render_citation(i, c, values) for i, c in enumerate(answer.citations, 1))
    plain = f'<div class="bqa-plain">{safe_text(render_text(answer))}</div>'  # what 复制 copies (COPY_SCRIPT)
    return f'<div class="{css}">{head}{render_figure(answer)}{render_warnings(answer.warnings)}{sources}{plain}</div>'


def render_partial(text: str) -> str:
    """An answer while it streams in: the text so far, escaped, with a cursor."""
    return f'<div class="bqa-answer"><div class="bqa-text">{safe_text(text)}▍</div></div>'


def render_error(message: str) -> str:
    return f'<div class="bqa-answer bqa-error"><div class="bqa-warning">⚠ {safe_text(message)}</div></div>'


def stream_pieces(text: str, steps: int = 8) -> list[str]:
    """Growing prefixes of the text, for streaming it in a few steps."""
    if not text:
        return [""]
    size = max(1, -(-len(text) // steps))
    return [text[:end] for end in range(size, len(text) + size, size)]


ANSWER_CSS = """
.bqa-answer { line-height: 1.7; }
.bqa-figure { margin-top: .4em; padding: .3em .6em; background: var(--background-fill-secondary); border-radius: 6px; }
.bqa-context { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .2em; }
.bqa-key { color: var(--body-text-color-subdued); }
.bqa-warning { margin-top: .4em; padding: .3em .6em; border-left: 4px solid #d97706; background: rgba(217,119,6,.08); }
.bqa-error .bqa-warning { border-left-color: #dc2626; background: rgba(220,38,38,.08); }
.bqa-source { margin-top: .4em; border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .2em .6em; }
.bqa-source summary { cursor: pointer; font-weight: 600; }
.bqa-quote { margin: .4em 0; padding-left: .6em; border-left: 3px solid var(--border-color-accent); }
.bqa-quote mark { background: #fde68a; color: #111; padding: 0 .1em; }
.bqa-plain { display: none; }
.bqa-refused .bqa-text { color: var(--body-text-color-subdued); }
"""

# The chat's copy button copies a message's content, which is our HTML: copy the answer's plain text instead (its
# hidden .bqa-plain block: value, formula, warnings, sources), through the clipboard API or the textarea fallback.
COPY_SCRIPT = """
<script>
(() => {
  const plain = (text) => {
    if (typeof text !== "string" || !text.includes("bqa-answer")) return text;
    const doc = new DOMParser().parseFromString(text.replace(/<br\\s*\\/?>/gi, "\\n"), "text/html");
    const own = doc.querySelector(".bqa-plain");
    return (own || doc.body).textContent.trim();
  };
  const clip = navigator.clipboard;
  if (clip && clip.writeText) {
    const write = clip.writeText.bind(clip);
    clip.writeText = (text) => write(plain(text));
  }
  document.addEventListener("copy", (event) => {
    const el = [document.activeElement, event.target].find(
      (node) => node && typeof node.value === "string" && node.value.includes("bqa-answer"));
    if (el) {
      event.clipboardData.setData("text/plain", plain(el.value));
      event.preventDefault();
    }
  }, true);
})();
</script>
"""
