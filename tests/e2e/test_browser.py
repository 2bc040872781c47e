"""The web UI in headless Chromium, as a person uses it: ask, read the answer and its source, upload a PDF.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package; never downloads a browser. Screenshots go to
artifacts/screenshots/.
"""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip
TIMEOUT = 30_000  # ms


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "需要 /usr/bin/chromium（apt-get install chromium fonts-noto-cjk，或 make browser）"
    if importlib.util.find_spec("playwright") is None:
        return "需要 playwright 包（pip install -e '.[test]'；不要运行 playwright install）"
    return None


if reason := _missing():
    pytest.skip(reason, allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from index.library import Library
    from qa.web.app import launch

    lib = Library(tmp_path_factory.mktemp("browserlib"), embedding="hash")
    lib.ensure_sample()
    port = free_port()
    demo = launch(lib, port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
        lib.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    outside: list[str] = []
    pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    pg.goto(server)
    pg.wait_for_selector("#bqa-question textarea")
    yield pg
    context.close()
    assert not outside, f"页面请求了外部地址：{outside}"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ask(page: Page, question: str) -> Any:
    """Ask in the box; the last bot message once its answer (not the streaming cursor) is in."""
    before = page.locator(".bqa-answer").count()
    page.fill("#bqa-question textarea", question)
    page.click("#bqa-send")
    page.wait_for_function(
        "n => { const a = document.querySelectorAll('.bqa-answer');"
        " return a.length > n && !a[a.length - 1].textContent.includes('▍'); }",
        arg=before,
    )
    return page.locator(".bqa-answer").last


def test_ask_shows_answer_with_source(page: Page) -> None:
    answer = ask(page, "公务接待费增长多少？")
    text = answer.inner_text()
    assert "0.04万元" in text.replace(" ", ""), text
    assert "7.14%" in text, text
    source = answer.locator("details.bqa-source").first
    assert "武昌区融媒体中心" in source.locator("summary").inner_text()
    assert source.get_attribute("open") is None
    source.locator("summary").click()
    page.wait_for_function("() => document.querySelector('details.bqa-source').open")
    quote = source.locator(".bqa-quote")
    assert quote.is_visible() and "公务接待费" in quote.inner_text()
    assert source.locator("mark").count() >= 1
    assert page.input_value("#bqa-question textarea") == ""
    shot(page, "01-answer-with-source")


def test_follow_up_and_example(page: Page) -> None:
    ask(page, "基本支出是多少？")
    follow = ask(page, "那公用经费呢？")
    assert "70.8" in follow.inner_text()
    page.get_by_role("button", name="政府采购预算多少？").click()
    page.wait_for_function(
        "() => { const a = document.querySelectorAll('.bqa-answer');"
        " return a.length >= 3 && a[a.length - 1].textContent.includes('325'); }"
    )
    shot(page, "02-follow-up-and-example")


def test_follow_ups_show_their_context_and_survive_an_unknown_year(page: Page) -> None:
    future = ask(page, "2024年预算是多少")
    assert "没有2024年的文件" in future.inner_text()
    first = ask(page, "招待费是多少")
    assert "0.6" in first.inner_text() and "年度：2023年" in first.locator(".bqa-context").inner_text()
    last_year = ask(page, "那去年呢？")
    assert "0.56" in last_year.inner_text()
    line = last_year.locator(".bqa-context")
    assert line.is_visible() and "依据：武昌区融媒体中心 2023年预算" in line.inner_text()
    assert "年度：2022年" in line.inner_text() and "口径：预算数" in line.inner_text()
    other = ask(page, "那公用经费呢？")
    assert "76.12" in other.inner_text() and "年度：2022年" in other.locator(".bqa-context").inner_text()
    shot(page, "07-follow-ups-with-context")


def test_copy_copies_plain_text(page: Page, server: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.rstrip("/"))
    answer = ask(page, "公务接待费增长多少？")
    answer.hover()
    bot = page.locator("#bqa-chat .message-row.bot-row, #bqa-chat [data-testid='bot']").last
    bot.hover()
    page.locator("#bqa-chat button[aria-label*='opy']").last.click()
    page.wait_for_function("async () => (await navigator.clipboard.readText()).includes('0.04')")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "<" not in copied and "bqa" not in copied, copied
    assert "依据：武昌区融媒体中心" in copied and "数值：0.04万元" in copied and "计算：" in copied
    assert "[1] 武昌区融媒体中心" in copied and "公务接待费" in copied


def test_copy_without_the_clipboard_api_copies_plain_text(browser: Browser, server: str) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    # a page served over plain http on another address has no navigator.clipboard: Gradio falls back to a textarea
    context.add_init_script(
        "delete Navigator.prototype.clipboard;"
        "document.addEventListener('copy', e => { window.__copied = e.clipboardData.getData('text/plain'); });"
    )
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    try:
        pg.goto(server)
        pg.wait_for_selector("#bqa-question textarea")
        ask(pg, "公务接待费增长多少？")
        pg.locator(".bqa-answer").last.hover()
        pg.locator("#bqa-chat button[aria-label*='opy']").last.click()
        pg.wait_for_function("() => typeof window.__copied === 'string'")
        copied = pg.evaluate("() => window.__copied")
        assert "<" not in copied and "数值：0.04万元" in copied, copied
    finally:
        context.close()


def test_long_question_through_ask_is_refused_at_once(server: str) -> None:
    import os
    import time

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(server, verbose=False)
    client.predict(question="公务接待费增长多少？", api_name="/ask")
    text = ("武昌区融媒体中心的主要职能和机构设置是怎样的，媒体宣传项目做了哪些工作？" * 200)[:5000]
    started = time.perf_counter()
    with pytest.raises(AppError, match="问题太长"):
        client.predict(question=text, api_name="/ask")
    assert time.perf_counter() - started < 1.0


def test_empty_and_english_questions_get_a_hint(page: Page) -> None:
    page.fill("#bqa-question textarea", "")
    page.click("#bqa-send")
    page.wait_for_function("() => document.body.innerText.includes('请输入问题')")
    english = ask(page, "How much is the reception budget?")
    assert "请用中文提问" in english.inner_text()
    long = "公务接待费" * 101
    page.fill("#bqa-question textarea", long)
    page.click("#bqa-send")
    page.wait_for_function("() => document.body.innerText.includes('问题太长')")
    assert page.input_value("#bqa-question textarea") == long  # the question stays in the box


def test_fact_table_filters(page: Page) -> None:
    page.get_by_role("tab", name="数据表").click()
    page.fill("#bqa-metric textarea, #bqa-metric input", "招待费")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#bqa-facts').textContent.includes('公务接待费')")
    shot(page, "03-fact-table")


def test_fact_table_sorts_by_clicking_a_header(page: Page) -> None:
    page.get_by_role("tab", name="数据表").click()
    page.wait_for_function("() => document.querySelector('#bqa-facts').textContent.includes('编制人数')")
    first_value = (
        "() => document.querySelector('#bqa-facts .virtual-row').querySelectorAll('.body-cell')[4].innerText.trim()"
    )
    header = page.locator("#bqa-facts thead th").nth(4)
    assert "数值" in header.inner_text()
    header.locator(".header").click()
    page.wait_for_function(f"() => ({first_value})() === '0'")
    header.locator(".header").click()
    page.wait_for_function(f"() => ({first_value})() === '10537750'")  # the document's own ×10,000 slip, on top
    assert page.locator(".cell-menu").count() == 0  # the menu it went through is closed
    page.get_by_role("tab", name="自检发现").click()
    page.wait_for_selector("#bqa-findings")
    page.wait_for_function("() => document.querySelector('#bqa-findings').textContent.includes('检查项')")
    shot(page, "04-findings")


def test_upload_pdf_is_listed(page: Page, tmp_path: Path) -> None:
    from tests.pdfs import make_disclosure_pdf

    pdf = make_disclosure_pdf(tmp_path / "上传测试_三公经费.pdf")
    page.get_by_role("tab", name="文档").click()
    page.set_input_files("#bqa-upload input[type=file]", str(pdf))
    page.wait_for_function("() => document.querySelector('#bqa-upload').textContent.includes('上传测试')")
    page.click("#bqa-ingest")
    page.wait_for_function("() => document.querySelector('#bqa-results').textContent.includes('成功')")
    page.wait_for_function("() => document.querySelector('#bqa-docs').textContent.includes('上传测试_三公经费.pdf')")
    shot(page, "05-upload")


def test_oversized_file_is_refused_alone_and_known_files_are_named(page: Page, tmp_path: Path) -> None:
    from index.library import sample_path

    big = tmp_path / "六十兆.pdf"
    with big.open("wb") as fh:
        fh.truncate(60 * 1024 * 1024)
    valid = tmp_path / "三公经费说明.txt"
    valid.write_bytes((ROOT / "tests" / "data" / "sangong_utf8_bom.txt").read_bytes())
    page.get_by_role("tab", name="文档").click()
    page.set_input_files("#bqa-upload input[type=file]", [str(big), str(valid), str(sample_path())])
    page.wait_for_function("() => document.querySelector('#bqa-upload').textContent.includes('三公经费说明')")
    page.click("#bqa-ingest")
    status = "() => document.querySelector('#bqa-ingest-status').textContent"
    page.wait_for_function(f"() => ({status})().includes('本次处理 3 个文件')", timeout=60_000)
    text = page.evaluate(status)
    assert "成功导入 1 个" in text and "1 个已在资料库中" in text and "1 个未能导入" in text, text
    results = page.locator("#bqa-results").inner_text()
    assert "文件过大" in results and "已在资料库中" in results, results
    assert "exceeds" not in page.locator("body").inner_text()
    page.wait_for_function("() => document.querySelector('#bqa-docs').textContent.includes('三公经费说明.txt')")
    shot(page, "08-upload-batch")


def test_removal_needs_a_confirmation(page: Page, tmp_path: Path) -> None:
    doomed = tmp_path / "待删除.txt"  # not the text 三公经费说明.txt brought in: that would be 已在资料库中
    text = (ROOT / "tests" / "data" / "sangong_gb18030.txt").read_bytes().decode("gb18030")
    doomed.write_bytes(text.replace("青阳县审计局", "青阳县统计局").encode("gb18030"))
    page.get_by_role("tab", name="文档").click()
    page.set_input_files("#bqa-upload input[type=file]", str(doomed))
    page.wait_for_function("() => document.querySelector('#bqa-upload').textContent.includes('待删除')")
    page.click("#bqa-ingest")
    page.wait_for_function("() => document.querySelector('#bqa-docs').textContent.includes('待删除.txt')")
    page.locator("#bqa-docs").scroll_into_view_if_needed()
    choice = page.get_by_label("选择要删除的文档")
    choice.click()
    page.get_by_role("option", name="待删除.txt", exact=False).click()
    page.click("#bqa-remove")
    page.wait_for_function("() => document.querySelector('#bqa-remove-status').textContent.includes('确定要删除')")
    page.click("#bqa-cancel-remove")
    page.wait_for_function("() => document.querySelector('#bqa-remove-status').textContent.includes('已取消')")
    assert "待删除.txt" in page.locator("#bqa-docs").inner_text()
    page.click("#bqa-remove")
    page.click("#bqa-confirm-remove")
    page.wait_for_function("() => document.querySelector('#bqa-remove-status').textContent.includes('已删除')")
    page.wait_for_function("() => !document.querySelector('#bqa-docs').textContent.includes('待删除.txt')")


def test_phone_width_keeps_the_answer_and_the_main_columns(browser: Browser, server: str) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    try:
        pg.goto(server)
        pg.wait_for_selector("#bqa-question textarea")
        for question in ("招待费是多少", "公务接待费增长多少？", "三公经费是多少", "为什么今年预算少了？"):
            last = ask(pg, question)
        in_view = """a => { let box = a.parentElement;
            while (box && !(/(auto|scroll)/.test(getComputedStyle(box).overflowY) && box.scrollHeight > box.clientHeight))
                box = box.parentElement;
            const t = a.querySelector('.bqa-text').getBoundingClientRect(), c = box.getBoundingClientRect();
            return t.top >= c.top - 1 && t.top < c.bottom - 20; }"""
        assert last.evaluate(in_view), "the newest answer's text is scrolled out of the chat"
        shot(pg, "09-phone-chat")
        pg.get_by_role("tab", name="数据表").click()
        pg.wait_for_function("() => document.querySelector('#bqa-facts').textContent.includes('编制人数')")
        visible = pg.evaluate(
            "() => Array.from(document.querySelectorAll('#bqa-facts thead th'))"
            ".filter(th => getComputedStyle(th).display !== 'none').map(th => th.innerText.trim())"
        )
        assert visible == ["单位", "年度", "指标", "数值", "计量单位"], visible
        widths = pg.evaluate(
            "() => Array.from(document.querySelectorAll('#bqa-facts thead th'))"
            ".filter(th => getComputedStyle(th).display !== 'none').map(th => th.getBoundingClientRect().width)"
        )
        assert min(widths) > 40 and sum(widths) <= 390, widths
        shot(pg, "10-phone-facts")
        pg.get_by_label("显示全部列", exact=False).check()
        pg.wait_for_function(
            "() => Array.from(document.querySelectorAll('#bqa-facts thead th'))"
            ".filter(th => getComputedStyle(th).display !== 'none').length === 14"
        )
    finally:
        context.close()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A server over its own library (the sample only), for tests that change the library."""
    from index.library import Library
    from qa.web.app import launch

    lib = Library(tmp_path / "ownlib", embedding="hash")
    lib.ensure_sample()
    port = free_port()
    demo = launch(lib, port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/", lib
    finally:
        demo.close()
        lib.close()


def open_page(browser: Browser, url: str) -> Page:
    pg = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000}).new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.goto(url)
    pg.wait_for_selector("#bqa-question textarea")
    return pg


WATCH_PROGRESS = """() => { window.__progress = [];
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('.progress-text, .progress-level, .meta-text, .meta-text-center')) {
      const t = el.innerText.trim();
      if (t && window.__progress[window.__progress.length - 1] !== t) window.__progress.push(t);
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true }); }"""


def test_upload_shows_progress_that_moves(browser: Browser, own_server: tuple[str, Any], tmp_path: Path) -> None:
    from eval.bench_ingest import make_file
    from eval.paths import corpus_dir

    url, _ = own_server
    big = tmp_path / "大文件_一兆.txt"
    make_file(big, 1.0, corpus_dir(), "utf-8")
    small = tmp_path / "三公经费_gb18030.txt"
    small.write_bytes((ROOT / "tests" / "data" / "sangong_gb18030.txt").read_bytes())
    twin = tmp_path / "同一文本_utf8.txt"
    twin.write_bytes((ROOT / "tests" / "data" / "sangong_utf8_bom.txt").read_bytes())
    pg = open_page(browser, url)
    try:
        pg.get_by_role("tab", name="文档").click()
        pg.set_input_files("#bqa-upload input[type=file]", [str(small), str(big), str(twin)])
        pg.wait_for_function("() => document.querySelector('#bqa-upload').textContent.includes('大文件')")
        pg.evaluate(WATCH_PROGRESS)
        pg.click("#bqa-ingest")
        pg.wait_for_function("() => window.__progress.some(t => t.includes('解析（'))", timeout=60_000)
        shot(pg, "11-upload-progress")
        status = "() => document.querySelector('#bqa-ingest-status').textContent"
        pg.wait_for_function(f"() => ({status})().includes('本次处理 3 个文件')", timeout=120_000)
        seen = pg.evaluate("() => window.__progress")
        assert any("第 2/3 个文件《大文件_一兆.txt》" in t for t in seen), seen
        stages = {stage for t in seen for stage in ("读取", "解析（", "写入资料库", "向量化：") if stage in t}
        assert stages >= {"解析（", "写入资料库", "向量化："}, seen
        counts = {t for t in seen if "向量化：" in t}
        assert len(counts) >= 2, seen  # the count moves
        results = pg.locator("#bqa-results").inner_text()
        assert "与《三公经费_gb18030.txt》内容相同" in results, results
        assert "成功导入 2 个" in pg.evaluate(status) and "1 个已在资料库中" in pg.evaluate(status)
        shot(pg, "12-upload-done-with-twin")
    finally:
        pg.context.close()


def test_other_pages_see_uploads_and_deletions(browser: Browser, own_server: tuple[str, Any], tmp_path: Path) -> None:
    url, lib = own_server
    reader, writer = open_page(browser, url), open_page(browser, url)
    try:
        sample = lib.documents()[0]
        reader.get_by_label("文档范围").click()
        reader.get_by_role("option", name=sample["source"], exact=False).click()
        reader.get_by_role("tab", name="数据表").click()
        reader.fill("#bqa-metric textarea, #bqa-metric input", "招待费")
        reader.keyboard.press("Enter")
        reader.wait_for_function("() => document.querySelector('#bqa-facts').textContent.includes('公务接待费')")
        facts_before = reader.locator("#bqa-facts").inner_text()

        new = tmp_path / "另一单位_三公.txt"
        text = (ROOT / "tests" / "data" / "sangong_utf8_bom.txt").read_text("utf-8-sig")
        new.write_text(text.replace("青阳县审计局", "青阳县档案馆"), "utf-8")
        writer.get_by_role("tab", name="文档").click()
        writer.set_input_files("#bqa-upload input[type=file]", str(new))
        writer.wait_for_function("() => document.querySelector('#bqa-upload').textContent.includes('另一单位')")
        writer.click("#bqa-ingest")
        writer.wait_for_function("() => document.querySelector('#bqa-docs').textContent.includes('另一单位_三公.txt')")

        # the reader's page, untouched: its 文档 list and dropdowns learn of the new file, its choices stay
        reader.get_by_role("tab", name="文档").click()
        reader.wait_for_function(
            "() => document.querySelector('#bqa-docs').textContent.includes('另一单位_三公.txt')", timeout=20_000
        )
        reader.get_by_role("tab", name="数据表").click()
        reader.wait_for_function(  # the table may still be redrawing when the tab opens
            "() => document.querySelector('#bqa-facts').textContent.includes('青阳县档案馆')", timeout=20_000
        )
        facts_after = reader.locator("#bqa-facts").inner_text()  # the same filter (招待费), over the new file too
        assert "青阳县档案馆" in facts_after and "编制人数" not in facts_after and "编制人数" not in facts_before
        assert reader.input_value("#bqa-metric textarea, #bqa-metric input") == "招待费"
        reader.get_by_role("tab", name="问答").click()
        assert sample["source"] in reader.input_value("#bqa-doc input")
        reader.get_by_label("文档范围").click()
        reader.get_by_role("option", name="另一单位_三公.txt", exact=False).click()
        shot(reader, "13-other-page-sees-the-upload")

        # the writer deletes it; the reader, scoped to it, is told so in Chinese
        writer.get_by_label("选择要删除的文档").click()
        writer.get_by_role("option", name="另一单位_三公.txt", exact=False).click()
        writer.click("#bqa-remove")
        writer.click("#bqa-confirm-remove")
        writer.wait_for_function("() => document.querySelector('#bqa-remove-status').textContent.includes('已删除')")
        reader.wait_for_function(
            "() => document.querySelector('#bqa-doc input').value.includes('已删除')", timeout=20_000
        )
        text = ask(reader, "公务接待费是多少？").inner_text()
        assert "已从资料库中删除" in text and "青阳县档案馆" in text and "找不到文档" not in text, text
        shot(reader, "14-scoped-to-a-deleted-document")
    finally:
        reader.context.close()
        writer.context.close()


class EvilAgent:
    """Answers every question with document text that tries to run script and render links."""

    EVIL = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> [点我](http://evil.example/) **粗体**'

    def ask(self, question: str, **_: Any) -> Any:
        from decimal import Decimal

        from index.types import Citation
        from qa.types import Answer

        quote = f"公务接待费预算 0.6万元。{self.EVIL}"
        citation = Citation("d1", f"标题{self.EVIL}", "某单位", 2023, f"章节{self.EVIL}", 1, quote)
        return Answer(question, f"回答{self.EVIL}", "lookup", Decimal("0.6"), "万元", citations=(citation,))


def test_document_text_renders_inert(browser: Browser, tmp_path: Path) -> None:
    from index.library import Library
    from qa.web.app import launch

    lib = Library(tmp_path / "lib", embedding="hash")
    port = free_port()
    demo = launch(lib, port=port, block=False, agent=EvilAgent())  # type: ignore[arg-type]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT)
        dialogs: list[str] = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto(f"http://127.0.0.1:{port}/")
        pg.wait_for_selector("#bqa-question textarea")
        answer = ask(pg, "公务接待费是多少？")
        answer.locator("summary").first.click()
        text = answer.inner_text()
        assert "<script>window.__xss=1</script>" in text and "[点我](http://evil.example/)" in text
        assert pg.evaluate("() => window.__xss") is None
        assert pg.locator("#bqa-chat a[href*='evil']").count() == 0
        assert pg.locator("#bqa-chat img[src='x'], #bqa-chat strong").count() == 0
        assert not dialogs
        shot(pg, "06-inert-document-text")
    finally:
        context.close()
        demo.close()
        lib.close()
