"""Human-readable evaluation reports: HTML (self-contained, one file) or Markdown, from the run's report dict."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

_CSS = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.bad{color:#b00020}.good{color:#1b5e20}.muted{color:#777}
.fail{border:1px solid #e0c0c0;border-radius:6px;padding:.6em 1em;margin:1em 0;background:#fffafa}
.fail h3{margin:.2em 0;font-size:1em}blockquote{margin:.3em 0;padding:.2em .8em;border-left:3px solid #ccc;
white-space:pre-wrap;color:#444;background:#fafafa}dt{font-weight:bold;margin-top:.4em}dd{margin-left:1.2em}
"""


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _value(value: Any, unit: Any) -> str:
    if value is None:
        return "—"
    return f"{value}{unit or ''}"


def _failures(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for q in report.get("questions", []) if not q.get("correct")]


def _metrics(summary: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("总体准确率 accuracy", f"{_pct(summary.get('accuracy'))} ({summary.get('correct')}/{summary.get('n')})"),
        (
            "引用准确率 citation accuracy",
            f"{_pct(summary.get('citation_accuracy'))} (of {summary.get('citations_checked')})",
        ),
        ("拒答精确率 refusal precision", _pct(summary.get("refusal_precision"))),
        ("拒答召回率 refusal recall", _pct(summary.get("refusal_recall"))),
        ("延迟 latency p50 / p95", f"{summary.get('latency_ms_p50')} / {summary.get('latency_ms_p95')} ms"),
    ]


# ---- HTML ---------------------------------------------------------------------------------------------------------
def render_html(report: dict[str, Any]) -> str:
    summary = report.get("summary", {})
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>预算问答评测报告</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>预算问答评测报告 Evaluation report</h1>",
        f"<p class='muted'>{escape(str(report.get('created', '')))} · sets: {escape(', '.join(report.get('sets', [])))}"
        f" · embedding: {escape(str(report.get('embedding', '')))}</p>",
        "<table>"
        + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in _metrics(summary))
        + "</table>",
        "<h2>按题型 By type</h2><table><tr><th>type</th><th>n</th><th>correct</th><th>accuracy</th></tr>",
    ]
    for qtype, row in summary.get("by_type", {}).items():
        parts.append(
            f"<tr><td>{escape(qtype)}</td><td>{row['n']}</td><td>{row['correct']}</td><td>{_pct(row['accuracy'])}</td></tr>"
        )
    parts.append("</table>")
    parts.append(_html_comparison(report.get("comparison")))
    failures = _failures(report)
    parts.append(f"<h2>失败 Failures ({len(failures)})</h2>")
    parts.extend(_html_failure(q) for q in failures)
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_comparison(cmp: dict[str, Any] | None) -> str:
    if not cmp:
        return ""
    rows = []
    for key, label, css in (
        ("newly_failing", "newly failing (regressions)", "bad"),
        ("newly_passing", "newly passing", "good"),
        ("not_in_baseline", "not in baseline", "muted"),
        ("missing", "in baseline but not run", "muted"),
    ):
        ids: Sequence[str] = cmp.get(key) or []
        rows.append(f"<tr><th class='{css}'>{label} ({len(ids)})</th><td>{escape(', '.join(ids)) or '—'}</td></tr>")
    return f"<h2>与基线比较 vs baseline {escape(str(cmp.get('baseline', '')))}</h2><table>{''.join(rows)}</table>"


def _html_failure(q: dict[str, Any]) -> str:
    exp = q.get("expected", {})
    got = q.get("got") or {}
    cites = got.get("citations") or []
    cite_html = (
        "".join(
            f"<blockquote>{escape(str(c.get('title') or c.get('doc_id') or ''))} · {escape(str(c.get('section') or ''))}"
            f"{' · 第' + str(c['page']) + '页' if c.get('page') else ''}\n{escape(str(c.get('quote') or ''))}</blockquote>"
            for c in cites
        )
        or "<span class='muted'>（无引用 no citation）</span>"
    )
    evidence = "".join(f"<blockquote>{escape(str(e))}</blockquote>" for e in exp.get("evidence") or [])
    warnings = "".join(f"<li>{escape(str(w))}</li>" for w in got.get("warnings") or [])
    citation_flag = {True: "✓", False: "✗", None: "—"}[q.get("citation_ok")]
    return (
        f"<div class='fail'><h3>{escape(str(q['id']))} [{escape(str(q['type']))}] {escape(str(q['question']))}</h3>"
        f"<dl><dt>原因 reason</dt><dd class='bad'>{escape(str(q.get('reason', '')))}</dd>"
        f"<dt>期望 expected</dt><dd>{escape(_value(exp.get('value'), exp.get('unit')))} — {escape(str(exp.get('text') or ''))}"
        f"{evidence}</dd>"
        f"<dt>回答 got</dt><dd>{escape(_value(got.get('value'), got.get('unit')))} · kind {escape(str(got.get('kind')))}"
        f"{' · <b>refused</b>' if got.get('refused') else ''}<blockquote>{escape(str(got.get('answer') or ''))}</blockquote>"
        f"{'<ul>' + warnings + '</ul>' if warnings else ''}</dd>"
        f"<dt>引用 citations (citation ok: {citation_flag})</dt><dd>{cite_html}</dd></dl></div>"
    )


# ---- Markdown -----------------------------------------------------------------------------------------------------
def _md(text: Any) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    summary = report.get("summary", {})
    lines = ["# 预算问答评测报告 Evaluation report", "", f"{report.get('created', '')} · sets: {', '.join(report.get('sets', []))}"
             f" · embedding: {report.get('embedding', '')}", ""]  # fmt: skip
    lines += [f"- **{k}**: {v}" for k, v in _metrics(summary)]
    lines += ["", "| type | n | correct | accuracy |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {t} | {r['n']} | {r['correct']} | {_pct(r['accuracy'])} |" for t, r in summary.get("by_type", {}).items()
    ]
    cmp = report.get("comparison")
    if cmp:
        lines += ["", f"## vs baseline {cmp.get('baseline', '')}", ""]
        lines += [
            f"- {k}: {', '.join(cmp.get(k) or []) or '—'}"
            for k in ("newly_failing", "newly_passing", "not_in_baseline", "missing")
        ]
    failures = _failures(report)
    lines += ["", f"## Failures ({len(failures)})", "", "| id | type | question | expected | got | reason | citation |",
              "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for q in failures:
        exp, got = q.get("expected", {}), q.get("got") or {}
        first = (got.get("citations") or [{}])[0]
        lines.append(
            f"| {q['id']} | {q['type']} | {_md(q['question'])} | {_md(_value(exp.get('value'), exp.get('unit')))} {_md(exp.get('text'))} "
            f"| {_md(_value(got.get('value'), got.get('unit')))} {'(refused) ' if got.get('refused') else ''}{_md(got.get('answer'))[:200]} "
            f"| {_md(q.get('reason'))} | {_md(first.get('quote'))[:120]} |"
        )
    return "\n".join(lines) + "\n"


def write_report_file(report: dict[str, Any], path: Path) -> None:
    """HTML, or Markdown when the path ends in .md."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_markdown(report) if path.suffix.lower() == ".md" else render_html(report)
    path.write_text(text, "utf-8")
