"""Atomic file writes, and why a write into the library failed when it is the disk's or the folder's fault."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

NEARLY_FULL = 1024 * 1024  # bytes free below which an unexplained write error is put down to a full disk

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 3, 8, 10, 13, 14


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_problem(exc: BaseException, folder: Path) -> str | None:
    """A short Chinese reason when `exc`, raised by a write into `folder`, comes from a full disk, a read-only disk or
    folder, or missing permission; None for any other error. SQLite's own codes are used where they say it; an I/O
    error without a cause (SQLite cannot size its shared-memory file on a full disk) is judged by the folder."""
    code = exc.errno if isinstance(exc, OSError) else None
    if isinstance(exc, sqlite3.Error):
        primary = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        if primary == _SQLITE_FULL:
            return disk_full(folder)
        if primary == _SQLITE_READONLY:
            return folder_problem(folder) or READ_ONLY
        if primary not in (_SQLITE_IOERR, _SQLITE_CANTOPEN, _SQLITE_PERM):
            return None
        return folder_problem(folder)
    if code in _FULL_ERRNOS:
        return disk_full(folder)
    if code == errno.EROFS:
        return READ_ONLY
    if code in (errno.EACCES, errno.EPERM):
        return NO_PERMISSION
    return None


READ_ONLY = "资料库所在的磁盘或文件夹是只读的"
NO_PERMISSION = "没有写入资料库文件夹的权限"


def folder_problem(folder: Path) -> str | None:
    """Why nothing can be written into `folder` right now (read-only, no permission, disk full), or None."""
    probe = folder if folder.exists() else folder.parent
    try:
        if unwritable(probe):
            return unwritable(probe)
        if shutil.disk_usage(probe).free < NEARLY_FULL:
            return disk_full(probe)
    except OSError:
        return None
    return None


def unwritable(path: Path) -> str | None:
    """Why `path` (a file or folder) cannot be written at all - a read-only disk, no permission - or None."""
    return None if os.access(path, os.W_OK) else _access_reason(path)


def _access_reason(path: Path) -> str:
    try:
        readonly_mount = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        readonly_mount = False
    return READ_ONLY if readonly_mount else NO_PERMISSION


def disk_full(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder if folder.exists() else folder.parent).free
    except OSError:
        return "资料库所在的磁盘空间不足"
    return f"资料库所在的磁盘空间不足（剩余 {human_size(free)}）"


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} 字节"
