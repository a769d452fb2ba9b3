"""The queue of a SQLite store's writers: one writing transaction at a time, waiting without sleeping.

SQLite lets one writer in at a time; the others, left to its busy handler, sleep and retry (1, 2, 5, 10 ...
100 ms), so a writer that arrives while the store is busy may sleep past several later arrivals: unfair, and
the slowest counter's wait grows to a second at eight counters. Here a writer first takes its turn: a thread
lock inside the process, then an exclusive ``flock`` on a file beside the store (``<store>-writers``) across
processes, both blocking waits that wake the moment the turn is free. Then it begins (``BEGIN IMMEDIATE``),
which finds the store free; the busy timeout is left for writers that do not queue (a migration, a
verification's checkpoint, a backup).

A turn is held for one transaction and released at its end; a process that dies releases it with its file. A
writer already inside a turn on the same thread (a use case inside another) does not queue twice.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine


class TurnNotGiven(TimeoutError):
    """The turn did not come within the timeout: the caller reports the store busy."""


class WriterQueue:
    """The writers of one SQLite store file (one per process: :func:`queue_of`)."""

    def __init__(self, lock_file: Path | None) -> None:
        self._lock_file = lock_file
        self._inside = threading.Lock()
        self._fd: int | None = None
        self._holder = threading.local()

    def _file(self) -> int:
        if self._fd is None:
            assert self._lock_file is not None
            self._fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    @contextmanager
    def turn(self, timeout_s: float) -> Iterator[None]:
        """Wait for this writer's turn (at most ``timeout_s`` for the writers of this process), hold it inside."""
        if getattr(self._holder, "inside", False):
            yield  # already this thread's turn
            return
        if not self._inside.acquire(timeout=timeout_s):
            raise TurnNotGiven()
        try:
            if self._lock_file is not None:
                try:
                    fcntl.flock(self._file(), fcntl.LOCK_EX)
                except OSError:
                    # No file can be made beside the store (a read-only folder or store): SQLite's own lock
                    # and busy handler are left to queue the writers, and the store says why it cannot write.
                    self._lock_file = None
            self._holder.inside = True
            try:
                yield
            finally:
                self._holder.inside = False
                if self._lock_file is not None:
                    fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._inside.release()


def store_file(database: str) -> str:
    """The file of a SQLite URL's database: a ``file:`` URI (``file:/path/outlet.db?mode=ro``) names it without
    its scheme and parameters."""
    if not database.startswith("file:"):
        return database
    path = database[len("file:"):].split("?", 1)[0]
    return path[2:] if path.startswith("///") else path


_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()
_by_engine: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()
"""Each engine's queue once found (every writing use case asks; finding it resolves the store's path)."""


def queue_of(engine: Engine) -> WriterQueue | None:
    """The writer queue of ``engine``'s SQLite store (None on PostgreSQL, whose row locks queue its writers)."""
    if engine.dialect.name != "sqlite":
        return None
    known = _by_engine.get(engine)
    if known is not None:
        return known
    database = engine.url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:") or "mode=memory" in database
    key = f"memory:{id(engine)}" if in_memory else str(Path(store_file(database)).resolve())
    with _queues_lock:
        queue = _queues.get(key)
        if queue is None:
            queue = _queues[key] = WriterQueue(None if in_memory else Path(key + "-writers"))
        _by_engine[engine] = queue
        return queue
