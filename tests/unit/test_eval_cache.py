"""The eval runner's cached library is keyed on the ingestion code of every stage, not only the top of index/."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import run


def test_a_change_inside_a_stage_package_makes_a_fresh_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "extract").mkdir()
    (tmp_path / "__init__.py").write_text("", "utf-8")
    rule = tmp_path / "extract" / "facts_text.py"
    rule.write_text("RULE = 1\n", "utf-8")
    monkeypatch.setattr(run.resources, "files", lambda _name: tmp_path)
    before = run.code_fingerprint()
    rule.write_text("RULE = 2\n", "utf-8")
    assert run.code_fingerprint() != before
