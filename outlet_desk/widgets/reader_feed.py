"""The thin adapter between the reader supervisor and the app's :class:`~outlet_desk.app.ReaderFeed`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from outlet_desk.config import Settings
from outlet_desk.i18n import _
from outlet_desk.reader.card_reader import CardReader
from outlet_desk.reader.events import ReaderEvent
from outlet_desk.reader.supervisor import ReaderSupervisor
from outlet_desk.reader.training_reader import TrainingReader

log = logging.getLogger(__name__)


class SupervisedReader:
    """Runs a :class:`ReaderSupervisor` over ``transport`` and forwards its events to the app."""

    def __init__(self, transport: CardReader, *, reader_name: str | Callable[[str], bool] | None = None,
                 read_timeout: float = 3.0,
                 poll_s: float = 0.5) -> None:
        self.transport = transport
        self._reader_name = reader_name
        self._read_timeout = read_timeout
        self._poll_s = poll_s
        self.supervisor: ReaderSupervisor | None = None

    @property
    def is_training(self) -> bool:
        return bool(self.transport.is_training)

    @property
    def training_slot(self) -> TrainingReader | None:
        """The training reader, whose cards a trainer puts in and takes out from the palette."""
        return self.transport if isinstance(self.transport, TrainingReader) else None

    def state_text(self) -> str:
        if self.supervisor is None:
            return _("no reader")
        return self.supervisor.state.label()

    def start(self, on_event: Callable[[ReaderEvent], None]) -> None:
        self.supervisor = ReaderSupervisor(self.transport, on_event, reader=self._reader_name,
                                           read_timeout=self._read_timeout, poll_s=self._poll_s)
        self.supervisor.start()

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop()
        self.transport.close()


def reader_from_settings(settings: Settings) -> SupervisedReader | None:
    """The training reader for ``mode = "virtual"``, PC/SC otherwise; None when pyscard cannot load."""
    # outlet.toml's reader_name (a glob, or a piece of the name, case ignored) picks the counter's reader;
    # "*" = any reader, the one holding a card first.
    name = None if settings.reader.reader_name == "*" else settings.reader.matches
    if settings.reader.mode == "virtual":  # empty: the palette's "Training reader: ..." commands fill it
        return SupervisedReader(TrainingReader(), read_timeout=settings.reader.read_timeout_seconds)
    try:
        from outlet_desk.reader.pcsc_reader import PcscCardReader
    except ImportError:  # pyscard missing: the footer says there is no reader service
        log.warning("pyscard is not installed; no card reader")
        return None
    return SupervisedReader(PcscCardReader(), reader_name=name, read_timeout=settings.reader.read_timeout_seconds)
