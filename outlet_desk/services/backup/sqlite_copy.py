"""Copying a SQLite store with SQLite's online backup API (``sqlite3.Connection.backup``).

The copy is made a few pages at a time, so a progress bar can follow it, while the counters go on
writing: in WAL mode a reader never blocks a writer. A write by another connection between two steps
makes SQLite start the copy again from the first page (so the copy is always one consistent moment of
the store); after :data:`RESTARTS_TOLERATED` such restarts the rest is copied in one step, which holds
one read transaction for its length and still blocks no writer.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

PAGES_PER_STEP = 256
RESTARTS_TOLERATED = 3


class _RestartedTooOften(Exception):
    pass


def copy_database(source: sqlite3.Connection, target: Path, progress: Callable[[int, int], None]) -> None:
    """Copy the database open on ``source`` into the (empty or new) file ``target``; ``progress(done,
    total)`` in pages. The copy is left in rollback-journal mode: one self-contained file, no -wal."""
    with contextlib.closing(sqlite3.connect(target, isolation_level=None)) as copy:
        restarts = 0
        left: int | None = None

        def step(_status: int, remaining: int, total: int) -> None:
            nonlocal restarts, left
            if left is not None and remaining > left:  # another connection wrote: SQLite starts again
                restarts += 1
                if restarts > RESTARTS_TOLERATED:
                    raise _RestartedTooOften()
            left = remaining
            progress(total - remaining, total)

        try:
            source.backup(copy, pages=PAGES_PER_STEP, progress=step, sleep=0)
        except _RestartedTooOften:
            source.backup(copy, pages=-1)
        pages = copy.execute("PRAGMA page_count").fetchone()[0]
        copy.execute("PRAGMA journal_mode=DELETE")
        progress(pages, pages)


@contextlib.contextmanager
def opened(path: Path, *, read_only: bool, busy_timeout_ms: int = 5000) -> Iterator[sqlite3.Connection]:
    """A plain connection to the SQLite file ``path`` (read-only: the file is not changed, and a copy in
    rollback-journal mode gets no -wal or -shm beside it)."""
    uri = f"{path.absolute().as_uri()}?mode=ro" if read_only else path.absolute().as_uri()
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_timeout_ms / 1000)
    try:
        yield conn
    finally:
        conn.close()
