"""Which files an ingest finds: relative paths and dot-folders above the root work, unreadable files and folders are
per-file failures, and file names are printed as they are."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from eval.paths import corpus_dir
from index.library import Library
from index.read.paths import find_files
from qa.cli import app

DOCS = corpus_dir() / "docs"


def folder_with(root: Path, names: dict[str, str]) -> Path:
    """`root` with files named (relative paths) after `names`, each a copy of a corpus document."""
    for rel, source in names.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((DOCS / source).read_bytes())
    return root


def denied(path: Path) -> PermissionError:
    return PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))


def test_a_relative_path_with_dotdot_finds_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder_with(tmp_path / "docs", {"a.txt": "001.txt", "sub/b.txt": "002.txt"})
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert [p.name for p in find_files([Path("../docs")]).files] == ["a.txt", "b.txt"]
    lib = Library(tmp_path / "lib", embedding="hash")
    results = lib.ingest([Path("../docs")], sync=False)
    assert [r.ok for r in results] == [True, True]


def test_a_folder_below_a_dot_folder_is_read_but_hidden_names_inside_it_are_not(tmp_path: Path) -> None:
    root = folder_with(
        tmp_path / ".cache" / "docs",
        {"a.txt": "001.txt", ".hidden/b.txt": "002.txt", ".c.txt": "003.txt", "manifest.jsonl": "004.txt"},
    )
    assert [p.name for p in find_files([root]).files] == ["a.txt"]
    assert [p.name for p in find_files([root / ".hidden"]).files] == ["b.txt"]  # given itself, it is read


def test_an_unreadable_subfolder_is_reported_and_the_rest_ingested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = folder_with(tmp_path / "docs", {"a.txt": "001.txt", "locked/b.txt": "002.txt", "z.txt": "003.txt"})
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path) == root / "locked":
            raise denied(root / "locked")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    results = Library(tmp_path / "lib", embedding="hash").ingest([root], sync=False)
    by_name = {r.source: r for r in results}
    assert by_name["a.txt"].ok and by_name["z.txt"].ok and "b.txt" not in by_name
    locked = by_name[str(Path("docs") / "locked")]
    assert not locked.ok and "无法读取文件夹" in locked.message and "没有读取权限" in locked.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything")
def test_a_folder_without_permissions_is_reported(tmp_path: Path) -> None:
    root = folder_with(tmp_path / "docs", {"a.txt": "001.txt", "locked/b.txt": "002.txt", "x/c.txt": "003.txt"})
    (root / "locked").chmod(0)
    (root / "x").chmod(0o600)  # listable, but its files can't be looked at
    try:
        found = find_files([root])
    finally:
        (root / "locked").chmod(0o755)
        (root / "x").chmod(0o755)
    assert [p.name for p in found.files] == ["a.txt"]
    assert sorted(u.name for u in found.unreadable) == [str(Path("docs/locked")), str(Path("docs/x/c.txt"))]


def test_an_unreadable_file_given_explicitly_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = folder_with(tmp_path / "docs", {"locked.txt": "001.txt", "ok.txt": "002.txt"})
    real_stat = Path.stat

    def stat(self: Path, **kwargs: Any) -> os.stat_result:
        if self.name == "locked.txt":
            raise denied(self)  # as inside a folder without search permission: even stat fails
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    results = Library(tmp_path / "lib", embedding="hash").ingest([root / "locked.txt", root / "ok.txt"], sync=False)
    assert [(r.source, r.ok) for r in results] == [("locked.txt", False), ("ok.txt", True)]
    assert (
        results[0].message == "无法导入“locked.txt”：无法读取文件（没有读取权限）。请检查文件及其所在文件夹的读取权限"
    )


def test_a_file_whose_bytes_cannot_be_read_fails_with_a_chinese_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = folder_with(tmp_path / "docs", {"locked.txt": "001.txt"})
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(denied(self)))
    [result] = Library(tmp_path / "lib", embedding="hash").ingest([root / "locked.txt"], sync=False)
    assert not result.ok and "没有读取权限" in result.message and "locked.txt" in result.message


def test_file_names_are_printed_literally(tmp_path: Path) -> None:
    root = folder_with(tmp_path / "docs", {"[word] 预算.txt": "001.txt"})
    (root / "[bold]空[red].txt").write_bytes(b"")
    args = ["ingest", str(root), "--library", str(tmp_path / "lib")]
    out = CliRunner().invoke(app, args, env={"COLUMNS": "200", "BUDGETQA_EMBEDDING": "hash"})
    assert "[word] 预算.txt" in out.output
    assert "[bold]空[red].txt" in out.output  # in the file column and inside the failure message
    assert out.output.count("[bold]空[red].txt") == 2
