"""A port that cannot be listened on is a Chinese message, before anything is loaded, not a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.web.ports import PortUnavailable, check_port

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_busy_port_is_said_in_chinese(busy_port: int) -> None:
    with pytest.raises(PortUnavailable, match=f"端口 {busy_port} 已被占用.*--port {busy_port + 1}"):
        check_port("127.0.0.1", busy_port)


def test_a_free_port_passes_and_bad_ones_are_explained() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = int(sock.getsockname()[1])
    check_port("127.0.0.1", free)
    with pytest.raises(PortUnavailable, match="1 到 65535"):
        check_port("127.0.0.1", 70000)
    with pytest.raises(PortUnavailable, match="无法识别监听地址"):
        check_port("no-such-host.invalid", 7860)


def test_serve_on_a_busy_port_exits_with_the_message(busy_port: int, tmp_path: Path) -> None:
    env = {**os.environ, "BUDGETQA_EMBEDDING": "hash"}
    cmd = [sys.executable, "-m", "qa.cli", "serve", "--port", str(busy_port), "--library", str(tmp_path / "lib")]
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    message = done.stderr.replace("\n", "")  # as the terminal wraps it
    assert f"端口 {busy_port} 已被占用" in message and "Traceback" not in message
    assert not (tmp_path / "lib").exists()  # said before the library was opened
