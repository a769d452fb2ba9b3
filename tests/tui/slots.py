"""The reader slot a Pilot test puts a card into: the in-process training reader's, or vpcd's behind the real
pcscd (the ``slot`` fixture in tests/tui/conftest.py gives both, one test run each)."""

from __future__ import annotations

import time
from typing import Any, Protocol

from outlet_desk.reader.training_reader import TrainingReader
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.widgets.reader_feed import SupervisedReader
from tests.fixtures_pcsc import SETTLE_S, wait_empty, wait_present


class Slot(Protocol):
    """The slot of the reader the clerk puts a card into."""

    def insert(self, card: VirtualCard) -> None: ...

    def remove(self) -> None: ...


class TrainingSlot:
    """The in-process training reader's slot."""

    def __init__(self) -> None:
        self.reader = TrainingReader()

    def insert(self, card: VirtualCard) -> None:
        self.reader.insert(card)

    def remove(self) -> None:
        self.reader.remove()


class VpcdSlot:
    """vpcd's slot 1 behind the real pcscd; insertion and removal wait until pcscd has seen them."""

    def __init__(self, reader: str) -> None:
        self.reader = reader
        self.link: Any = None

    def insert(self, card: VirtualCard) -> None:
        from outlet_desk.reader.vpcd_link import VpcdLink

        self.link = VpcdLink(card, 1)
        self.link.insert()
        wait_present(self.reader, card.atr)

    def remove(self) -> None:
        if self.link is not None:
            self.link.remove()
            self.link = None
            wait_empty(self.reader)
            time.sleep(SETTLE_S)


def training_slot() -> tuple[TrainingSlot, SupervisedReader]:
    """The training reader's slot and the desk's reader feed on it."""
    training = TrainingSlot()
    return training, SupervisedReader(training.reader, poll_s=0.05)
