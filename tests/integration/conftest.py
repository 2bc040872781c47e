"""A real PostgreSQL server with pgvector for the session (the pgserver wheel; see tests/pgserver.py), and a fresh
database per test. Without the extra the tests skip, but only outside CI: with CI set (``.ci/run``), a missing
package or a server that does not start fails the run."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from tests import pgserver

_names = itertools.count()


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI 中 PostgreSQL 集成测试无法运行：{why}", pytrace=False)
    pytest.skip(f"{why}：跳过 PostgreSQL 集成测试")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    try:
        import pgserver as _wheel  # noqa: F401
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        _unavailable(f"未安装 {exc.name}（pip install 'budget-qa[test]'）")
    server = pgserver.start()  # installed but not starting is a failure, in CI or not
    yield server
    from index.store.pg_pool import close_all

    close_all()
    server.stop()


@pytest.fixture
def pg_url(pg_server: pgserver.PgServer) -> str:
    """The URL of a new, empty database on the session's server."""
    import psycopg

    name = f"t{next(_names)}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_server.url_for(name)
