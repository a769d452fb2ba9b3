"""Making a race certain: two use cases that read the same row wait for each other right after the read.

Without a row lock both read the old value and both write; with one (``FOR UPDATE`` on PostgreSQL, the
exclusive write transaction on SQLite) the second read waits for the first commit, the wait here gives up
after ``seconds``, and the second use case sees the first one's result.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextlib.contextmanager
def reads_held_together(engine: Engine, table: str, parties: int = 2, seconds: float = 2.0) -> Iterator[None]:
    """While inside, every SELECT from ``table`` waits (at most ``seconds``) until ``parties`` have read it."""
    together = threading.Barrier(parties)

    def hold(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            with contextlib.suppress(threading.BrokenBarrierError):  # the other one is held by the lock
                together.wait(timeout=seconds)

    event.listen(engine, "after_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine, "after_cursor_execute", hold)
