"""The web UI (Gradio): 问答, 数据表 and 文档 tabs over one library, plus the /ask API endpoint.

Offline by design: the environment below is set before Gradio is imported (no telemetry, no version check, no hub
look-up), share links are off, and the theme uses only fonts installed on the machine (no CDN).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa.web.context import WebContext

import gradio as gr  # isort: skip  (after qa.web.context, which sets the offline environment)

from qa.web.chat import SCROLL_SCRIPT, build_chat_tab, register_api
from qa.web.docs import SERVER_MAX_UPLOAD_BYTES, build_docs_tab
from qa.web.facts import FACTS_CSS, SORT_SCRIPT, build_facts_tab
from qa.web.ports import PortUnavailable, check_port, port_message
from qa.web.refresh import REFRESH_SECONDS, refresh_if_changed
from qa.web.render import ANSWER_CSS, COPY_SCRIPT

if TYPE_CHECKING:
    from index.library import Library
    from qa.ask import Agent

TITLE = "预算问答"
FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "system-ui", "sans-serif"]
MONO_FONTS = ["Noto Sans Mono CJK SC", "ui-monospace", "monospace"]
APP_CSS = (
    ANSWER_CSS
    + FACTS_CSS
    + """
#bqa-examples button { flex: 0 0 auto; min-width: 0; }
"""
)
QUEUE_SIZE = 256


def theme() -> gr.themes.Base:
    return gr.themes.Default(font=FONTS, font_mono=MONO_FONTS)


def build_app(lib: Library, *, agent: Agent | None = None, warm: bool = False) -> gr.Blocks:
    """The whole app over `lib`; `agent` may be given (tests), else one is made on first use (`warm`: at once)."""
    ctx = WebContext(lib, agent)
    if warm:
        ctx.warm_up_in_background()
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"## {TITLE}\n离线问答：就已导入的政府部门预算/决算公开文件提问，每个数字都附出处。")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chat = build_chat_tab(ctx)
            with gr.Tab("数据表", id="facts"):
                facts = build_facts_tab(ctx)
            with gr.Tab("文档", id="docs"):
                docs = build_docs_tab(ctx)
        register_api(ctx)

        seen = gr.State(None)  # the library's change key this page last showed
        timer = gr.Timer(REFRESH_SECONDS)
        values = [chat.doc, facts.org, facts.year, facts.metric, facts.doc, facts.finding_doc, docs.remove_choice]
        outputs = [
            seen, chat.doc, facts.org, facts.year, facts.doc, facts.finding_doc, facts.table, facts.findings,
            facts.download, facts.count, docs.documents, docs.remove_choice,
        ]  # fmt: skip

        def refresh(key: str | None, *selected: str | None) -> list[Any]:
            return refresh_if_changed(ctx, key, *selected)

        quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
        demo.load(refresh, [seen, *values], outputs, **quiet)
        timer.tick(refresh, [seen, *values], outputs, queue=False, **quiet)
        docs.ingest_event.then(refresh, [seen, *values], outputs, **quiet)
        docs.remove_event.then(refresh, [seen, *values], outputs, **quiet)
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=4)
    return demo


def launch_kwargs() -> dict[str, Any]:
    """What every launch passes: offline, no share link, the server's upload ceiling, the theme, CSS and scripts."""
    return {
        "share": False,
        "max_file_size": SERVER_MAX_UPLOAD_BYTES,  # the app's own limit is per file, in Chinese (qa/web/docs.py)
        "theme": theme(),
        "css": APP_CSS,
        "head": COPY_SCRIPT + SORT_SCRIPT + SCROLL_SCRIPT,
        "footer_links": ["api"],
        "show_error": True,
        "pwa": False,
        "mcp_server": False,
        "ssr_mode": False,
        "quiet": True,
    }


def launch(
    lib: Library, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True, agent: Agent | None = None
) -> gr.Blocks:
    """Serve the app; `block=False` returns at once (tests, load checks) — call `.close()` on the result."""
    check_port(host, port)
    demo = build_app(lib, agent=agent, warm=True)
    print(f"预算问答已启动：http://{host}:{port}/（按 Ctrl+C 退出）", flush=True)
    try:
        demo.launch(server_name=host, server_port=port, prevent_thread_lock=not block, **launch_kwargs())
    except OSError as exc:  # taken between the check and the launch (Gradio says it in English)
        raise PortUnavailable(port_message(host, port, exc)) from exc
    return demo
