"""The in-process transport for training mode: virtual cards in virtual readers, no pcscd needed.

It speaks the same :class:`~outlet_desk.reader.card_reader.CardReader` protocol as the PC/SC
transport, with the same deadlines (operations run in a worker thread per reader), so screens and
services behave identically; only ``is_training`` and ``description`` ("training reader") differ.
Cards go in and out with :meth:`TrainingReader.insert` and :meth:`TrainingReader.remove`, readers
with :meth:`TrainingReader.unplug` and :meth:`TrainingReader.plug`; :meth:`TrainingReader.stop_service`
and :meth:`TrainingReader.start_service` imitate the PC/SC service going away and coming back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from outlet_desk.i18n import _
from outlet_desk.reader.card_reader import ReaderOperations, ReaderSnapshot
from outlet_desk.reader.card_session import Transmit
from outlet_desk.reader.errors import CardGone, NoReader, ServiceGone
from outlet_desk.reader.operation_worker import OperationWorker
from outlet_desk.reader.virtual_card import VirtualCard

T = TypeVar("T")

DEFAULT_READERS = ("Training Reader 00", "Training Reader 01")
_POWER_ON, _RESET = 0x01, 0x02


class TrainingReader(ReaderOperations):
    """:class:`~outlet_desk.reader.card_reader.CardReader` over in-process :class:`VirtualCard` s."""

    is_training = True

    def __init__(self, readers: Sequence[str] = DEFAULT_READERS) -> None:
        if not readers:
            raise ValueError("a training reader needs at least one slot")
        self._cards: dict[str, VirtualCard | None] = dict.fromkeys(readers)
        self._unplugged: set[str] = set()
        self._generations: dict[str, int] = dict.fromkeys(readers, 0)
        self._workers = {r: OperationWorker(f"training-{r}") for r in readers}
        self._service_up = True
        self._version = 0
        self._seen_version = -1
        self._cancelled = False
        self._cond = threading.Condition()

    @property
    def description(self) -> str:
        return _("training reader")

    @property
    def reader_names(self) -> list[str]:
        """All slots, plugged in or not."""
        return list(self._cards)

    def _plugged(self) -> list[str]:
        return [name for name in self._cards if name not in self._unplugged]

    # -- training controls --------------------------------------------------------------------
    def insert(self, card: VirtualCard, reader: str | None = None) -> str:
        """Put ``card`` into ``reader`` (default: the first slot); returns the reader name."""
        name = reader or self.reader_names[0]
        with self._cond:
            if name not in self._cards:
                raise NoReader(f"no training reader {name!r}")
            if self._cards[name] is not None:
                raise ValueError(f"{name} already holds a card")
            self._cards[name] = card
            self._changed(name)
        return name

    def remove(self, reader: str | None = None) -> VirtualCard | None:
        """Take the card out of ``reader`` (a hanging card is released); returns it."""
        name = reader or self.reader_names[0]
        with self._cond:
            card = self._cards.get(name)
            if card is not None:
                self._cards[name] = None
                self._changed(name)
        if card is not None:
            card.release()
        return card

    def card_in(self, reader: str | None = None) -> VirtualCard | None:
        return self._cards.get(reader or self.reader_names[0])

    def unplug(self, reader: str) -> None:
        """The reader's cable is pulled: it disappears from the list (a card in it stays there)."""
        with self._cond:
            self._unplugged.add(reader)
            self._changed(reader)

    def plug(self, reader: str) -> None:
        with self._cond:
            self._unplugged.discard(reader)
            self._changed(reader)

    def stop_service(self) -> None:
        with self._cond:
            self._service_up = False
            self._version += 1
            self._cond.notify_all()

    def start_service(self) -> None:
        with self._cond:
            self._service_up = True
            self._version += 1
            self._cond.notify_all()

    def _changed(self, reader: str) -> None:
        self._generations[reader] += 1
        self._version += 1
        self._cond.notify_all()

    # -- CardReader ---------------------------------------------------------------------------
    def list_readers(self) -> list[str]:
        with self._cond:
            if not self._service_up:
                raise ServiceGone("training service stopped")
            return self._plugged()

    def watch(self, timeout: float) -> dict[str, ReaderSnapshot]:
        with self._cond:
            self._cond.wait_for(lambda: self._version != self._seen_version or self._cancelled, timeout)
            self._cancelled = False
            if not self._service_up:
                self._seen_version = -1
                raise ServiceGone("training service stopped")
            self._seen_version = self._version
            return {
                name: ReaderSnapshot(card is not None, card.atr if card else b"", self._generations[name])
                for name, card in self._cards.items()
                if name not in self._unplugged
            }

    def cancel_watch(self) -> None:
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()

    def _run(
        self, reader: str, operation: Callable[[Transmit], T], timeout: float, *, reset_after: bool
    ) -> T:
        worker = self._workers.get(reader)
        if worker is None:
            raise NoReader(f"no training reader {reader!r}")
        return worker.run(lambda: self._session(reader, operation, reset_after), timeout)

    def _session(self, reader: str, operation: Callable[[Transmit], T], reset_after: bool) -> T:
        with self._cond:
            if not self._service_up:
                raise ServiceGone("training service stopped")
            if reader in self._unplugged:
                raise NoReader(f"training reader {reader!r} unplugged")
            card = self._cards.get(reader)
        if card is None:
            raise CardGone("no card in the training reader")
        card.power(_POWER_ON)

        def transmit(command: bytes) -> bytes:
            if self._cards.get(reader) is not card:
                raise CardGone("card removed")
            response = card.process(command)
            if response is None:  # the card died mid-APDU: it is gone from the reader
                self.remove(reader)
                return b""
            if self._cards.get(reader) is not card:
                raise CardGone("card removed")
            return response

        result = operation(transmit)
        if reset_after:
            card.power(_RESET)
        return result

    def close(self) -> None:
        self.cancel_watch()
        for worker in self._workers.values():
            worker.stop()
