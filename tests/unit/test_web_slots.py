"""One slow request holds only its own slot: with four slow questions in flight, a quick one and one over the length
cap are answered at once (eval.slot_check measures the same with the real agent and embedding)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from index.library import Library
from qa.ask import Agent
from qa.web.chat import ASK_CONCURRENCY

SLOW_SECONDS = 3.0


class SlowWhenAsked(Agent):
    """The real agent, except that a question starting with 慢 takes `SLOW_SECONDS` (an expensive retrieval)."""

    def ask(self, question: str, **kwargs: Any) -> Any:
        if question.startswith("慢"):
            time.sleep(SLOW_SECONDS)
        return super().ask(question, **kwargs)


def test_four_slow_questions_leave_room_for_the_others(tmp_path: Path) -> None:
    from gradio_client import Client

    from eval.load_check import free_port
    from qa.web.app import launch

    assert ASK_CONCURRENCY > 4
    lib = Library(tmp_path / "lib", embedding="hash")
    lib.ensure_sample()
    port = free_port()
    demo = launch(lib, port=port, block=False, agent=SlowWhenAsked(lib))
    url = f"http://127.0.0.1:{port}/"
    try:
        Client(url, verbose=False).predict(question="公务接待费增长多少？", api_name="/ask")
        slow = [
            threading.Thread(
                target=lambda: Client(url, verbose=False).predict(question="慢：为什么今年预算少了？", api_name="/ask")
            )
            for _ in range(4)
        ]
        for t in slow:
            t.start()
        time.sleep(1.0)  # all four are being answered now
        client = Client(url, verbose=False)
        started = time.perf_counter()
        answer = client.predict(question="公务接待费增长多少？", api_name="/ask")
        quick = time.perf_counter() - started
        started = time.perf_counter()
        with pytest.raises(Exception, match="问题太长"):
            client.predict(question="公务接待费是多少？" * 556, api_name="/ask")
        refused = time.perf_counter() - started
        busy = all(t.is_alive() for t in slow)
        for t in slow:
            t.join(timeout=30)
    finally:
        demo.close()
    assert busy, "the slow questions were still running while the quick ones were timed"
    assert answer["value"] == 0.04
    assert quick < 1.0 and refused < 1.0, (quick, refused)
