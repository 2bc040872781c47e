"""A real PostgreSQL server for the session (Debian's packages; see tests/pgserver.py), and a fresh database per
test. Where the server cannot start, the tests that need it skip and say why."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests import pgserver

_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("未安装 psycopg（pip install 'budget-qa[pg]'）：跳过 PostgreSQL 集成测试")
    try:
        server = pgserver.start()
    except pgserver.Unavailable as exc:
        pytest.skip(f"PostgreSQL 无法启动，跳过集成测试：{exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: pgserver.PgServer) -> str:
    """The URL of a new, empty database on the session's server."""
    import psycopg

    name = f"t{next(_names)}"
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_server.url_for(name)
