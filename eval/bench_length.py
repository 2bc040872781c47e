"""Question length against answering time (a script, not a test).

    python -m eval.bench_length [--lengths 500 2000 5000 20000]

Starts the web app in-process over the bundled sample and times, for each length, (1) the /ask endpoint through
gradio_client, which refuses a question past qa.parse.guard.MAX_QUESTION_CHARS, and (2) Agent.parse + Agent.answer
called directly, past the cap, to show that answering itself grows linearly. The question is prose that goes
through the open-text path (the one that strips the org's name from the question).
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import time
from collections.abc import Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

BASE = "武昌区融媒体中心的主要职能和机构设置是怎样的，媒体宣传项目做了哪些工作？"


def question_of(length: int) -> str:
    return (BASE * (length // len(BASE) + 1))[:length]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[500, 2000, 5000, 20000])
    args = parser.parse_args(argv)

    from gradio_client import Client

    from index.library import Library
    from qa.ask import Agent
    from qa.web.app import launch

    lib = Library(tempfile.mkdtemp(prefix="bench-length-"), embedding="hash")
    lib.ensure_sample()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    demo = launch(lib, port=port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        client.predict(question="公务接待费增长多少？", api_name="/ask")
        agent = Agent(lib)
        agent.ask("公务接待费增长多少？")
        for n in args.lengths:
            text = question_of(n)
            started = time.perf_counter()
            try:
                outcome = str(client.predict(question=text, api_name="/ask")["kind"])
            except Exception as exc:  # the cap: gradio_client raises the app's Chinese message
                outcome = f"refused: {str(exc)[:24]}"
            api = time.perf_counter() - started
            started = time.perf_counter()
            kind = agent.answer(agent.parse(text)).kind
            direct = time.perf_counter() - started
            print(f"{n:>7} chars  /ask {api:6.2f} s ({outcome})  answering past the cap {direct:6.2f} s ({kind})")
    finally:
        demo.close()
        lib.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
