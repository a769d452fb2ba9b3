"""Engines for the store: SQLite by default (WAL, foreign keys, busy timeout), PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import create_engine

WRITE = {"begin_mode": "IMMEDIATE"}
"""Execution options for a writing transaction: on SQLite it starts with BEGIN IMMEDIATE, so two
counters writing at once queue on the busy timeout instead of failing half-way with SQLITE_BUSY."""


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, busy_timeout_ms: int = 5000, echo: bool = False) -> Engine:
    """Create the engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        )
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    # No pre-ping (it would double every round trip); connections are recycled instead, and a dropped
    # connection surfaces once as an error the unit of work reports.
    return create_engine(url, echo=echo, pool_recycle=1800)


SQLITE_SYNCHRONOUS = "FULL"
"""SQLite's ``synchronous`` pragma: FULL syncs the WAL at every commit, so a committed use case survives an
operating-system crash or power cut, not only a crash of the desk (NORMAL may lose the last commits then).
Its cost was measured with ``benchmarks/commit_cost.py`` (BENCHMARKS.md)."""

READ_ONLY = {"isolation_level": "AUTOCOMMIT"}
"""Execution options for one read-only statement on PostgreSQL: no BEGIN/ROLLBACK round trips."""


def read_connection(engine: Engine) -> Connection:
    """A connection for a single read-only statement (autocommit on PostgreSQL; SQLite reads are local)."""
    conn = engine.connect()
    if not is_sqlite(engine):
        conn = conn.execution_options(**READ_ONLY)
    return conn


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction over one consistent snapshot of the store (REPEATABLE READ on PostgreSQL; a
    SQLite read transaction in WAL mode already is one), rolled back at the end."""
    conn = engine.connect()
    if not is_sqlite(engine):
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    try:
        conn.begin()
        yield conn
    finally:
        conn.rollback()
        conn.close()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred-only).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        # Deleted and rewritten content is overwritten with zeros, not left in free pages of the file (the
        # plain values a migration sealed, a row deleted): what `.dump` cannot show, a hex editor cannot either.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("begin_mode", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
