"""SQLite commits are durable across an operating-system crash: every connection runs synchronous=FULL
(the cost is in BENCHMARKS.md)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from outlet_desk.db.engine import make_engine


def test_every_sqlite_connection_syncs_each_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/outlet.db")
    try:
        with engine.connect() as first, engine.connect() as second:
            for conn in (first, second):
                assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
                assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        engine.dispose()
