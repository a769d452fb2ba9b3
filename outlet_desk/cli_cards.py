"""Cards put into the reader one after another, for the commands that scan cards in (``stock scan``,
``stock transfer receive``): each card read is handed to the command, until Ctrl-C, a number of cards or a
number of seconds."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Annotated

import typer

from outlet_desk.cli_support import err, out, refusals
from outlet_desk.i18n import ngettext
from outlet_desk.reader.card_data import CardData

ScanCount = Annotated[int | None, typer.Option("--count", min=1, help="Stop after this many cards.")]
ScanTimeout = Annotated[float | None, typer.Option("--timeout", min=0, help="Stop after this many seconds.")]
ScanReader = Annotated[str | None, typer.Option("--reader", help="Reader name or name prefix.")]


def each_card_read(on_card: Callable[[CardData], str], count: int | None, timeout: float | None,
                   reader: str | None) -> int:
    """Read cards until Ctrl-C, ``count`` cards or ``timeout`` seconds; each card goes to ``on_card`` (inside
    the command line's refusals: a refused card is told, the scanning ends) and its answer is printed. Returns
    how many cards were read."""
    from outlet_desk.reader.events import CardRead, ReaderErrorEvent, ReaderEvent
    from outlet_desk.reader.pcsc_reader import PcscCardReader
    from outlet_desk.reader.supervisor import ReaderSupervisor

    events: queue.SimpleQueue[ReaderEvent] = queue.SimpleQueue()
    supervisor = ReaderSupervisor(PcscCardReader(), events.put, reader=reader)
    deadline = None if timeout is None else time.monotonic() + timeout
    scanned = 0
    supervisor.start()
    try:
        while (count is None or scanned < count) and (deadline is None or time.monotonic() < deadline):
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(event, ReaderErrorEvent):
                err.print(event.error.message, markup=False)
            if not isinstance(event, CardRead) or (reader and not event.reader.startswith(reader)):
                continue
            with refusals():
                said = on_card(event.card)
            scanned += 1
            out.print(said, markup=False)
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop()
        supervisor.transport.close()
    out.print(ngettext("{n} card scanned.", "{n} cards scanned.", scanned).format(n=scanned))
    return scanned

