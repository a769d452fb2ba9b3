"""Run card operations in a worker thread with a deadline.

vpcd (and some real readers) have no timeout: a card that stops answering blocks ``SCardTransmit``
forever. So every operation runs in the reader's own daemon worker thread and the caller waits at most
``timeout`` seconds; then it gets :class:`CardNotResponding` and the operation is abandoned.

Consequence of a hung reader: the worker stays blocked inside the PC/SC call until the card answers or
is pulled out (vpcd then sees EOF and the call fails). Until then that reader cannot run anything else:
later operations on it queue behind the stuck one and end in :class:`CardNotResponding` at their own
deadline; an operation still queued when its caller gives up is cancelled and never runs. Other
readers, reader/card monitoring and the rest of the app are not affected. Worker threads are daemons,
so a hung card never keeps the process from exiting.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from outlet_desk.reader.errors import CardNotResponding

T = TypeVar("T")

_PENDING, _RUNNING, _DONE, _CANCELLED = range(4)


class _Job(Generic[T]):
    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None
        self._state = _PENDING
        self._lock = threading.Lock()

    def _leave_pending(self, state: int) -> bool:
        """Move from pending to ``state``; False when it had already left pending (started, cancelled, done)."""
        with self._lock:
            if self._state != _PENDING:
                return False
            self._state = state
            return True

    def start(self) -> bool:
        return self._leave_pending(_RUNNING)

    def cancel(self) -> bool:
        """Cancel if not started yet; False when it is already running (or done)."""
        return self._leave_pending(_CANCELLED)

    def finish(self) -> None:
        with self._lock:
            self._state = _DONE
        self.done.set()


class OperationWorker:
    """One daemon thread that runs submitted operations one at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: queue.SimpleQueue[_Job[object] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._busy = threading.Event()
        self._thread.start()

    @property
    def busy(self) -> bool:
        """True while an operation runs (or hangs)."""
        return self._busy.is_set()

    def run(self, fn: Callable[[], T], timeout: float) -> T:
        """Run ``fn`` in the worker; its exception is re-raised here; past ``timeout``: not responding."""
        job: _Job[T] = _Job(fn)
        self._queue.put(job)  # type: ignore[arg-type]
        if not job.done.wait(timeout):
            if job.cancel():
                raise CardNotResponding(f"{self.name}: reader still busy with a card that did not answer")
            if not job.done.wait(0):
                raise CardNotResponding(f"{self.name}: no answer within {timeout:.1f} s")
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def stop(self) -> None:
        """Let the thread end after the current operation (it is a daemon anyway)."""
        self._queue.put(None)

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if not job.start():
                continue
            self._busy.set()
            try:
                job.result = job.fn()
            except BaseException as exc:  # delivered to the caller, never lost
                job.error = exc
            finally:
                self._busy.clear()
                job.finish()
