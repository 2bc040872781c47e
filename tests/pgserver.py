"""A throwaway PostgreSQL server from Debian's packages, for the integration tests.

`start()` runs initdb in a temporary folder and starts the server on a Unix socket there (no TCP port), as the
`postgres` system user when the tests run as root (initdb refuses root). `PgServer.stop()` stops it and removes the
folder. Every failure raises `Unavailable` with the reason, which the fixture turns into a skip message.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PORT = 54329


class Unavailable(RuntimeError):
    pass


@dataclass
class PgServer:
    folder: Path
    bindir: Path
    user: str | None

    @property
    def url(self) -> str:
        return f"postgresql://budgetqa@/postgres?host={self.folder}&port={PORT}"

    def url_for(self, dbname: str) -> str:
        return f"postgresql://budgetqa@/{dbname}?host={self.folder}&port={PORT}"

    def stop(self) -> None:
        _run(
            self, [str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"], check=False
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise Unavailable("未找到 PostgreSQL 服务器（Debian 软件包 postgresql）：请运行 scripts/install-postgres.sh")
    return Path(found[-1]).parent


def _run(server: PgServer, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    if server.user:
        argv = ["runuser", "-u", server.user, "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise Unavailable(f"{' '.join(argv)} 失败：{(done.stderr or done.stdout).strip()[-500:]}")
    return done


def start() -> PgServer:
    bindir = _bindir()
    user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="budgetqa-pg-"))
    server = PgServer(folder, bindir, user)
    try:
        if user:
            shutil.chown(folder, user)
        folder.chmod(0o755)
        _run(server, [str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "budgetqa", "-A", "trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])  # fmt: skip
        options = f"-k {folder} -p {PORT} -c listen_addresses='' -c fsync=off -c shared_buffers=64MB"
        _run(server, [str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-o", options, "-l",
                      str(folder / "server.log"), "-w", "-t", "60", "start"])  # fmt: skip
    except (Unavailable, OSError, subprocess.SubprocessError) as exc:
        log = folder / "server.log"
        tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"无法启动 PostgreSQL：{exc} {tail}".strip()) from exc
    return server
