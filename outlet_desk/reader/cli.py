"""``outlet-desk reader ...``: list readers and watch cards from the command line.

``reader_app`` is a Typer sub-app (mounted by the main CLI with ``add_typer(reader_app, name="reader")``).
:func:`run_emulator` puts a :class:`VirtualCard` into a vpcd slot until stopped (``card emulate``), once
pcscd has taken it in (else :class:`~outlet_desk.reader.errors.EmulatorNotInserted`).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Annotated

import typer

from outlet_desk.i18n import _, colon
from outlet_desk.reader.card_reader import CardReader
from outlet_desk.reader.errors import EmulatorNotInserted, ReaderError, ServiceGone
from outlet_desk.reader.events import CardRead, ReaderErrorEvent, ReaderEvent, card_json, describe
from outlet_desk.reader.supervisor import ReaderSupervisor
from outlet_desk.reader.virtual_card import VirtualCard
from outlet_desk.reader.vpcd_link import NotAccepted, VpcdLink

reader_app = typer.Typer(help="Card readers: list them and watch cards.", no_args_is_help=True)


def _transport() -> CardReader:
    # imported here: mounting this sub-app must not need pyscard/libpcsclite to load
    from outlet_desk.reader.pcsc_reader import PcscCardReader

    return PcscCardReader()


def _service_message(error: ReaderError) -> str:
    return _("no PC/SC service") + colon() + error.message


def _concerns(event: ReaderEvent, reader: str | None) -> bool:
    name = getattr(event, "reader", None)
    return reader is None or name is None or str(name).startswith(reader)


@reader_app.command("list")
def list_readers(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for a script (its schema: docs/json/).")]
    = False,
) -> None:
    """List the card readers and whether each holds a card."""
    transport = _transport()
    try:
        snapshot = transport.watch(0)
    except ServiceGone as error:
        typer.echo(_service_message(error), err=True)
        raise typer.Exit(1) from None
    except ReaderError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1) from None
    finally:
        transport.close()
    if as_json:
        typer.echo(json.dumps([{"name": name, "card_present": state.present} for name, state in snapshot.items()],
                              ensure_ascii=False, indent=2))
        return
    if not snapshot:
        typer.echo(_("no reader"))
    for name, state in snapshot.items():
        status = _("card present") if state.present else _("no card")
        typer.echo(f"{name}\t{status}")


@reader_app.command("watch")
def watch(
    once: Annotated[bool, typer.Option("--once", help="Wait for one card, print it as JSON, exit.")] = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Give up after this many seconds.", min=0)
    ] = None,
    reader: Annotated[str | None, typer.Option("--reader", help="Reader name or name prefix.")] = None,
) -> None:
    """Print reader and card events (and the data of each card read) until Ctrl-C."""
    events: queue.SimpleQueue[ReaderEvent] = queue.SimpleQueue()
    supervisor = ReaderSupervisor(_transport(), events.put, reader=reader)
    deadline = None if timeout is None else time.monotonic() + timeout
    supervisor.start()
    try:
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                if once:
                    typer.echo(_("No card was read within {seconds} s.").format(seconds=timeout), err=True)
                    raise typer.Exit(1)
                return
            try:
                event = events.get(timeout=min(remaining, 0.2) if remaining is not None else 0.2)
            except queue.Empty:
                continue
            if not _concerns(event, reader):
                continue
            if not once:
                typer.echo(describe(event))
                continue
            if isinstance(event, CardRead):
                typer.echo(card_json(event))
                return
            if isinstance(event, ReaderErrorEvent):
                message = (
                    _service_message(event.error) if isinstance(event.error, ServiceGone) else event.error.message
                )
                typer.echo(message, err=True)
                raise typer.Exit(1)
    except KeyboardInterrupt:
        return
    finally:
        supervisor.stop()
        supervisor.transport.close()


ACCEPT_TIMEOUT_S = 3.0
"""How long ``card emulate`` waits for pcscd to take the card in (it polls the slot every ~0.4 s)."""


def _not_inserted(problem: NotAccepted, link: VpcdLink, timeout: float) -> EmulatorNotInserted:
    slot, (host, port) = link.slot, link.address
    if problem is NotAccepted.NOTHING_LISTENS:
        message = _(
            "The virtual card was not inserted: nothing takes cards on virtual reader slot {slot} "
            "({host}:{port} refuses the connection), so the PC/SC service (pcscd) with the vpcd virtual "
            "reader is not running. Start pcscd and try again."
        ).format(slot=slot, host=host, port=port)
    else:
        message = _(
            "The virtual card was not inserted: virtual reader slot {slot} is already used by another "
            "card emulator (pcscd did not ask this card for its ATR within {seconds} s). Stop the other "
            "emulator, or use the other slot (--slot {other})."
        ).format(slot=slot, seconds=f"{timeout:g}", other=1 - slot if slot in (0, 1) else 0)
    return EmulatorNotInserted(message, problem.value)


def run_emulator(
    card: VirtualCard,
    slot: int,
    stop: threading.Event | None = None,
    *,
    on_inserted: Callable[[], None] | None = None,
    accept_timeout: float = ACCEPT_TIMEOUT_S,
) -> None:
    """Put ``card`` into vpcd slot ``slot`` (port 35963 + slot) and keep it there until ``stop`` is set
    or Ctrl-C. The card stays "inserted" across pcscd restarts; it is removed when this returns.

    ``on_inserted`` is called once pcscd has taken the card in (vpcd asked for its ATR). If that does not
    happen within ``accept_timeout`` seconds the card is removed again and :class:`EmulatorNotInserted`
    says why (no pcscd, or the slot is held by another emulator)."""
    stop = stop or threading.Event()
    link = VpcdLink(card, slot, reconnect=True)
    link.insert()
    try:
        problem = link.wait_accepted(accept_timeout)
        if problem is not None:
            raise _not_inserted(problem, link, accept_timeout)
        if on_inserted is not None:
            on_inserted()
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        link.remove()
