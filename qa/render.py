"""An Answer as plain text for the terminal (the web UI has its own HTML rendering)."""

from __future__ import annotations

from index.units import fmt
from qa.types import Answer, AnswerContext


def render_text(answer: Answer) -> str:
    context = answer.extra.get("context")
    lines = [f"（{context.label()}）"] if isinstance(context, AnswerContext) else []
    lines.append(answer.answer)
    if answer.value is not None and answer.kind not in ("refuse", "clarify"):
        lines.append(f"数值：{fmt(answer.value)}{answer.unit or ''}")
    if answer.formula:
        lines.append(f"计算：{answer.formula}")
    for w in answer.warnings:
        lines.append(f"⚠ {w}")
    for i, c in enumerate(answer.citations, 1):
        page = f"，第{c.page}页" if c.page else ""
        lines.append(f"[{i}] {c.org} {c.year or ''}年《{c.title}》{c.section}{page}：“{c.quote}”")
    return "\n".join(lines)
