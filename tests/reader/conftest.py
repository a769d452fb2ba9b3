"""Helpers for the reader tests: an event recorder and supervisors over both transports."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from outlet_desk.reader.events import ReaderEvent
from outlet_desk.reader.issuer_auth import TRAINING_ISSUER_KEY, write_issuer_key


class EventRecorder:
    """Collects supervisor events; ``wait_for`` blocks until one matches (or fails the test)."""

    def __init__(self) -> None:
        self.events: list[tuple[float, ReaderEvent]] = []
        self._cond = threading.Condition()

    def __call__(self, event: ReaderEvent) -> None:
        with self._cond:
            self.events.append((time.monotonic(), event))
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.events)

    def wait_for(
        self, predicate: Callable[[ReaderEvent], bool], timeout: float, since: int = 0
    ) -> tuple[float, ReaderEvent]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for stamp, event in self.events[since:]:
                    if predicate(event):
                        return stamp, event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [e for _t, e in self.events[since:]]
                    raise AssertionError(f"no matching event within {timeout} s; saw {seen}")
                self._cond.wait(remaining)

    def of_reader(self, reader: str, since: int = 0) -> list[ReaderEvent]:
        with self._cond:
            return [e for _t, e in self.events[since:] if getattr(e, "reader", None) == reader]


@pytest.fixture
def recorder() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
def issuer_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "issuer.key"
    write_issuer_key(path, TRAINING_ISSUER_KEY)
    return path


@pytest.fixture
def wrong_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "wrong.key"
    write_issuer_key(path, bytes(range(24)))
    return path


@pytest.fixture
def stop_all() -> Iterator[list[Callable[[], None]]]:
    """Callables registered here run at teardown (last first), even when the test failed."""
    stoppers: list[Callable[[], None]] = []
    yield stoppers
    for stop in reversed(stoppers):
        stop()
