"""The card readers as the command line sees them (``outlet-desk reader list`` and ``reader watch``, whose
commands are in :mod:`outlet_desk.reader_cli`): the PC/SC transport, loaded only when used (the CLI must
start without pyscard), the readers now, and the events of the readers until a deadline.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

from outlet_desk.i18n import _, colon
from outlet_desk.reader.card_reader import CardReader, ReaderSnapshot
from outlet_desk.reader.errors import ReaderError
from outlet_desk.reader.events import ReaderEvent
from outlet_desk.reader.supervisor import ReaderSupervisor


def pcsc_transport() -> CardReader:
    # imported here: the command line must load without pyscard/libpcsclite
    from outlet_desk.reader.pcsc_reader import PcscCardReader

    return PcscCardReader()


def service_message(error: ReaderError) -> str:
    """A missing PC/SC service, in words."""
    return _("no PC/SC service") + colon() + error.message


def readers_now() -> dict[str, ReaderSnapshot]:
    """Each reader and its state (raises :class:`ReaderError`, e.g. ``ServiceGone`` without pcscd)."""
    transport = pcsc_transport()
    try:
        return transport.watch(0)
    finally:
        transport.close()


def _concerns(event: ReaderEvent, reader: str | None) -> bool:
    name = getattr(event, "reader", None)
    return reader is None or name is None or str(name).startswith(reader)


def reader_events(reader: str | None, timeout: float | None) -> Iterator[ReaderEvent]:
    """The events of the readers whose name starts with ``reader`` (all without it), until ``timeout``
    seconds have passed (never without it) or the caller stops; the watch is stopped when it ends."""
    events: queue.SimpleQueue[ReaderEvent] = queue.SimpleQueue()
    supervisor = ReaderSupervisor(pcsc_transport(), events.put, reader=reader)
    deadline = None if timeout is None else time.monotonic() + timeout
    supervisor.start()
    try:
        while deadline is None or (remaining := deadline - time.monotonic()) > 0:
            try:
                event = events.get(timeout=0.2 if deadline is None else min(remaining, 0.2))
            except queue.Empty:
                continue
            if _concerns(event, reader):
                yield event
    finally:
        supervisor.stop()
        supervisor.transport.close()
