"""The 问答 tab and the /ask API endpoint."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from qa.web.context import ALL_DOCS, ALL_DOCS_LABEL, WebContext

import gradio as gr  # isort: skip  (after qa.web.context, which sets the offline environment)

from index.errors import BudgetQAError
from index.types import Document
from qa.parse.guard import EMPTY_HINT, MAX_QUESTION_CHARS
from qa.types import Answer, ParsedQuestion
from qa.web.render import render_answer, render_error, render_partial, safe_text, stream_pieces

log = logging.getLogger(__name__)

EXAMPLES = (
    "公务接待费增长多少？",
    "招待费占三公经费多少？",
    "为什么今年预算少了？",
    "基本支出是多少？",
    "政府采购预算多少？",
    "那公用经费呢？",
    "什么是基本支出？",
)
ASK_CONCURRENCY = 16  # see eval.slot_check: slow questions must leave slots for the quick ones
STREAM_STEPS = 8
STREAM_DELAY = 0.03  # seconds between streamed pieces (the whole answer is computed first)
THINKING = "正在查找……"
INTERNAL_ERROR = "处理问题时出现内部错误，请稍后重试；如果反复出现，请把问题反馈给管理员。"

Message = dict[str, str]
ChatUpdate = tuple[list[Message], list[Message], ParsedQuestion | None, Any]


# The chat scrolls to the start of the newest answer, not to the end of its sources (on a phone a long answer would
# otherwise show only its last source). Gradio's own autoscroll is off; while the newest answer streams in and does
# not fit, its top is kept at the top of the chat; once complete, the reader's scrolling is left alone.
SCROLL_SCRIPT = """
<script>
(() => {
  let pending = false;
  const scroller = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (/(auto|scroll)/.test(style.overflowY) && p.scrollHeight > p.clientHeight) return p;
    }
    return null;
  };
  const align = () => {
    pending = false;
    const answers = document.querySelectorAll("#bqa-chat .bqa-answer");
    const last = answers[answers.length - 1];
    if (!last || last.dataset.bqaShown) return;
    const box = scroller(last);
    if (!box) return;
    const outer = box.getBoundingClientRect();
    const rect = last.getBoundingClientRect();
    const top = rect.top - outer.top;
    if (top < 0 || rect.bottom > outer.top + box.clientHeight) box.scrollTop += top - 8;  // the top, not the end
    if (!last.textContent.includes("▍")) last.dataset.bqaShown = "1";
  };
  new MutationObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(align); }
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();
</script>
"""


@dataclass
class ChatTab:
    chatbot: gr.Chatbot
    question: gr.Textbox
    doc: gr.Dropdown


def ask_once(ctx: WebContext, question: str, doc: str | None, previous: ParsedQuestion | None) -> Answer:
    """One answer, or BudgetQAError with a Chinese message."""
    return ctx.agent.ask(question, doc_ids=ctx.doc_filter(doc), previous=previous)


def candidate_choices(answer: Answer | None) -> list[tuple[str, str]]:
    """The documents a clarification offers, as (label, doc_id) for a one-click choice; empty for any other answer."""
    if answer is None or answer.kind != "clarify":
        return []
    out = []
    offered: tuple[Document, ...] = tuple(answer.extra.get("candidates") or ())  # type: ignore[arg-type]
    for d in offered:
        year = f"{d.year}年" if d.year else ""
        out.append((f"{d.org} {year}{d.kind}（{d.source}）", d.doc_id))
    return out


def respond(
    ctx: WebContext,
    question: str,
    history: list[Message] | None,
    previous: ParsedQuestion | None,
    doc: str | None,
    on_answer: Callable[[Answer], None] | None = None,
) -> Iterator[ChatUpdate]:
    """Yields (chatbot, history, previous, question box) while the answer streams in; `on_answer` sees the answer."""
    text = (question or "").strip()
    shown = list(history or [])
    if not text:
        gr.Warning(EMPTY_HINT)  # a toast: nothing is added to the conversation
        yield shown, shown, previous, gr.update()
        return
    shown.append({"role": "user", "content": safe_text(text)})
    yield [*shown, {"role": "assistant", "content": render_partial(THINKING)}], shown, previous, gr.update()
    try:
        answer = ask_once(ctx, text, doc, previous)
        if on_answer is not None:
            on_answer(answer)
    except BudgetQAError as exc:
        shown.append({"role": "assistant", "content": render_error(str(exc))})
        yield shown, shown, previous, gr.update()  # the question stays in the box
        return
    except Exception:
        log.exception("answering %r failed", text)
        shown.append({"role": "assistant", "content": render_error(INTERNAL_ERROR)})
        yield shown, shown, previous, gr.update()
        return
    for piece in stream_pieces(answer.answer, STREAM_STEPS)[:-1]:
        yield [*shown, {"role": "assistant", "content": render_partial(piece)}], shown, previous, gr.update()
        time.sleep(STREAM_DELAY)
    shown.append({"role": "assistant", "content": render_answer(answer)})
    parsed = answer.extra.get("parsed")
    following = parsed if isinstance(parsed, ParsedQuestion) else previous
    yield shown, shown, following, ""


def build_chat_tab(ctx: WebContext) -> ChatTab:
    history = gr.State([])
    previous = gr.State(None)
    doc = gr.Dropdown(
        choices=ctx.doc_choices(), value=ALL_DOCS, label="文档范围", info="在全部文档或某一份文档中回答",
        interactive=True, elem_id="bqa-doc",
    )  # fmt: skip
    chatbot = gr.Chatbot(
        label="预算问答", height=520, buttons=["copy"], autoscroll=False, latex_delimiters=[], sanitize_html=True, allow_tags=False,
        feedback_options=None, elem_id="bqa-chat",
        placeholder="请就已导入的预算/决算公开文件提问，例如：“公务接待费增长多少？”。每个回答都附有出处，可点开查看原文。",
    )  # fmt: skip
    with gr.Row():
        question = gr.Textbox(
            label="问题", placeholder=f"输入问题后按回车（{MAX_QUESTION_CHARS}字以内），例如：公务接待费增长多少？",
            lines=1, max_lines=4,
            scale=5, elem_id="bqa-question", autofocus=True,
        )  # fmt: skip
        with gr.Column(scale=1, min_width=120):
            send = gr.Button("提问", variant="primary", elem_id="bqa-send")
            clear = gr.Button("清空对话", variant="secondary", size="sm")
    asked = gr.State("")
    pick = gr.Radio(
        choices=[], value=None, visible=False, interactive=True, elem_id="bqa-candidates",
        label="问题没有指明是哪份文件：点选一份，即按该文件重新回答（之后的追问也沿用它）",
    )  # fmt: skip
    gr.Markdown("**示例问题**（点击即可提问）：")
    with gr.Row(elem_id="bqa-examples"):
        example_buttons = [gr.Button(text, size="sm", variant="secondary") for text in EXAMPLES]

    def run(
        question: str, shown: list[Message], prev: ParsedQuestion | None, choice: str | None
    ) -> Iterator[tuple[Any, ...]]:
        seen: list[Answer] = []
        for update in respond(ctx, question, shown, prev, choice, on_answer=seen.append):
            yield (*update, gr.update(), question)
        offered = candidate_choices(seen[-1] if seen else None)
        yield (gr.update(), gr.update(), gr.update(), gr.update(),
               gr.update(choices=offered, value=None, visible=bool(offered)), question)  # fmt: skip

    inputs = [question, history, previous, doc]
    outputs = [chatbot, history, previous, question, pick, asked]
    common: dict[str, Any] = {
        "concurrency_limit": ASK_CONCURRENCY,
        "concurrency_id": "ask",
        "api_visibility": "private",
    }
    question.submit(run, inputs, outputs, **common)
    send.click(run, inputs, outputs, **common)
    for button, text in zip(example_buttons, EXAMPLES, strict=True):
        button.click(lambda t=text: t, None, question, queue=False, api_visibility="private").then(
            run, inputs, outputs, **common
        )
    # a candidate picked: scope to it and ask the same question again (follow-ups keep the scope)
    pick.input(
        lambda chosen, last: (chosen, last, gr.update(visible=False)), [pick, asked], [doc, question, pick],
        queue=False, api_visibility="private",
    ).then(run, inputs, outputs, **common)  # fmt: skip
    clear.click(
        lambda: ([], [], None, "", gr.update(choices=[], value=None, visible=False)), None,
        [chatbot, history, previous, question, pick], queue=False, api_visibility="private",
    )  # fmt: skip
    return ChatTab(chatbot=chatbot, question=question, doc=doc)


def register_api(ctx: WebContext) -> None:
    """The public endpoints: /ask and /documents (see docs/api.md)."""

    def ask(question: str, doc: str = ALL_DOCS_LABEL) -> dict[str, Any]:
        """Answer one question over the library and return the answer JSON.

        Parameters:
            question: the question in Chinese, at most 500 characters, e.g. 公务接待费增长多少？
            doc: 全部文档 (default), or a document id, id prefix or file name from /documents
        """
        try:
            answer = ask_once(ctx, question, doc, None)
        except BudgetQAError as exc:
            raise gr.Error(str(exc)) from exc
        data = answer.to_json()
        data["latency_ms"] = answer.extra.get("latency_ms")
        return data

    def documents() -> list[dict[str, Any]]:
        """The documents in the library (doc_id, source, title, org, year, kind, facts, findings …)."""
        return ctx.documents()

    gr.api(ask, api_name="ask", concurrency_limit=ASK_CONCURRENCY, concurrency_id="ask")
    gr.api(documents, api_name="documents", queue=False)
