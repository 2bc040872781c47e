"""One connection pool per PostgreSQL store URL in a process, shared by everything that talks to that store.

The fact table (`index.store.postgres`), the vector cache and the pgvector index (`index.search.vectors_pg`) borrow a
connection for each query from the same `psycopg_pool.ConnectionPool`, so the web server's worker threads read in
parallel instead of queueing behind one connection and a lock. A write transaction keeps its connection for the
whole transaction (`Records` reads inside it go through the same connection).

Connections are autocommit with dict rows. ``BUDGETQA_PG_POOL`` sets the most connections a process opens (default
`DEFAULT_MAX`; a server allows 100 by default, so ten web servers fit). Each schema is applied at every
URL, under an advisory lock: several machines may start at once. A process made by fork must not use its parent's
pool: `index.parallel` starts its workers with spawn.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Any

from index.errors import LibraryError, MissingExtra
from index.store.records import redact

DEFAULT_MAX = 10
CONNECT_TIMEOUT = 10  # seconds to the first connection: a wrong address fails fast, in Chinese
_SCHEMA_LOCK = 0x62756467  # pg_advisory_xact_lock key while creating a schema ("budg")

_POOLS: dict[str, Any] = {}
_USERS: dict[str, int] = {}
_LOCK = threading.Lock()


def psycopg() -> Any:
    try:
        import psycopg as module
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        raise MissingExtra("使用 PostgreSQL 存储", "pip install 'budget-qa[pg]'") from exc
    return module


def unreachable(url: str, exc: BaseException) -> LibraryError:
    return LibraryError(
        f"无法连接 PostgreSQL（{redact(url)}）：{str(exc).strip() or type(exc).__name__}。"
        "请检查地址、服务器是否运行以及访问权限。"
    )


def max_size() -> int:
    try:
        return max(1, int(os.environ.get("BUDGETQA_PG_POOL", DEFAULT_MAX)))
    except ValueError:
        return DEFAULT_MAX


def acquire(url: str) -> Any:
    """The process's pool for `url`, opened on first use (raises `LibraryError` when the server cannot be reached)."""
    with _LOCK:
        pool = _POOLS.get(url)
        if pool is not None and not pool.closed:
            _USERS[url] += 1
            return pool
        module = psycopg()
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool, PoolTimeout

        try:  # one direct connection first: a wrong address or a stopped server fails at once, saying why
            module.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
        except module.Error as exc:
            raise unreachable(url, exc) from exc
        pool = ConnectionPool(
            url, min_size=1, max_size=max_size(), open=False, timeout=60, name="budgetqa",
            kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": CONNECT_TIMEOUT},
        )  # fmt: skip
        try:
            pool.open(wait=True, timeout=CONNECT_TIMEOUT + 5)
        except (PoolTimeout, module.Error) as exc:
            pool.close()
            raise unreachable(url, exc) from exc
        _POOLS[url], _USERS[url] = pool, 1
        return pool


def release(url: str) -> None:
    """Give back a pool taken with `acquire`; the last user closes it."""
    with _LOCK:
        _USERS[url] = _USERS.get(url, 1) - 1
        if _USERS[url] <= 0 and url in _POOLS:
            _POOLS.pop(url).close()
            _USERS.pop(url, None)


def apply_schema(pool: Any, schema: str) -> None:
    """Run `schema` (idempotent DDL) in one transaction, under an advisory lock: several machines may start at once."""
    with pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        conn.execute(schema)


def close_all() -> None:
    with _LOCK:
        for pool in _POOLS.values():
            pool.close()
        _POOLS.clear()
        _USERS.clear()


atexit.register(close_all)
