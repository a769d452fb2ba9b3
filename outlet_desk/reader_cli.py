"""``outlet-desk reader list`` and ``reader watch``: the card readers, and the cards put into them.

A card's chip holds its holder's personal data. ``reader watch`` prints it masked as the desk masks it
everywhere (the citizen number, the name; no birth date), enough for the outlet's technician to see that a
reader reads; an operator who signs in (``--as`` or ``$OUTLET_DESK_USER``) with a role that may open a
record sees it in full, each card so read kept in the audit trail as a personal read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Annotated, Any

import typer

from outlet_desk.cli_support import DEFERRED, USER_VAR, AsUser, refusals, signed_in
from outlet_desk.domain.citizen_id import mask_citizen_id
from outlet_desk.domain.roles import Action
from outlet_desk.i18n import _
from outlet_desk.reader.card_data import CardData
from outlet_desk.reader.errors import ReaderError, ServiceGone
from outlet_desk.reader.events import CardRead, ReaderErrorEvent, ReaderStatus, StateChanged, describe
from outlet_desk.reader.watch_loop import reader_events, readers_now, service_message
from outlet_desk.services.masking import mask_name

reader_app = typer.Typer(help=DEFERRED["reader"].help, no_args_is_help=True)


@reader_app.command("list")
def list_readers(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for a script (its schema: docs/json/).")]
    = False,
) -> None:
    """List the card readers and whether each holds a card."""
    try:
        snapshot = readers_now()
    except ReaderError as error:
        typer.echo(service_message(error) if isinstance(error, ServiceGone) else error.message, err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps([{"name": name, "card_present": state.present} for name, state in snapshot.items()],
                              ensure_ascii=False, indent=2))
        return
    if not snapshot:
        typer.echo(_("no reader"))
    for name, state in snapshot.items():
        status = _("card present") if state.present else _("no card")
        typer.echo(f"{name}\t{status}")


def masked_card(card: CardData) -> dict[str, Any]:
    """The chip's data as a script reads it, the holder's identity masked (no birth date: with the region
    code it would give the citizen number back)."""
    data = card.to_json_dict()
    data.update(citizen_number=mask_citizen_id(card.citizen_number), name=mask_name(card.name),
                name_extension=mask_name(card.name_extension), birth_date=None)
    return data


def _card_shown(ctx: typer.Context, as_user: str | None) -> Callable[[CardData], dict[str, Any]]:
    """How each card read is shown: in full (and audited) for a signed-in operator who may open a record,
    else masked, said once on standard error."""
    if not (as_user or os.environ.get(USER_VAR)):
        typer.echo(_("The holder's data is masked: sign in (--as USER) to see it in full."), err=True)
        return masked_card
    from outlet_desk.services.personal_reads import ReadKind, record_personal_read

    desk, actor = signed_in(ctx, as_user, Action.OPEN_PERSON)

    def in_full(card: CardData) -> dict[str, Any]:
        with refusals():
            record_personal_read(desk, actor, ReadKind.CHIP_READ, 1)
        return card.to_json_dict()

    return in_full


@reader_app.command("watch")
def watch(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Wait for one card, print it as JSON, exit.")] = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Give up after this many seconds.", min=0)
    ] = None,
    reader: Annotated[str | None, typer.Option("--reader", help="Reader name or name prefix.")] = None,
    as_user: AsUser = None,
) -> None:
    """Print reader and card events (and the data of each card read) until Ctrl-C: the holder's citizen
    number and name masked, or in full for an operator who signs in and may open a record (each card so
    read is audited)."""
    shown = _card_shown(ctx, as_user)
    gone: ServiceGone | None = None  # the PC/SC service missing, and not back since
    try:
        for event in reader_events(reader, timeout):
            if isinstance(event, ReaderErrorEvent) and isinstance(event.error, ServiceGone):
                gone = event.error
            elif isinstance(event, StateChanged) and event.state.status is not ReaderStatus.NO_SERVICE:
                gone = None
            if isinstance(event, CardRead):
                data = json.dumps(shown(event.card), ensure_ascii=False)
                typer.echo(data if once else _("card read in {reader}: {data}").format(reader=event.reader,
                                                                                       data=data))
                if once:
                    return
            elif not once:
                typer.echo(describe(event))
            elif isinstance(event, ReaderErrorEvent):
                error = event.error
                typer.echo(service_message(error) if isinstance(error, ServiceGone) else error.message, err=True)
                raise typer.Exit(1)
    except KeyboardInterrupt:
        return
    if gone is not None:  # the whole watch without a PC/SC service: a failure, said as `reader list` says it
        typer.echo(service_message(gone), err=True)
        raise typer.Exit(1)
    if once:
        typer.echo(_("No card was read within {seconds} s.").format(seconds=timeout), err=True)
        raise typer.Exit(1)
