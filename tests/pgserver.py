"""A throwaway PostgreSQL 16 server with pgvector, from the ``pgserver`` wheel (no root, no apt), for the
integration tests and the benchmarks.

`start()` initialises a data folder in a temporary directory and starts the server on a Unix socket there (as the
``pgserver`` system user when run as root; the wheel handles it). `PgServer.stop()` stops it and removes the folder.
A failure raises `Unavailable` with the reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if "XDG_RUNTIME_DIR" not in os.environ:  # where the wheel keeps its lock file (read at import; must be private)
    _runtime = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
    _runtime.mkdir(mode=0o700, exist_ok=True)
    _runtime.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)


class Unavailable(RuntimeError):
    pass


@dataclass
class PgServer:
    folder: Path
    server: Any

    @property
    def url(self) -> str:
        return str(self.server.get_uri())

    def url_for(self, dbname: str) -> str:
        return str(self.server.get_uri(dbname))

    def stop(self) -> None:
        try:
            self.server.cleanup()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start() -> PgServer:
    try:
        import pgserver
    except ImportError as exc:
        raise Unavailable("未安装 pgserver（pip install 'budget-qa[test]'）") from exc
    folder = Path(tempfile.mkdtemp(prefix="budgetqa-pg-"))
    folder.chmod(0o755)
    try:
        server = pgserver.get_server(folder / "data", cleanup_mode="delete")
    except Exception as exc:  # the wheel raises plain exceptions with the server's log
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"无法启动 PostgreSQL（pgserver）：{exc}") from exc
    return PgServer(folder, server)


if __name__ == "__main__":  # a server for a benchmark by hand: prints its URL, stops on Enter
    srv = start()
    print(srv.url, flush=True)
    try:
        input()
    finally:
        srv.stop()
