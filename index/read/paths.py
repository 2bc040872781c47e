"""Which files an ingest reads: files as given, and the supported files inside folders.

Hidden names (a leading dot) are skipped only below the folder given, so ``../folder`` or a folder inside
``~/.cache`` is read. A folder or file that cannot be read is reported, with the others still ingested.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".pdf", ".md", ".htm", ".html", ".csv", "")
SKIPPED_NAMES = ("manifest.jsonl",)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A folder (or a file inside one) that could not be listed or looked at: `message` is Chinese."""

    name: str
    message: str


@dataclass(slots=True)
class Found:
    files: list[Path] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)


def why(exc: OSError) -> str:
    """A short Chinese reason for an OS error."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有读取权限"
    if exc.errno == errno.ENOENT:
        return "不存在"
    return exc.strerror or type(exc).__name__


def find_files(paths: Iterable[Path]) -> Found:
    """Files as given (checked when read), and the supported, non-hidden files inside folders, sorted per folder."""
    found = Found()
    for path in paths:
        try:
            is_dir = path.is_dir()
        except OSError:  # e.g. inside a folder without search permission: reading it reports why
            is_dir = False
        if is_dir:
            _walk(path, found)
        else:
            found.files.append(path)
    return found


def _walk(root: Path, found: Found) -> None:
    files: list[Path] = []

    def unreadable_folder(exc: OSError) -> None:
        folder = Path(exc.filename) if exc.filename else root
        found.unreadable.append(
            Unreadable(
                _shown(folder, root),
                f"无法读取文件夹“{_shown(folder, root)}”（{why(exc)}），其中的文件没有导入。请检查文件夹权限后重新导入。",
            )
        )

    for top, dirs, names in os.walk(root, onerror=unreadable_folder):  # linked folders are not entered, as before
        here = Path(top)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if name.startswith(".") or name in SKIPPED_NAMES:
                continue
            path = here / name
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            try:
                regular = path.is_file()
            except OSError as exc:
                found.unreadable.append(
                    Unreadable(
                        _shown(path, root), f"无法读取“{_shown(path, root)}”（{why(exc)}）。请检查文件权限后重新导入。"
                    )
                )
                continue
            if regular:
                files.append(path)
    found.files.extend(sorted(files))


def _shown(path: Path, root: Path) -> str:
    """How a path inside `root` is named in messages: relative to it, with the folder's own name first."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        return str(path)
    return str(Path(root.name or str(root)) / rel) if rel.parts else (root.name or str(root))
