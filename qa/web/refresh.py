"""Every open page keeps its document lists current: a library change made in another tab (or another process) shows
up within REFRESH_SECONDS in the 问答, 数据表 and 文档 tabs, without touching what the reader has selected.

A timer asks each page's session whether the library's change key moved (one small query); when it did not, nothing
is sent, so nothing redraws. When it did, the dropdowns get new choices and keep their values; a selected document
that was deleted stays selectable, marked （已删除）, so that asking about it says so instead of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qa.web.context import ALL, ALL_DOCS, WebContext

import gradio as gr  # isort: skip  (after qa.web.context, which sets the offline environment)
import pandas as pd  # isort: skip

from qa.web.docs import documents_frame
from qa.web.facts import FINDING_HEADERS, fact_tables, filter_choices, find_facts, finding_rows

REFRESH_SECONDS = 5.0
LIST_OUTPUTS = 11  # what `list_updates` returns
Choices = list[tuple[str, str]]


def keeping(choices: Sequence[Any], value: Any, *, deleted: str | None = None) -> list[Any]:
    """`choices` with the selected `value` kept among them (a value missing from a dropdown's choices is refused by
    Gradio); a selected document that is gone shows as `deleted`."""
    values = [c[1] if isinstance(c, tuple) else c for c in choices]
    if value in (None, "") or value in values:
        return list(choices)
    if deleted is not None:
        return [*choices, (deleted, value)]
    return [*choices, value]


def doc_choices_keeping(ctx: WebContext, value: str | None, *, include_all: bool = True) -> Choices:
    choices = ctx.doc_choices(include_all=include_all)
    label = ctx.known_label(value) if value else None
    return keeping(choices, value, deleted=f"{label or value}（已删除）")


def list_updates(
    ctx: WebContext, chat_doc: str | None, org: str | None, year: str | None, metric: str | None,
    fact_doc: str | None, finding_doc: str | None, remove_choice: str | None,
) -> list[Any]:  # fmt: skip
    """Updates for (chat doc, org, year, fact doc, finding doc, fact table, findings, CSV, count, documents, remove
    choice) that keep every selection."""
    orgs, years = filter_choices(ctx)
    table, csv_path, count = fact_tables(find_facts(ctx, org, year, metric, fact_doc))
    findings = pd.DataFrame(finding_rows(ctx, finding_doc), columns=FINDING_HEADERS)
    present = {d["doc_id"] for d in ctx.documents()}
    return [
        gr.update(choices=doc_choices_keeping(ctx, chat_doc)),
        gr.update(choices=keeping(orgs, org or ALL)),
        gr.update(choices=keeping(years, year or ALL)),
        gr.update(choices=doc_choices_keeping(ctx, fact_doc or ALL_DOCS)),
        gr.update(choices=doc_choices_keeping(ctx, finding_doc or ALL_DOCS)),
        table, findings, csv_path, count, documents_frame(ctx),
        removal_update(ctx, remove_choice, present),
    ]  # fmt: skip


def removal_update(ctx: WebContext, remove_choice: str | None, present: set[str]) -> Any:
    """New choices for the removal dropdown. The value is cleared only when the file it names is gone: the value read
    when a refresh started may be older than the user's latest pick, and sending it back would undo that pick."""
    choices = ctx.doc_choices(include_all=False)
    if remove_choice and remove_choice not in present:
        return gr.update(choices=choices, value=None)
    return gr.update(choices=choices)


def change_key(ctx: WebContext) -> str:
    return ",".join(str(n) for n in ctx.lib.change_key())


def refresh_if_changed(ctx: WebContext, seen: str | None, *values: str | None) -> list[Any]:
    """(seen, *list_updates) when the library changed since `seen`, else skips that leave the page as it is."""
    key = change_key(ctx)
    if key == seen:
        return [gr.skip()] * (1 + LIST_OUTPUTS)
    return [key, *list_updates(ctx, *values)]
